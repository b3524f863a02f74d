// processkit::asio::StatsSampler (G9): the first sample at once, later ones
// on the interval's grid (missed ticks skipped, not replayed), end_of_series
// for good after the first failed sample, one wait at a time, cancellation
// of every type as a pure wait, destruction aborting the pending wait.
#include "asio_test_support.hpp"

#include <asio/error.hpp>
#include <gtest/gtest.h>
#include <optional>
#include <unistd.h>
#include <vector>

namespace pkat {
namespace {

using ::asio::cancellation_type;

class Sampler : public AsioTest {
protected:
    static Got<pk::ProcessGroupStats> next(::asio::io_context& io, pka::StatsSampler& s) {
        Got<pk::ProcessGroupStats> g;
        s.async_next(record(g));
        EXPECT_TRUE(run_until(io, [&] { return g.done; }));
        return g;
    }
};

TEST_F(Sampler, FirstSampleAtOnceThenOnTheGrid) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    pka::Process p(io, group, sh("sleep 30 & echo ready; wait"));
    Got<std::string> ready;
    p.async_read_line(record(ready));
    ASSERT_TRUE(run_until(io, [&] { return ready.done; }));

    const auto interval = 100ms;
    const auto t0 = pk::Clock::now();
    pka::StatsSampler sampler(io, group, interval);
    std::vector<pk::Duration> at;
    for (int k = 0; k < 4; ++k) {
        const auto g = next(io, sampler);
        ASSERT_TRUE(g.done);
        EXPECT_FALSE(g.ec) << g.ec.message();
        EXPECT_GE(g.value.active_process_count, 1u);
        EXPECT_TRUE(g.value.memory_bytes.has_value());
        at.push_back(pk::Clock::now() - t0);
    }
    // Never ahead of the grid (a lower bound only: a busy machine is late).
    for (std::size_t k = 1; k < at.size(); ++k) {
        EXPECT_GE(at[k], interval * static_cast<int>(k)) << "sample " << k << " came early";
    }
    p.kill();
    group.kill_all();
}

TEST_F(Sampler, FirstSampleDoesNotWaitForTheInterval) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    pka::StatsSampler sampler(io, group, 1h);
    const auto g = next(io, sampler); // an hour-long wait would fail the bound
    EXPECT_FALSE(g.ec);
    EXPECT_EQ(g.value.active_process_count, 0u);
}

TEST_F(Sampler, MissedTicksAreSkippedNotReplayed) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    const auto interval = 50ms;
    pka::StatsSampler sampler(io, group, interval);
    ASSERT_FALSE(next(io, sampler).ec);
    // Nobody waits for ten intervals.
    std::this_thread::sleep_for(interval * 10);
    const auto resumed = pk::Clock::now();
    ASSERT_FALSE(next(io, sampler).ec); // late: due at once
    ASSERT_FALSE(next(io, sampler).ec); // the next grid tick
    ASSERT_FALSE(next(io, sampler).ec); // the one after
    // Replayed ticks would all be due at once.
    EXPECT_GE(pk::Clock::now() - resumed, interval) << "missed ticks were replayed";
}

TEST_F(Sampler, EndOfSeriesForGoodOnceTheGroupIsGone) {
    // The host's strongest mechanism even in the process-group run: only a
    // cgroup can disappear under a sampler (this tests the sampler).
    std::optional<pk::ProcessGroup> group(std::in_place);
    if (group->mechanism() != pk::Mechanism::CgroupV2) {
        GTEST_SKIP() << "only a cgroup can disappear under a sampler";
    }
    ::asio::io_context io;
    {
        pka::StatsSampler sampler(io, *group, 10ms);
        ASSERT_FALSE(next(io, sampler).ec);
        // Remove the directory behind the group's back: the next sample fails.
        pk::ProcessGroup::release_cached_groups();
        ASSERT_EQ(::rmdir(group->cgroup_path().c_str()), 0);
        const auto ended = next(io, sampler);
        EXPECT_EQ(ended.ec, pka::errc::end_of_series);
        EXPECT_EQ(ended.ec.category(), pka::asio_category());
        const auto again = next(io, sampler);
        EXPECT_EQ(again.ec, pka::errc::end_of_series) << "ended for good";
    }
    group.reset();
}

TEST_F(Sampler, OneWaitAtATime) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    std::optional<pka::StatsSampler> sampler(std::in_place, io, group, 1h);
    ASSERT_FALSE(next(io, *sampler).ec);
    Got<pk::ProcessGroupStats> pending, second;
    sampler->async_next(record(pending));
    sampler->async_next(record(second));
    ASSERT_TRUE(run_until(io, [&] { return second.done; }));
    EXPECT_EQ(second.ec, pka::errc::already_waiting);
    EXPECT_FALSE(pending.done) << "the next tick is an hour away";
    sampler.reset(); // destroying the sampler aborts the pending wait
    ASSERT_TRUE(run_until(io, [&] { return pending.done; }));
    EXPECT_EQ(pending.ec, ::asio::error::operation_aborted);
}

TEST_F(Sampler, DestroyingTheSamplerAbortsThePendingWait) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    Got<pk::ProcessGroupStats> first, pending;
    {
        pka::StatsSampler sampler(io, group, 1h);
        sampler.async_next(record(first));
        // Queued behind the first, which completes at once: this one then
        // waits for the next tick, an hour away.
        sampler.async_next(record(pending));
        ASSERT_TRUE(run_until(io, [&] { return first.done; }));
        io.poll();
        EXPECT_FALSE(pending.done);
    }
    ASSERT_TRUE(run_until(io, [&] { return pending.done; }));
    EXPECT_FALSE(first.ec);
    EXPECT_EQ(pending.ec, ::asio::error::operation_aborted);

    Got<pk::ProcessGroupStats> waiting;
    {
        pka::StatsSampler sampler(io, group, 1h);
        Got<pk::ProcessGroupStats> once;
        sampler.async_next(record(once));
        ASSERT_TRUE(run_until(io, [&] { return once.done; }));
        sampler.async_next(record(waiting));
        io.poll();
        EXPECT_FALSE(waiting.done);
    }
    ASSERT_TRUE(run_until(io, [&] { return waiting.done; }));
    EXPECT_EQ(waiting.ec, ::asio::error::operation_aborted);
    io.run(); // nothing is left waiting
}

// The group and the sampler die before the io_context ever runs: the queued
// first sample must not read the destroyed group (ASan would report it).
TEST_F(Sampler, QueuedSampleNeverReadsAGroupDestroyedAfterTheSampler) {
    ::asio::io_context io;
    Got<pk::ProcessGroupStats> queued;
    {
        pk::ProcessGroup group(pktest::test_group_options());
        pka::StatsSampler sampler(io, group, 100ms);
        sampler.async_next(record(queued));
    }
    ASSERT_TRUE(run_until(io, [&] { return queued.done; }));
    EXPECT_EQ(queued.ec, ::asio::error::operation_aborted);
    io.run();
}
TEST_F(Sampler, MovedSamplerKeepsItsSeries) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    pka::StatsSampler a(io, group, 1h);
    ASSERT_FALSE(next(io, a).ec);
    pka::StatsSampler b(std::move(a));
    Got<pk::ProcessGroupStats> pending;
    b.async_next(record(pending));
    io.poll();
    EXPECT_FALSE(pending.done) << "the moved series is at its second tick, an hour away";
    pka::StatsSampler c(io, group, 1h);
    c = std::move(b); // c's own series is closed; b's goes on in c
    io.poll();
    EXPECT_FALSE(pending.done);
    Got<pk::ProcessGroupStats> first_of_new;
    pka::StatsSampler d(io, group, 1h);
    d.async_next(record(first_of_new));
    ASSERT_TRUE(run_until(io, [&] { return first_of_new.done; }));
    EXPECT_FALSE(first_of_new.ec);
}

class SamplerCancel : public Sampler, public ::testing::WithParamInterface<cancellation_type> {};

TEST_P(SamplerCancel, AbortsTheWaitAndTheSeriesGoesOn) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    pka::Process p(io, group, sh("echo ready; sleep 30"));
    Got<std::string> ready;
    p.async_read_line(record(ready));
    ASSERT_TRUE(run_until(io, [&] { return ready.done; }));

    pka::StatsSampler sampler(io, group, 300ms);
    ASSERT_FALSE(next(io, sampler).ec);
    ::asio::cancellation_signal signal;
    Got<pk::ProcessGroupStats> cancelled;
    sampler.async_next(::asio::bind_cancellation_slot(signal.slot(), record(cancelled)));
    signal.emit(GetParam());
    ASSERT_TRUE(run_until(io, [&] { return cancelled.done; }));
    EXPECT_EQ(cancelled.ec, ::asio::error::operation_aborted);
    EXPECT_TRUE(alive_soon()) << "cancelling a sample touches nothing";
    const auto later = next(io, sampler);
    EXPECT_FALSE(later.ec) << "the series goes on: " << later.ec.message();
    EXPECT_GE(later.value.active_process_count, 1u);
    p.kill();
    group.kill_all();
}

INSTANTIATE_TEST_SUITE_P(EveryType, SamplerCancel,
                         ::testing::Values(cancellation_type::terminal, cancellation_type::partial,
                                           cancellation_type::total),
                         [](const auto& param_info) {
                             return std::string(type_name(param_info.param));
                         });

} // namespace
} // namespace pkat
