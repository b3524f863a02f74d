// The bounded series behind --plot: min/max decimation.
#include "chart_series.hpp"

#include <gtest/gtest.h>

TEST(MinMaxDecimator, ShortSeriesKeptAsIs) {
    pk::MinMaxDecimator d(16);
    for (int i = 0; i < 10; ++i) {
        d.add({i * 0.1, static_cast<double>(i % 3)});
    }
    const auto p = d.points();
    ASSERT_EQ(p.size(), 10u);
    for (std::size_t i = 0; i < 10; ++i) {
        EXPECT_DOUBLE_EQ(p[i].t, static_cast<double>(i) * 0.1);
        EXPECT_DOUBLE_EQ(p[i].v, static_cast<double>(i % 3));
    }
}

TEST(MinMaxDecimator, BoundedAndInTimeOrderForAnyLength) {
    for (const std::size_t n : {100u, 2049u, 4096u, 100000u, 1000003u}) {
        pk::MinMaxDecimator d;
        for (std::size_t i = 0; i < n; ++i) {
            d.add({static_cast<double>(i), static_cast<double>((i * 7919) % 1000)});
        }
        const auto p = d.points();
        EXPECT_LE(p.size(), pk::MinMaxDecimator::default_max_points) << n;
        EXPECT_GE(p.size(), std::min<std::size_t>(n, pk::MinMaxDecimator::default_max_points / 2))
            << n;
        for (std::size_t i = 1; i < p.size(); ++i) {
            ASSERT_LT(p[i - 1].t, p[i].t) << n;
        }
        EXPECT_EQ(d.added(), n);
    }
}

TEST(MinMaxDecimator, PeaksAndDipsSurvive) {
    pk::MinMaxDecimator d(64);
    const std::size_t n = 100000;
    for (std::size_t i = 0; i < n; ++i) {
        double v = 50;
        if (i == 31337) {
            v = 1000; // one spike among 100,000 samples
        } else if (i == 77777) {
            v = -5; // one dip
        }
        d.add({static_cast<double>(i), v});
    }
    const auto p = d.points();
    EXPECT_LE(p.size(), 64u);
    bool spike = false;
    bool dip = false;
    for (const auto& point : p) {
        spike = spike || (point.v == 1000 && point.t == 31337);
        dip = dip || (point.v == -5 && point.t == 77777);
    }
    EXPECT_TRUE(spike);
    EXPECT_TRUE(dip);
}

TEST(ChartSeries, CpuRateBetweenSamplesAndMemoryInMiB) {
    pk::ChartSeries c;
    c.add({0, 1, 0, 1024 * 1024});
    c.add({100, 1, 150, 2 * 1024 * 1024}); // 150 ms of CPU in 100 ms: 1.5 cores
    c.add({200, 1, std::nullopt, std::nullopt});
    const auto cpu = c.cpu().points();
    ASSERT_EQ(cpu.size(), 1u);
    EXPECT_DOUBLE_EQ(cpu[0].v, 1.5);
    EXPECT_DOUBLE_EQ(cpu[0].t, 0.1);
    const auto mem = c.memory().points();
    ASSERT_EQ(mem.size(), 2u);
    EXPECT_DOUBLE_EQ(mem[1].v, 2.0);
}

TEST(ChartSeries, ProcessCountOfEverySample) {
    pk::ChartSeries c;
    c.add({0, 1, std::nullopt, std::nullopt});
    c.add({100, 4, std::nullopt, std::nullopt}); // no CPU or memory figure: still counted
    c.add({200, 2, 10, 1024});
    const auto procs = c.processes().points();
    ASSERT_EQ(procs.size(), 3u);
    EXPECT_DOUBLE_EQ(procs[0].v, 1.0);
    EXPECT_DOUBLE_EQ(procs[1].v, 4.0);
    EXPECT_DOUBLE_EQ(procs[1].t, 0.1);
    EXPECT_DOUBLE_EQ(procs[2].v, 2.0);
}
