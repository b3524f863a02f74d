// When a run's private group is watched: the driver reads the group's state
// once the child has exited and watches cgroup.events only while something
// outlived the child. Real processes, a real blocking reactor; a recording
// Watcher in front of it sees what the driver registers.
#include "marked_test.hpp"
#include "processkit/blocking/reactor.hpp"
#include "processkit/driver/run_driver.hpp"

#include <gtest/gtest.h>
#include <vector>

namespace processkit {
namespace {

using namespace std::chrono_literals;
using driver::FdRole;

/// Forwards to a blocking reactor and counts the Group registrations.
class CountingWatcher final : public driver::Watcher {
public:
    void watch(driver::RunDriver& d, os::NativeHandle fd, FdRole role) override {
        group_watches += role == FdRole::Group ? 1 : 0;
        reactor.watch(d, fd, role);
    }
    void unwatch(driver::RunDriver& d, os::NativeHandle fd, FdRole role) override {
        group_unwatches += role == FdRole::Group ? 1 : 0;
        reactor.unwatch(d, fd, role);
    }
    void deadline_changed(driver::RunDriver& d, std::optional<TimePoint> at) override {
        reactor.deadline_changed(d, at);
    }

    blocking::Reactor reactor;
    int group_watches = 0;
    int group_unwatches = 0;
};

class GroupWatch : public testing::MarkedTest {
protected:
    /// Runs `command` in a private group to its end. (The watcher is each
    /// test's own, gone before the leak check: its epoll descriptor is no leak.)
    static ProcessResult run(CountingWatcher& watcher, Command command) {
        driver::RunDriver::Options options;
        options.run.owns_group = true;
        driver::RunDriver d(std::move(command), std::move(options), watcher);
        d.start(Clock::now());
        EXPECT_TRUE(watcher.reactor.run_until([&] { return d.finished(); }, Clock::now() + 30s));
        auto result = d.take_result();
        EXPECT_TRUE(result.has_value());
        return result.value_or(ProcessResult{});
    }

    /// What the driver's private group (default options) gets here.
    static bool cgroups() { return ProcessGroup().mechanism() == Mechanism::CgroupV2; }
};

TEST_F(GroupWatch, AChildThatLeavesNothingBehindIsNeverWatchedAsAGroup) {
    CountingWatcher watcher;
    const auto r = run(watcher, sh("echo out; exit 3"));
    EXPECT_EQ(r.status, ExitStatus::exited(3));
    EXPECT_EQ(r.stdout_text(), "out\n");
    EXPECT_EQ(watcher.group_watches, 0) << "an empty tree needs no watch";
}

TEST_F(GroupWatch, ALeftoverHoldingAPipeIsWatchedUntilItIsGone) {
    // The child exits at once; its background sleep keeps stdout open, so
    // the run goes on until it ends (by itself, well within the drain bound
    // given) and its output is all there. A second leaves ample margin for
    // a loaded (sanitizer) machine to see the child's exit while the sleep
    // still runs.
    CountingWatcher watcher;
    const auto r = run(watcher, sh("(sleep 1; echo late) & echo early; exit 0").drain_timeout(10s));
    EXPECT_TRUE(r.success());
    EXPECT_EQ(r.stdout_text(), "early\nlate\n");
    if (!cgroups()) {
        EXPECT_EQ(watcher.group_watches, 0) << "no cgroup.events without cgroups";
        return;
    }
    EXPECT_EQ(watcher.group_watches, 1) << "the tree outlived the child: watched once";
    EXPECT_EQ(watcher.group_unwatches, 1) << "and let go of by the end";
}

} // namespace
} // namespace processkit
