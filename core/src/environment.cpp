// Environment resolution: a pure function so that its documented order is
// tested without touching the real environment.
#include "processkit/core/command.hpp"

#include <algorithm>

namespace processkit {
namespace {

std::string_view name_of(std::string_view entry, EnvNames names) {
    // Windows keeps hidden variables such as "=C:=C:\dir": their name
    // starts with '=', so the separator is the first '=' after that.
    const std::size_t from = names == EnvNames::CaseInsensitive && !entry.empty() ? 1 : 0;
    auto eq = entry.find('=', from);
    return eq == std::string_view::npos ? entry : entry.substr(0, eq);
}

char ascii_upper(char c) {
    return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
}

bool same_name(std::string_view a, std::string_view b, EnvNames names) {
    if (names == EnvNames::CaseSensitive) {
        return a == b;
    }
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return ascii_upper(x) == ascii_upper(y);
           });
}

} // namespace

std::vector<std::string> resolve_environment(const std::vector<std::string_view>& parent,
                                             const std::vector<EnvOp>& ops, EnvNames names) {
    std::vector<std::string> env;
    env.reserve(parent.size());
    for (auto entry : parent) {
        // Entries without '=' are not variables. Of duplicates the first is
        // kept: it is the one a lookup by name would have found first.
        if (entry.find('=', names == EnvNames::CaseInsensitive ? 1 : 0) == std::string_view::npos) {
            continue;
        }
        auto same = [&](const std::string& e) {
            return same_name(name_of(e, names), name_of(entry, names), names);
        };
        if (std::none_of(env.begin(), env.end(), same)) {
            env.emplace_back(entry);
        }
    }
    for (const auto& op : ops) {
        auto named = [&](const std::string& e) {
            return same_name(name_of(e, names), op.name, names);
        };
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
                return std::none_of(op.names.begin(), op.names.end(), [&](const std::string& n) {
                    return same_name(name_of(e, names), n, names);
                });
            });
            break;
        }
    }
    return env;
}

} // namespace processkit
