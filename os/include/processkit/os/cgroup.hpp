#pragma once
// Linux cgroup v2 directories (G1-G8, G10, X5). Everything takes the
// directory it works on as a parameter, so the logic can be tested against a
// tree made by the test as well as against the real hierarchy.
//
// Thread-safety: a Cgroup is not synchronised; the free functions are
// reentrant.

#include "processkit/core/limits.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/os/export.hpp"
#include "processkit/os/unique_fd.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace processkit::os {

/// Mount point of the cgroup2 filesystem in /proc/self/mountinfo text
/// (`/sys/fs/cgroup`, or `/sys/fs/cgroup/unified` in a hybrid layout).
PROCESSKIT_OS_EXPORT std::optional<std::string> find_cgroup2_mount(std::string_view mountinfo);
/// The v2 path ("0::/path" line) in /proc/self/cgroup text.
PROCESSKIT_OS_EXPORT std::optional<std::string> own_cgroup_path(std::string_view proc_self_cgroup);
/// mount + own path from the running process's /proc files, if cgroup2 is mounted.
PROCESSKIT_OS_EXPORT std::optional<std::string> own_cgroup_dir();

/// A cgroup directory this process created, named
/// `processkit-<pid ns>-<time ns>-<owner pid>-<owner start time>-<sequence>`
/// so that leftovers of dead owners can be recognised (X5; see
/// remove_stale_cgroups). Destruction kills its processes and removes it if
/// it is empty (it never waits; see ProcessGroup for teardown).
class PROCESSKIT_OS_EXPORT Cgroup {
public:
    /// Creates a uniquely named child of `parent_dir` and applies the limits
    /// (memory.max, pids.max, cpu.max), enabling the controllers they need in
    /// the parent's cgroup.subtree_control. Throws Error: Io (cannot create;
    /// os_error() holds errno), ResourceLimit (a limit cannot be enforced, e.g.
    /// the controller is not available in cgroup v2 here); nothing is left
    /// behind on failure.
    static Cgroup create(const std::string& parent_dir, const ResourceLimits& limits = {});

    /// A moved-from Cgroup owns nothing (its destructor does nothing);
    /// assigning over a Cgroup first tears the old one down as ~Cgroup does.
    Cgroup(Cgroup&& other) noexcept;
    /// Tears this Cgroup down (see ~Cgroup), then takes over `other`.
    Cgroup& operator=(Cgroup&& other) noexcept;
    ~Cgroup();

    /// The directory's full path.
    const std::string& path() const { return path_; }
    /// `cgroup.events`, open for reading: POLLPRI when `populated` changes.
    /// The only descriptor a Cgroup holds for long: with many groups alive,
    /// each one held counts against the descriptor limit and sits in the
    /// table that spawns may have to copy part of, so `cgroup.procs` is
    /// opened on demand and the directory is held only from create() (or
    /// hold_dir()) until the next take_dir() (ProcessGroup holds it for
    /// good once a group spawns a second time).
    int events_fd() const { return events_fd_.get(); }
    /// A new descriptor of the directory itself (O_PATH), for clone3's
    /// CLONE_INTO_CGROUP; the caller closes it after the spawn. Throws Error
    /// (Io) once removed or if the directory is gone.
    UniqueFd open_dir() const;
    /// The directory's descriptor held since create() or hold_dir(), handed
    /// over (the Cgroup no longer holds it); a new one (open_dir()) if none
    /// is held. One path lookup fewer for the spawn that follows creation.
    UniqueFd take_dir();
    /// The held directory descriptor, or -1 (nothing is opened).
    int held_dir_fd() const { return dir_fd_.get(); }
    /// Opens and holds the directory's descriptor (if not held already), so
    /// that has_file() and read_file() look up one name, not the whole path,
    /// and the next take_dir() costs nothing. False if it cannot be opened.
    bool hold_dir() noexcept;
    /// Whether `name` exists in the directory.
    bool has_file(const char* name) const;
    /// The content of the small interface file `name`; std::nullopt if it
    /// cannot be read.
    std::optional<std::string> read_file(const char* name) const;
    /// False once the directory is gone, even if removed by someone else:
    /// its cgroup.events can no longer be read (ENODEV). No path lookup.
    bool alive() const;
    /// `cgroup.procs`, newly opened for writing (placement by the child where
    /// clone3 cannot place it). Throws Error (Io) as open_dir().
    UniqueFd open_procs() const;

    /// Moves a process into the group. Throws Error (Io) naming the pid.
    void adopt(pid_t pid);
    /// SIGKILL to every process in the tree, atomically (cgroup.kill; before
    /// Linux 5.14: freeze, kill each member, thaw). Does not wait. No-op once
    /// removed or if the directory is gone; throws Error (Io) otherwise.
    void kill();
    /// Any other signal: to each member, through a pidfd taken while the
    /// pid was still listed in cgroup.procs, so never to a reused pid. Not
    /// atomic like kill(): a process forked meanwhile may miss it. Members
    /// that exited meanwhile are skipped; other failures throw Error (Io).
    void signal(int native_signal);
    /// cgroup.freeze; returns once the kernel reports the requested state, the
    /// group is empty, or after 1 s. Throws Error (Io) if it cannot be written.
    void freeze(bool frozen);
    /// The pids in cgroup.procs (empty if the directory is gone).
    std::vector<pid_t> members() const;
    /// `populated` of cgroup.events (false once removed).
    bool populated() const;
    /// Tree-wide figures; std::nullopt fields when the file is absent.
    /// Throws Error (Io) when the directory is gone.
    ProcessGroupStats stats() const;
    /// rmdir (of nested cgroups left by the processes too, deepest first);
    /// false (and nothing changed) while processes remain. True if already
    /// gone. Closes cgroup.events on success.
    bool try_remove();
    /// True once try_remove() succeeded (and for a moved-from Cgroup).
    bool removed() const { return removed_; }
    /// kill() was used on this directory. Linux 6.18 (at least) then kills
    /// every child later created in it by clone3(CLONE_INTO_CGROUP) at birth
    /// (the kill sequence is compared with the parent's cgroup); such a
    /// directory is only entered by writing cgroup.procs, and never reused.
    bool was_killed() const { return killed_; }

private:
    Cgroup(std::string path, UniqueFd events, UniqueFd dir);
    /// kill() + one try_remove(), errors swallowed (destructor, assignment).
    void release() noexcept;
    /// open(2) of `name` in the directory (the directory itself if empty).
    UniqueFd open_in_dir(const char* name, int flags) const;

    std::string path_;
    UniqueFd events_fd_;
    UniqueFd dir_fd_; ///< O_PATH, held between create()/hold_dir() and take_dir()
    bool removed_ = false;
    bool killed_ = false;
};

/// `processkit-<pid ns>-<time ns>-<pid>-<start time>-`: how the names of the
/// directories this process creates begin (the X5 sweep judges their owner
/// by it). The namespaces are the inode numbers of /proc/self/ns/pid and
/// /proc/self/ns/time (0 where the kernel has no such namespace): the pid is
/// a number in the first, the start time (clock ticks since boot) is read in
/// the second. Throws Error (Io) if this process's start time cannot be read
/// (/proc missing, or mounted from a namespace this process is not in).
PROCESSKIT_OS_EXPORT std::string own_cgroup_name_prefix();

/// What one sweep of a parent directory did (X5).
struct SweepResult {
    /// Directories of owners proven gone: their processes killed, removed.
    std::size_t removed = 0;
    /// `processkit-*` directories left alone because their owner cannot be
    /// judged from here: another pid or time namespace, an old-format name
    /// (no namespace in it), or a live pid whose start time cannot be read.
    std::size_t unjudged = 0;
    /// Owner proven gone, but the directory could not be killed or removed.
    std::size_t failed = 0;
};

/// X5: removes the `processkit-*` directories under `parent_dir` whose owner
/// is provably gone, killing what is left in them. The owner is gone when:
/// - the name records the sweeper's own pid and time namespaces, and
///   kill(pid, 0) fails with ESRCH, or /proc shows this pid namespace and
///   /proc/<pid> has another start time (a reused pid); or
/// - the sweeper is in the initial pid namespace with its own /proc (it sees
///   every process of every namespace) and no process at all is in the pid
///   namespace the name records: the whole namespace is gone.
/// Everything else is left alone: live owners, and the unjudged (counted):
/// names of other namespaces that still have processes, old-format names.
/// Never throws.
PROCESSKIT_OS_EXPORT SweepResult remove_stale_cgroups(const std::string& parent_dir);

namespace detail {

/// The namespaces a name's numbers are relative to (nsfs inode numbers).
struct NamespaceId {
    std::uint64_t pid_ns = 0;
    std::uint64_t time_ns = 0;
    friend bool operator==(const NamespaceId&, const NamespaceId&) = default;
};

/// The owner recorded in a directory name.
struct CgroupOwner {
    /// nullopt for an old-format `processkit-<pid>-<start>-<sequence>` name,
    /// which does not say which namespace its pid belongs to.
    std::optional<NamespaceId> ns;
    pid_t pid = 0;
    std::uint64_t start_time = 0;
    std::uint64_t sequence = 0;
};
/// nullopt unless `name` is exactly `processkit-<pid ns>-<time ns>-<pid>-
/// <start>-<sequence>` or the old `processkit-<pid>-<start>-<sequence>`
/// (decimal numbers, pid > 0).
PROCESSKIT_OS_EXPORT std::optional<CgroupOwner> parse_cgroup_name(std::string_view name);

/// What the sweeping process knows about itself.
struct SweeperView {
    NamespaceId ns;
    pid_t pid = 0;
    std::uint64_t start_time = 0;
    /// proc_shows_own_pid_namespace(): /proc/<pid> start times can be trusted.
    bool proc_is_own = false;
    /// proc_is_own in the initial pid namespace: /proc lists every process.
    bool sees_every_pid_namespace = false;
};
/// The calling process's view; nullopt if its own start time cannot be read.
PROCESSKIT_OS_EXPORT std::optional<SweeperView> sweeper_view();

enum class OwnerVerdict { Alive, Gone, Unjudged };
/// The sweep's judgement of one owner (reads /proc and calls kill(pid, 0)).
/// `live_pid_namespaces` (sorted, from pid_namespaces_in_use(); null if not
/// known) is consulted only for owners of another pid namespace, and only
/// when `me.sees_every_pid_namespace`.
PROCESSKIT_OS_EXPORT OwnerVerdict
judge_owner(const CgroupOwner& owner, const SweeperView& me,
            const std::vector<std::uint64_t>* live_pid_namespaces = nullptr);

/// The kill for kernels without cgroup.kill (< 5.14): freeze `dir`, SIGKILL
/// every member, thaw. Throws Error (Io) if cgroup.freeze cannot be written.
PROCESSKIT_OS_EXPORT void kill_by_freezing(const std::string& dir);

} // namespace detail

} // namespace processkit::os
