// processkit-guard: the owner-death guard (X1). See
// processkit/os/owner_guard.hpp for the contract; this program depends on
// nothing but libc.
//
// Started by the owner with one end of a socket pair as descriptor 3 (the
// owner's end is close-on-exec, so only the owner holds it). Reads commands,
// one per line:
//   C <path>   watch a cgroup directory (kill its tree when the owner dies)
//   c <path>   forget it
//   N <dir>/<prefix>  watch every directory in <dir> whose name starts with
//              <prefix>, whenever it was created: the owner names its
//              directories processkit-<pid>-<start time>-<n>, so one command
//              per parent directory covers all of them (no message per group)
//   Z <path>   the cgroup was killed: remove the directory once it is empty
//   P <pgid>   watch a process group (SIGKILL to it when the owner dies)
//   p <pgid>   forget it
// End-of-file (or an error) on descriptor 3 means the owner is gone, however
// it died: every watched cgroup is killed (cgroup.kill, or SIGKILL to each
// member where the kernel has no cgroup.kill), every watched process group is
// sent SIGKILL, the directories are removed once empty (bounded waits), and
// the guard exits. The N directories are found by listing <dir> at that
// point: the owner is dead, so no directory of its can appear any more.

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>
#include <vector>

namespace {

constexpr int command_fd = 3;
// A line longer than this is not a command (the owner never sends one).
constexpr std::size_t max_line = 8192;
// Bounds of the clean-up after the owner died.
constexpr long cgroup_wait_ms = 5000;
constexpr long pgroup_wait_ms = 2000;
constexpr long rekill_interval_ms = 10;

long now_ms() {
    timespec ts{};
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void sleep_ms(long ms) {
    timespec ts{ms / 1000L, (ms % 1000L) * 1000000L};
    while (::nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

bool write_file(const std::string& path, const char* text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    const std::size_t len = std::strlen(text);
    ssize_t n = 0;
    do {
        n = ::write(fd, text, len);
    } while (n < 0 && errno == EINTR);
    ::close(fd);
    return n == static_cast<ssize_t>(len);
}

/// Reads a small file from offset 0 of an open descriptor.
std::string read_fd(int fd) {
    std::string out;
    if (::lseek(fd, 0, SEEK_SET) < 0) {
        return out;
    }
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
    }
    return out;
}

std::string read_file(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return {};
    }
    std::string s = read_fd(fd);
    ::close(fd);
    return s;
}

/// Child directories (nested cgroups) of a cgroup directory.
std::vector<std::string> subdirectories(const std::string& path) {
    std::vector<std::string> out;
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) {
        return out;
    }
    while (const dirent* e = ::readdir(d)) {
        if (e->d_type != DT_DIR || std::strcmp(e->d_name, ".") == 0 ||
            std::strcmp(e->d_name, "..") == 0) {
            continue;
        }
        out.push_back(path + "/" + e->d_name);
    }
    ::closedir(d);
    return out;
}

/// Removes a cgroup directory and the cgroups nested in it, deepest first.
/// True once the directory is gone.
bool remove_tree(const std::string& path, int depth = 0) {
    if (depth < 64) {
        for (const auto& sub : subdirectories(path)) {
            remove_tree(sub, depth + 1);
        }
    }
    return ::rmdir(path.c_str()) == 0 || errno == ENOENT;
}

/// SIGKILL to every member of the tree, one by one (kernels before 5.14
/// have no cgroup.kill). Returns how many were signalled.
int kill_members(const std::string& path, int depth = 0) {
    int count = 0;
    const std::string procs = read_file(path + "/cgroup.procs");
    const char* p = procs.c_str();
    while (*p != '\0') {
        char* end = nullptr;
        const long pid = std::strtol(p, &end, 10);
        if (end == p) {
            break;
        }
        if (pid > 1 && ::kill(static_cast<pid_t>(pid), SIGKILL) == 0) {
            ++count;
        }
        p = end;
        while (*p == '\n' || *p == ' ') {
            ++p;
        }
    }
    if (depth < 64) {
        for (const auto& sub : subdirectories(path)) {
            count += kill_members(sub, depth + 1);
        }
    }
    return count;
}

/// A cgroup directory being watched or waited for.
struct Cgroup {
    std::string path;
    int events_fd = -1;   // cgroup.events, for POLLPRI when `populated` changes
    bool watched = false; // C: kill when the owner dies
    bool remove = false;  // Z: remove once empty

    void open_events() {
        if (events_fd < 0) {
            events_fd = ::open((path + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC);
        }
    }
    void close_events() {
        if (events_fd >= 0) {
            ::close(events_fd);
            events_fd = -1;
        }
    }
    /// Reading also re-arms POLLPRI. A directory that cannot be read (gone)
    /// counts as empty.
    bool populated() {
        open_events();
        if (events_fd < 0) {
            return false;
        }
        const std::string s = read_fd(events_fd);
        const auto at = s.find("populated ");
        return at != std::string::npos && at + 10 < s.size() && s[at + 10] == '1';
    }
    bool exists() const { return ::access(path.c_str(), F_OK) == 0; }
};

struct State {
    std::vector<Cgroup> cgroups;
    std::vector<pid_t> pgroups;
    std::vector<std::string> named; ///< N: "<dir>/<name prefix>"

    Cgroup* find(const std::string& path) {
        for (auto& c : cgroups) {
            if (c.path == path) {
                return &c;
            }
        }
        return nullptr;
    }
    Cgroup& get(const std::string& path) {
        if (Cgroup* c = find(path)) {
            return *c;
        }
        cgroups.push_back(Cgroup{path});
        return cgroups.back();
    }
    void drop_unused() {
        for (auto it = cgroups.begin(); it != cgroups.end();) {
            if (!it->watched && !it->remove) {
                it->close_events();
                it = cgroups.erase(it);
            } else {
                ++it;
            }
        }
    }
    /// N: every directory the owner created under a named prefix becomes a
    /// watched one (called once the owner is gone).
    void watch_named() {
        for (const auto& entry : named) {
            const auto slash = entry.rfind('/');
            const std::string dir = slash == 0 ? "/" : entry.substr(0, slash);
            const std::string prefix = entry.substr(slash + 1);
            for (const auto& sub : subdirectories(dir)) {
                if (sub.compare(sub.rfind('/') + 1, prefix.size(), prefix) == 0) {
                    get(sub).watched = true;
                }
            }
        }
    }
    /// Z directories: rmdir those that are empty; true if one is empty but
    /// could not be removed yet (worth a retry soon).
    bool try_removals() {
        bool retry = false;
        for (auto& c : cgroups) {
            if (!c.remove || c.populated()) {
                continue;
            }
            if (remove_tree(c.path)) {
                c.remove = false;
                c.watched = false;
            } else {
                retry = true;
            }
        }
        drop_unused();
        return retry;
    }
};

bool valid_path(const std::string& p) {
    return p.size() > 1 && p[0] == '/' && p.find('\0') == std::string::npos;
}

void apply(State& st, const std::string& line) {
    if (line.size() < 3 || line[1] != ' ') {
        return;
    }
    const char op = line[0];
    const std::string arg = line.substr(2);
    switch (op) {
    case 'C':
        if (valid_path(arg)) {
            st.get(arg).watched = true;
        }
        break;
    case 'c':
        if (Cgroup* c = st.find(arg)) {
            c->watched = false;
        }
        break;
    case 'N': {
        const auto slash = arg.rfind('/');
        if (valid_path(arg) && slash + 1 < arg.size() &&
            std::find(st.named.begin(), st.named.end(), arg) == st.named.end()) {
            st.named.push_back(arg);
        }
        break;
    }
    case 'Z':
        if (valid_path(arg)) {
            Cgroup& c = st.get(arg);
            c.remove = true;
            c.open_events();
        }
        break;
    case 'P':
    case 'p': {
        char* end = nullptr;
        errno = 0;
        const long v = std::strtol(arg.c_str(), &end, 10);
        // Never 0 or 1: kill(0) is our own group, kill(-1) everything.
        if (errno != 0 || end == arg.c_str() || *end != '\0' || v <= 1 || v > 0x7fffffffL) {
            break;
        }
        const auto pgid = static_cast<pid_t>(v);
        auto& groups = st.pgroups;
        groups.erase(std::remove(groups.begin(), groups.end(), pgid), groups.end());
        if (op == 'P') {
            groups.push_back(pgid);
        }
        break;
    }
    default:
        break;
    }
    st.drop_unused();
}

/// Whether a live (non-zombie) process is left in process group `pgid`.
bool group_has_live_member(pid_t pgid) {
    DIR* d = ::opendir("/proc");
    if (d == nullptr) {
        return true; // cannot tell: keep killing until the bound
    }
    bool found = false;
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') {
            continue;
        }
        const std::string stat = read_file(std::string("/proc/") + e->d_name + "/stat");
        const auto close = stat.rfind(')');
        if (close == std::string::npos || close + 2 >= stat.size()) {
            continue;
        }
        // After ")": state ppid pgrp ...
        const char state = stat[close + 2];
        long ppid = 0;
        long pgrp = 0;
        if (std::sscanf(stat.c_str() + close + 3, "%ld %ld", &ppid, &pgrp) == 2 && pgrp == pgid &&
            state != 'Z' && state != 'X') {
            found = true;
            break;
        }
    }
    ::closedir(d);
    return found;
}

/// The owner is gone: kill everything registered, wait (bounded) until it is
/// gone, remove the directories.
void clean_up(State& st) {
    const long start = now_ms();
    st.watch_named();
    std::vector<Cgroup*> without_kill_file;
    for (auto& c : st.cgroups) {
        // Z directories were killed already; killing again is harmless and
        // covers a process that was being moved in meanwhile.
        if (!write_file(c.path + "/cgroup.kill", "1")) {
            // No cgroup.kill (before 5.14): freeze the tree first where the
            // kernel can (5.2), so nothing forks while we kill one by one;
            // frozen processes still die of SIGKILL.
            write_file(c.path + "/cgroup.freeze", "1");
            if (kill_members(c.path) > 0 || c.exists()) {
                without_kill_file.push_back(&c);
            }
        }
    }
    std::vector<pid_t> pgroups = st.pgroups;
    for (auto it = pgroups.begin(); it != pgroups.end();) {
        if (::kill(-*it, SIGKILL) != 0 && errno == ESRCH) {
            it = pgroups.erase(it);
        } else {
            ++it;
        }
    }

    std::vector<Cgroup*> pending;
    for (auto& c : st.cgroups) {
        pending.push_back(&c);
    }
    for (;;) {
        const long elapsed = now_ms() - start;
        // Process groups: re-kill (a member may have been forking) until
        // none is left alive or the bound is reached.
        if (!pgroups.empty()) {
            if (elapsed >= pgroup_wait_ms) {
                pgroups.clear();
            }
            for (auto it = pgroups.begin(); it != pgroups.end();) {
                if ((::kill(-*it, SIGKILL) != 0 && errno == ESRCH) || !group_has_live_member(*it)) {
                    it = pgroups.erase(it);
                } else {
                    ++it;
                }
            }
        }
        for (Cgroup* c : without_kill_file) {
            kill_members(c->path);
        }
        bool retry_soon = !without_kill_file.empty();
        for (auto it = pending.begin(); it != pending.end();) {
            Cgroup& c = **it;
            if (!c.populated()) {
                if (remove_tree(c.path)) {
                    c.close_events();
                    without_kill_file.erase(
                        std::remove(without_kill_file.begin(), without_kill_file.end(), &c),
                        without_kill_file.end());
                    it = pending.erase(it);
                    continue;
                }
                retry_soon = true; // empty but not removable yet
            }
            ++it;
        }
        if (pending.empty() && pgroups.empty()) {
            return;
        }
        const long now = now_ms() - start;
        if (now >= cgroup_wait_ms) {
            return;
        }
        if (pending.empty()) {
            sleep_ms(rekill_interval_ms);
            continue;
        }
        // Sleep on the cgroups' events until one empties (or a re-kill or
        // retry is due).
        std::vector<pollfd> fds;
        for (Cgroup* c : pending) {
            if (c->events_fd >= 0) {
                fds.push_back(pollfd{c->events_fd, POLLPRI, 0});
            }
        }
        long timeout = cgroup_wait_ms - now;
        if (!pgroups.empty() || retry_soon || fds.empty()) {
            timeout = std::min(timeout, rekill_interval_ms);
        }
        ::poll(fds.data(), fds.size(), static_cast<int>(timeout));
    }
}

} // namespace

int main() {
    // Only descriptor 3 is ours to keep; nothing else the owner left open.
    if (::fcntl(command_fd, F_GETFD) < 0) {
        return 2; // not started by an owner
    }
    // Standard streams: the owner's terminal or pipes are not ours to hold
    // (a reader waiting for end-of-file must not wait for the guard). Done
    // before closing the rest, so that holding only 0-3 means settled.
    const int null = ::open("/dev/null", O_RDWR);
    for (int fd = 0; fd <= 2; ++fd) {
        if (null >= 0 && null != fd) {
            ::dup2(null, fd);
        } else if (null < 0) {
            ::close(fd);
        }
    }
    if (null > 2) {
        ::close(null);
    }
    if (::close_range(command_fd + 1, ~0U, 0) != 0) { // kernels before 5.9
        const long max = std::min(::sysconf(_SC_OPEN_MAX), 65536L);
        for (int fd = command_fd + 1; fd < max; ++fd) {
            ::close(fd);
        }
    }
    // One descriptor per cgroup waiting for removal: allow as many as we may.
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
    ::signal(SIGPIPE, SIG_IGN);

    State st;
    std::string buffer;
    bool discarding = false;
    bool retry_soon = false;
    for (;;) {
        std::vector<pollfd> fds;
        fds.push_back(pollfd{command_fd, POLLIN, 0});
        for (auto& c : st.cgroups) {
            if (c.remove && c.events_fd >= 0) {
                fds.push_back(pollfd{c.events_fd, POLLPRI, 0});
            }
        }
        const int ready = ::poll(fds.data(), fds.size(), retry_soon ? 100 : -1);
        if (ready < 0 && errno != EINTR) {
            break;
        }
        if (ready > 0 && fds[0].revents != 0) {
            char buf[4096];
            const ssize_t n = ::read(command_fd, buf, sizeof buf);
            if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN)) {
                break; // the owner is gone
            }
            if (n > 0) {
                buffer.append(buf, static_cast<std::size_t>(n));
                std::size_t start = 0;
                for (std::size_t nl; (nl = buffer.find('\n', start)) != std::string::npos;
                     start = nl + 1) {
                    if (!discarding) {
                        apply(st, buffer.substr(start, nl - start));
                    }
                    discarding = false;
                }
                buffer.erase(0, start);
                if (buffer.size() > max_line) {
                    buffer.clear(); // not a command: dropped up to its end
                    discarding = true;
                }
            }
        }
        retry_soon = st.try_removals();
    }
    // A command cut short by the owner's death is not applied.
    clean_up(st);
    return 0;
}
