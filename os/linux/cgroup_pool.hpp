#pragma once
// Empty cgroup directories kept for the next group. Private to ProcessGroup
// on Linux.

#include "processkit/os/cgroup.hpp"
#include "processkit/os/owner_guard.hpp"

#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <sys/types.h>
#include <unistd.h>
#include <vector>

namespace processkit::os {

/// Creating and removing a cgroup costs more than the spawn it is for on a
/// loaded kernel (css setup and RCU teardown), so a group that ends empty
/// goes back here instead of being removed, and the next group of the same
/// parent takes it. Only plain groups are pooled: no limits, not frozen, no
/// nested directories, no memory.peak (which could not be reset). Pooled
/// directories stay registered with the owner guard, so they go with the
/// owner; the pool removes them at exit and on clear().
///
/// The pool belongs to the process that made it: a forked child neither
/// takes from it nor gives to it, and its exit leaves the parent's
/// directories alone.
class CgroupPool {
public:
    static constexpr std::size_t max_idle = 4;

    static CgroupPool& instance();

    struct Reused {
        Cgroup cgroup;
        OwnerGuard::Registration registration;
        OwnerGuard* guard;
    };

    /// An idle directory of `parent`, if one is still there. One removed
    /// from outside meanwhile is dropped, not handed out.
    std::optional<Reused> take(const std::string& parent);

    /// Takes the group if it can be reused; returns false (leaving it alone)
    /// otherwise.
    bool give(const std::string& parent, Cgroup& cg, OwnerGuard* guard,
              OwnerGuard::Registration registration);

    /// Removes every idle directory.
    void clear();

    static void forget(OwnerGuard* guard, OwnerGuard::Registration registration);

    CgroupPool(const CgroupPool&) = delete;
    CgroupPool& operator=(const CgroupPool&) = delete;

private:
    CgroupPool() = default;
    ~CgroupPool() = default; // never runs (see instance())

    struct Idle {
        std::string parent;
        Cgroup cgroup;
        OwnerGuard::Registration registration;
        OwnerGuard* guard;
    };

    bool owned_here() const { return ::getpid() == owner_; }
    /// clear(); at exit without telling the guard, which must never delay
    /// an exit (a stopped guard would make each message wait): the guard
    /// finds the directories gone when it cleans up after the owner.
    void remove_all(bool tell_guard);
    static void remove_idle(Idle& idle, bool tell_guard) noexcept;

    const pid_t owner_ = ::getpid();
    std::mutex mutex_;
    std::vector<Idle> idle_;
};

} // namespace processkit::os
