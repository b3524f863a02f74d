#pragma once
// ProcessGroup: a kill-on-destruct container for process trees (G1-G8,
// G10, G12). On Linux it is a cgroup v2 directory of its own when the host
// lets us create one, else a set of POSIX process groups; mechanism() says
// which. Every group of a process is also registered with the owner-death
// guard, so the trees die even if the owner is SIGKILLed (X1).
//
// On Windows it is a Job Object with JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE
// (W1): the kernel kills the tree when the last handle to the job closes,
// which also happens when the owner dies, so no guard process is needed.
// Windows has no signals: KILL is TerminateJobObject; TERM and INT are a
// graceful request (CTRL_BREAK to each console process group we started,
// WM_CLOSE to the members' top-level windows); suspend/resume are
// Unsupported. See docs/platform-support.md.
//
// Thread-safety: a ProcessGroup may be used from several threads; its
// operations are serialised by an internal mutex. Destroying it while
// another thread uses it is undefined, as for any object.

#include "processkit/core/command.hpp"
#include "processkit/core/limits.hpp"
#include "processkit/core/mechanism.hpp"
#include "processkit/core/signal.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/os/export.hpp"
#include "processkit/os/spawn.hpp"
#include "processkit/os/stats_sampler.hpp"

#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace processkit {

/// How a ProcessGroup is created and shut down. The defaults use a cgroup
/// where one can be created (else process groups; a Job Object on Windows)
/// and set no limits.
struct GroupOptions {
    /// Fail with Unsupported unless this mechanism is available. Requiring
    /// ProcessGroup forces the fallback even where cgroups work.
    std::optional<Mechanism> require;
    /// shutdown() without an argument waits this long before escalating.
    Duration shutdown_timeout = std::chrono::seconds(5);
    /// shutdown() sends SIGKILL to survivors after the timeout.
    bool escalate_to_kill = true;
    /// Enforced through cgroup controllers; creation fails (ResourceLimit)
    /// if they cannot be. Never silently unbounded.
    ResourceLimits limits;
    /// The cgroup directory new groups are created under (default: the
    /// calling process's own cgroup). Stale groups of dead owners found there
    /// are removed first (X5).
    std::optional<std::string> cgroup_parent;
    /// Fail (Unsupported) instead of returning a group whose tree would
    /// survive the owner's death: the guard cannot be started, or the group
    /// cannot be registered with it (S6). Off by default: such a group still
    /// works, and owner_death_protected() says what it lacks.
    bool require_owner_death_protection = false;
    /// stats() reports total_cpu_time. Off, it never does, and a group that
    /// reuses a cached cgroup directory skips reading the CPU figure the
    /// directory already holds (one cgroup file read less per group, which
    /// shows on an owner that starts thousands). For groups whose CPU time
    /// nobody will ask: the library's one-shot runs (output_string, run,
    /// output_all and their Asio forms) turn it off for their private groups.
    bool measure_cpu_time = true;
};

/// A kill-on-destruct container for process trees (see the top of this
/// header): spawn children into it, or adopt running processes, then signal,
/// freeze, measure and shut down the whole tree as one.
class PROCESSKIT_OS_EXPORT ProcessGroup {
public:
    /// Throws Error: InvalidArgument (bad limits), Unsupported (a required
    /// mechanism is unavailable), ResourceLimit (limits not enforceable), Io.
    explicit ProcessGroup(GroupOptions options = {});
    ProcessGroup(const ProcessGroup&) = delete;
    ProcessGroup& operator=(const ProcessGroup&) = delete;
    /// Kills every process in the group. Never blocks for long: the cgroup
    /// directory is removed by the guard once the kernel reports it empty.
    ~ProcessGroup();

    /// Which kernel mechanism contains the tree, chosen at construction.
    Mechanism mechanism() const { return mechanism_; }
    /// X1/S6: true while the owner-death guard runs and holds everything of
    /// this group, so the tree dies even if this process is SIGKILLed. False
    /// if the guard could not be started, something of the group could not
    /// be registered, or the guard has died since (a process of the same
    /// user can kill it); always false for Mechanism::None.
    bool owner_death_protected() const;
    /// If the guard has died since this group was registered, starts a new
    /// one (OwnerGuard::instance()) and registers the whole group with it
    /// again; then returns owner_death_protected(). Cheap when nothing is
    /// wrong (one poll of the guard's socket). A long-running owner can call
    /// it now and then, e.g. from its event loop's timer (`pk` does, every
    /// 100 ms); until then the window stays open (docs/security.md).
    bool renew_owner_death_protection();
    /// The cgroup directory (CgroupV2 only).
    const std::string& cgroup_path() const;

    /// Starts a child inside the group (see os::spawn for the errors).
    /// Spawning into a suspended group fails with InvalidArgument instead of
    /// hanging: the child would be frozen before it could exec.
    os::SpawnedProcess spawn(const Command& command);
    /// The same with the child's stdin/stdout taken from given descriptors.
    os::SpawnedProcess spawn(const Command& command, const os::StdioRedirect& redirect);
    /// G12: brings a running process into the group. cgroup: the process
    /// moves into the group's cgroup (so do the processes it starts later).
    /// Process groups: a child that has not called exec gets a process group
    /// of its own, which then also holds what it starts; any other process is
    /// tracked alone by its pidfd and killed with the group, while what it
    /// starts is not contained. Throws Error: NotFound (no such process),
    /// Io (cannot be moved).
    void adopt(pid_t pid);

    /// G3: SIGKILL to the whole tree now; idempotent; the group stays usable.
    void kill_all();
    /// G4: the timeout signal (TERM) to the tree, wait until it is empty or
    /// the timeout passes, then SIGKILL the survivors if escalation is on.
    /// Returns true if the tree ended within the timeout. Blocks the caller.
    bool shutdown();
    /// The same with an explicit `timeout` instead of
    /// GroupOptions::shutdown_timeout. A suspended group is resumed first.
    bool shutdown(Duration timeout);
    /// G5: any signal to every member; KILL uses the atomic path.
    void signal(Signal s);
    /// G6: freeze / thaw the tree (cgroup.freeze; SIGSTOP/SIGCONT otherwise).
    /// Windows: throws Error (Unsupported).
    void suspend();
    /// G6: thaws what suspend() froze. Windows: throws Error (Unsupported).
    void resume();
    /// True after suspend() until resume() (always false on Windows).
    bool suspended() const;
    /// G7: cgroup: every pid in the tree; process groups: the group leaders
    /// (pgids) that still have a live member.
    std::vector<pid_t> members() const;
    /// True when no process of the group is alive.
    bool empty() const;
    /// G8. Throws Error (Io) once the container is gone.
    ProcessGroupStats stats() const;
    /// G9: a periodic series of stats() for blocking code (see StatsSampler).
    StatsSampler sample_stats(Duration every) const { return StatsSampler(*this, every); }
    /// Readable (POLLPRI) when the tree's population changes; -1 without
    /// cgroups (and on Windows).
    int events_fd() const;

#if defined(_WIN32)
    /// Windows: the job object's handle (owned by the group).
    void* native_job() const;
    /// Windows: waits until the tree is empty, woken by the job's I/O
    /// completion port (no polling). True if it emptied within `timeout`.
    bool wait_until_empty(Duration timeout);
#endif

    /// A cgroup group that ends empty leaves its directory in a small
    /// per-process cache (at most 4) for the next group to reuse, which makes
    /// creating a group much cheaper than mkdir + rmdir. This removes the
    /// cached directories now; they are also removed at exit, or by the guard
    /// if the process dies.
    static void release_cached_groups();

private:
    os::SpawnedProcess spawn_locked(const Command& command, const os::StdioRedirect& redirect);
    bool escalates_to_kill() const;
    /// Blocks until the tree's population may have changed, at most `at_most`.
    void wait_for_change(Duration at_most);

    struct Impl;
    Mechanism mechanism_;
    std::unique_ptr<Impl> impl_;
};

} // namespace processkit
