// RunningProcess: live handles with real processes.
#include "marked_test.hpp"
#include "processkit/processkit.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <thread>

namespace processkit {
namespace {

using namespace std::chrono_literals;

class Running : public testing::MarkedTest {};

TEST_F(Running, InteractiveStdinRoundTrip) {
    auto p = start(pktest::mark(Command("cat").stdin_interactive(), marker));
    EXPECT_GT(p.pid(), 0);
    p.write_line("hello");
    p.flush();
    EXPECT_EQ(p.next_line(), "hello");
    p.write("wor");
    p.write_line("ld");
    EXPECT_EQ(p.next_line(), "world");
    p.close_stdin();
    EXPECT_EQ(p.wait(), Outcome::exited(0));
    EXPECT_EQ(p.next_line(), std::nullopt);
    EXPECT_EQ(p.line_count(Stream::Stdout), 2u);
    EXPECT_THROW(p.write("late"), Error);
}

TEST_F(Running, BrokenStdinIsAnErrorNotASignal) {
    auto p = start(sh("exec 0<&-; echo closed; sleep 1").stdin_interactive());
    EXPECT_EQ(p.next_line(), "closed");
    try {
        for (int i = 0; i < 64; ++i) {
            p.write(std::string(64 * 1024, 'x'));
            p.flush();
        }
        FAIL() << "writing to a closed stdin must fail";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::StdinFailed);
    }
    p.kill();
    p.wait();
}

TEST_F(Running, WriteWithoutInteractiveStdinFails) {
    auto p = start(sh("exit 0"));
    EXPECT_THROW(p.write("x"), Error);
    p.wait();
}

TEST_F(Running, MergedEventsKeepArrivalOrder) {
    StartOptions o;
    o.event_reader = true;
    auto p = start(sh("echo o1; sleep 0.05; echo e1 >&2; sleep 0.05; echo o2"), o);
    std::vector<OutputEvent> events;
    while (auto e = p.next_event()) {
        events.push_back(*e);
    }
    EXPECT_EQ(events, (std::vector<OutputEvent>{
                          {Stream::Stdout, "o1"}, {Stream::Stderr, "e1"}, {Stream::Stdout, "o2"}}));
    EXPECT_THROW(start(sh("true")).next_event(), Error) << "not enabled";
}

TEST_F(Running, KillIsImmediate) {
    auto p = start(sh("sleep 30"));
    p.kill();
    EXPECT_EQ(p.wait(), Outcome::signalled(9));
}

TEST_F(Running, DestroyingAnUnfinishedProcessKillsTheTree) {
    {
        auto p = start(sh("sleep 30 & sleep 30 & wait"));
        EXPECT_TRUE(p.wait_for(100ms) == std::nullopt);
    }
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 2000));
}

TEST_F(Running, ElapsedAndStartTime) {
    auto p = start(sh("sleep 0.1"));
    EXPECT_LE(p.started_at(), Clock::now());
    p.wait();
    EXPECT_GE(p.elapsed(), 100ms);
    EXPECT_EQ(p.result().outcome, Outcome::exited(0));
}

TEST_F(Running, ProfileSamplesTheTree) {
    auto p = start(sh("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"));
    const RunProfile profile = p.profile(20ms);
    EXPECT_EQ(profile.exit_code, 0);
    EXPECT_GE(profile.samples, 1u);
    EXPECT_GT(profile.duration, Duration::zero());
    ASSERT_TRUE(profile.cpu_time.has_value()) << "at least the child's own rusage";
    EXPECT_GT(*profile.cpu_time, Duration::zero());
    ASSERT_TRUE(profile.avg_cpu().has_value());
    EXPECT_TRUE(profile.peak_memory_bytes.has_value());
}

TEST_F(Running, CpuTimeAndMemoryWhileRunning) {
    auto p = start(sh("i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; sleep 0.2"));
    std::this_thread::sleep_for(50ms);
    const auto mem = p.peak_memory_bytes();
    ASSERT_TRUE(mem.has_value());
    EXPECT_GT(*mem, 0u);
    p.wait();
    EXPECT_TRUE(p.cpu_time().has_value());
}

TEST_F(Running, WaitAnyAndWaitAll) {
    auto slow = start(sh("sleep 0.5"));
    auto fast = start(sh("sleep 0.05; exit 4"));
    EXPECT_EQ(wait_any({&slow, &fast}), 1u);
    EXPECT_EQ(fast.result().outcome, Outcome::exited(4));
    const auto outcomes = wait_all({&slow, &fast});
    EXPECT_EQ(outcomes, (std::vector<Outcome>{Outcome::exited(0), Outcome::exited(4)}));
}

TEST_F(Running, StartInASharedGroup) {
    ProcessGroup group(pktest::test_group_options());
    auto p = start(group, sh("echo in group"));
    EXPECT_EQ(p.next_line(), "in group");
    EXPECT_EQ(p.wait(), Outcome::exited(0));
}

} // namespace
} // namespace processkit
