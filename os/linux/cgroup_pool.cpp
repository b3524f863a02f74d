// CgroupPool: empty cgroup directories kept for reuse (see cgroup_pool.hpp).
#include "cgroup_pool.hpp"

#include <cstdlib>
#include <utility>

namespace processkit::os {

CgroupPool& CgroupPool::instance() {
    // Never destroyed, so a forked child's exit cannot remove (through
    // ~Cgroup) the directories its parent keeps: at exit, remove_all() runs
    // and does nothing outside the process that made the pool.
    static CgroupPool* const pool = [] {
        auto* made = new CgroupPool;
        std::atexit([] { instance().remove_all(false); });
        return made;
    }();
    return *pool;
}

std::optional<CgroupPool::Reused> CgroupPool::take(const std::string& parent) {
    if (!owned_here()) {
        return std::nullopt; // a forked child must not reuse its parent's groups
    }
    std::lock_guard lock(mutex_);
    for (auto it = idle_.begin(); it != idle_.end();) {
        if (it->parent != parent) {
            ++it;
            continue;
        }
        Reused r{std::move(it->cgroup), it->registration, it->guard};
        it = idle_.erase(it);
        if (r.cgroup.alive()) {
            return r;
        }
        forget(r.guard, r.registration);
    }
    return std::nullopt;
}

bool CgroupPool::give(const std::string& parent, Cgroup& cg, OwnerGuard* guard,
                      OwnerGuard::Registration registration) {
    if (!owned_here()) {
        return false;
    }
    std::lock_guard lock(mutex_);
    // The directory is held from here (one path lookup): the files below
    // are looked up from it, and the next user's first spawn takes it.
    if (idle_.size() >= max_idle || cg.was_killed() || cg.populated() || !cg.hold_dir() ||
        cg.has_file("memory.peak")) {
        return false;
    }
    // Its CPU figure is read by the next user, and only if it measures
    // CPU time: the directory stays empty until then, so the figure holds.
    idle_.push_back({parent, std::move(cg), registration, guard});
    return true;
}

void CgroupPool::clear() {
    remove_all(true);
}

void CgroupPool::remove_all(bool tell_guard) {
    if (!owned_here()) {
        return;
    }
    std::vector<Idle> removed;
    {
        std::lock_guard lock(mutex_);
        removed.swap(idle_);
    }
    for (auto& idle : removed) {
        remove_idle(idle, tell_guard);
    }
}

void CgroupPool::forget(OwnerGuard* guard, OwnerGuard::Registration registration) {
    if (guard != nullptr) {
        guard->forget(registration);
    }
}

void CgroupPool::remove_idle(Idle& idle, bool tell_guard) noexcept {
    try {
        if (idle.cgroup.try_remove() && tell_guard) {
            forget(idle.guard, idle.registration);
        }
        // Otherwise ~Cgroup kills and tries once more, and the guard
        // removes it when the owner goes.
    } catch (...) { // NOLINT(bugprone-empty-catch): teardown goes on
    }
}

} // namespace processkit::os
