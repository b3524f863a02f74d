// The owner side of the owner-death guard (X1); the guard itself is
// guard_main.cpp, the messages guard_protocol.hpp. See
// processkit/os/owner_guard.hpp for the contract.
//
// The channel is a Unix SOCK_SEQPACKET socket pair: one message per send,
// descriptors attached, and sendmsg() with MSG_NOSIGNAL reports a vanished
// guard as EPIPE without raising SIGPIPE in the owner, whatever the owner's
// signal dispositions are. SO_PASSCRED is set on the guard's end before the
// guard starts, so every message, the first included, carries the sender's
// credentials for the guard to check.
//
// The guard is an ordinary child of the owner, started with posix_spawn
// (clone(CLONE_VM|CLONE_VFORK) in glibc: the cost does not depend on the
// owner's memory). It exits only after the owner is gone, so normally nobody
// ever reaps it but init. Should it die while the owner lives, alive() turns
// false, the next instance() reaps it (through a pidfd, so never another
// child of the program) and starts a new guard for the groups created from
// then on. A program that waits for *all* its children (wait() until
// ECHILD) would wait for the guard: processkit never does.
//
// fork() without exec: the child of a fork would hold a copy of the owner's
// end and keep the guard from seeing the owner's death. A fork handler
// closes that copy in the child; there the old guard is no longer the
// instance (its methods do nothing) and instance() starts a guard for the
// child if it needs one.

#include "processkit/os/owner_guard.hpp"

#include "guard_protocol.hpp"
#include "processkit/os/unique_fd.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <new>
#include <poll.h>
#include <pthread.h>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PROCESSKIT_GUARD_PATH
#error "PROCESSKIT_GUARD_PATH must name the processkit-guard binary (set by os/CMakeLists.txt)"
#endif

namespace processkit::os {

namespace proto = guard_protocol;

struct OwnerGuard::Outgoing {
    proto::Message message;
    int fds[proto::max_fds] = {-1, -1};
    int fd_count = 0;
};

namespace {

std::atomic<OwnerGuard*> g_instance{nullptr};
std::mutex g_init_mutex; // starting the guard
std::mutex g_send_mutex; // one message at a time on the socket
std::mutex g_error_mutex;
std::string g_error;
bool g_atfork_registered = false; // under g_init_mutex
std::atomic<OwnerGuard::Registration> g_next_registration{1};
/// pidfd of the running guard (under g_init_mutex), to reap it if it dies.
int g_guard_pidfd = -1;

// How long send() waits for room in the socket before giving up (the guard
// reads continuously; this only matters if it is stopped or stuck).
constexpr int send_timeout_ms = 2000;

void set_error(std::string message) noexcept {
    try {
        std::lock_guard lock(g_error_mutex);
        g_error = std::move(message);
    } catch (...) { // allocation failure: keep the previous message
    }
}

std::string errno_text(int err) {
    return std::strerror(err);
}

/// Reaps a guard that died (its pidfd names only that process).
void reap_dead_guard() noexcept {
    if (g_guard_pidfd >= 0) {
        siginfo_t info{};
        (void)::waitid(static_cast<idtype_t>(3) /* P_PIDFD */, static_cast<id_t>(g_guard_pidfd),
                       &info, WEXITED | WNOHANG);
        ::close(g_guard_pidfd);
        g_guard_pidfd = -1;
    }
}

/// The guard's wake-up channel (its descriptor 4): the guard reads its
/// socket in batches, leaving it unwatched for a moment after each wake-up,
/// and an owner that finds the socket full sends a byte here so that it is
/// read at once (see guard_main.cpp). A socket, not a pipe: a write to a
/// pipe whose reader died would raise SIGPIPE in the owner, while send()
/// takes MSG_NOSIGNAL. False if there is none; the guard then reads each
/// message as it comes, as it did before batching.
bool make_nudge_channel(UniqueFd& guard_end, UniqueFd& owner_end) noexcept {
    int np[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, np) != 0) {
        return false;
    }
    // Both guard-side descriptors are dup2()ed onto 3 and 4 in the guard:
    // neither may already be 3 or 4, or the first dup2 would overwrite it.
    guard_end = UniqueFd(at_or_above(np[0], 5));
    owner_end = UniqueFd(above_stdio(np[1]));
    if (!guard_end || !owner_end) {
        guard_end.reset();
        owner_end.reset();
        return false;
    }
    return true;
}

/// Starts the guard program. Returns its pid, our end of the socket and our
/// end of the wake-up channel (-1 if there is none).
bool start_guard(const std::string& path, pid_t& pid, int& owner_end, int& nudge_end) {
    const std::string what = "cannot start " + path + ": ";
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
        set_error(what + "socketpair: " + errno_text(errno));
        return false;
    }
    // Our end stays here, off 0-2 (S2) and close-on-exec: no child ever
    // inherits it, and no write to a standard stream can reach the guard.
    // The guard's end becomes its descriptor 3 (dup2 clears close-on-exec).
    sv[0] = above_stdio(sv[0]);
    sv[1] = at_or_above(sv[1], 5); // dup2()ed onto 3 and 4 below: see make_nudge_channel
    const int on = 1;
    if (sv[0] < 0 || sv[1] < 0 ||
        ::setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on) != 0) {
        const int err = errno;
        for (const int fd : sv) {
            if (fd >= 0) {
                ::close(fd);
            }
        }
        set_error(what + errno_text(err));
        return false;
    }
    // Both ends close by themselves on every way out; ours is released to
    // the caller only once the guard runs.
    UniqueFd nudge_guard_end;
    UniqueFd nudge_owner_end;
    const bool nudge = make_nudge_channel(nudge_guard_end, nudge_owner_end);
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    int rc = ::posix_spawn_file_actions_init(&actions);
    if (rc == 0) {
        rc = ::posix_spawnattr_init(&attr);
        if (rc != 0) {
            ::posix_spawn_file_actions_destroy(&actions);
        }
    }
    if (rc != 0) {
        ::close(sv[0]);
        ::close(sv[1]);
        set_error(what + errno_text(rc));
        return false;
    }
    sigset_t all;
    sigset_t none;
    ::sigfillset(&all);
    ::sigemptyset(&none);
    rc = ::posix_spawn_file_actions_adddup2(&actions, sv[1], 3);
    if (rc == 0 && nudge) {
        rc = ::posix_spawn_file_actions_adddup2(&actions, nudge_guard_end.get(), 4);
    }
    // Standard streams are /dev/null from the first instruction: the
    // owner's pipes must never be held open by the guard, not even
    // between spawn and the guard's own redirect.
    for (int fd = 0; rc == 0 && fd <= 2; ++fd) {
        rc = ::posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", O_RDWR, 0);
    }
    if (rc == 0) {
        // Own session: terminal signals (Ctrl-C to the foreground process
        // group, SIGHUP on hang-up) do not reach the guard.
        rc = ::posix_spawnattr_setflags(&attr, static_cast<short>(POSIX_SPAWN_SETSID |
                                                                  POSIX_SPAWN_SETSIGDEF |
                                                                  POSIX_SPAWN_SETSIGMASK));
    }
    if (rc == 0) {
        rc = ::posix_spawnattr_setsigdefault(&attr, &all);
    }
    if (rc == 0) {
        rc = ::posix_spawnattr_setsigmask(&attr, &none);
    }
    pid = -1;
    if (rc == 0) {
        // No environment: the guard needs none, and must not carry the
        // owner's (it is not one of the owner's workers). Its owner's pid
        // tells it whose messages to accept.
        std::string owner = std::to_string(::getpid());
        char owner_flag[] = "--owner";
        char nudge_flag[] = "--nudge-fd";
        char nudge_fd[] = "4";
        char* argv[] = {const_cast<char*>(path.c_str()), owner_flag, owner.data(),
                        nudge ? nudge_flag : nullptr,    nudge_fd,   nullptr};
        char* envp[] = {nullptr};
        rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv, envp);
    }
    ::posix_spawn_file_actions_destroy(&actions);
    ::posix_spawnattr_destroy(&attr);
    ::close(sv[1]);
    if (rc != 0) {
        ::close(sv[0]);
        set_error(what + errno_text(rc));
        return false;
    }
    owner_end = sv[0];
    nudge_end = nudge_owner_end.release();
    return true;
}

} // namespace

std::string OwnerGuard::last_error() {
    std::lock_guard lock(g_error_mutex);
    return g_error;
}

std::string OwnerGuard::program_path() {
    const char* env = std::getenv("PROCESSKIT_GUARD");
    std::string path = env != nullptr && *env != '\0' ? env : PROCESSKIT_GUARD_PATH;
#ifdef PROCESSKIT_GUARD_INSTALL_PATH
    if ((env == nullptr || *env == '\0') && ::access(path.c_str(), X_OK) != 0) {
        path = PROCESSKIT_GUARD_INSTALL_PATH;
    }
#endif
    return path;
}

bool OwnerGuard::alive() const noexcept {
    if (fd_ < 0) {
        return false; // the guard of the process this one was forked from
    }
    // When the guard's end closes (it exited or was killed), our end reports
    // a hang-up.
    pollfd p{fd_, POLLOUT, 0};
    return ::poll(&p, 1, 0) >= 0 && (p.revents & (POLLHUP | POLLERR | POLLNVAL)) == 0;
}

OwnerGuard* OwnerGuard::instance() {
    if (OwnerGuard* g = g_instance.load(std::memory_order_acquire); g != nullptr && g->alive()) {
        return g;
    }
    try {
        std::lock_guard lock(g_init_mutex);
        OwnerGuard* current = g_instance.load(std::memory_order_acquire);
        if (current != nullptr && current->alive()) {
            return current;
        }
        // A guard that died: reap it and start another for what comes next.
        // The old object stays (callers may hold it; its sends fail), and so
        // does its descriptor, which another thread may be sending on.
        if (current != nullptr) {
            reap_dead_guard();
        }
        const std::string path = program_path();
        pid_t pid = -1;
        int owner_end = -1;
        int nudge_end = -1;
        if (!start_guard(path, pid, owner_end, nudge_end)) {
            return nullptr;
        }
        // (A pidfd is always close-on-exec.)
        g_guard_pidfd = above_stdio(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));

        if (!g_atfork_registered) {
            // Lambdas in a member function may use the private members.
            const int atfork_rc = ::pthread_atfork(
                [] {
                    g_init_mutex.lock();
                    g_send_mutex.lock();
                },
                [] {
                    g_send_mutex.unlock();
                    g_init_mutex.unlock();
                },
                [] {
                    g_send_mutex.unlock();
                    g_init_mutex.unlock();
                    if (OwnerGuard* old = g_instance.exchange(nullptr)) {
                        ::close(old->fd_);
                        old->fd_ = -1;
                        if (old->nudge_fd_ >= 0) {
                            ::close(old->nudge_fd_);
                            old->nudge_fd_ = -1;
                        }
                    }
                    if (g_guard_pidfd >= 0) {
                        ::close(g_guard_pidfd); // the parent's guard, not ours
                        g_guard_pidfd = -1;
                    }
                });
            g_atfork_registered = atfork_rc == 0;
        }
        // Never deleted: the socket must stay open exactly as long as the
        // process lives.
        auto* guard = new (std::nothrow) OwnerGuard(pid, owner_end, nudge_end);
        if (guard == nullptr) {
            ::close(owner_end); // the guard sees end-of-file and exits
            if (nudge_end >= 0) {
                ::close(nudge_end);
            }
            set_error("cannot start " + path + ": out of memory");
            return nullptr;
        }
        g_instance.store(guard, std::memory_order_release);
        return guard;
    } catch (const std::exception& e) {
        set_error(std::string("cannot start the guard: ") + e.what());
        return nullptr;
    }
}

bool OwnerGuard::send(const Outgoing& out) {
    try {
        if (this != g_instance.load(std::memory_order_acquire)) {
            set_error("guard (pid " + std::to_string(pid_) + ") is no longer this process's guard");
            return false;
        }
        iovec iov{const_cast<proto::Message*>(&out.message), sizeof out.message};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * proto::max_fds)] = {};
        msghdr h{};
        h.msg_iov = &iov;
        h.msg_iovlen = 1;
        if (out.fd_count > 0) {
            h.msg_control = control;
            h.msg_controllen = CMSG_SPACE(sizeof(int) * static_cast<std::size_t>(out.fd_count));
            cmsghdr* c = CMSG_FIRSTHDR(&h);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * static_cast<std::size_t>(out.fd_count));
            std::memcpy(CMSG_DATA(c), out.fds,
                        sizeof(int) * static_cast<std::size_t>(out.fd_count));
        }

        std::lock_guard lock(g_send_mutex);
        bool nudged = false;
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(send_timeout_ms);
        for (;;) {
            const ssize_t n = ::sendmsg(fd_, &h, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n == static_cast<ssize_t>(sizeof out.message)) {
                return true;
            }
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                // The socket is full while the guard lets messages queue:
                // have it read them now rather than at the end of its pause.
                // (A full channel is a nudge already pending.)
                if (!nudged && nudge_fd_ >= 0) {
                    const char byte = 0;
                    (void)::send(nudge_fd_, &byte, 1, MSG_NOSIGNAL | MSG_DONTWAIT);
                    nudged = true;
                }
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count();
                pollfd p{fd_, POLLOUT, 0};
                if (left > 0 && (::poll(&p, 1, static_cast<int>(left)) >= 0 || errno == EINTR)) {
                    continue;
                }
                set_error("guard (pid " + std::to_string(pid_) + ") does not read its messages");
                return false;
            }
            set_error("guard (pid " + std::to_string(pid_) +
                      ") is gone: " + errno_text(n < 0 ? errno : EPIPE));
            return false;
        }
    } catch (...) { // allocation failure: nothing to be done, never throw
        set_error("guard: message not sent (out of memory)");
        return false;
    }
}

OwnerGuard::Registration OwnerGuard::watch_cgroup(const std::string& path, int dir_fd) {
    try {
        const auto slash = path.rfind('/');
        const std::string name = slash == std::string::npos ? path : path.substr(slash + 1);
        const std::string parent =
            slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
        if (name.empty() || name.size() > proto::max_name) {
            set_error("guard: cannot register cgroup " + path + ": unusable name");
            return 0;
        }
        UniqueFd opened;
        if (dir_fd < 0) {
            opened = UniqueFd(above_stdio(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)));
            dir_fd = opened.get();
        }
        // From the directory itself when we have it: one name to look up,
        // and it is certainly the parent the guard will check it against.
        UniqueFd parent_dir(
            above_stdio(dir_fd >= 0 ? ::openat(dir_fd, "..", O_PATH | O_DIRECTORY | O_CLOEXEC)
                                    : ::open(parent.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)));
        if (dir_fd < 0 || !parent_dir) {
            set_error("guard: cannot register cgroup " + path + ": " + errno_text(errno));
            return 0;
        }
        Outgoing out;
        out.message.op = proto::Op::WatchCgroup;
        out.message.id = g_next_registration.fetch_add(1);
        std::memcpy(out.message.name, name.data(), name.size());
        out.fds[0] = dir_fd;
        out.fds[1] = parent_dir.get();
        out.fd_count = 2;
        return send(out) ? out.message.id : 0;
    } catch (...) { // allocation failure: never throw
        set_error("guard: cannot register cgroup (out of memory)");
        return 0;
    }
}

OwnerGuard::Registration OwnerGuard::watch_process_group(pid_t pgid, int leader_pidfd) {
    // Never 0 or 1 (kill(0) would be the guard's group, kill(-1) everything).
    if (pgid <= 1 || leader_pidfd < 0) {
        set_error("guard: cannot register process group " + std::to_string(pgid));
        return 0;
    }
    Outgoing out;
    out.message.op = proto::Op::WatchProcessGroup;
    out.message.id = g_next_registration.fetch_add(1);
    out.message.number = pgid;
    out.fds[0] = leader_pidfd;
    out.fd_count = 1;
    return send(out) ? out.message.id : 0;
}

OwnerGuard::Registration OwnerGuard::watch_process(int pidfd) {
    if (pidfd < 0) {
        set_error("guard: cannot register a process without a pidfd");
        return 0;
    }
    Outgoing out;
    out.message.op = proto::Op::WatchProcess;
    out.message.id = g_next_registration.fetch_add(1);
    out.fds[0] = pidfd;
    out.fd_count = 1;
    return send(out) ? out.message.id : 0;
}

void OwnerGuard::remove_when_empty(Registration r) {
    if (r != 0) {
        Outgoing out;
        out.message.op = proto::Op::RemoveWhenEmpty;
        out.message.id = r;
        send(out);
    }
}

void OwnerGuard::forget(Registration r) {
    if (r != 0) {
        Outgoing out;
        out.message.op = proto::Op::Forget;
        out.message.id = r;
        send(out);
    }
}

} // namespace processkit::os
