// processkit-guard: the owner-death guard (X1). See
// processkit/os/owner_guard.hpp for the contract and guard_protocol.hpp for
// the messages; this program depends on nothing but libc.
//
//   processkit-guard --owner PID [--nudge-fd 4]
//                                    (started by the owner; descriptor 3 is
//                                     its end of a SOCK_SEQPACKET pair, 4 its
//                                     end of the wake-up channel, a socket)
//   processkit-guard --version
//
// It trusts nothing it cannot verify (S1):
// * only messages whose kernel-filled credentials name the owner's pid count;
// * it acts only on descriptors the owner handed over: a cgroup directory
//   (checked to be on the cgroup2 filesystem, and to be the entry `name` of
//   the parent directory handed over with it), or a pidfd. No path or bare
//   number from a message is ever opened, killed or removed;
// * a directory is removed only while its parent's entry is still the very
//   directory the owner registered (same device and inode).
// End-of-file on descriptor 3 means the owner is gone, however it died:
// every registered cgroup is killed (cgroup.kill, or SIGKILL to each member
// of a frozen tree where the kernel has no cgroup.kill), every registered
// process group and process gets SIGKILL, the directories are removed once
// empty (bounded waits), and the guard exits.

#include "guard_protocol.hpp"

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <poll.h>
#include <string>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>
#include <vector>

#ifndef PROCESSKIT_VERSION
#define PROCESSKIT_VERSION "unknown"
#endif

namespace {

namespace proto = processkit::os::guard_protocol;

constexpr int command_fd = 3;
constexpr int nudge_fd_number = 4;
constexpr long cgroup2_magic = 0x63677270; // CGROUP2_SUPER_MAGIC
// Bounds of the clean-up after the owner died.
constexpr long cgroup_wait_ms = 5000;
constexpr long pgroup_wait_ms = 2000;
constexpr long rekill_interval_ms = 10;
constexpr int max_depth = 64;
// How long the guard lets messages queue up after a wake-up that read some
// (only with a wake-up channel, which ends the pause when the owner's sends
// find the socket full, or the owner is gone).
constexpr int coalesce_ms = 5;

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

int pidfd_signal(int pidfd, int sig) {
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
}

void close_fd(int& fd) {
    if (fd >= 0) {
        ::close(fd);
        fd = -1;
    }
}

bool write_at(int dir, const char* file, const char* text) {
    const int fd = ::openat(dir, file, O_WRONLY | O_CLOEXEC);
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

/// A small file from offset 0 of an open descriptor.
std::string read_fd(int fd) {
    std::string out;
    char buf[4096];
    for (off_t off = 0;;) {
        const ssize_t n = ::pread(fd, buf, sizeof buf, off);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            break;
        }
        out.append(buf, static_cast<std::size_t>(n));
        off += n;
    }
    return out;
}

std::string read_at(int dir, const char* file) {
    const int fd = ::openat(dir, file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return {};
    }
    std::string s = read_fd(fd);
    ::close(fd);
    return s;
}

/// Names of the directories (nested cgroups) in directory `dir`.
std::vector<std::string> subdirectories(int dir) {
    std::vector<std::string> out;
    const int list = ::openat(dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (list < 0) {
        return out;
    }
    DIR* d = ::fdopendir(list);
    if (d == nullptr) {
        ::close(list);
        return out;
    }
    while (const dirent* e = ::readdir(d)) {
        if (e->d_type == DT_DIR && std::strcmp(e->d_name, ".") != 0 &&
            std::strcmp(e->d_name, "..") != 0) {
            out.emplace_back(e->d_name);
        }
    }
    ::closedir(d);
    return out;
}

/// Removes the cgroups nested in `dir`, deepest first. True if none is left.
bool remove_nested(int dir, int depth = 0) {
    bool all = true;
    for (const auto& name : subdirectories(dir)) {
        const int sub = ::openat(dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (sub < 0) {
            continue;
        }
        if (depth < max_depth) {
            remove_nested(sub, depth + 1);
        }
        ::close(sub);
        if (::unlinkat(dir, name.c_str(), AT_REMOVEDIR) != 0 && errno != ENOENT) {
            all = false;
        }
    }
    return all;
}

/// SIGKILL to every member of the tree, one by one (kernels before 5.14
/// have no cgroup.kill; the tree is frozen first, so its pids stay put).
int kill_members(int dir, int depth = 0) {
    int count = 0;
    const std::string procs = read_at(dir, "cgroup.procs");
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
    if (depth < max_depth) {
        for (const auto& name : subdirectories(dir)) {
            const int sub =
                ::openat(dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub >= 0) {
                count += kill_members(sub, depth + 1);
                ::close(sub);
            }
        }
    }
    return count;
}

/// A parent directory of registered cgroups, shared by all of them.
struct Parent {
    int fd = -1;
    dev_t dev = 0;
    ino_t ino = 0;
    int refs = 0;
};

/// A registered cgroup directory.
struct Cgroup {
    std::uint64_t id = 0;
    int dir = -1; // the directory (O_PATH), from the owner
    Parent* parent = nullptr;
    std::string name; // its entry in the parent
    dev_t dev = 0;
    ino_t ino = 0;
    int events = -1;     // cgroup.events, for POLLPRI when `populated` changes
    bool remove = false; // RemoveWhenEmpty: the owner is done with it

    void open_events() {
        if (events < 0) {
            events = ::openat(dir, "cgroup.events", O_RDONLY | O_CLOEXEC);
        }
    }
    /// Reading also re-arms POLLPRI. A directory that cannot be read (gone)
    /// counts as empty.
    bool populated() {
        open_events();
        if (events < 0) {
            return false;
        }
        const std::string s = read_fd(events);
        const auto at = s.find("populated ");
        return at != std::string::npos && at + 10 < s.size() && s[at + 10] == '1';
    }
    void kill() {
        if (!write_at(dir, "cgroup.kill", "1")) {
            // No cgroup.kill (before 5.14): freeze the tree first where the
            // kernel can (5.2), so nothing forks while we kill one by one;
            // frozen processes still die of SIGKILL.
            write_at(dir, "cgroup.freeze", "1");
            kill_members(dir);
        }
    }
    /// Removes the directory, and only while the parent's entry `name` is
    /// still the directory the owner registered. True once it is gone (or
    /// is no longer ours to remove).
    bool try_remove() {
        remove_nested(dir);
        struct stat st {};
        if (::fstatat(parent->fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
            return errno == ENOENT;
        }
        if (st.st_dev != dev || st.st_ino != ino) {
            return true; // renamed or replaced: not the directory we were given
        }
        return ::unlinkat(parent->fd, name.c_str(), AT_REMOVEDIR) == 0 || errno == ENOENT;
    }
};

/// A registered process group (pgid > 0) or single process (pgid == 0).
struct Process {
    std::uint64_t id = 0;
    int pidfd = -1; // the process, or the group's leader
    pid_t pgid = 0;
};

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
        const std::string path = std::string("/proc/") + e->d_name + "/stat";
        const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            continue;
        }
        const std::string stat = read_fd(fd);
        ::close(fd);
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

/// Whether number `pgid` still names the group the owner registered. While
/// the leader is not reaped its pid pins the number; once it is, a process
/// holding that pid is a newcomer (the number was free when it got it, so no
/// member of ours was left), and otherwise the number is still pinned by the
/// group's remaining members, if any. The one window left: the number
/// reused, made a group by the newcomer, and the newcomer gone, all since
/// the last member of ours died (docs/security.md).
bool number_is_ours(const Process& p) {
    if (pidfd_signal(p.pidfd, 0) == 0) {
        return true;
    }
    return ::kill(p.pgid, 0) != 0 && errno == ESRCH;
}

/// SIGKILL to a registered process group or process. True if the group may
/// still have members worth killing again.
bool kill_process(const Process& p) {
    pidfd_signal(p.pidfd, SIGKILL);
    if (p.pgid <= 1 || !number_is_ours(p)) {
        return false;
    }
    return ::kill(-p.pgid, SIGKILL) == 0 || errno != ESRCH;
}

struct State {
    pid_t owner = 0;
    std::vector<Cgroup> cgroups;
    std::vector<Process> processes;
    std::vector<std::unique_ptr<Parent>> parents;

    Cgroup* find_cgroup(std::uint64_t id) {
        for (auto& c : cgroups) {
            if (c.id == id) {
                return &c;
            }
        }
        return nullptr;
    }
    bool known(std::uint64_t id) {
        return find_cgroup(id) != nullptr ||
               std::any_of(processes.begin(), processes.end(),
                           [&](const Process& p) { return p.id == id; });
    }
    /// The parent entry for directory `fd` (taking the descriptor, or
    /// closing it when that directory is already known).
    Parent* parent_for(int fd, const struct stat& st) {
        for (const auto& p : parents) {
            if (p->dev == st.st_dev && p->ino == st.st_ino) {
                ::close(fd);
                ++p->refs;
                return p.get();
            }
        }
        parents.push_back(std::make_unique<Parent>(Parent{fd, st.st_dev, st.st_ino, 1}));
        return parents.back().get();
    }
    void release(Cgroup& c) {
        close_fd(c.dir);
        close_fd(c.events);
        if (c.parent != nullptr && --c.parent->refs == 0) {
            close_fd(c.parent->fd);
            const Parent* gone = c.parent;
            parents.erase(std::remove_if(parents.begin(), parents.end(),
                                         [&](const auto& p) { return p.get() == gone; }),
                          parents.end());
        }
        c.parent = nullptr;
    }
    void erase_cgroup(std::uint64_t id) {
        for (auto it = cgroups.begin(); it != cgroups.end(); ++it) {
            if (it->id == id) {
                release(*it);
                cgroups.erase(it);
                return;
            }
        }
    }
    void forget(std::uint64_t id) {
        erase_cgroup(id);
        for (auto it = processes.begin(); it != processes.end(); ++it) {
            if (it->id == id) {
                close_fd(it->pidfd);
                processes.erase(it);
                return;
            }
        }
    }

    /// A cgroup the owner hands over, if it checks out. Takes the two
    /// descriptors whether it keeps them or not.
    void watch_cgroup(const proto::Message& m, int dir, int parent) {
        struct statfs dir_fs {};
        struct statfs parent_fs {};
        struct stat dir_st {};
        struct stat parent_st {};
        struct stat entry {};
        const std::string name(m.name, strnlen(m.name, sizeof m.name));
        const bool ok = name.size() <= proto::max_name && name.rfind("processkit-", 0) == 0 &&
                        name.find('/') == std::string::npos && ::fstatfs(dir, &dir_fs) == 0 &&
                        ::fstatfs(parent, &parent_fs) == 0 && dir_fs.f_type == cgroup2_magic &&
                        parent_fs.f_type == cgroup2_magic && ::fstat(dir, &dir_st) == 0 &&
                        ::fstat(parent, &parent_st) == 0 && S_ISDIR(dir_st.st_mode) &&
                        S_ISDIR(parent_st.st_mode) &&
                        ::fstatat(parent, name.c_str(), &entry, AT_SYMLINK_NOFOLLOW) == 0 &&
                        entry.st_dev == dir_st.st_dev && entry.st_ino == dir_st.st_ino &&
                        !known(m.id);
        if (!ok) {
            ::close(dir);
            ::close(parent);
            return;
        }
        Cgroup c;
        c.id = m.id;
        c.dir = dir;
        c.parent = parent_for(parent, parent_st);
        c.name = name;
        c.dev = dir_st.st_dev;
        c.ino = dir_st.st_ino;
        cgroups.push_back(std::move(c));
    }

    void watch_process(const proto::Message& m, int pidfd) {
        const bool group = m.op == proto::Op::WatchProcessGroup;
        // A pidfd answers signal 0 with success or ESRCH (reaped); any other
        // descriptor with EBADF or EINVAL.
        const bool is_pidfd = pidfd_signal(pidfd, 0) == 0 || errno == ESRCH;
        // Never 0 or 1: kill(-0) is our own group, kill(-1) everything.
        if (!is_pidfd || (group && (m.number <= 1 || m.number > 0x7fffffff)) || known(m.id)) {
            ::close(pidfd);
            return;
        }
        processes.push_back(Process{m.id, pidfd, group ? static_cast<pid_t>(m.number) : 0});
    }

    void apply(const proto::Message& m, std::vector<int>& fds) {
        switch (m.op) {
        case proto::Op::WatchCgroup:
            watch_cgroup(m, fds[0], fds[1]);
            fds.clear();
            break;
        case proto::Op::WatchProcessGroup:
        case proto::Op::WatchProcess:
            watch_process(m, fds[0]);
            fds.clear();
            break;
        case proto::Op::RemoveWhenEmpty:
            if (Cgroup* c = find_cgroup(m.id)) {
                c->remove = true;
                c->open_events();
            }
            break;
        case proto::Op::Forget:
            forget(m.id);
            break;
        }
    }

    /// RemoveWhenEmpty directories: remove those that are empty; true if
    /// one is empty but could not be removed yet (worth a retry soon).
    bool try_removals() {
        bool retry = false;
        std::vector<std::uint64_t> done;
        for (auto& c : cgroups) {
            if (!c.remove || c.populated()) {
                continue;
            }
            if (c.try_remove()) {
                done.push_back(c.id);
            } else {
                retry = true;
            }
        }
        for (auto id : done) {
            erase_cgroup(id);
        }
        return retry;
    }
};

bool valid_op(proto::Op op) {
    return proto::fds_of(op) >= 0;
}

enum class Received { Message, Nothing, OwnerGone };

/// Reads one message, if one is queued.
Received receive(State& st) {
    proto::Message m;
    iovec iov{&m, sizeof m};
    alignas(
        cmsghdr) char control[CMSG_SPACE(sizeof(ucred)) + CMSG_SPACE(sizeof(int) * proto::max_fds)];
    msghdr h{};
    h.msg_iov = &iov;
    h.msg_iovlen = 1;
    h.msg_control = control;
    h.msg_controllen = sizeof control;
    const ssize_t n = ::recvmsg(command_fd, &h, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
    if (n == 0) {
        return Received::OwnerGone;
    }
    if (n < 0) {
        return errno == EINTR || errno == EAGAIN ? Received::Nothing : Received::OwnerGone;
    }
    std::vector<int> fds;
    bool from_owner = false;
    for (cmsghdr* c = CMSG_FIRSTHDR(&h); c != nullptr; c = CMSG_NXTHDR(&h, c)) {
        if (c->cmsg_level != SOL_SOCKET) {
            continue;
        }
        if (c->cmsg_type == SCM_RIGHTS) {
            const std::size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
            for (std::size_t i = 0; i < count; ++i) {
                int fd = -1;
                std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
                fds.push_back(fd);
            }
        } else if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(ucred))) {
            ucred cred{};
            std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
            from_owner = cred.pid == st.owner;
        }
    }
    const bool whole =
        static_cast<std::size_t>(n) == sizeof m && (h.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0;
    if (from_owner && whole && m.magic == proto::magic && valid_op(m.op) && m.id != 0 &&
        static_cast<int>(fds.size()) == proto::fds_of(m.op)) {
        st.apply(m, fds);
    }
    for (int fd : fds) { // whatever was not taken: refused or surplus
        ::close(fd);
    }
    return Received::Message;
}

/// Reads every queued message. False once the owner is gone.
bool drain(State& st, bool& got_any) {
    for (;;) {
        switch (receive(st)) {
        case Received::Message:
            got_any = true;
            break;
        case Received::Nothing:
            return true;
        case Received::OwnerGone:
            return false;
        }
    }
}

/// Messages come in bursts (a fan-out registers a group per child). Not
/// watching the socket for a moment lets a burst queue up, to be read in one
/// wake-up: an owner's send that finds nobody waiting wakes nobody, and
/// waking this process for each message was most of what a send cost the
/// owner. Queued messages survive the owner's death, so nothing is lost.
/// The pause ends early when the owner sends a byte on the wake-up channel
/// (its send found the socket full) and when the owner is gone (its end of
/// the channel closes with it), so neither a burst nor the owner's death
/// waits for it. The bytes mean nothing and are discarded.
void pause_for_more() {
    pollfd p{nudge_fd_number, POLLIN, 0};
    if (::poll(&p, 1, coalesce_ms) > 0 && (p.revents & POLLIN) != 0) {
        char bytes[64];
        while (::recv(nudge_fd_number, bytes, sizeof bytes, MSG_DONTWAIT) > 0) {
        }
    }
}

/// The owner is gone: kill everything registered, wait (bounded) until it is
/// gone, remove the directories.
void clean_up(State& st) {
    const long start = now_ms();
    for (auto& c : st.cgroups) {
        // RemoveWhenEmpty directories were killed already; killing again is
        // harmless and covers a process that was being moved in meanwhile.
        c.kill();
    }
    std::vector<const Process*> groups;
    for (const auto& p : st.processes) {
        if (kill_process(p)) {
            groups.push_back(&p);
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
        if (elapsed >= pgroup_wait_ms) {
            groups.clear();
        }
        for (auto it = groups.begin(); it != groups.end();) {
            if (!kill_process(**it) || !group_has_live_member((*it)->pgid)) {
                it = groups.erase(it);
            } else {
                ++it;
            }
        }
        bool retry_soon = false;
        for (auto it = pending.begin(); it != pending.end();) {
            Cgroup& c = **it;
            if (!c.populated()) {
                if (c.try_remove()) {
                    it = pending.erase(it);
                    continue;
                }
                retry_soon = true; // empty but not removable yet
            } else {
                c.kill(); // without cgroup.kill, a member may have forked
            }
            ++it;
        }
        if (pending.empty() && groups.empty()) {
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
            if (c->events >= 0) {
                fds.push_back(pollfd{c->events, POLLPRI, 0});
            }
        }
        long timeout = cgroup_wait_ms - now;
        if (!groups.empty() || retry_soon || fds.empty()) {
            timeout = std::min(timeout, rekill_interval_ms);
        }
        ::poll(fds.data(), fds.size(), static_cast<int>(timeout));
    }
}

/// Standard streams on the null device (the owner's terminal or pipes are
/// not ours to hold), everything but 0-3 (0-4 with a wake-up channel)
/// closed, as many descriptors allowed as we may (one or two per
/// registration).
void settle_descriptors(bool keep_nudge) {
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
    const int first_closed = keep_nudge ? nudge_fd_number + 1 : command_fd + 1;
    if (::close_range(static_cast<unsigned>(first_closed), ~0U, 0) != 0) { // before 5.9
        const long max = std::min(::sysconf(_SC_OPEN_MAX), 65536L);
        for (int fd = first_closed; fd < max; ++fd) {
            ::close(fd);
        }
    }
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur < files.rlim_max) {
        files.rlim_cur = files.rlim_max;
        ::setrlimit(RLIMIT_NOFILE, &files);
    }
}

int usage() {
    std::fputs(
        "usage: processkit-guard --owner PID [--nudge-fd 4]   (started by a processkit owner)\n"
        "       processkit-guard --version\n",
        stderr);
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
        std::printf("processkit-guard %s\n", PROCESSKIT_VERSION);
        return 0;
    }
    if ((argc != 3 && argc != 5) || std::strcmp(argv[1], "--owner") != 0) {
        return usage();
    }
    // The wake-up channel only when the owner says it made one: a descriptor
    // 4 merely inherited from whoever started us is never read.
    const bool nudge = argc == 5;
    struct stat nudge_stat {};
    if (nudge && (std::strcmp(argv[3], "--nudge-fd") != 0 || std::strcmp(argv[4], "4") != 0 ||
                  ::fstat(nudge_fd_number, &nudge_stat) != 0 || !S_ISSOCK(nudge_stat.st_mode))) {
        return usage();
    }
    char* end = nullptr;
    const long owner = std::strtol(argv[2], &end, 10);
    int type = 0;
    socklen_t len = sizeof type;
    if (end == argv[2] || *end != '\0' || owner <= 0 || owner > 0x7fffffffL ||
        ::getsockopt(command_fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0 || type != SOCK_SEQPACKET) {
        return usage(); // not started by an owner
    }
    settle_descriptors(nudge);
    ::signal(SIGPIPE, SIG_IGN);
    // The owner set SO_PASSCRED on this end before starting us; setting it
    // again costs nothing and covers an owner that did not.
    const int on = 1;
    ::setsockopt(command_fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);

    State st;
    st.owner = static_cast<pid_t>(owner);
    bool retry_soon = false;
    for (;;) {
        std::vector<pollfd> fds;
        fds.push_back(pollfd{command_fd, POLLIN, 0});
        for (auto& c : st.cgroups) {
            if (c.remove && c.events >= 0) {
                fds.push_back(pollfd{c.events, POLLPRI, 0});
            }
        }
        const int ready = ::poll(fds.data(), fds.size(), retry_soon ? 100 : -1);
        if (ready < 0 && errno != EINTR) {
            break;
        }
        bool got_any = false;
        if (ready > 0 && fds[0].revents != 0 && !drain(st, got_any)) {
            break; // the owner is gone
        }
        retry_soon = st.try_removals();
        if (got_any && nudge) {
            pause_for_more();
        }
    }
    clean_up(st);
    return 0;
}
