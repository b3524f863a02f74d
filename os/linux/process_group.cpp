// ProcessGroup on Linux: a cgroup v2 directory when we may create one, POSIX
// process groups otherwise. Every container is registered with the owner
// guard so it dies with its owner (X1).
#include "processkit/os/process_group.hpp"

#include "cgroup_pool.hpp"
#include "processkit/core/termination.hpp"
#include "processkit/os/cgroup.hpp"
#include "processkit/os/leader_set.hpp"
#include "processkit/os/owner_guard.hpp"
#include "processkit/os/procfs.hpp"
#include "processkit/os/signals.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <set>
#include <signal.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace processkit {
namespace {

using os::CgroupPool;

using Clock = std::chrono::steady_clock;

/// X5 runs once per cgroup parent per process: scanning on every group
/// creation would put a directory walk on the spawn path.
void remove_stale_once(const std::string& parent) {
    static std::mutex mutex;
    static std::set<std::string> done;
    std::lock_guard lock(mutex);
    if (done.insert(parent).second) {
        os::remove_stale_cgroups(parent);
    }
}

Error unsupported(Mechanism m, const std::string& why) {
    return Error(ErrorKind::Unsupported, {},
                 "the " + std::string(to_string(m)) + " mechanism is not available: " + why);
}

/// usage_usec of a cpu.stat text, zero if absent.
Duration usage_of(const std::string& cpu_stat) {
    const auto at = cpu_stat.find("usage_usec ");
    if (at == std::string::npos) {
        return Duration::zero();
    }
    return std::chrono::microseconds(std::strtoll(cpu_stat.c_str() + at + 11, nullptr, 10));
}

/// Our own cgroup directory, read once per process: parsing mountinfo on
/// every group creation would cost more than the rest of it. (If the process
/// is moved to another cgroup later, new groups still go under the first.)
std::optional<std::string> own_cgroup_dir_cached() {
    static std::mutex mutex;
    static pid_t pid = 0;
    static std::optional<std::string> dir;
    std::lock_guard lock(mutex);
    if (pid != ::getpid()) {
        dir = os::own_cgroup_dir();
        pid = ::getpid();
    }
    return dir;
}

int poll_ms(Duration d) {
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
    return static_cast<int>(std::clamp<decltype(ms)>(ms, 0, 60'000));
}

} // namespace

struct ProcessGroup::Impl {
    mutable std::mutex mutex;
    GroupOptions options;
    std::optional<os::Cgroup> cgroup;
    std::string cgroup_parent;
    Duration cpu_baseline{0}; ///< CPU time the directory held before this group
    /// ProcessGroup mechanism: the groups we created and the processes we
    /// adopted. None: the child pids.
    os::LeaderSet leaders{true};
    bool suspended = false;
    /// Spawned into the cgroup before: from the second spawn on, the group
    /// keeps its directory open (see spawn_locked).
    bool spawned_before = false;
    os::OwnerGuard* guard = nullptr;
    /// The cgroup's registration with the guard (0: none).
    os::OwnerGuard::Registration cgroup_registration = 0;
    /// Something of this group could not be registered with the guard.
    bool registration_failed = false;

    /// Every live process of the group, read from /proc.
    std::vector<pid_t> live_processes() const {
        auto live = os::processes_in_groups(leaders.group_ids());
        for (pid_t p : leaders.live_processes()) {
            if (std::find(live.begin(), live.end(), p) == live.end()) {
                live.push_back(p);
            }
        }
        return live;
    }
    /// Forgets the entries that have no live process left.
    void prune() {
        for (const auto& gone : leaders.prune()) {
            forget(gone.registration);
        }
    }
    void forget(os::OwnerGuard::Registration r) const {
        if (guard != nullptr && r != 0) {
            guard->forget(r);
        }
    }
    /// Adds a process group (`group`) or process with a pidfd of its own,
    /// registered with the guard where the mechanism contains anything.
    void track(pid_t id, int pidfd, bool group, Mechanism mechanism) {
        os::UniqueFd own(pidfd >= 0 ? ::fcntl(pidfd, F_DUPFD_CLOEXEC, 3) : -1);
        auto& entry = leaders.add(id, std::move(own), group);
        if (mechanism != Mechanism::ProcessGroup) {
            return; // None contains nothing, so it promises nothing either
        }
        if (guard != nullptr && entry.pidfd) {
            entry.registration = group ? guard->watch_process_group(id, entry.pidfd.get())
                                       : guard->watch_process(entry.pidfd.get());
        }
        registration_failed = registration_failed || entry.registration == 0;
    }
};

ProcessGroup::ProcessGroup(GroupOptions options)
    : impl_(std::make_unique<Impl>()) {
    if (auto bad = options.limits.validate()) {
        throw *bad;
    }
    const auto required = options.require;
    if (required == Mechanism::JobObject) {
        throw unsupported(Mechanism::JobObject, "Job Objects exist only on Windows");
    }
    if (options.require_owner_death_protection && required == Mechanism::None) {
        throw Error(ErrorKind::InvalidArgument, {},
                    "owner-death protection was required of Mechanism::None, which contains "
                    "nothing");
    }
    bool want_cgroup = !required || required == Mechanism::CgroupV2;
    std::string why_not_cgroup;
    // First: the guard must know of a directory before a process can be in it.
    impl_->guard = os::OwnerGuard::instance();
    if (impl_->guard == nullptr && options.require_owner_death_protection) {
        throw Error(ErrorKind::Unsupported, {},
                    "owner-death protection is not available: " + os::OwnerGuard::last_error());
    }
    if (want_cgroup) {
        auto parent = options.cgroup_parent ? options.cgroup_parent : own_cgroup_dir_cached();
        if (!parent) {
            why_not_cgroup = "no cgroup2 filesystem is mounted";
        } else {
            try {
                remove_stale_once(*parent);
                impl_->cgroup_parent = *parent;
                auto pooled =
                    options.limits.any() ? std::nullopt : CgroupPool::instance().take(*parent);
                if (pooled && pooled->guard != impl_->guard) {
                    pooled.reset(); // registered with a guard that died: ~Cgroup removes it
                }
                Duration baseline = Duration::zero();
                if (pooled && options.measure_cpu_time) {
                    // Still empty: what its cpu.stat holds is earlier users' time.
                    if (const auto cpu = pooled->cgroup.read_file("cpu.stat")) {
                        baseline = usage_of(*cpu);
                    } else {
                        // Unreadable, so not reusable: removed now, and the
                        // guard need not remove it later.
                        if (pooled->cgroup.try_remove()) {
                            CgroupPool::forget(pooled->guard, pooled->registration);
                        }
                        pooled.reset();
                    }
                }
                if (pooled) {
                    impl_->cgroup.emplace(std::move(pooled->cgroup));
                    impl_->cpu_baseline = baseline;
                    impl_->cgroup_registration = pooled->registration;
                } else {
                    impl_->cgroup.emplace(os::Cgroup::create(*parent, options.limits));
                    // Registered before the group is handed out, so before any
                    // process can be placed in it.
                    if (impl_->guard != nullptr) {
                        impl_->cgroup_registration = impl_->guard->watch_cgroup(
                            impl_->cgroup->path(), impl_->cgroup->held_dir_fd());
                    }
                }
                impl_->registration_failed = impl_->cgroup_registration == 0;
            } catch (const Error& e) {
                if (e.kind() != ErrorKind::Io) {
                    throw; // a limit that cannot be enforced is never silently dropped
                }
                why_not_cgroup = e.detail();
            }
        }
    }
    if (impl_->cgroup) {
        mechanism_ = Mechanism::CgroupV2;
    } else if (required == Mechanism::CgroupV2) {
        throw unsupported(Mechanism::CgroupV2, why_not_cgroup);
    } else if (options.limits.any()) {
        throw Error(ErrorKind::ResourceLimit, {},
                    "resource limits need a cgroup v2 group, and none is available here" +
                        (why_not_cgroup.empty() ? std::string() : ": " + why_not_cgroup));
    } else {
        mechanism_ = required == Mechanism::None ? Mechanism::None : Mechanism::ProcessGroup;
    }
    if (options.require_owner_death_protection && impl_->registration_failed) {
        // ~Impl removes the directory again (and the guard is gone or
        // refused it, so there is nothing to forget).
        throw Error(ErrorKind::Unsupported, {},
                    "owner-death protection is not available: the group could not be "
                    "registered with the guard: " +
                        os::OwnerGuard::last_error());
    }
    impl_->options = std::move(options);
    impl_->leaders = os::LeaderSet(mechanism_ == Mechanism::ProcessGroup);
}

ProcessGroup::~ProcessGroup() {
    if (!impl_) {
        return;
    }
    try {
        std::lock_guard lock(impl_->mutex);
        if (impl_->cgroup) {
            auto& cg = *impl_->cgroup;
            if (!impl_->options.limits.any() && !impl_->suspended && !impl_->registration_failed &&
                CgroupPool::instance().give(impl_->cgroup_parent, cg, impl_->guard,
                                            impl_->cgroup_registration)) {
                return; // kept, empty and still registered, for the next group
            }
            // Fast path: an empty group is removed at once. Otherwise kill it
            // atomically and let the guard remove the directory once the
            // kernel reports it empty: a destructor never waits (X4).
            if (cg.try_remove()) {
                impl_->forget(impl_->cgroup_registration);
            } else {
                cg.kill();
                if (cg.try_remove()) {
                    impl_->forget(impl_->cgroup_registration);
                } else if (impl_->guard != nullptr && impl_->cgroup_registration != 0) {
                    impl_->guard->remove_when_empty(impl_->cgroup_registration);
                }
            }
        } else {
            impl_->leaders.signal_all(SIGKILL);
            for (const auto& e : impl_->leaders.entries()) {
                impl_->forget(e.registration);
            }
        }
    } catch (...) {
        // Destructors never throw; the guard or X5 finishes what failed here.
    }
}

bool ProcessGroup::renew_owner_death_protection() {
    std::lock_guard lock(impl_->mutex);
    if (mechanism_ == Mechanism::None) {
        return false;
    }
    if (impl_->guard != nullptr && impl_->guard->alive() && !impl_->registration_failed) {
        return true;
    }
    os::OwnerGuard* guard = os::OwnerGuard::instance(); // a new one if the old died
    if (guard == nullptr) {
        return false;
    }
    bool ok = true;
    if (impl_->cgroup) {
        impl_->cgroup_registration = guard->watch_cgroup(impl_->cgroup->path());
        ok = impl_->cgroup_registration != 0;
    } else {
        for (auto& e : impl_->leaders.entries()) {
            e.registration = !e.pidfd  ? 0
                             : e.group ? guard->watch_process_group(e.id, e.pidfd.get())
                                       : guard->watch_process(e.pidfd.get());
            ok = ok && e.registration != 0;
        }
    }
    impl_->guard = guard;
    impl_->registration_failed = !ok;
    return ok && guard->alive();
}

bool ProcessGroup::owner_death_protected() const {
    std::lock_guard lock(impl_->mutex);
    return mechanism_ != Mechanism::None && impl_->guard != nullptr &&
           !impl_->registration_failed && impl_->guard->alive();
}

void ProcessGroup::release_cached_groups() {
    CgroupPool::instance().clear();
}

const std::string& ProcessGroup::cgroup_path() const {
    static const std::string none;
    return impl_->cgroup ? impl_->cgroup->path() : none;
}

os::SpawnedProcess ProcessGroup::spawn(const Command& command) {
    return spawn(command, os::StdioRedirect{});
}

os::SpawnedProcess ProcessGroup::spawn(const Command& command, const os::StdioRedirect& redirect) {
    return os::named_after(command.program(), [&] { return spawn_locked(command, redirect); });
}

os::SpawnedProcess ProcessGroup::spawn_locked(const Command& command,
                                              const os::StdioRedirect& redirect) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->suspended) {
        throw Error(ErrorKind::InvalidArgument, command.program(),
                    "the group is suspended: a child placed in it would be frozen before it "
                    "could start; resume() the group first");
    }
    os::Placement placement;
    // The first spawn takes the directory descriptor opened when the
    // directory was created or reused (Cgroup::take_dir), which costs
    // nothing, and closes it: with many groups alive, every descriptor each
    // one holds counts against the process's descriptor limit and sits in
    // the table that each spawn may have to copy part of (see os::spawn).
    // A group that spawns again (one shared by many children, a pipeline's)
    // is one of few and likely to go on: it holds its directory from then
    // on, rather than paying a path lookup per spawn.
    os::UniqueFd cgroup_fd;
    if (impl_->cgroup) {
        // A killed directory cannot take clone3(CLONE_INTO_CGROUP) children
        // on this kernel (see Cgroup::was_killed): enter it by cgroup.procs.
        if (impl_->cgroup->was_killed()) {
            cgroup_fd = impl_->cgroup->open_procs();
            placement = {os::Placement::Kind::Cgroup, cgroup_fd.get(), -1};
        } else if (impl_->spawned_before && impl_->cgroup->hold_dir()) {
            placement = {os::Placement::Kind::Cgroup, -1, impl_->cgroup->held_dir_fd()};
        } else {
            cgroup_fd = impl_->cgroup->take_dir(); // held since creation or reuse, if so
            placement = {os::Placement::Kind::Cgroup, -1, cgroup_fd.get()};
        }
        impl_->spawned_before = true;
    } else if (mechanism_ == Mechanism::ProcessGroup) {
        placement.kind = os::Placement::Kind::NewProcessGroup;
        impl_->prune();
    }
    auto spawned = os::spawn(command, placement, redirect);
    if (!impl_->cgroup) {
        impl_->track(spawned.child.pid(), spawned.child.pidfd(),
                     mechanism_ == Mechanism::ProcessGroup, mechanism_);
    }
    return spawned;
}

void ProcessGroup::adopt(pid_t pid) {
    std::lock_guard lock(impl_->mutex);
    if (impl_->cgroup) {
        impl_->cgroup->adopt(pid);
        return;
    }
    // A pidfd first: from here on the process is known by it, not by a
    // number that could be reused.
    os::UniqueFd pidfd(os::above_stdio(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))));
    if (!pidfd) {
        const int err = errno;
        throw Error(err == ESRCH ? ErrorKind::NotFound : ErrorKind::Io, {},
                    "cannot adopt pid " + std::to_string(pid) + ": " + std::strerror(err))
            .with_os_error(err);
    }
    // A child that has not called exec (and is no session leader) can get a
    // process group of its own, which then also holds what it starts. Any
    // other process is tracked alone, by its pidfd: it is killed with the
    // group, what it starts is not (docs/platform-support.md).
    const bool own_group = mechanism_ == Mechanism::ProcessGroup && ::setpgid(pid, pid) == 0;
    impl_->track(pid, pidfd.get(), own_group, mechanism_);
}

void ProcessGroup::kill_all() {
    std::lock_guard lock(impl_->mutex);
    if (impl_->cgroup) {
        if (!impl_->cgroup->populated()) {
            return; // nothing to kill; keeps the directory reusable
        }
        impl_->cgroup->kill();
    } else {
        impl_->leaders.signal_all(SIGKILL);
    }
}

void ProcessGroup::signal(Signal s) {
    const int sig = os::to_native(s);
    if (sig == SIGKILL) {
        kill_all();
        return;
    }
    std::lock_guard lock(impl_->mutex);
    if (impl_->cgroup) {
        impl_->cgroup->signal(sig);
    } else {
        impl_->leaders.signal_all(sig);
    }
}

void ProcessGroup::suspend() {
    std::lock_guard lock(impl_->mutex);
    if (impl_->cgroup) {
        impl_->cgroup->freeze(true);
    } else {
        impl_->leaders.signal_all(SIGSTOP);
    }
    impl_->suspended = true;
}

void ProcessGroup::resume() {
    std::lock_guard lock(impl_->mutex);
    if (impl_->cgroup) {
        impl_->cgroup->freeze(false);
    } else {
        impl_->leaders.signal_all(SIGCONT);
    }
    impl_->suspended = false;
}

bool ProcessGroup::suspended() const {
    std::lock_guard lock(impl_->mutex);
    return impl_->suspended;
}

std::vector<pid_t> ProcessGroup::members() const {
    std::lock_guard lock(impl_->mutex);
    if (impl_->cgroup) {
        return impl_->cgroup->members();
    }
    return impl_->leaders.live();
}

bool ProcessGroup::empty() const {
    std::lock_guard lock(impl_->mutex);
    if (impl_->cgroup) {
        return !impl_->cgroup->populated();
    }
    return impl_->live_processes().empty();
}

ProcessGroupStats ProcessGroup::stats() const {
    std::lock_guard lock(impl_->mutex);
    if (impl_->cgroup) {
        auto s = impl_->cgroup->stats();
        if (!impl_->options.measure_cpu_time) {
            s.total_cpu_time.reset(); // its baseline was never read
        } else if (s.total_cpu_time) {
            *s.total_cpu_time -= std::min(*s.total_cpu_time, impl_->cpu_baseline);
        }
        return s;
    }
    // No tree accounting without cgroups: count processes and their memory
    // from /proc; CPU time of exited members is unknowable here.
    ProcessGroupStats s;
    const auto live = impl_->live_processes();
    s.active_process_count = live.size();
    std::uint64_t rss = 0;
    for (pid_t p : live) {
        rss += os::resident_bytes(p).value_or(0);
    }
    s.memory_bytes = rss;
    return s;
}

int ProcessGroup::events_fd() const {
    return impl_->cgroup ? impl_->cgroup->events_fd() : -1;
}

bool ProcessGroup::shutdown() {
    return shutdown(impl_->options.shutdown_timeout);
}

bool ProcessGroup::escalates_to_kill() const {
    return impl_->options.escalate_to_kill;
}

void ProcessGroup::wait_for_change(Duration at_most) {
    if (impl_->cgroup) {
        // The kernel tells us when `populated` changes: no polling.
        pollfd p{impl_->cgroup->events_fd(), POLLPRI, 0};
        ::poll(&p, 1, poll_ms(at_most));
    } else {
        // Process groups give no notification for non-children; this
        // blocking call checks /proc every 10 ms (documented).
        std::this_thread::sleep_for(std::min<Duration>(at_most, std::chrono::milliseconds(10)));
    }
}

} // namespace processkit
