#include "processkit/os/procfs.hpp"

#include "processkit/os/unique_fd.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <signal.h>
#include <string_view>
#include <sys/stat.h>
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

namespace {

std::optional<std::uint64_t> start_time_in(const std::string& stat_path) {
    const auto stat = read_small_file(stat_path);
    if (!stat) {
        return std::nullopt;
    }
    const auto fields = stat_fields_after_comm(*stat);
    if (fields.size() < 20) {
        return std::nullopt;
    }
    return parse_number<std::uint64_t>(fields[19]);
}

} // namespace

std::optional<std::uint64_t> process_start_time(pid_t pid) {
    if (pid <= 0) {
        return std::nullopt;
    }
    return start_time_in(proc_path(pid, "stat"));
}

std::optional<std::uint64_t> own_process_start_time() {
    return start_time_in("/proc/self/stat");
}

namespace {

/// How many pids the NSpid line of a /proc/<pid>/status lists: one per pid
/// namespace from the /proc mount's down to the process's own. nullopt if
/// the file cannot be read; 0 if it has no such line (a kernel without pid
/// namespaces).
std::optional<std::size_t> nspid_entries(const std::string& status_path) {
    const auto status = read_small_file(status_path);
    if (!status) {
        return std::nullopt;
    }
    std::string_view text = *status;
    constexpr std::string_view key = "\nNSpid:";
    const auto at = text.find(key);
    if (at == std::string_view::npos) {
        return std::size_t{0};
    }
    text.remove_prefix(at + key.size());
    text = text.substr(0, text.find('\n'));
    std::size_t entries = 0;
    while (!text.empty()) {
        const auto start = text.find_first_not_of(" \t");
        if (start == std::string_view::npos) {
            break;
        }
        text.remove_prefix(start);
        ++entries;
        text.remove_prefix(std::min(text.find_first_of(" \t"), text.size()));
    }
    return entries;
}

} // namespace

bool proc_shows_own_pid_namespace() {
    // /proc/self names this process as the namespace of the mount numbers it.
    char link[32];
    const ssize_t n = ::readlink("/proc/self", link, sizeof link);
    if (n <= 0 || static_cast<std::size_t>(n) >= sizeof link ||
        std::string_view(link, static_cast<std::size_t>(n)) != std::to_string(::getpid())) {
        return false;
    }
    // That alone could be a coincidence of numbers in an ancestor namespace.
    // Exactly one NSpid entry means the mount's namespace is our own (none:
    // a kernel without pid namespaces, where there is only one).
    const auto entries = nspid_entries("/proc/self/status");
    return entries && *entries <= 1;
}

std::optional<std::vector<std::uint64_t>> pid_namespaces_in_use() {
    std::unique_ptr<DIR, DirCloser> proc(::opendir("/proc"));
    if (!proc) {
        return std::nullopt;
    }
    std::vector<std::uint64_t> namespaces;
    std::optional<std::uint64_t> mount_ns; ///< ours, once needed and proven
    errno = 0;
    while (const dirent* entry = ::readdir(proc.get())) {
        const auto pid = parse_number<pid_t>(entry->d_name);
        if (!pid) {
            continue;
        }
        struct stat st {};
        if (::stat(proc_path(*pid, "ns/pid").c_str(), &st) == 0) {
            namespaces.push_back(static_cast<std::uint64_t>(st.st_ino));
        } else if (errno == EACCES || errno == EPERM) {
            // The link needs ptrace access (not given for some processes,
            // even to root). status does not: one NSpid entry means the
            // process is in the /proc mount's own namespace.
            const auto entries = nspid_entries(proc_path(*pid, "status"));
            if (!entries) {
                errno = 0;
                if (::kill(*pid, 0) != 0 && errno == ESRCH) {
                    errno = 0;
                    continue; // gone meanwhile
                }
                return std::nullopt;
            }
            if (*entries > 1) {
                return std::nullopt; // in a namespace we cannot name
            }
            if (!mount_ns) {
                if (!proc_shows_own_pid_namespace() || ::stat("/proc/self/ns/pid", &st) != 0) {
                    return std::nullopt;
                }
                mount_ns = static_cast<std::uint64_t>(st.st_ino);
            }
            namespaces.push_back(*mount_ns);
        } else if (errno != ENOENT && errno != ESRCH) {
            return std::nullopt;
        }
        errno = 0;
    }
    if (errno != 0) {
        return std::nullopt;
    }
    std::sort(namespaces.begin(), namespaces.end());
    namespaces.erase(std::unique(namespaces.begin(), namespaces.end()), namespaces.end());
    return namespaces;
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
