// The paths a program is tried at, in the order execvp(3) would try them.
#include "processkit/os/spawn.hpp"

#include <string_view>

namespace processkit::os {

namespace {
// What glibc's execvp uses when PATH is unset (confstr(_CS_PATH) plus
// /usr/local/bin first, as documented in the header).
constexpr std::string_view default_path = "/usr/local/bin:/usr/bin:/bin";
} // namespace

std::vector<std::string> exec_candidates(const std::string& program,
                                         const std::optional<std::string>& path_variable) {
    if (program.find('/') != std::string::npos) {
        return {program}; // a path (absolute or relative): used as given
    }
    const std::string_view path = path_variable ? std::string_view(*path_variable) : default_path;
    std::vector<std::string> candidates;
    std::size_t start = 0;
    while (true) {
        const std::size_t colon = path.find(':', start);
        const std::string_view dir = path.substr(
            start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
        std::string candidate;
        if (dir.empty()) {
            // An empty entry (leading, trailing or "::", or an empty PATH) is
            // the current directory: the child's, after any cwd change.
            candidate = "./";
        } else {
            candidate.reserve(dir.size() + 1 + program.size());
            candidate.append(dir);
            if (candidate.back() != '/') {
                candidate += '/';
            }
        }
        candidate += program;
        candidates.push_back(std::move(candidate));
        if (colon == std::string_view::npos) {
            break;
        }
        start = colon + 1;
    }
    return candidates;
}

} // namespace processkit::os
