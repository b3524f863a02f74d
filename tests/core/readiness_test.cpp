// The readiness machine with a fake clock: time is a number we move by hand.
#include "processkit/core/readiness.hpp"

#include <gtest/gtest.h>
#include <vector>

namespace processkit {
namespace {

using namespace std::chrono_literals;
using Kind = ReadinessVerdict::Kind;

const TimePoint t0 = TimePoint{} + 1000s;

TEST(ReadinessMachine, LineMatchedIsReady) {
    ReadinessMachine m(ProbeKind::Line, t0, 2s);
    EXPECT_FALSE(m.done());
    EXPECT_EQ(m.next_deadline(), t0 + 2s);
    EXPECT_FALSE(m.check_due(t0)); // a line probe never polls
    m.on_time(t0 + 300ms);
    EXPECT_FALSE(m.done());
    m.on_line_matched(t0 + 500ms);
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::Ready);
    EXPECT_TRUE(m.verdict()->ready());
    EXPECT_EQ(m.verdict()->waited, 500ms);
    EXPECT_FALSE(m.next_deadline().has_value());
}

TEST(ReadinessMachine, DeadlineHitFails) {
    ReadinessMachine m(ProbeKind::Line, t0, 2s);
    m.on_time(t0 + 2s - 1ns);
    EXPECT_FALSE(m.done());
    m.on_time(t0 + 2s);
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::DeadlinePassed);
    EXPECT_EQ(m.verdict()->waited, 2s);
    m.on_line_matched(t0 + 2s); // too late: the first verdict stands
    EXPECT_EQ(m.verdict()->kind, Kind::DeadlinePassed);
}

TEST(ReadinessMachine, NegativeDeadlineCountsAsZero) {
    ReadinessMachine m(ProbeKind::Custom, t0, -5s);
    EXPECT_EQ(m.deadline(), 0s);
    EXPECT_TRUE(m.check_due(t0)); // one check still happens
    m.on_check_result(t0, false);
    EXPECT_FALSE(m.check_due(t0 + 1s));
    m.on_time(t0);
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::DeadlinePassed);
}

TEST(ReadinessMachine, HugeDeadlineDoesNotOverflow) {
    ReadinessMachine m(ProbeKind::Line, t0, Duration::max());
    m.on_time(t0 + 1000h);
    EXPECT_FALSE(m.done());
    EXPECT_GT(*m.next_deadline(), t0 + 1000h);
    EXPECT_EQ(m.deadline_at(), TimePoint::max());
}

TEST(ReadinessMachine, PortProbeFailsAtOnceWhenChildExits) {
    ReadinessMachine m(ProbeKind::Port, t0, 10s);
    m.on_child_exited(t0 + 100ms, ExitStatus::exited(3));
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::ChildExited);
    EXPECT_EQ(m.verdict()->exit_status, ExitStatus::exited(3));
    EXPECT_EQ(m.verdict()->waited, 100ms);
}

TEST(ReadinessMachine, LineProbeReadsToTheEndAfterExit) {
    // The child may have written the line just before exiting.
    ReadinessMachine m(ProbeKind::Line, t0, 10s);
    m.on_child_exited(t0 + 100ms, ExitStatus::signalled(9));
    EXPECT_FALSE(m.done());
    m.on_line_matched(t0 + 101ms);
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::Ready);
}

TEST(ReadinessMachine, LineProbeExitThenStdoutClosedFailsWithExit) {
    ReadinessMachine m(ProbeKind::Line, t0, 10s);
    m.on_child_exited(t0 + 100ms, ExitStatus::exited(1));
    m.on_stdout_closed(t0 + 102ms);
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::ChildExited);
    EXPECT_EQ(m.verdict()->exit_status, ExitStatus::exited(1));
    EXPECT_EQ(m.verdict()->waited, 102ms);
}

TEST(ReadinessMachine, LineProbeStdoutClosedFailsAfterTheExitSettle) {
    ReadinessMachine m(ProbeKind::Line, t0, 10s);
    m.on_stdout_closed(t0 + 40ms);
    EXPECT_FALSE(m.done());
    EXPECT_EQ(m.next_deadline(), t0 + 40ms + ReadinessMachine::exit_settle);
    m.on_time(t0 + 40ms + ReadinessMachine::exit_settle - 1ns);
    EXPECT_FALSE(m.done());
    m.on_time(t0 + 40ms + ReadinessMachine::exit_settle);
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::StdoutClosed);
    EXPECT_FALSE(m.verdict()->exit_status.has_value());
}

TEST(ReadinessMachine, LineProbeStdoutClosedThenExitReportsTheExit) {
    // The reactor saw end of file before the pidfd: the exit still wins.
    ReadinessMachine m(ProbeKind::Line, t0, 10s);
    m.on_stdout_closed(t0 + 40ms);
    m.on_child_exited(t0 + 41ms, ExitStatus::exited(4));
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::ChildExited);
    EXPECT_EQ(m.verdict()->exit_status, ExitStatus::exited(4));
}

TEST(ReadinessMachine, LineProbeStdoutClosedNearTheDeadlineSaysSo) {
    ReadinessMachine m(ProbeKind::Line, t0, 100ms);
    m.on_stdout_closed(t0 + 90ms);
    EXPECT_EQ(m.next_deadline(), t0 + 100ms);
    m.on_time(t0 + 100ms);
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::StdoutClosed);
}

TEST(ReadinessMachine, StdoutClosedDoesNotEndAPortProbe) {
    ReadinessMachine m(ProbeKind::Port, t0, 10s);
    m.on_stdout_closed(t0 + 40ms);
    EXPECT_FALSE(m.done());
    m.on_child_exited(t0 + 50ms, std::nullopt);
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::ChildExited);
    EXPECT_FALSE(m.verdict()->exit_status.has_value());
}

TEST(ReadinessMachine, PollSchedulingOnAGrid) {
    ReadinessMachine m(ProbeKind::Port, t0, 1s, 50ms);
    EXPECT_EQ(m.next_deadline(), t0);
    EXPECT_TRUE(m.check_due(t0));
    m.on_check_result(t0 + 2ms, false); // the check itself took 2 ms
    EXPECT_EQ(m.next_deadline(), t0 + 50ms);
    EXPECT_FALSE(m.check_due(t0 + 49ms));
    EXPECT_TRUE(m.check_due(t0 + 50ms));
    // Woken late: the missed grid points are skipped, not replayed.
    m.on_check_result(t0 + 170ms, false);
    EXPECT_EQ(m.next_deadline(), t0 + 200ms);
    EXPECT_EQ(m.checks(), 2U);
    m.on_check_result(t0 + 200ms, true);
    ASSERT_TRUE(m.done());
    EXPECT_EQ(m.verdict()->kind, Kind::Ready);
    EXPECT_EQ(m.verdict()->waited, 200ms);
}

TEST(ReadinessMachine, FakeClockJumpsToEachDeadline) {
    // A caller that always sleeps until next_deadline() checks every interval
    // and fails exactly at the deadline.
    ReadinessMachine m(ProbeKind::Custom, t0, 200ms, 50ms);
    TimePoint now = t0;
    std::vector<Duration> checked_at;
    while (!m.done()) {
        if (m.check_due(now)) {
            checked_at.push_back(now - t0);
            m.on_check_result(now, false);
        }
        m.on_time(now);
        if (auto next = m.next_deadline()) {
            ASSERT_GT(*next, now) << "no busy loop: the next wake-up is in the future";
            now = *next;
        }
    }
    EXPECT_EQ(checked_at, (std::vector<Duration>{0ms, 50ms, 100ms, 150ms}));
    EXPECT_EQ(m.verdict()->kind, Kind::DeadlinePassed);
    EXPECT_EQ(m.verdict()->waited, 200ms);
}

TEST(ReadinessMachine, IntervalClampedToOneMillisecond) {
    ReadinessMachine m(ProbeKind::Custom, t0, 1s, 0ns);
    EXPECT_EQ(m.poll_interval(), 1ms);
    m.on_check_result(t0, false);
    EXPECT_EQ(m.next_deadline(), t0 + 1ms);
}

TEST(ReadinessMachine, NoCheckDueAfterTheDeadline) {
    ReadinessMachine m(ProbeKind::Port, t0, 100ms, 50ms);
    m.on_check_result(t0, false);
    EXPECT_FALSE(m.check_due(t0 + 100ms));
    EXPECT_EQ(m.next_deadline(), t0 + 50ms);
}

TEST(ReadinessMachine, LineInputsDoNotEndAPollProbe) {
    ReadinessMachine m(ProbeKind::Custom, t0, 1s);
    m.on_line_matched(t0);
    EXPECT_FALSE(m.done());
    ReadinessMachine line(ProbeKind::Line, t0, 1s);
    line.on_check_result(t0, true);
    EXPECT_FALSE(line.done());
}

// --- the error ---

TEST(NotReadyError, DeadlineMessageNamesProgramProbeAndStderr) {
    ReadinessMachine m(ProbeKind::Port, t0, 2s);
    m.on_time(t0 + 2s);
    const Error e = not_ready_error("srv", ProbeKind::Port, "port 8080", *m.verdict(), 2s,
                                    "boot\nwarn: slow\n");
    EXPECT_EQ(e.kind(), ErrorKind::NotReady);
    EXPECT_EQ(e.program(), "srv");
    EXPECT_EQ(e.message(),
              "'srv': not ready: port 8080 did not accept a connection within 2s; stderr: warn: "
              "slow");
    EXPECT_FALSE(e.exit_code().has_value());
}

TEST(NotReadyError, ExitMessageCarriesTheStatus) {
    ReadinessVerdict v;
    v.kind = Kind::ChildExited;
    v.exit_status = ExitStatus::exited(2);
    const Error e = not_ready_error("srv", ProbeKind::Port, "port 9", v, 10s);
    EXPECT_EQ(e.message(),
              "'srv': not ready: exited with code 2 before port 9 accepted a connection");
    EXPECT_EQ(e.exit_code(), std::optional<int>(2));

    v.exit_status = ExitStatus::signalled(9);
    const Error s = not_ready_error("srv", ProbeKind::Line, "containing \"READY\"", v, 10s);
    EXPECT_EQ(s.message(),
              "'srv': not ready: was killed by signal 9 before a stdout line containing \"READY\"");
    EXPECT_EQ(s.signal_number(), std::optional<int>(9));
}

TEST(NotReadyError, OtherMessages) {
    ReadinessVerdict v;
    v.kind = Kind::StdoutClosed;
    EXPECT_EQ(not_ready_error("a", ProbeKind::Line, "matching the predicate", v, 1s).detail(),
              "closed its stdout before a line matching the predicate");
    v.kind = Kind::DeadlinePassed;
    EXPECT_EQ(not_ready_error("a", ProbeKind::Line, "matching the predicate", v, 1500ms).detail(),
              "no stdout line matching the predicate within 1.5s");
    EXPECT_EQ(not_ready_error("a", ProbeKind::Custom, "the custom check", v, 300ms).detail(),
              "the custom check did not pass within 300ms");
}

TEST(NotReadyError, StderrTailIsCapped) {
    ReadinessVerdict v;
    v.kind = Kind::DeadlinePassed;
    const Error e = not_ready_error("a", ProbeKind::Custom, "x", v, 1s, std::string(1000, 'e'));
    const auto pos = e.message().find("; stderr: ");
    ASSERT_NE(pos, std::string::npos);
    EXPECT_EQ(e.message().size() - pos - 10, Error::max_quoted_stderr);
}

} // namespace
} // namespace processkit
