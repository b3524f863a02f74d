// Equivalents of the three tests in the reference's stats.rs (seed/).
#include "processkit/core/sampler.hpp"
#include "processkit/core/stats.hpp"

#include <gtest/gtest.h>

namespace processkit {
namespace {

using namespace std::chrono_literals;

TEST(Stats, ZeroIntervalSamplerIsClampedNotRejected) {
    const TimePoint t0{};
    SamplerMachine sampler(Duration::zero(), t0);
    EXPECT_EQ(sampler.interval(), 1ms);
    EXPECT_TRUE(sampler.on_tick(t0));
    sampler.on_sampled(t0);
    EXPECT_EQ(sampler.next_deadline(), t0 + 1ms);
}

TEST(Stats, AvgCpuIsCpuTimeOverDuration) {
    RunProfile profile;
    profile.exit_code = 0;
    profile.duration = 2s;
    profile.cpu_time = 1s;
    profile.samples = 8;
    ASSERT_TRUE(profile.avg_cpu().has_value());
    EXPECT_DOUBLE_EQ(*profile.avg_cpu(), 0.5);
}

TEST(Stats, AvgCpuIsEmptyWithoutCpuOrDuration) {
    RunProfile no_cpu;
    no_cpu.exit_code = 0;
    no_cpu.duration = 1s;
    EXPECT_EQ(no_cpu.avg_cpu(), std::nullopt);

    RunProfile no_duration;
    no_duration.exit_code = 0;
    no_duration.duration = Duration::zero();
    no_duration.cpu_time = 1s;
    no_duration.samples = 1;
    EXPECT_EQ(no_duration.avg_cpu(), std::nullopt);
}

TEST(Stats, AvgCpuAboveOneForParallelWork) {
    RunProfile p;
    p.duration = 1s;
    p.cpu_time = 1500ms;
    EXPECT_DOUBLE_EQ(*p.avg_cpu(), 1.5);
}

} // namespace
} // namespace processkit
