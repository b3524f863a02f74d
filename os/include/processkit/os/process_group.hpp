#pragma once
// ProcessGroup: a kill-on-destruct container for process trees (G1-G8,
// G10, G12). On Linux it is a cgroup v2 directory of its own when the host
// lets us create one, else a set of POSIX process groups; mechanism() says
// which. Every group of a process is also registered with the owner-death
// guard, so the trees die even if the owner is SIGKILLed (X1).
//
// Thread-safety: a ProcessGroup may be used from several threads; its
// operations are serialised by an internal mutex. Destroying it while
// another thread uses it is undefined, as for any object.

#include "processkit/core/command.hpp"
#include "processkit/core/limits.hpp"
#include "processkit/core/mechanism.hpp"
#include "processkit/core/signal.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/os/spawn.hpp"
#include "processkit/os/stats_sampler.hpp"

#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace processkit {

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
};

class ProcessGroup {
public:
    /// Throws Error: InvalidArgument (bad limits), Unsupported (a required
    /// mechanism is unavailable), ResourceLimit (limits not enforceable), Io.
    explicit ProcessGroup(GroupOptions options = {});
    ProcessGroup(const ProcessGroup&) = delete;
    ProcessGroup& operator=(const ProcessGroup&) = delete;
    /// Kills every process in the group. Never blocks for long: the cgroup
    /// directory is removed by the guard once the kernel reports it empty.
    ~ProcessGroup();

    Mechanism mechanism() const { return mechanism_; }
    /// The cgroup directory (CgroupV2 only).
    const std::string& cgroup_path() const;

    /// Starts a child inside the group (see os::spawn for the errors).
    /// Spawning into a suspended group fails with InvalidArgument instead of
    /// hanging: the child would be frozen before it could exec.
    os::SpawnedProcess spawn(const Command& command);
    /// The same with the child's stdin/stdout taken from given descriptors.
    os::SpawnedProcess spawn(const Command& command, const os::StdioRedirect& redirect);
    /// G12: brings a running process into the group. With process groups it
    /// must be a process we may setpgid (our child, not a session leader).
    void adopt(pid_t pid);

    /// G3: SIGKILL to the whole tree now; idempotent; the group stays usable.
    void kill_all();
    /// G4: the timeout signal (TERM) to the tree, wait until it is empty or
    /// the timeout passes, then SIGKILL the survivors if escalation is on.
    /// Returns true if the tree ended within the timeout. Blocks the caller.
    bool shutdown();
    bool shutdown(Duration timeout);
    /// G5: any signal to every member; KILL uses the atomic path.
    void signal(Signal s);
    /// G6: freeze / thaw the tree (cgroup.freeze; SIGSTOP/SIGCONT otherwise).
    void suspend();
    void resume();
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
    /// Readable (POLLPRI) when the tree's population changes; -1 without cgroups.
    int events_fd() const;

    /// A cgroup group that ends empty leaves its directory in a small
    /// per-process cache (at most 4) for the next group to reuse, which makes
    /// creating a group much cheaper than mkdir + rmdir. This removes the
    /// cached directories now; they are also removed at exit, or by the guard
    /// if the process dies.
    static void release_cached_groups();

private:
    struct Impl;
    Mechanism mechanism_;
    std::unique_ptr<Impl> impl_;
};

} // namespace processkit
