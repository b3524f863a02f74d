// ProcessGroup with real processes. The suite runs three times (see
// CMakeLists.txt): with the host's strongest mechanism, with the
// process-group fallback forced, and as an unprivileged user. Every test
// ends with a leak check: no process with its marker, no descriptor, no
// cgroup directory left.
#include "processkit/os/cgroup.hpp"
#include "processkit/os/process_group.hpp"
#include "processkit/os/procfs.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

namespace processkit {
namespace {

using namespace std::chrono_literals;

/// Reads one line from a non-blocking pipe, waiting at most `timeout`.
std::string read_line(int fd, std::chrono::milliseconds timeout = 10s) {
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 100);
        char c;
        while (::read(fd, &c, 1) == 1) {
            if (c == '\n') {
                return line;
            }
            line += c;
        }
    }
    ADD_FAILURE() << "no complete line within the timeout; got '" << line << "'";
    return line;
}

/// CPU ticks (utime + stime) of a process, from /proc/<pid>/stat.
long cpu_ticks(pid_t pid) {
    auto stat = os::read_small_file("/proc/" + std::to_string(pid) + "/stat").value_or("");
    auto close = stat.rfind(')');
    if (close == std::string::npos) {
        return -1;
    }
    std::istringstream in(stat.substr(close + 2));
    std::string field;
    long utime = 0;
    long stime = 0;
    for (int i = 3; in >> field; ++i) {
        if (i == 14) {
            utime = std::stol(field);
        } else if (i == 15) {
            stime = std::stol(field);
            break;
        }
    }
    return utime + stime;
}

/// Waits for the child to exit (bounded, as a correctness guard rather than a
/// speed check) and returns its status.
std::optional<os::ExitInfo> wait_for(os::Child& child, std::chrono::milliseconds bound = 10s) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{child.pidfd(), POLLIN, 0};
        ::poll(&p, 1, 50);
        if (auto e = child.try_wait()) {
            return e;
        }
    }
    return std::nullopt;
}

class GroupTest : public ::testing::Test {
protected:
    void TearDown() override {
        group.reset(); // the group's own descriptors and directory go with it
        leaks.check();
    }

    Command sh(const std::string& script) {
        Command c("sh");
        c.arg("-c").arg(script).arg(marker);
        return pktest::mark(c, marker);
    }

    bool cgroups() const { return group->mechanism() == Mechanism::CgroupV2; }

    struct UsedDirectory {
        Duration burned;
        std::string path;
    };

    /// Burns CPU in the fixture's group, then releases the group so that its
    /// (now empty) directory goes back to the cache of reusable ones.
    UsedDirectory burn_cpu_and_release() {
        auto p = group->spawn(sh("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"));
        EXPECT_TRUE(wait_for(p.child, 60s));
        UsedDirectory used{group->stats().total_cpu_time.value_or(Duration::zero()),
                           group->cgroup_path()};
        group.reset();
        return used;
    }

    std::string marker = pktest::unique_marker();
    pktest::LeakCheck leaks{marker};
    std::optional<ProcessGroup> group{std::in_place, pktest::test_group_options()};
};

TEST_F(GroupTest, ReportsTheMechanism) {
    if (auto forced = pktest::forced_mechanism()) {
        EXPECT_EQ(group->mechanism(), *forced);
    } else if (::geteuid() == 0 && os::own_cgroup_dir()) {
        EXPECT_EQ(group->mechanism(), Mechanism::CgroupV2) << "root with cgroup2 mounted";
    } else {
        EXPECT_EQ(group->mechanism(), Mechanism::ProcessGroup);
    }
    EXPECT_EQ(group->cgroup_path().empty(), !cgroups());
}

/// How many of this process's descriptors name the directory `path` itself.
std::size_t fds_naming(const std::string& path) {
    std::size_t n = 0;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code ignored;
        if (std::filesystem::read_symlink(entry.path(), ignored) == path) {
            ++n;
        }
    }
    return n;
}

TEST_F(GroupTest, AGroupSpawningAgainHoldsItsDirectoryOnceAndNeverMore) {
    // One spawn closes the directory descriptor it used; from the second on,
    // the group holds exactly one (no path lookup per spawn), never more.
    if (!cgroups()) {
        GTEST_SKIP() << "no cgroup directory under the process-group mechanism";
    }
    const std::string path = group->cgroup_path();
    auto first = group->spawn(sh("exit 0"));
    ASSERT_TRUE(wait_for(first.child, 30s));
    EXPECT_EQ(fds_naming(path), 0u) << "a group that spawned once holds no directory";
    for (int i = 0; i < 3; ++i) {
        auto again = group->spawn(sh("exit 0"));
        ASSERT_TRUE(wait_for(again.child, 30s));
        EXPECT_EQ(fds_naming(path), 1u) << "spawn " << i + 2;
    }
    group.reset();
    // An empty directory goes to the cache of reusable ones, which holds it
    // (once); a removed one is held by nobody.
    const bool cached = std::filesystem::exists(path);
    EXPECT_EQ(fds_naming(path), cached ? 1u : 0u) << (cached ? "cached" : "removed");
}

TEST_F(GroupTest, DestroyKillsADoubleForkedDaemon) {
    auto p = group->spawn(sh("(sleep 300 &) ; echo forked; exit 0"));
    EXPECT_EQ(read_line(p.stdout_pipe.get()), "forked");
    auto exit = wait_for(p.child);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status, ExitStatus::exited(0));
    // The daemon may be between fork and exec for a moment, when /proc
    // shows no environment: look for it for a while.
    bool daemon_seen = false;
    for (int i = 0; i < 200 && !daemon_seen; ++i) {
        daemon_seen = !pktest::processes_with_marker(marker).empty();
        if (!daemon_seen) {
            std::this_thread::sleep_for(10ms);
        }
    }
    EXPECT_TRUE(daemon_seen) << "the daemon runs on";
    group.reset();
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 2000));
}

TEST_F(GroupTest, SetsidGrandchildIsContainedOnlyByCgroups) {
    // The grandchild reports only once it is in its own session.
    auto p = group->spawn(sh("setsid sh -c 'echo started; exec sleep 300' & exit 0"));
    EXPECT_EQ(read_line(p.stdout_pipe.get()), "started");
    ASSERT_TRUE(wait_for(p.child));
    group.reset();
    if (cgroups()) {
        EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 2000));
    } else {
        // The documented weakness of process groups: a setsid child escapes.
        std::this_thread::sleep_for(100ms);
        const auto escaped = pktest::processes_with_marker(marker);
        EXPECT_EQ(escaped.size(), 1u) << "the setsid child should have escaped";
        for (pid_t pid : escaped) {
            ::kill(pid, SIGKILL);
        }
    }
}

TEST_F(GroupTest, ShutdownEscalatesWhenTermIsIgnored) {
    auto p = group->spawn(sh("trap '' TERM; sleep 300 & echo ready; wait"));
    EXPECT_EQ(read_line(p.stdout_pipe.get()), "ready");
    EXPECT_FALSE(group->shutdown(300ms)) << "TERM is ignored: only the kill ends it";
    auto exit = wait_for(p.child);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status, ExitStatus::signalled(SIGKILL));
    EXPECT_TRUE(group->empty());
}

TEST_F(GroupTest, ShutdownEndsEarlyWhenTheChildHonoursTerm) {
    auto p = group->spawn(sh("trap 'exit 0' TERM; echo ready; while :; do sleep 0.05; done"));
    EXPECT_EQ(read_line(p.stdout_pipe.get()), "ready");
    EXPECT_TRUE(group->shutdown(30s)) << "the tree drained within the timeout";
    auto exit = wait_for(p.child);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status, ExitStatus::exited(0));
}

TEST_F(GroupTest, ShutdownWithoutEscalationLeavesSurvivors) {
    GroupOptions o = pktest::test_group_options();
    o.escalate_to_kill = false;
    group.emplace(o);
    auto p = group->spawn(sh("trap '' TERM; echo ready; exec sleep 300"));
    EXPECT_EQ(read_line(p.stdout_pipe.get()), "ready");
    EXPECT_FALSE(group->shutdown(200ms));
    EXPECT_FALSE(p.child.try_wait()) << "no escalation: the child lives on";
    group->kill_all();
    EXPECT_TRUE(wait_for(p.child));
}

TEST_F(GroupTest, ForkBurstOf200IsTornDownAtOnce) {
    auto p = group->spawn(sh("for i in $(seq 200); do sleep 300 & done; echo ready; wait"));
    EXPECT_EQ(read_line(p.stdout_pipe.get(), 30s), "ready");
    const auto stats = group->stats();
    EXPECT_GE(stats.active_process_count, cgroups() ? 201u : 201u);
    group->kill_all();
    ASSERT_TRUE(wait_for(p.child));
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
    group->kill_all(); // idempotent
}

TEST_F(GroupTest, ZombiesDoNotBlockTeardown) {
    // sh forks a short sleep, then execs a long one that never reaps it.
    auto p = group->spawn(sh("sleep 0.05 & exec sleep 300"));
    std::this_thread::sleep_for(300ms);
    group.reset(); // the unreaped zombie must not keep the directory alive
    auto exit = wait_for(p.child);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status, ExitStatus::signalled(SIGKILL));
}

TEST_F(GroupTest, SuspendStopsTheTreeAndResumeRestartsIt) {
    auto p = group->spawn(sh("echo ready; while :; do :; done"));
    EXPECT_EQ(read_line(p.stdout_pipe.get()), "ready");
    const pid_t pid = p.child.pid();
    group->suspend();
    EXPECT_TRUE(group->suspended());
    std::this_thread::sleep_for(50ms);
    const long frozen_at = cpu_ticks(pid);
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(cpu_ticks(pid), frozen_at) << "a suspended tree gets no CPU";
    group->resume();
    std::this_thread::sleep_for(300ms);
    EXPECT_GT(cpu_ticks(pid), frozen_at) << "a resumed tree runs again";
    group->kill_all();
    ASSERT_TRUE(wait_for(p.child));
}

TEST_F(GroupTest, SpawningIntoASuspendedGroupFailsInsteadOfHanging) {
    group->suspend();
    try {
        group->spawn(sh("exit 0"));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_NE(std::string(e.what()).find("suspended"), std::string::npos) << e.what();
    }
    group->resume();
    auto p = group->spawn(sh("exit 0"));
    ASSERT_TRUE(wait_for(p.child));
}

TEST_F(GroupTest, KillOfALongSleeperIsPrompt) {
    auto p = group->spawn(pktest::mark(Command("sleep").arg("30"), marker));
    group->kill_all();
    auto exit = wait_for(p.child, 5s); // a bound, not a speed check: sleep 30 would miss it
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status, ExitStatus::signalled(SIGKILL));
}

TEST_F(GroupTest, SpawningAfterKillAllWorks) {
    auto first = group->spawn(pktest::mark(Command("sleep").arg("30"), marker));
    group->kill_all();
    ASSERT_TRUE(wait_for(first.child));
    auto second = group->spawn(sh("echo alive; exit 5"));
    EXPECT_EQ(read_line(second.stdout_pipe.get()), "alive");
    auto exit = wait_for(second.child);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status, ExitStatus::exited(5)) << "not killed at birth by the earlier kill";
}

TEST_F(GroupTest, SignalReachesEveryMember) {
    auto p = group->spawn(sh("trap 'exit 7' USR1; echo ready; while :; do sleep 0.05; done"));
    EXPECT_EQ(read_line(p.stdout_pipe.get()), "ready");
    group->signal(Signal::user1());
    auto exit = wait_for(p.child);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status, ExitStatus::exited(7));
}

TEST_F(GroupTest, MembersAndStats) {
    auto p = group->spawn(sh("sleep 300 & echo ready; wait"));
    EXPECT_EQ(read_line(p.stdout_pipe.get()), "ready");
    const auto members = group->members();
    EXPECT_NE(std::find(members.begin(), members.end(), p.child.pid()), members.end());
    const auto s = group->stats();
    EXPECT_EQ(s.active_process_count, 2u) << "sh and sleep";
    if (cgroups()) {
        EXPECT_TRUE(s.total_cpu_time.has_value());
    } else {
        EXPECT_FALSE(s.total_cpu_time.has_value()) << "no tree CPU accounting without cgroups";
    }
    EXPECT_TRUE(s.memory_bytes.has_value());
    EXPECT_GT(*s.memory_bytes, 0u);
    group->kill_all();
    ASSERT_TRUE(wait_for(p.child));
}

TEST_F(GroupTest, SampleStatsSeries) {
    auto p = group->spawn(sh("sleep 300 & echo ready; wait"));
    EXPECT_EQ(read_line(p.stdout_pipe.get()), "ready");
    auto sampler = group->sample_stats(Duration::zero());
    EXPECT_EQ(sampler.interval(), 1ms) << "zero is clamped";
    const auto t0 = Clock::now();
    const auto first = sampler.next();
    ASSERT_TRUE(first);
    EXPECT_EQ(first->active_process_count, 2u);
    EXPECT_LT(Clock::now() - t0, 1s) << "the first sample is taken at once";
    ASSERT_TRUE(sampler.next());
    group->kill_all();
    ASSERT_TRUE(wait_for(p.child));
    group.reset(); // the container goes away: the series must end
}

TEST(StatsSamplerSeries, EndsForGoodOnTheFirstFailedSample) {
    GroupOptions o = pktest::test_group_options();
    std::optional<ProcessGroup> g{std::in_place, o};
    if (g->mechanism() != Mechanism::CgroupV2) {
        GTEST_SKIP() << "only a cgroup can disappear under a sampler";
    }
    auto sampler = g->sample_stats(5ms);
    ASSERT_TRUE(sampler.next());
    // Remove the directory behind the group's back: the next snapshot fails.
    ProcessGroup::release_cached_groups();
    ASSERT_EQ(::rmdir(g->cgroup_path().c_str()), 0);
    EXPECT_EQ(sampler.next(), std::nullopt);
    EXPECT_TRUE(sampler.ended());
    EXPECT_EQ(sampler.next(), std::nullopt) << "ended for good";
}

TEST_F(GroupTest, CgroupCpuTimeIncludesExitedMembers) {
    if (!cgroups()) {
        GTEST_SKIP() << "tree CPU accounting needs cgroups";
    }
    auto p = group->spawn(sh("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"));
    ASSERT_TRUE(wait_for(p.child, 60s));
    const auto s = group->stats();
    EXPECT_EQ(s.active_process_count, 0u);
    ASSERT_TRUE(s.total_cpu_time.has_value());
    EXPECT_GT(*s.total_cpu_time, 10ms)
        << "the exited burner's CPU time stays in the tree's account";
}

TEST_F(GroupTest, AReusedDirectoryStartsWithCleanAccounting) {
    if (!cgroups()) {
        GTEST_SKIP() << "only cgroup directories are reused";
    }
    const auto [burned, first_path] = burn_cpu_and_release();
    ASSERT_GT(burned, Duration::zero()) << "the burner's CPU time was measured";
    group.emplace(pktest::test_group_options());
    EXPECT_EQ(group->cgroup_path(), first_path) << "the empty directory is reused";
    const auto fresh = group->stats();
    EXPECT_EQ(fresh.active_process_count, 0u);
    EXPECT_LT(*fresh.total_cpu_time, burned) << "the previous group's CPU time is not ours";
    EXPECT_TRUE(group->members().empty());
}

TEST_F(GroupTest, AGroupThatDoesNotMeasureCpuTimeReportsNone) {
    GroupOptions unmeasured = pktest::test_group_options();
    unmeasured.measure_cpu_time = false;
    ProcessGroup g(unmeasured);
    auto p = g.spawn(sh("i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"));
    ASSERT_TRUE(wait_for(p.child, 60s));
    const auto s = g.stats();
    EXPECT_FALSE(s.total_cpu_time.has_value()) << "not measured, so not reported";
    EXPECT_EQ(s.active_process_count, 0u) << "the rest of the stats are still there";
}

TEST_F(GroupTest, CpuTimeStaysCleanAfterAReuseThatDidNotMeasureIt) {
    if (!cgroups()) {
        GTEST_SKIP() << "only cgroup directories are reused";
    }
    // Burn CPU in a directory, hand it to a group that does not measure (so
    // reads no baseline), then to one that does: the last must still not be
    // charged for the first one's time.
    const auto [burned, first_path] = burn_cpu_and_release();
    ASSERT_GT(burned, Duration::zero()) << "the burner's CPU time was measured";
    GroupOptions unmeasured = pktest::test_group_options();
    unmeasured.measure_cpu_time = false;
    group.emplace(unmeasured);
    ASSERT_EQ(group->cgroup_path(), first_path) << "the empty directory is reused";
    group.reset();
    group.emplace(pktest::test_group_options());
    ASSERT_EQ(group->cgroup_path(), first_path) << "and reused again";
    const auto fresh = group->stats();
    ASSERT_TRUE(fresh.total_cpu_time.has_value());
    EXPECT_LT(*fresh.total_cpu_time, burned) << "earlier users' CPU time is not ours";
}

TEST_F(GroupTest, AdoptBringsAProcessIn) {
    // An exec'd child: the cgroup moves it in; process groups track it by its
    // pidfd (it cannot change process group any more). Either way it dies
    // with the group, and it counts as a member meanwhile.
    auto outside = os::spawn(pktest::mark(Command("sleep").arg("300"), marker), {});
    group->adopt(outside.child.pid());
    const auto members = group->members();
    EXPECT_NE(std::find(members.begin(), members.end(), outside.child.pid()), members.end());
    EXPECT_FALSE(group->empty());
    EXPECT_TRUE(group->owner_death_protected());
    group->kill_all();
    auto exit = wait_for(outside.child);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status, ExitStatus::signalled(SIGKILL));
}

TEST_F(GroupTest, AnAdoptedProcessDiesWithTheGroup) {
    auto outside = os::spawn(pktest::mark(Command("sleep").arg("300"), marker), {});
    group->adopt(outside.child.pid());
    group.reset();
    auto exit = wait_for(outside.child);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status, ExitStatus::signalled(SIGKILL));
}

TEST_F(GroupTest, AdoptingAMissingProcessFailsClearly) {
    auto gone = os::spawn(Command("true"), {});
    const pid_t pid = gone.child.pid();
    ASSERT_TRUE(wait_for(gone.child));
    try {
        group->adopt(pid);
        ADD_FAILURE() << "adopted a process that no longer exists";
    } catch (const Error& e) {
        EXPECT_NE(e.message().find(std::to_string(pid)), std::string::npos) << e.message();
    }
}

TEST_F(GroupTest, AGroupIsProtectedAgainstItsOwnersDeath) {
    EXPECT_TRUE(group->owner_death_protected());
    auto p = group->spawn(sh("sleep 300"));
    EXPECT_TRUE(group->owner_death_protected());
    GroupOptions strict = pktest::test_group_options();
    strict.require_owner_death_protection = true;
    ProcessGroup required(strict);
    EXPECT_TRUE(required.owner_death_protected());
    GroupOptions none;
    none.require = Mechanism::None;
    EXPECT_FALSE(ProcessGroup(none).owner_death_protected()) << "None contains nothing";
}

TEST(GroupCache, ACachedDirectoryRemovedFromOutsideIsReplaced) {
    GroupOptions options = pktest::test_group_options();
    std::string path;
    {
        ProcessGroup first(options);
        if (first.mechanism() != Mechanism::CgroupV2) {
            GTEST_SKIP() << "only cgroup directories are cached";
        }
        path = first.cgroup_path();
    }
    ASSERT_TRUE(std::filesystem::exists(path)) << "the empty directory is cached";
    ASSERT_EQ(::rmdir(path.c_str()), 0) << std::strerror(errno);
    ProcessGroup second(options);
    EXPECT_NE(second.cgroup_path(), path);
    auto p = second.spawn(Command("true"));
    EXPECT_TRUE(wait_for(p.child));
}

TEST(GroupCache, AForkedChildLeavesItsParentsCacheAlone) {
    // A child forked without exec shares nothing with its parent's cache:
    // exiting normally (static destructors and exit handlers run) must not
    // remove the directories the parent keeps for reuse.
    const GroupOptions options = pktest::test_group_options();
    const auto own = os::own_cgroup_dir();
    if (!own || ProcessGroup(options).mechanism() != Mechanism::CgroupV2) {
        GTEST_SKIP() << "only cgroup directories are cached";
    }
    ProcessGroup::release_cached_groups();
    std::string path;
    {
        ProcessGroup idle(options);
        path = idle.cgroup_path();
    }
    ASSERT_TRUE(std::filesystem::exists(path)) << "the empty directory is cached";
    const pid_t child = ::fork();
    ASSERT_GE(child, 0) << std::strerror(errno);
    if (child == 0) {
        std::exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    EXPECT_TRUE(std::filesystem::exists(path)) << "the child removed its parent's directory";
    ProcessGroup again(options);
    EXPECT_EQ(again.cgroup_path(), path) << "and the parent still reuses it";
}

TEST_F(GroupTest, BadProgramsFailCleanly) {
    EXPECT_THROW(group->spawn(Command("processkit-no-such-program")), Error);
    EXPECT_THROW(group->spawn(Command("/")), Error);
    EXPECT_THROW(group->spawn(Command("sh").arg(std::string("a\0b", 3))), Error);
    EXPECT_THROW(group->spawn(Command("sh").cwd("/no/such/dir")), Error);
    EXPECT_TRUE(group->empty());
}

TEST_F(GroupTest, ChangingUidKeepsContainment) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root to switch uid";
    }
    auto p = group->spawn(sh("sleep 300 & echo ready; wait").uid(65534).gid(65534));
    EXPECT_EQ(read_line(p.stdout_pipe.get()), "ready");
    if (cgroups()) {
        const auto cg = os::read_small_file("/proc/" + std::to_string(p.child.pid()) + "/cgroup");
        ASSERT_TRUE(cg);
        const auto name = group->cgroup_path().substr(group->cgroup_path().rfind('/'));
        EXPECT_NE(cg->find(name), std::string::npos) << *cg;
    }
    group.reset();
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 2000));
}

TEST(GroupOptionsTest, InvalidLimitsAreRejected) {
    GroupOptions o;
    o.limits.memory_max_bytes = 0;
    try {
        ProcessGroup g(o);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    }
    o.limits = {};
    o.limits.cpu_quota = std::numeric_limits<double>::quiet_NaN();
    EXPECT_THROW(ProcessGroup{o}, Error);
}

TEST(GroupOptionsTest, UnenforceableLimitsFailInsteadOfBeingIgnored) {
    GroupOptions o = pktest::test_group_options();
    o.limits.max_processes = 10;
    o.limits.memory_max_bytes = 64u << 20;
    // This machine's cgroup v2 has no pids or memory controller, and the
    // process-group fallback cannot limit anything.
    try {
        ProcessGroup g(o);
        FAIL() << "a limited group was created where limits cannot be enforced";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::ResourceLimit) << e.what();
    }
}

TEST(GroupOptionsTest, RequiringAnUnavailableMechanismFails) {
    GroupOptions o;
    o.require = Mechanism::JobObject;
    EXPECT_THROW(ProcessGroup{o}, Error);
    o.require = Mechanism::CgroupV2;
    if (::geteuid() != 0 || !os::own_cgroup_dir()) {
        try {
            ProcessGroup g(o);
            FAIL();
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::Unsupported) << e.what();
        }
    } else {
        ProcessGroup g(o);
        EXPECT_EQ(g.mechanism(), Mechanism::CgroupV2);
    }
}

} // namespace
} // namespace processkit
