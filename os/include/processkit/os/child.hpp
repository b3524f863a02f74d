#pragma once
#if defined(_WIN32)
#include "processkit/os/export.hpp"
#include "processkit/os/windows/child.hpp"
#else
// A spawned child, waited for and signalled through its pidfd (X3): no
// SIGCHLD handler of ours, no pid-reuse race. Until it execs, the child has no
// exit signal, so a spawn that fails is reaped by us and never seen by the
// program's own SIGCHLD handler. After exec the kernel restores SIGCHLD as its
// exit signal, so a program that reaps every child (waitpid(-1) in a handler,
// or SIGCHLD set to SIG_IGN) can take the exit status first; wait() then reads
// it from the pidfd instead (PIDFD_GET_INFO, Linux 6.15+), and the rusage of
// that child is unknown (reported as zero).

#include "processkit/core/result.hpp"
#include "processkit/core/signal.hpp"
#include "processkit/core/time.hpp"
#include "processkit/os/unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <sys/types.h>

namespace processkit::os {

/// How a reaped child ended, with its resource usage.
struct ExitInfo {
    /// Its exit code, or the signal it died of.
    ExitStatus status = ExitStatus::exited(0);
    Duration cpu_time{0};                ///< user + system of the child (rusage at reap)
    std::uint64_t peak_memory_bytes = 0; ///< its max RSS
};

/// A second handle on a child's pidfd, for signalling it from another thread
/// while its Child is used elsewhere. A pidfd never names a reused pid, so
/// signalling after the child was reaped is harmless (it fails).
///
/// Thread-safety: signal() may be called from any thread.
class PROCESSKIT_OS_EXPORT ChildSignaller {
public:
    ChildSignaller() = default;
    /// Takes ownership of `pidfd`, a descriptor of the process `pid`.
    ChildSignaller(pid_t pid, UniqueFd pidfd) noexcept
        : pid_(pid)
        , pidfd_(std::move(pidfd)) {}
    /// False if the child is already gone (or this handle is empty).
    bool signal(int native_signal) const noexcept;
    /// SIGKILL (the portable name, as on Windows).
    bool kill() const noexcept;
    /// True if this handle holds a pidfd.
    explicit operator bool() const noexcept { return static_cast<bool>(pidfd_); }

private:
    pid_t pid_ = -1;
    UniqueFd pidfd_;
};

/// Owns a child process until it is reaped. Destroying an unreaped child
/// kills it (SIGKILL through the pidfd) and reaps it: a brief wait, since a
/// SIGKILLed process exits promptly.
///
/// Thread-safety: not synchronised; one owner at a time.
class PROCESSKIT_OS_EXPORT Child {
public:
    Child() = default;
    /// Takes ownership of the unreaped child `pid`, through its `pidfd`.
    Child(pid_t pid, UniqueFd pidfd) noexcept
        : pid_(pid)
        , pidfd_(std::move(pidfd)) {}
    /// The moved-from Child is left empty (pid -1, owning nothing).
    Child(Child&&) noexcept;
    /// Kills and reaps the child this one owns, if unreaped (as the
    /// destructor does), then takes over the other's.
    Child& operator=(Child&&) noexcept;
    ~Child();

    /// The child's pid; -1 if this Child owns none.
    pid_t pid() const noexcept { return pid_; }
    /// Pollable: readable once the child has exited.
    int pidfd() const noexcept { return pidfd_.get(); }
    /// True once try_wait() or wait() has reaped the child.
    bool reaped() const noexcept { return reaped_.has_value(); }

    /// Reaps the child if it has exited; never blocks.
    std::optional<ExitInfo> try_wait();
    /// Blocks until the child exits and reaps it.
    ExitInfo wait();
    /// Sends a signal through the pidfd. False if the child is already gone.
    bool signal(int native_signal) noexcept;
    /// SIGKILL (the portable name, as on Windows).
    bool kill() noexcept;
    /// Sends `s`, mapped to this platform's signal number.
    bool send(Signal s) noexcept;
    /// A handle for signalling from elsewhere (empty if the child is not
    /// owned or a descriptor cannot be duplicated).
    ChildSignaller signaller() const noexcept;

private:
    std::optional<ExitInfo> wait_impl(bool block);
    void kill_and_reap() noexcept;

    pid_t pid_ = -1;
    UniqueFd pidfd_;
    std::optional<ExitInfo> reaped_;
};

} // namespace processkit::os
#endif // _WIN32
