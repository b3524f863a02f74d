#pragma once
// The POSIX process-group mechanism (Linux fallback, macOS, the BSDs): what a
// ProcessGroup tracks when it has no cgroup. Each entry is either a process
// group the group created (one per spawned child: the child calls
// setpgid(0, 0) before exec, so its pid is the pgid), signalled as a unit
// with kill(-pgid), or a single process (Mechanism::None's children, and
// processes adopted that could not be given a group of their own), signalled
// alone.
//
// Where the kernel has pidfds (Linux 5.3+) every entry holds one of the
// process (for a group: of its leader), so that a number is never signalled
// once it may name somebody else's process (S1):
// * a single process is signalled through its pidfd only;
// * a group number is used while the leader is not reaped (its pid pins the
//   number), and after that only while no other process holds that pid: the
//   number was then free when such a process got it, so none of the group
//   was left. The window that remains (the number reused, made a group by
//   the newcomer, the newcomer gone, all since our last member died) is
//   described in docs/security.md.
//
// Thread-safety: none; ProcessGroup serialises access.

#include "processkit/os/export.hpp"
#include "processkit/os/unique_fd.hpp"

#include <cstdint>
#include <sys/types.h>
#include <vector>

namespace processkit::os {

/// What a ProcessGroup without a cgroup tracks (see the top of this header):
/// process groups it created and single processes, each with a pidfd where
/// the kernel has them.
class PROCESSKIT_OS_EXPORT LeaderSet {
public:
    /// One tracked process group or single process.
    struct Entry {
        pid_t id = 0;   ///< the pgid (group) or the pid (single process)
        UniqueFd pidfd; ///< of the process, or of the group's leader; may be empty
        /// A process group (signalled with kill(-pgid)), else one process.
        bool group = false;
        std::uint64_t registration = 0; ///< with the owner-death guard, 0 if none
    };

    /// `groups`: spawned children get process groups of their own.
    explicit LeaderSet(bool groups)
        : groups_(groups) {}

    /// Appends an entry (`group`: `id` is a pgid) and returns it; the
    /// reference is valid until the set next changes.
    Entry& add(pid_t id, UniqueFd pidfd, bool group);
    /// Sends `sig` to every entry (to every member of each group).
    void signal_all(int sig) const noexcept;
    /// The ids of the entries that still have a live member.
    std::vector<pid_t> live() const;
    /// The pgids of the group entries.
    std::vector<pid_t> group_ids() const;
    /// The pids of the single-process entries that are still alive.
    std::vector<pid_t> live_processes() const;
    /// Drops the entries with no live member left and returns them.
    std::vector<Entry> prune();
    /// Every entry, in the order added.
    const std::vector<Entry>& entries() const { return entries_; }
    /// Every entry, in the order added (mutable).
    std::vector<Entry>& entries() { return entries_; }
    /// Whether spawned children get process groups of their own (the
    /// constructor's `groups`).
    bool groups() const { return groups_; }

private:
    bool groups_;
    std::vector<Entry> entries_;
};

} // namespace processkit::os
