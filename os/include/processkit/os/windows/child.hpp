#pragma once
// A spawned child on Windows, owned through its process handle: the handle
// keeps the process object (and so its exit code) alive, so there is no
// pid-reuse race. Windows has no signals; a child is stopped by terminating
// it (or its whole job, ProcessGroup).
//
// Thread-safety: Child is not synchronised (one owner at a time);
// ChildSignaller::terminate may be called from any thread.

#include "processkit/core/result.hpp"
#include "processkit/core/signal.hpp"
#include "processkit/core/time.hpp"
#include "processkit/os/windows/unique_handle.hpp"

#include <cstdint>
#include <optional>
#include <sys/types.h>

namespace processkit::os {

/// The exit code a process gets when processkit terminates it (the
/// convention of Windows' own tools; Windows records no "killed" state).
inline constexpr std::uint32_t killed_exit_code = 1;

/// How a reaped child ended, with its resource usage.
struct ExitInfo {
    /// Its exit code (Windows records no signal; see killed_exit_code).
    ExitStatus status = ExitStatus::exited(0);
    Duration cpu_time{0};                ///< user + kernel time of the child
    std::uint64_t peak_memory_bytes = 0; ///< its peak working set
};

/// A second handle on a child's process, for terminating it from another
/// thread while its Child is used elsewhere.
class ChildSignaller {
public:
    ChildSignaller() = default;
    /// Takes ownership of `process`, a handle of the child (terminate() needs
    /// PROCESS_TERMINATE access).
    explicit ChildSignaller(UniqueHandle process) noexcept
        : process_(std::move(process)) {}
    /// False if the child is already gone (or this handle is empty).
    bool terminate(std::uint32_t exit_code = killed_exit_code) const noexcept;
    /// terminate() with killed_exit_code (the portable name).
    bool kill() const noexcept { return terminate(); }
    /// True if this handle holds a process handle.
    explicit operator bool() const noexcept { return static_cast<bool>(process_); }

private:
    UniqueHandle process_;
};

/// Owns a child process until it is reaped (its exit code read). Destroying
/// an unreaped child terminates it and waits briefly for it to end.
class Child {
public:
    Child() = default;
    /// Takes ownership of the process `pid` through its handle `process`.
    Child(pid_t pid, UniqueHandle process) noexcept
        : pid_(pid)
        , process_(std::move(process)) {}
    /// The moved-from Child is left owning nothing (pid -1).
    Child(Child&&) noexcept;
    /// Terminates the child this one owns, if unreaped, and waits briefly for
    /// it (as the destructor does), then takes over the other's.
    Child& operator=(Child&&) noexcept;
    ~Child();

    /// The child's process id; -1 if this Child owns none.
    pid_t pid() const noexcept { return pid_; }
    /// Waitable: signalled once the child has exited.
    NativeHandle native_handle() const noexcept { return process_.get(); }
    /// True once try_wait() or wait() has reaped the child.
    bool reaped() const noexcept { return reaped_.has_value(); }

    /// Reaps the child if it has exited; never blocks.
    std::optional<ExitInfo> try_wait();
    /// Blocks until the child exits and reaps it.
    ExitInfo wait();
    /// Terminates the child. False if it is already gone.
    bool terminate(std::uint32_t exit_code = killed_exit_code) noexcept;
    /// The portable name: terminate() with killed_exit_code.
    bool kill() noexcept { return terminate(); }
    /// The portable names: maps KILL to terminate(), TERM and INT to a
    /// CTRL_BREAK to the child's console process group (it leads one of its
    /// own), and is false for the rest (and once the child is reaped).
    bool send(Signal s) noexcept;
    /// A handle for terminating from elsewhere (empty if the child is not
    /// owned, already reaped, or the handle cannot be duplicated).
    ChildSignaller signaller() const noexcept;

private:
    std::optional<ExitInfo> wait_impl(bool block);
    void terminate_and_reap() noexcept;

    pid_t pid_ = -1;
    UniqueHandle process_;
    std::optional<ExitInfo> reaped_;
};

} // namespace processkit::os
