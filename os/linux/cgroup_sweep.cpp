// Names of processkit's cgroup directories and the sweep of stale ones (X5):
// this process's identity (pid and time namespaces, pid, start time) read
// once from /proc/self, the name prefix built from it, and the judgement of
// each `processkit-*` directory's owner — alive, provably gone (then its
// processes are killed and the directory removed), or not judged from here.
// Names are parsed in cgroup_text.cpp.
#include "cgroup_fs.hpp"
#include "cgroup_text.hpp"
#include "processkit/core/error.hpp"
#include "processkit/os/cgroup.hpp"
#include "processkit/os/procfs.hpp"

#include <algorithm>
#include <cerrno>
#include <mutex>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace processkit::os {

namespace {

/// The inode number of the initial pid namespace (PROC_PID_INIT_INO, fixed
/// by the kernel).
constexpr std::uint64_t initial_pid_ns_inode = 0xEFFFFFFCU;

/// The inode number of a /proc/self/ns link: which namespace this process
/// is in. 0 if the kernel has no such namespace type (then every process is
/// in the one there is); nullopt on any other failure.
std::optional<std::uint64_t> own_namespace_inode(const char* path) {
    struct stat st {};
    if (::stat(path, &st) == 0) {
        return static_cast<std::uint64_t>(st.st_ino);
    }
    if (errno == ENOENT) {
        return std::uint64_t{0};
    }
    return std::nullopt;
}

/// This process's identity for naming and sweeping: its namespaces, pid and
/// start time. Read from /proc once per process rather than on every
/// creation (it costs as much as the rest of a creation and never changes);
/// a forked child (another pid) reads its own. Everything comes through
/// /proc/self, which is this process whichever pid namespace /proc was
/// mounted from (as long as this process is visible in it).
std::optional<detail::SweeperView> own_identity() {
    static std::mutex mutex;
    static std::optional<detail::SweeperView> cached;
    const pid_t self = ::getpid();
    std::lock_guard lock(mutex);
    if (!cached || cached->pid != self) {
        cached.reset();
        // The start time first: it fails if /proc/self does not resolve,
        // which the namespace links would report as "no such namespace".
        const auto start = own_process_start_time();
        const auto pid_ns = own_namespace_inode("/proc/self/ns/pid");
        const auto time_ns = own_namespace_inode("/proc/self/ns/time");
        if (!start || !pid_ns || !time_ns) {
            return std::nullopt;
        }
        cached = detail::SweeperView{{*pid_ns, *time_ns}, self, *start, false};
    }
    return cached;
}

} // namespace

std::string own_cgroup_name_prefix() {
    const auto me = own_identity();
    if (!me) {
        throw Error(ErrorKind::Io, {},
                    "cannot read the start time and namespaces of this process from "
                    "/proc/self (is /proc mounted from this process's pid namespace?)");
    }
    return std::string(cgroup_text::name_prefix) + std::to_string(me->ns.pid_ns) + "-" +
           std::to_string(me->ns.time_ns) + "-" + std::to_string(me->pid) + "-" +
           std::to_string(me->start_time) + "-";
}

SweepResult remove_stale_cgroups(const std::string& parent_dir) {
    SweepResult result;
    const auto me = detail::sweeper_view();
    std::optional<std::vector<std::uint64_t>> live_namespaces;
    bool scanned = false;
    for (const auto& name : cgroup_fs::subdirectory_names(parent_dir)) {
        const auto owner = detail::parse_cgroup_name(name);
        if (!owner) {
            continue; // not a name of ours at all
        }
        // The scan of all of /proc happens at most once per sweep, and only
        // for a name of another pid namespace where it can prove something.
        if (me && me->sees_every_pid_namespace && owner->ns && owner->ns->pid_ns != me->ns.pid_ns &&
            !scanned) {
            live_namespaces = pid_namespaces_in_use();
            scanned = true;
        }
        const auto verdict =
            me ? detail::judge_owner(*owner, *me, live_namespaces ? &*live_namespaces : nullptr)
               : detail::OwnerVerdict::Unjudged;
        if (verdict == detail::OwnerVerdict::Unjudged) {
            ++result.unjudged;
            continue;
        }
        if (verdict == detail::OwnerVerdict::Alive) {
            continue;
        }
        const std::string dir = cgroup_text::join_path(parent_dir, name);
        try {
            if (!cgroup_fs::kill_dir(dir)) {
                continue; // removed by someone else meanwhile
            }
        } catch (const Error&) {
            ++result.failed;
            continue; // cannot kill: leave it rather than guess
        }
        cgroup_fs::wait_for_events(
            dir, [](std::string_view events) { return !cgroup_text::populated_in(events); });
        if (cgroup_fs::remove_cgroup_dir(dir) == 0) {
            ++result.removed;
        } else {
            ++result.failed;
        }
    }
    return result;
}

namespace detail {
std::optional<SweeperView> sweeper_view() {
    auto me = own_identity();
    if (me) {
        // Not cached: /proc can be remounted, and a sweep is rare.
        me->proc_is_own = proc_shows_own_pid_namespace();
        me->sees_every_pid_namespace = me->proc_is_own && me->ns.pid_ns == initial_pid_ns_inode;
    }
    return me;
}

// Why names carry namespaces: a pid means nothing outside its pid namespace.
// A sweeper that read `processkit-<pid>-...` as its own pid killed the live
// trees of owners in other namespaces (pk inside `unshare --pid` and pk
// outside, both ways). So only a sweeper in the owner's pid namespace judges
// a name; and only in the owner's time namespace, since /proc start times
// carry the reader's boot-time offset (another time namespace would see a
// live owner's start time differ and take it for a reused pid).
//
// Proof of death is either kill(pid, 0) failing with ESRCH (the kernel's
// answer, in our namespace: right whatever /proc is), or a start time in
// /proc/<pid>/stat other than the recorded one (pid reused) - trusted only
// when /proc shows our own pid namespace. An nsfs inode number can be reused
// once its namespace is gone; then the owner is gone too, and a process of
// the new namespace still has to match both pid and start time (to the
// clock tick) to be taken for it, which at worst keeps a directory.
//
// A name of another pid namespace is judged only by a sweeper that sees every
// process (initial pid namespace, its own /proc): a live owner is a process
// of that namespace, so a namespace without any process has no live owner.
// This cleans up after namespaces killed whole (their guards die with them).
// A process alive through the whole /proc scan is listed by it; one that
// died meanwhile is gone anyway; a reused inode number only keeps a directory.
OwnerVerdict judge_owner(const CgroupOwner& owner, const SweeperView& me,
                         const std::vector<std::uint64_t>* live_pid_namespaces) {
    if (!owner.ns) {
        return OwnerVerdict::Unjudged;
    }
    if (owner.ns->pid_ns != me.ns.pid_ns) {
        if (me.sees_every_pid_namespace && live_pid_namespaces != nullptr &&
            !std::binary_search(live_pid_namespaces->begin(), live_pid_namespaces->end(),
                                owner.ns->pid_ns)) {
            return OwnerVerdict::Gone;
        }
        return OwnerVerdict::Unjudged;
    }
    if (owner.ns->time_ns != me.ns.time_ns) {
        return OwnerVerdict::Unjudged;
    }
    if (owner.pid == me.pid) {
        return owner.start_time == me.start_time ? OwnerVerdict::Alive : OwnerVerdict::Gone;
    }
    if (::kill(owner.pid, 0) != 0 && errno == ESRCH) {
        return OwnerVerdict::Gone;
    }
    if (!me.proc_is_own) {
        return OwnerVerdict::Unjudged; // exists; whether it is the owner /proc cannot say
    }
    if (const auto start = process_start_time(owner.pid)) {
        return *start == owner.start_time ? OwnerVerdict::Alive : OwnerVerdict::Gone;
    }
    // No readable stat: it exited meanwhile, or /proc hides it (hidepid).
    if (::kill(owner.pid, 0) != 0 && errno == ESRCH) {
        return OwnerVerdict::Gone;
    }
    return OwnerVerdict::Unjudged;
}

} // namespace detail

} // namespace processkit::os
