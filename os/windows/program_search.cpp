// Where a program name is looked for on Windows: pure string work, so the
// order is tested without touching the file system.
#include "processkit/os/windows/spawn.hpp"

#include <algorithm>

namespace processkit::os {
namespace {

std::vector<std::string> split_list(const std::string& list) {
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start <= list.size()) {
        std::size_t end = list.find(';', start);
        if (end == std::string::npos) {
            end = list.size();
        }
        std::string item = list.substr(start, end - start);
        // PATH entries may be quoted ("C:\Program Files\x"); an empty entry
        // means nothing (never the current directory, see the header).
        std::erase(item, '"');
        if (!item.empty()) {
            out.push_back(std::move(item));
        }
        start = end + 1;
    }
    return out;
}

bool has_directory_part(const std::string& program) {
    return program.find_first_of("\\/") != std::string::npos ||
           (program.size() >= 2 && program[1] == ':');
}

bool has_extension(const std::string& program) {
    const std::size_t slash = program.find_last_of("\\/:");
    const std::size_t dot = program.rfind('.');
    return dot != std::string::npos && (slash == std::string::npos || dot > slash) &&
           dot + 1 < program.size();
}

std::string join(const std::string& dir, const std::string& name) {
    if (dir.back() == '\\' || dir.back() == '/') {
        return dir + name;
    }
    return dir + "\\" + name;
}

} // namespace

std::vector<std::string> program_candidates(const std::string& program,
                                            const std::optional<std::string>& path_variable,
                                            const std::optional<std::string>& pathext,
                                            const std::vector<std::string>& system_dirs) {
    std::vector<std::string> extensions = split_list(pathext.value_or(".COM;.EXE;.BAT;.CMD"));
    if (extensions.empty()) {
        extensions = {".COM", ".EXE", ".BAT", ".CMD"};
    }
    auto forms = [&](const std::string& base) {
        std::vector<std::string> out;
        if (has_extension(base)) {
            out.push_back(base);
        }
        for (const auto& ext : extensions) {
            out.push_back(base + ext);
        }
        return out;
    };
    if (has_directory_part(program)) {
        return forms(program);
    }
    std::vector<std::string> dirs =
        path_variable ? split_list(*path_variable) : std::vector<std::string>{};
    dirs.insert(dirs.end(), system_dirs.begin(), system_dirs.end());
    std::vector<std::string> out;
    for (const auto& dir : dirs) {
        for (auto& c : forms(join(dir, program))) {
            if (std::find(out.begin(), out.end(), c) == out.end()) {
                out.push_back(std::move(c));
            }
        }
    }
    return out;
}

} // namespace processkit::os
