#include "processkit/core/termination.hpp"

#include <gtest/gtest.h>

namespace processkit {
namespace {

using namespace std::chrono_literals;
using Kind = TerminationAction::Kind;
const TimePoint t0 = TimePoint{} + 1h;

TEST(Termination, StopSignalsThenKillsWhenTheGraceIsOver) {
    TerminationMachine m;
    m.stop(t0, Signal::term(), 2s);
    EXPECT_EQ(m.poll_action(), (TerminationAction{Kind::Signal, Signal::term()}));
    EXPECT_EQ(m.poll_action(), std::nullopt);
    EXPECT_EQ(m.phase(), TerminationMachine::Phase::Signalled);
    EXPECT_EQ(m.next_deadline(), t0 + 2s);
    m.tick(t0 + 1999ms);
    EXPECT_EQ(m.poll_action(), std::nullopt) << "no kill before signal + grace";
    m.tick(t0 + 2s);
    EXPECT_EQ(m.poll_action(), (TerminationAction{Kind::Kill, Signal::kill()}));
    EXPECT_TRUE(m.killed());
    EXPECT_EQ(m.next_deadline(), std::nullopt) << "no bound on the wait by default";
    m.emptied();
    EXPECT_TRUE(m.done());
    EXPECT_EQ(m.ending(), TerminationMachine::Ending::EmptiedAfterKill);
}

TEST(Termination, ZeroGraceKillsAtOnceWithoutASignal) {
    TerminationMachine m;
    m.stop(t0, Signal::term(), 0s);
    EXPECT_EQ(m.poll_action(), (TerminationAction{Kind::Kill, Signal::kill()}));
    EXPECT_EQ(m.poll_action(), std::nullopt);
}

TEST(Termination, ASecondStopNeverExtendsTheGrace) {
    TerminationMachine m;
    m.stop(t0, Signal::term(), 2s);
    (void)m.poll_action();
    m.stop(t0 + 1s, Signal::interrupt(), 10s);
    EXPECT_EQ(m.poll_action(), std::nullopt);
    EXPECT_EQ(m.next_deadline(), t0 + 2s);
}

TEST(Termination, KillEscalatesARunningGrace) {
    TerminationMachine m;
    m.stop(t0, Signal::term(), 5s);
    (void)m.poll_action();
    m.kill(t0 + 1s);
    EXPECT_EQ(m.poll_action(), (TerminationAction{Kind::Kill, Signal::kill()}));
    m.kill(t0 + 2s);
    EXPECT_EQ(m.poll_action(), std::nullopt) << "one kill only";
}

TEST(Termination, EmptiedInTheGraceEndsWithoutAKill) {
    TerminationMachine m;
    m.stop(t0, Signal::term(), 5s);
    (void)m.poll_action();
    m.emptied();
    EXPECT_EQ(m.ending(), TerminationMachine::Ending::EmptiedBeforeKill);
    m.tick(t0 + 10s);
    m.kill(t0 + 10s);
    EXPECT_EQ(m.poll_action(), std::nullopt) << "nothing after done";
    EXPECT_EQ(m.next_deadline(), std::nullopt);
}

TEST(Termination, TheWaitAfterTheKillIsBounded) {
    TerminationMachine m(1s);
    m.kill(t0);
    (void)m.poll_action();
    EXPECT_EQ(m.next_deadline(), t0 + 1s);
    m.tick(t0 + 999ms);
    EXPECT_FALSE(m.done());
    m.tick(t0 + 1s);
    EXPECT_TRUE(m.done());
    EXPECT_EQ(m.ending(), TerminationMachine::Ending::WaitTimedOut);
    m.emptied();
    EXPECT_EQ(m.ending(), TerminationMachine::Ending::WaitTimedOut) << "the first ending stands";
}

TEST(Termination, AnUnpolledSignalIsSupersededByTheKill) {
    TerminationMachine m;
    m.stop(t0, Signal::term(), 5s);
    m.kill(t0);
    EXPECT_EQ(m.poll_action(), (TerminationAction{Kind::Kill, Signal::kill()}));
    EXPECT_EQ(m.poll_action(), std::nullopt);
}

} // namespace
} // namespace processkit
