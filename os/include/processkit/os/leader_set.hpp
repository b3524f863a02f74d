#pragma once
// The POSIX process-group mechanism (Linux fallback, macOS, the BSDs): the
// groups a ProcessGroup created, one per spawned child (the child calls
// setpgid(0, 0) before exec, so its pid is the pgid), signalled as a unit
// with kill(-pgid). With no containment at all (Mechanism::None) the entries
// are plain pids. Only POSIX calls.
//
// Thread-safety: none; ProcessGroup serialises access.

#include <sys/types.h>
#include <vector>

namespace processkit::os {

class LeaderSet {
public:
    /// `groups`: entries are process-group ids; otherwise process ids.
    explicit LeaderSet(bool groups)
        : groups_(groups) {}

    void add(pid_t id) { ids_.push_back(id); }
    /// Sends `sig` to every entry (to every member of each group).
    void signal_all(int sig) const noexcept;
    /// The entries that still have a live member.
    std::vector<pid_t> live() const;
    /// Drops the entries with no live member left and returns them.
    std::vector<pid_t> prune();
    const std::vector<pid_t>& entries() const { return ids_; }
    bool groups() const { return groups_; }

private:
    bool exists(pid_t id) const noexcept;

    bool groups_;
    std::vector<pid_t> ids_;
};

} // namespace processkit::os
