#include "processkit/core/backoff.hpp"

#include <cmath>
#include <cstdint>
#include <gtest/gtest.h>
#include <set>

namespace processkit {
namespace {

using namespace std::chrono_literals;

TEST(Backoff, GrowsByTheFactorFromTheBase) {
    Backoff b{10ms, 2.0, 1s, 0.0};
    EXPECT_EQ(b.delay(0), 10ms);
    EXPECT_EQ(b.delay(1), 20ms);
    EXPECT_EQ(b.delay(2), 40ms);
    EXPECT_EQ(b.delay(3), 80ms);
}

TEST(Backoff, StopsAtTheCap) {
    Backoff b{10ms, 3.0, 100ms, 0.0};
    EXPECT_EQ(b.delay(2), 90ms);
    EXPECT_EQ(b.delay(3), 100ms);
    EXPECT_EQ(b.delay(1000), 100ms) << "huge exponents must not overflow";
    EXPECT_EQ(b.delay(UINT32_MAX), 100ms);
}

// Duration::max() as "no cap": the delay reaches it exactly instead of going
// through a double that cannot hold it.
TEST(Backoff, TheLargestCapIsReachedExactly) {
    Backoff b{1s, 2.0, Duration::max(), 0.0};
    EXPECT_EQ(b.delay(3), 8s);
    EXPECT_EQ(b.delay(200), Duration::max());
    b.jitter = 1.0;
    EXPECT_EQ(b.delay(200, 0.0), Duration::max());
    EXPECT_GT(b.delay(200, 0.999), Duration::zero());
}

TEST(Backoff, FactorOneIsConstant) {
    Backoff b{7ms, 1.0, 1s, 0.0};
    EXPECT_EQ(b.delay(0), 7ms);
    EXPECT_EQ(b.delay(50), 7ms);
}

TEST(Backoff, NoJitterIgnoresTheDraw) {
    Backoff b{10ms, 2.0, 1s, 0.0};
    EXPECT_EQ(b.delay(1, 0.0), 20ms);
    EXPECT_EQ(b.delay(1, 0.999), 20ms);
}

TEST(Backoff, JitterStaysWithinItsBounds) {
    Backoff b{100ms, 2.0, 1s, 0.5};
    EXPECT_EQ(b.delay(0, 0.0), 100ms) << "a zero draw keeps the full delay";
    EXPECT_EQ(b.delay(0, 0.5), 75ms);
    auto random = seeded_uniform(42);
    std::set<Duration::rep> seen;
    for (int i = 0; i < 1000; ++i) {
        const Duration d = b.delay(3, random());
        EXPECT_GT(d, 400ms); // (800 * (1 - 0.5), 800]
        EXPECT_LE(d, 800ms);
        seen.insert(d.count());
    }
    EXPECT_GT(seen.size(), 900u) << "the jitter must actually vary";
}

TEST(Backoff, JitterNeverExceedsTheCap) {
    Backoff b{100ms, 10.0, 250ms, 1.0};
    auto random = seeded_uniform(7);
    for (int i = 0; i < 200; ++i) {
        const Duration d = b.delay(5, random());
        EXPECT_GT(d, 0ms);
        EXPECT_LE(d, 250ms);
    }
}

TEST(Backoff, ValidateNamesTheBadField) {
    EXPECT_FALSE(Backoff{}.validate());
    auto message = [](Backoff b) { return b.validate().value().message(); };
    EXPECT_NE(message({-1ms, 2.0, 1s, 0.0}).find("base"), std::string::npos);
    EXPECT_NE(message({10ms, 0.5, 1s, 0.0}).find("factor"), std::string::npos);
    EXPECT_NE(message({10ms, std::nan(""), 1s, 0.0}).find("factor"), std::string::npos);
    EXPECT_NE(message({10ms, 2.0, 1ms, 0.0}).find("cap"), std::string::npos);
    EXPECT_NE(message({10ms, 2.0, 1s, 1.5}).find("jitter"), std::string::npos);
    EXPECT_EQ(Backoff({10ms, 2.0, 1s, -0.1}).validate()->kind(), ErrorKind::InvalidArgument);
}

TEST(SplitMix64, SameSeedSameSequence) {
    SplitMix64 a(123);
    SplitMix64 b(123);
    SplitMix64 c(124);
    for (int i = 0; i < 10; ++i) {
        const auto x = a.next();
        EXPECT_EQ(x, b.next());
        EXPECT_NE(x, c.next());
    }
}

TEST(SplitMix64, KnownFirstValue) {
    // Reference value of SplitMix64 seeded with 0 (Vigna's splitmix64.c).
    SplitMix64 g(0);
    EXPECT_EQ(g.next(), 0xe220a8397b1dcdafULL);
}

TEST(SplitMix64, UnitDrawsAreInRange) {
    SplitMix64 g(99);
    double sum = 0;
    for (int i = 0; i < 10000; ++i) {
        const double u = g.next_unit();
        ASSERT_GE(u, 0.0);
        ASSERT_LT(u, 1.0);
        sum += u;
    }
    EXPECT_NEAR(sum / 10000, 0.5, 0.02);
}

} // namespace
} // namespace processkit
