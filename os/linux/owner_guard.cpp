// The owner side of the owner-death guard (X1); the guard itself is
// guard_main.cpp. See processkit/os/owner_guard.hpp for the contract.
//
// The channel is a Unix stream socket pair rather than a pipe: send() with
// MSG_NOSIGNAL reports a vanished guard as EPIPE without raising SIGPIPE in
// the owner, whatever the owner's signal dispositions are.
//
// The guard is an ordinary child of the owner, started with posix_spawn
// (clone(CLONE_VM|CLONE_VFORK) in glibc: the cost does not depend on the
// owner's memory). It exits only after the owner is gone, so normally nobody
// ever reaps it but init. Should it die while the owner lives, it stays a
// zombie child until the owner exits: harmless, and the owner never waits
// for it. A program that waits for *all* its children (wait() until ECHILD)
// would wait for the guard: processkit never does.
//
// fork() without exec: the child of a fork would hold a copy of the owner's
// end and keep the guard from seeing the owner's death. A fork handler
// closes that copy in the child; there the old guard is no longer the
// instance (its methods do nothing) and instance() starts a guard for the
// child if it needs one.

#include "processkit/os/owner_guard.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
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
#include <unistd.h>

#ifndef PROCESSKIT_GUARD_PATH
#error "PROCESSKIT_GUARD_PATH must name the processkit-guard binary (set by os/CMakeLists.txt)"
#endif

namespace processkit::os {
namespace {

std::atomic<OwnerGuard*> g_instance{nullptr};
std::mutex g_init_mutex; // starting the guard
std::mutex g_send_mutex; // one command at a time on the socket
std::mutex g_error_mutex;
std::string g_error;
bool g_atfork_registered = false; // under g_init_mutex

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

} // namespace

std::string OwnerGuard::last_error() {
    std::lock_guard lock(g_error_mutex);
    return g_error;
}

OwnerGuard* OwnerGuard::instance() {
    if (OwnerGuard* g = g_instance.load(std::memory_order_acquire)) {
        return g;
    }
    try {
        std::lock_guard lock(g_init_mutex);
        if (OwnerGuard* g = g_instance.load(std::memory_order_acquire)) {
            return g;
        }
        // Where the guard is: $PROCESSKIT_GUARD if set; else the build tree's
        // guard if it is there (tests run from the build tree); else, when
        // built with install rules, where `cmake --install` puts it.
        const char* env = std::getenv("PROCESSKIT_GUARD");
        std::string path = env != nullptr && *env != '\0' ? env : PROCESSKIT_GUARD_PATH;
#ifdef PROCESSKIT_GUARD_INSTALL_PATH
        if ((env == nullptr || *env == '\0') && ::access(path.c_str(), X_OK) != 0) {
            path = PROCESSKIT_GUARD_INSTALL_PATH;
        }
#endif
        const std::string what = "cannot start " + path + ": ";

        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
            set_error(what + "socketpair: " + errno_text(errno));
            return nullptr;
        }
        // sv[0] stays here (close-on-exec: no child ever inherits it);
        // sv[1] becomes the guard's descriptor 3 (dup2 clears close-on-exec,
        // also when sv[1] already is 3).
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
            return nullptr;
        }
        sigset_t all;
        sigset_t none;
        ::sigfillset(&all);
        ::sigemptyset(&none);
        rc = ::posix_spawn_file_actions_adddup2(&actions, sv[1], 3);
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
        pid_t pid = -1;
        if (rc == 0) {
            // No environment: the guard needs none, and must not carry the
            // owner's (it is not one of the owner's workers).
            char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
            char* envp[] = {nullptr};
            rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv, envp);
        }
        ::posix_spawn_file_actions_destroy(&actions);
        ::posix_spawnattr_destroy(&attr);
        ::close(sv[1]);
        if (rc != 0) {
            ::close(sv[0]);
            set_error(what + errno_text(rc));
            return nullptr;
        }

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
                        ::close(old->write_fd_);
                        old->write_fd_ = -1;
                    }
                });
            g_atfork_registered = atfork_rc == 0;
        }
        // Never deleted: the socket must stay open exactly as long as the
        // process lives.
        auto* guard = new (std::nothrow) OwnerGuard(pid, sv[0]);
        if (guard == nullptr) {
            ::close(sv[0]); // the guard sees end-of-file and exits
            set_error(what + "out of memory");
            return nullptr;
        }
        g_instance.store(guard, std::memory_order_release);
        return guard;
    } catch (const std::exception& e) {
        set_error(std::string("cannot start the guard: ") + e.what());
        return nullptr;
    }
}

bool OwnerGuard::send(char op, const std::string& arg) {
    try {
        if (this != g_instance.load(std::memory_order_acquire)) {
            return false; // the guard of the process this one was forked from
        }
        if (arg.empty() || arg.size() + 3 >= PIPE_BUF ||
            arg.find_first_of(std::string("\n\0", 2)) != std::string::npos) {
            set_error(std::string("guard: command ") + op + " not sent: unusable argument");
            return false;
        }
        std::string line;
        line.reserve(arg.size() + 3);
        line += op;
        line += ' ';
        line += arg;
        line += '\n';

        std::lock_guard lock(g_send_mutex);
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(send_timeout_ms);
        std::size_t off = 0;
        while (off < line.size()) {
            const ssize_t n = ::send(write_fd_, line.data() + off, line.size() - off,
                                     MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n > 0) {
                off += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) {
                continue;
            }
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - std::chrono::steady_clock::now())
                                      .count();
                pollfd p{write_fd_, POLLOUT, 0};
                if (left > 0 && ::poll(&p, 1, static_cast<int>(left)) >= 0) {
                    continue;
                }
                if (left > 0 && errno == EINTR) {
                    continue;
                }
                set_error("guard (pid " + std::to_string(pid_) + ") does not read its commands");
                return false;
            }
            set_error("guard (pid " + std::to_string(pid_) +
                      ") is gone: " + errno_text(n < 0 ? errno : EPIPE));
            return false;
        }
        return true;
    } catch (...) { // allocation failure: nothing to be done, never throw
        set_error("guard: command not sent (out of memory)");
        return false;
    }
}

bool OwnerGuard::watch_cgroups_named(const std::string& parent_dir,
                                     const std::string& name_prefix) {
    if (this != g_instance.load(std::memory_order_acquire)) {
        return false; // forked from the owner: named_mutex_ may be held forever
    }
    try {
        if (name_prefix.empty() || name_prefix.find('/') != std::string::npos) {
            set_error("guard: command N not sent: unusable name prefix");
            return false;
        }
        const std::string arg = parent_dir + "/" + name_prefix;
        // Held across the send: a thread that finds the pair sent must not
        // create a directory before the guard can know about it.
        std::lock_guard lock(named_mutex_);
        if (named_.count(arg) != 0) {
            return true;
        }
        if (!send('N', arg)) {
            return false;
        }
        named_.insert(arg);
        return true;
    } catch (...) { // allocation failure: never throw
        set_error("guard: command N not sent (out of memory)");
        return false;
    }
}

void OwnerGuard::watch_cgroup(const std::string& path) {
    send('C', path);
}

void OwnerGuard::forget_cgroup(const std::string& path) {
    send('c', path);
}

void OwnerGuard::remove_when_empty(const std::string& path) {
    send('Z', path);
}

void OwnerGuard::watch_process_group(pid_t pgid) {
    try {
        // Never 0 or 1 (kill(0) would be the guard's group, kill(-1) everything).
        if (pgid <= 1) {
            set_error("guard: invalid process group " + std::to_string(pgid));
            return;
        }
        send('P', std::to_string(pgid));
    } catch (...) { // allocation failure: never throw
    }
}

void OwnerGuard::forget_process_group(pid_t pgid) {
    try {
        if (pgid > 1) {
            send('p', std::to_string(pgid));
        }
    } catch (...) { // allocation failure: never throw
    }
}

} // namespace processkit::os
