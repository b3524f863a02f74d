#pragma once

#include "processkit/os/export.hpp"
// The owner-death guard (X1). One small helper process per owner, started
// the first time a group is created. It holds one end of a socket pair whose
// other end only the owner holds (close-on-exec, and never on 0-2, so no
// child inherits it and no stdio write reaches it). The owner hands it, as
// descriptors, what to kill: each cgroup directory it creates, each process
// group leader and adopted process (pidfds). When the owner dies, however it
// dies (SIGKILL, any thread), the socket reaches end-of-file and the guard
// kills every registered container, removes the cgroup directories, and
// exits. It also finishes removing directories the owner killed but could
// not wait for, so that no destructor has to block (X4).
//
// What the guard trusts (S1, docs/security.md): only messages carrying its
// owner's pid in their kernel-filled credentials, and only the descriptors
// in them — it never opens a path or signals a bare number from a message.
// It runs in its own session (terminal signals do not reach it), holds no
// other descriptor, and exits with its owner: it never outlives its job.
//
// A process running as the same user (or root) can kill the guard; from then
// on the owner's death no longer kills its trees. alive() tells, and
// ProcessGroup::owner_death_protected() reports it per group.
//
// Thread-safety: all functions may be called from any thread.

#include <cstdint>
#include <string>
#include <sys/types.h>

namespace processkit::os {

/// The process-wide handle on the owner-death guard process (X1; see the top
/// of this header). Obtained from instance(); never created directly.
class PROCESSKIT_OS_EXPORT OwnerGuard {
public:
    /// What the owner calls a registration (never 0; 0 means "not registered").
    using Registration = std::uint64_t;

    /// The process-wide guard, started on first use. Returns nullptr if it
    /// could not be started (the reason is in last_error()).
    static OwnerGuard* instance();
    /// The most recent failure of any OwnerGuard call in this process (empty
    /// if none yet).
    static std::string last_error();
    /// The guard program instance() starts: $PROCESSKIT_GUARD if set, else
    /// the build tree's guard if it is there, else the installed one.
    static std::string program_path();

    /// False once the guard has exited or was killed: the registrations made
    /// so far no longer protect anything. Never blocks.
    bool alive() const noexcept;

    /// Registers the cgroup directory at `path` (created by this process):
    /// the guard gets descriptors of it and of its parent. `dir_fd`, if not
    /// -1, is a descriptor of that directory already open (O_PATH is
    /// enough): it is sent instead of opening the path again, and the parent
    /// is opened from it (`..`). 0 (see last_error()) if it could not be
    /// registered.
    Registration watch_cgroup(const std::string& path, int dir_fd = -1);
    /// Registers process group `pgid`, whose leader's pidfd is `leader_pidfd`.
    Registration watch_process_group(pid_t pgid, int leader_pidfd);
    /// Registers one process by its pidfd.
    Registration watch_process(int pidfd);
    /// The cgroup of `r` was killed: the guard removes the directory once
    /// it is empty, then forgets it.
    void remove_when_empty(Registration r);
    /// The owner removed or reaped what `r` names: the guard lets it go.
    void forget(Registration r);

    /// The guard process's pid.
    pid_t pid() const { return pid_; }

private:
    OwnerGuard(pid_t pid, int fd, int nudge_fd)
        : pid_(pid)
        , fd_(fd)
        , nudge_fd_(nudge_fd) {}
    struct Outgoing;
    /// False (and last_error() says why) if the message was not sent.
    bool send(const Outgoing& message);

    pid_t pid_;
    int fd_;
    int nudge_fd_; ///< our end of the guard's wake-up channel, or -1
};

} // namespace processkit::os
