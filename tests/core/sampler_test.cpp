#include "processkit/core/sampler.hpp"

#include <gtest/gtest.h>

namespace processkit {
namespace {

using namespace std::chrono_literals;
const TimePoint t0 = TimePoint{} + 1h;

TEST(Sampler, FirstTickIsDueAtOnce) {
    SamplerMachine s(100ms, t0);
    EXPECT_EQ(s.next_deadline(), t0);
    EXPECT_TRUE(s.on_tick(t0));
    EXPECT_EQ(s.ticks(), 1u);
}

TEST(Sampler, NoDeadlineWhileASampleIsInFlight) {
    SamplerMachine s(100ms, t0);
    ASSERT_TRUE(s.on_tick(t0));
    EXPECT_EQ(s.next_deadline(), std::nullopt);
    EXPECT_FALSE(s.on_tick(t0 + 500ms)) << "samples must never overlap";
    s.on_sampled(t0);
    EXPECT_EQ(s.next_deadline(), t0 + 100ms);
}

TEST(Sampler, OneTickPerInterval) {
    SamplerMachine s(100ms, t0);
    for (int i = 0; i < 5; ++i) {
        const auto due = *s.next_deadline();
        EXPECT_EQ(due, t0 + i * 100ms);
        EXPECT_TRUE(s.on_tick(due));
        s.on_sampled(due);
    }
    EXPECT_EQ(s.ticks(), 5u);
}

TEST(Sampler, EarlyOrRepeatedTicksDoNothing) {
    SamplerMachine s(100ms, t0);
    ASSERT_TRUE(s.on_tick(t0));
    s.on_sampled(t0);
    EXPECT_FALSE(s.on_tick(t0 + 99ms));
    EXPECT_TRUE(s.on_tick(t0 + 100ms));
    s.on_sampled(t0 + 100ms);
    EXPECT_FALSE(s.on_tick(t0 + 100ms));
    EXPECT_EQ(s.ticks(), 2u);
}

TEST(Sampler, MissedTicksAreSkippedNotReplayed) {
    SamplerMachine s(100ms, t0);
    ASSERT_TRUE(s.on_tick(t0));
    s.on_sampled(t0);
    // The caller comes back 350 ms late: one sample, then the grid resumes.
    EXPECT_TRUE(s.on_tick(t0 + 450ms));
    s.on_sampled(t0 + 450ms);
    EXPECT_EQ(s.next_deadline(), t0 + 500ms);
    EXPECT_FALSE(s.on_tick(t0 + 499ms));
    EXPECT_EQ(s.ticks(), 2u);
}

TEST(Sampler, TickExactlyOnAGridPointSchedulesTheNextOne) {
    SamplerMachine s(100ms, t0);
    ASSERT_TRUE(s.on_tick(t0));
    s.on_sampled(t0);
    ASSERT_TRUE(s.on_tick(t0 + 300ms)); // missed 100 and 200, on the grid at 300
    s.on_sampled(t0 + 300ms);
    EXPECT_EQ(s.next_deadline(), t0 + 400ms);
}

TEST(Sampler, ASampleThatOverrunsIntervalsSkipsThem) {
    SamplerMachine s(100ms, t0);
    ASSERT_TRUE(s.on_tick(t0));
    s.on_sampled(t0 + 250ms); // the sample itself took 250 ms
    EXPECT_EQ(s.next_deadline(), t0 + 300ms) << "never a deadline in the past";
}

TEST(Sampler, FirstFailureEndsTheSeriesForGood) {
    SamplerMachine s(10ms, t0);
    ASSERT_TRUE(s.on_tick(t0));
    s.on_failed();
    EXPECT_TRUE(s.ended());
    EXPECT_EQ(s.next_deadline(), std::nullopt);
    for (int i = 1; i < 100; ++i) {
        EXPECT_FALSE(s.on_tick(t0 + i * 10ms));
    }
    s.on_sampled(t0); // a stray success later does not revive it
    EXPECT_TRUE(s.ended());
    EXPECT_EQ(s.next_deadline(), std::nullopt);
    EXPECT_EQ(s.ticks(), 1u);
}

TEST(Sampler, NegativeIntervalIsClamped) {
    SamplerMachine s(-5ms, t0);
    EXPECT_EQ(s.interval(), SamplerMachine::min_interval);
}

} // namespace
} // namespace processkit
