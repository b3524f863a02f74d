// Environment resolution: a pure function so that its documented order is
// tested without touching the real environment.
#include "processkit/core/command.hpp"

#include <algorithm>

namespace processkit {
namespace {

std::string_view name_of(std::string_view entry) {
    auto eq = entry.find('=');
    return eq == std::string_view::npos ? entry : entry.substr(0, eq);
}

} // namespace

std::vector<std::string> resolve_environment(const std::vector<std::string_view>& parent,
                                             const std::vector<EnvOp>& ops) {
    std::vector<std::string> env;
    env.reserve(parent.size());
    for (auto entry : parent) {
        // Entries without '=' are not variables. Of duplicates the first is
        // kept: it is the one a lookup by name would have found first.
        if (entry.find('=') == std::string_view::npos) {
            continue;
        }
        auto same = [&](const std::string& e) { return name_of(e) == name_of(entry); };
        if (std::none_of(env.begin(), env.end(), same)) {
            env.emplace_back(entry);
        }
    }
    for (const auto& op : ops) {
        auto named = [&](const std::string& e) { return name_of(e) == op.name; };
        switch (op.kind) {
        case EnvOp::Kind::Set: {
            std::string entry = op.name + "=" + op.value;
            if (auto it = std::find_if(env.begin(), env.end(), named); it != env.end()) {
                *it = std::move(entry);
            } else {
                env.push_back(std::move(entry));
            }
            break;
        }
        case EnvOp::Kind::Remove:
            std::erase_if(env, named);
            break;
        case EnvOp::Kind::Clear:
            env.clear();
            break;
        case EnvOp::Kind::InheritOnly:
            std::erase_if(env, [&](const std::string& e) {
                return std::find(op.names.begin(), op.names.end(), name_of(e)) == op.names.end();
            });
            break;
        }
    }
    return env;
}

} // namespace processkit
