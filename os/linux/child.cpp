// A child owned through its pidfd: waited for with waitid(P_PIDFD) and
// signalled with pidfd_send_signal, so there is no pid-reuse race and no
// SIGCHLD handler of ours.
//
// Children start with no exit signal, but the kernel resets a process's exit
// signal to SIGCHLD when it calls execve (fs/exec.c, de_thread: "we have
// changed execution domain"). A running program is therefore an ordinary
// child: the program's own waitpid(-1) loop, or SIGCHLD set to SIG_IGN, can
// reap it before we do. Then waitid fails with ECHILD and the exit status is
// taken from the pidfd instead (PIDFD_GET_INFO with PIDFD_INFO_EXIT, Linux
// 6.15), which the kernel keeps for whoever holds a pidfd; the rusage is lost
// in that case (cpu_time and peak_memory_bytes are 0).
#include "processkit/os/child.hpp"

#include "kernel_release.hpp"
#include "processkit/core/error.hpp"
#include "processkit/os/signals.hpp"

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <string>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <utility>

namespace processkit::os {

namespace {

constexpr int p_pidfd = 3; // P_PIDFD (Linux 5.4), spelled out for older headers

#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif

/// struct pidfd_info, version 0 (64 bytes), of <linux/pidfd.h> (Linux 6.13).
struct PidfdInfo {
    std::uint64_t mask;
    std::uint64_t cgroupid;
    std::uint32_t pid, tgid, ppid, ruid, rgid, euid, egid, suid, sgid, fsuid, fsgid;
    std::int32_t exit_code; ///< a wait status, as from waitpid
};
static_assert(sizeof(PidfdInfo) == 64);
// _IOWR(PIDFS_IOCTL_MAGIC = 0xFF, 11, struct pidfd_info)
constexpr unsigned long pidfd_get_info =
    (3UL << 30) | (sizeof(PidfdInfo) << 16) | (0xFFUL << 8) | 11UL;
constexpr std::uint64_t pidfd_info_exit = 1U << 3;

ExitStatus from_wait_status(int status) {
    const int sig = status & 0x7f;
    return sig == 0 ? ExitStatus::exited((status >> 8) & 0xff) : ExitStatus::signalled(sig);
}

enum class Stolen { Status, NotYet, Unsupported };

/// The exit status the kernel kept on the pidfd for a child that someone
/// else reaped.
Stolen status_from_pidfd(int pidfd, ExitStatus& status) noexcept {
    PidfdInfo info{};
    info.mask = pidfd_info_exit;
    // Linux 6.13 and 6.14 have the ioctl but keep no exit status: they
    // answer ESRCH, or no exit field, forever. Only from 6.15 does that mean
    // "being released right now: ask again".
    const bool keeps_status = kernel_release::at_least(6, 15);
    if (::ioctl(pidfd, pidfd_get_info, &info) != 0) {
        return errno == ESRCH && keeps_status ? Stolen::NotYet : Stolen::Unsupported;
    }
    if ((info.mask & pidfd_info_exit) == 0) {
        return keeps_status ? Stolen::NotYet : Stolen::Unsupported;
    }
    status = from_wait_status(info.exit_code);
    return Stolen::Status;
}

/// Whether the child has exited: its pidfd polls readable.
bool pidfd_readable(int pidfd) noexcept {
    pollfd p{pidfd, POLLIN, 0};
    return ::poll(&p, 1, 0) == 1 && (p.revents & POLLIN) != 0;
}

/// pidfd_send_signal; kill(2) only where that call does not exist (under
/// Valgrind 3.19, which does not know it): the child is not reaped yet, so
/// its pid cannot have been reused unless someone else reaped it.
bool send_signal(int pidfd, pid_t pid, int sig) noexcept {
    if (::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0U) == 0) {
        return true;
    }
    return errno == ENOSYS && pid > 0 && ::kill(pid, sig) == 0;
}

Duration to_duration(const timeval& tv) {
    return std::chrono::seconds(tv.tv_sec) + std::chrono::microseconds(tv.tv_usec);
}

/// waitid(P_PIDFD) with the rusage argument of the raw system call (glibc's
/// wrapper has none). Returns 0 or an errno value; EINTR is retried.
int wait_pidfd(int pidfd, siginfo_t& info, rusage& usage, bool block) noexcept {
    const int options = WEXITED | __WALL | (block ? 0 : WNOHANG);
    while (true) {
        info = siginfo_t{};
        usage = rusage{};
        if (::syscall(SYS_waitid, p_pidfd, pidfd, &info, options, &usage) == 0) {
            return 0;
        }
        if (errno == EAGAIN && block) {
            // A pidfd someone made O_NONBLOCK (an event loop that waited on
            // it) makes waitid non-blocking too: wait for readability first.
            pollfd p{pidfd, POLLIN, 0};
            (void)::poll(&p, 1, -1);
            continue;
        }
        if (errno != EINTR) {
            return errno;
        }
    }
}

} // namespace

Child::Child(Child&& other) noexcept
    : pid_(std::exchange(other.pid_, -1))
    , pidfd_(std::move(other.pidfd_))
    , reaped_(std::exchange(other.reaped_, std::nullopt)) {}

Child& Child::operator=(Child&& other) noexcept {
    if (this != &other) {
        kill_and_reap();
        pid_ = std::exchange(other.pid_, -1);
        pidfd_ = std::move(other.pidfd_);
        reaped_ = std::exchange(other.reaped_, std::nullopt);
    }
    return *this;
}

Child::~Child() {
    kill_and_reap();
}

std::optional<ExitInfo> Child::try_wait() {
    return wait_impl(false);
}

ExitInfo Child::wait() {
    // A blocking wait only returns once the child has exited.
    return *wait_impl(true);
}

std::optional<ExitInfo> Child::wait_impl(bool block) {
    if (reaped_) {
        return reaped_;
    }
    if (!pidfd_) {
        throw Error(ErrorKind::InvalidArgument, {}, "waiting for a child that is not owned");
    }
    siginfo_t info;
    rusage usage;
    // Bounded retries for the instant between another reaper taking the child
    // and the kernel storing its exit status on the pidfd.
    for (int attempt = 0;; ++attempt) {
        const int err = wait_pidfd(pidfd_.get(), info, usage, block);
        if (err == 0) {
            break;
        }
        ExitStatus status = ExitStatus::exited(0);
        const Stolen stolen =
            err == ECHILD ? status_from_pidfd(pidfd_.get(), status) : Stolen::Unsupported;
        if (stolen == Stolen::Status) {
            ExitInfo exit; // reaped elsewhere: the status, without rusage
            exit.status = status;
            reaped_ = exit;
            return exit;
        }
        if (stolen == Stolen::NotYet && !block && !pidfd_readable(pidfd_.get())) {
            return std::nullopt;
        }
        // Exited (the pidfd says so) and reaped by the kernel under an
        // ignored SIGCHLD, but its status is kept on the pidfd only as the
        // task is released, an instant later: never "still running" then
        // (an event loop told of the exit once would wait forever).
        if (stolen == Stolen::NotYet && attempt < 1000) {
            std::this_thread::sleep_for(std::chrono::milliseconds(1));
            continue;
        }
        throw Error(ErrorKind::Io, {},
                    "cannot wait for pid " + std::to_string(pid_) + ": " + std::strerror(err) +
                        (err == ECHILD ? " (reaped elsewhere, and the kernel keeps no exit "
                                         "status on the pidfd: needs Linux 6.15)"
                                       : ""))
            .with_os_error(err);
    }
    if (info.si_pid == 0) {
        return std::nullopt; // WNOHANG: still running
    }
    ExitInfo exit;
    exit.status = info.si_code == CLD_EXITED ? ExitStatus::exited(info.si_status)
                                             : ExitStatus::signalled(info.si_status);
    exit.cpu_time = to_duration(usage.ru_utime) + to_duration(usage.ru_stime);
    exit.peak_memory_bytes =
        usage.ru_maxrss > 0 ? static_cast<std::uint64_t>(usage.ru_maxrss) * 1024U : 0U;
    reaped_ = exit;
    return exit;
}

bool Child::signal(int native_signal) noexcept {
    if (reaped_ || !pidfd_) {
        return false; // gone: the pidfd can no longer reach it
    }
    return send_signal(pidfd_.get(), pid_, native_signal);
}

ChildSignaller Child::signaller() const noexcept {
    if (reaped_ || !pidfd_) {
        return {};
    }
    const int copy = ::fcntl(pidfd_.get(), F_DUPFD_CLOEXEC, 3); // off 0-2 (S2)
    if (copy < 0) {
        return {};
    }
    return ChildSignaller(pid_, UniqueFd(copy));
}

bool ChildSignaller::signal(int native_signal) const noexcept {
    // No kill(2) fallback here: this handle may outlive the reap, and only
    // the pidfd is safe from pid reuse.
    return pidfd_ && send_signal(pidfd_.get(), -1, native_signal);
}

void Child::kill_and_reap() noexcept {
    if (reaped_ || !pidfd_) {
        return;
    }
    (void)send_signal(pidfd_.get(), pid_, SIGKILL);
    siginfo_t info;
    rusage usage;
    (void)wait_pidfd(pidfd_.get(), info, usage, true);
    pidfd_.reset();
}

bool ChildSignaller::kill() const noexcept {
    return signal(SIGKILL);
}

bool Child::kill() noexcept {
    return signal(SIGKILL);
}

bool Child::send(Signal s) noexcept {
    return signal(to_native(s));
}

} // namespace processkit::os
