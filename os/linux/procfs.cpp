#include "processkit/os/procfs.hpp"

#include "processkit/os/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <string_view>
#include <unistd.h>

namespace processkit::os {

namespace {

// Files under /proc and /sys are small; this only guards against a runaway.
constexpr std::size_t max_small_file = std::size_t{16} << 20;

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || ptr != end || text.empty()) {
        return std::nullopt;
    }
    return value;
}

/// The whitespace-separated fields of /proc/<pid>/stat after the command
/// name: [0] is field 3 (state), [2] field 5 (pgrp), [19] field 22 (start).
/// The name is in parentheses and may itself contain spaces and ')', so the
/// split starts after the last ')'.
std::vector<std::string_view> stat_fields_after_comm(std::string_view stat) {
    std::vector<std::string_view> fields;
    const auto close = stat.rfind(')');
    if (close == std::string_view::npos) {
        return fields;
    }
    std::string_view rest = stat.substr(close + 1);
    while (!rest.empty()) {
        const auto start = rest.find_first_not_of(" \n");
        if (start == std::string_view::npos) {
            break;
        }
        rest.remove_prefix(start);
        const auto stop = std::min(rest.find_first_of(" \n"), rest.size());
        fields.push_back(rest.substr(0, stop));
        rest.remove_prefix(stop);
    }
    return fields;
}

std::string proc_path(pid_t pid, const char* file) {
    return "/proc/" + std::to_string(pid) + "/" + file;
}

struct DirCloser {
    void operator()(DIR* d) const noexcept { ::closedir(d); }
};

} // namespace

DIR* open_directory(const std::string& path) noexcept {
    const int fd = above_stdio(::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd < 0) {
        return nullptr;
    }
    DIR* dir = ::fdopendir(fd);
    if (dir == nullptr) {
        const int err = errno;
        ::close(fd);
        errno = err;
    }
    return dir;
}

std::optional<std::string> read_small_file(const std::string& path) {
    UniqueFd fd(above_stdio(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY)));
    if (!fd) {
        return std::nullopt;
    }
    std::string content;
    char buffer[4096];
    for (;;) {
        const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return std::nullopt;
        }
        if (n == 0) {
            return content;
        }
        content.append(buffer, static_cast<std::size_t>(n));
        if (content.size() > max_small_file) {
            return std::nullopt;
        }
    }
}

std::optional<std::uint64_t> process_start_time(pid_t pid) {
    if (pid <= 0) {
        return std::nullopt;
    }
    const auto stat = read_small_file(proc_path(pid, "stat"));
    if (!stat) {
        return std::nullopt;
    }
    const auto fields = stat_fields_after_comm(*stat);
    if (fields.size() < 20) {
        return std::nullopt;
    }
    return parse_number<std::uint64_t>(fields[19]);
}

std::optional<std::uint64_t> resident_bytes(pid_t pid) {
    if (pid <= 0) {
        return std::nullopt;
    }
    const auto statm = read_small_file(proc_path(pid, "statm"));
    if (!statm) {
        return std::nullopt;
    }
    // "size resident shared text lib data dt", in pages.
    std::string_view text = *statm;
    const auto first_space = text.find(' ');
    if (first_space == std::string_view::npos) {
        return std::nullopt;
    }
    text.remove_prefix(first_space + 1);
    const auto resident = parse_number<std::uint64_t>(text.substr(0, text.find_first_of(" \n")));
    const long page = ::sysconf(_SC_PAGESIZE);
    if (!resident || page <= 0) {
        return std::nullopt;
    }
    return *resident * static_cast<std::uint64_t>(page);
}

std::vector<pid_t> processes_in_groups(const std::vector<pid_t>& pgids) {
    std::vector<pid_t> found;
    if (pgids.empty()) {
        return found;
    }
    std::vector<pid_t> wanted = pgids;
    std::sort(wanted.begin(), wanted.end());

    std::unique_ptr<DIR, DirCloser> dir(open_directory("/proc"));
    if (!dir) {
        return found;
    }
    while (const dirent* entry = ::readdir(dir.get())) {
        const auto pid = parse_number<pid_t>(entry->d_name);
        if (!pid || *pid <= 0) {
            continue;
        }
        const auto stat = read_small_file(proc_path(*pid, "stat"));
        if (!stat) {
            continue; // exited meanwhile
        }
        const auto fields = stat_fields_after_comm(*stat);
        if (fields.size() < 3 || fields[0] == "Z" || fields[0] == "X") {
            continue;
        }
        const auto pgrp = parse_number<pid_t>(fields[2]);
        if (pgrp && std::binary_search(wanted.begin(), wanted.end(), *pgrp)) {
            found.push_back(*pid);
        }
    }
    std::sort(found.begin(), found.end());
    return found;
}

} // namespace processkit::os
