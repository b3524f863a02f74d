// Pipelines on Asio with real processes: the blocking verbs' answers and
// blame as operations, every completion token, per-operation cancellation,
// and nothing left behind (the fixture's leak check).
#include "asio_test_support.hpp"
#include "processkit/asio/pipeline.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <csignal>
#include <gtest/gtest.h>

namespace pkat {
namespace {

class AsioPipelines : public AsioTest {
protected:
    pk::Command marked(pk::Command c) { return pktest::mark(std::move(c), marker); }
    pk::GroupOptions group() const { return pktest::test_group_options(); }

    Got<pk::PipelineResult> output(const pk::Pipeline& p) {
        ::asio::io_context io;
        Got<pk::PipelineResult> g;
        pka::async_output_string(io, group(), p, record(g));
        EXPECT_TRUE(run_until(io, [&] { return g.done; }));
        return g;
    }
};

TEST_F(AsioPipelines, YesHeadTakesThreeLinesAndYesIsNotBlamed) {
    auto g = output(marked(pk::Command("yes")) | marked(pk::Command("head").args({"-n", "3"})));
    ASSERT_TRUE(g.done);
    EXPECT_FALSE(g.ec) << g.ec.message();
    EXPECT_EQ(g.value.stdout_text(), "y\ny\ny\n");
    EXPECT_TRUE(g.value.success());
    ASSERT_EQ(g.value.stages.size(), 2u);
    EXPECT_EQ(g.value.stages[0].result.outcome, pk::Outcome::signalled(SIGPIPE));
    EXPECT_EQ(g.value.stages[1].result.outcome, pk::Outcome::exited(0));
}

TEST_F(AsioPipelines, ThreeStagesPassDataThroughAndTheAnswersFollowTheBlockingVerbs) {
    ::asio::io_context io;
    Got<std::string> text;
    Got<int> code;
    Got<bool> found;
    Got<bool> missing;
    const auto sorted = marked(pk::Command("printf").arg("b\\na\\nc\\n")) |
                        marked(pk::Command("sort")) |
                        marked(pk::Command("tr").args({"a-z", "A-Z"}));
    pka::async_run(io, group(), sorted, record(text));
    pka::async_exit_code(io, group(), sh("exit 0") | sh("cat >/dev/null; exit 4"), record(code));
    pka::async_probe(io, group(),
                     sh("echo needle") | marked(pk::Command("grep").args({"-q", "needle"})),
                     record(found));
    pka::async_probe(io, group(),
                     sh("echo hay") | marked(pk::Command("grep").args({"-q", "needle"})),
                     record(missing));
    ASSERT_TRUE(
        run_until(io, [&] { return text.done && code.done && found.done && missing.done; }));
    EXPECT_FALSE(text.ec);
    EXPECT_EQ(text.value, "A\nB\nC");
    EXPECT_FALSE(code.ec) << "any exit code is an answer";
    EXPECT_EQ(code.value, 4) << "the blamed stage's code";
    EXPECT_FALSE(found.ec);
    EXPECT_TRUE(found.value);
    EXPECT_FALSE(missing.ec);
    EXPECT_FALSE(missing.value);
}

TEST_F(AsioPipelines, TheFirstRealFailureIsBlamedAndTheRestTornDown) {
    auto g = output(sh("sleep 30") | sh("exit 3") | sh("cat >/dev/null; sleep 30"));
    ASSERT_TRUE(g.done);
    EXPECT_FALSE(g.ec) << "a stage's failure is in the result";
    EXPECT_EQ(g.value.failed_stage(), 1u);
    EXPECT_EQ(g.value.stopped_by, pk::PipelineStop::StageFailed);
    EXPECT_TRUE(g.value.stages[0].ended_in_teardown);
    EXPECT_TRUE(g.value.stages[2].ended_in_teardown);
    ASSERT_TRUE(g.value.failure());
    EXPECT_EQ(g.value.failure()->kind(), pk::ErrorKind::NonZeroExit);
    EXPECT_TRUE(gone_soon());
}

TEST_F(AsioPipelines, TheTimeoutSignalsTheGroupAndKillsAfterTheGrace) {
    auto p = (sh("trap '' TERM; sleep 30") | sh("cat >/dev/null")).timeout(200ms).grace(200ms);
    auto g = output(p);
    ASSERT_TRUE(g.done);
    EXPECT_FALSE(g.ec);
    EXPECT_TRUE(g.value.timed_out());
    EXPECT_EQ(g.value.failed_stage(), std::nullopt);
    EXPECT_EQ(g.value.stages[0].result.outcome, pk::Outcome::signalled(SIGKILL))
        << "the stage ignoring TERM is killed when the grace is over";
    EXPECT_TRUE(gone_soon());
}

TEST_F(AsioPipelines, ASpawnFailureIsTheStagesErrorCode) {
    auto g =
        output(sh("sleep 30") | marked(pk::Command("/nonexistent/program")) | sh("cat >/dev/null"));
    ASSERT_TRUE(g.done);
    EXPECT_EQ(g.ec, pk::make_error_code(pk::ErrorKind::NotFound));
    EXPECT_EQ(g.value.failed_stage(), 1u);
    EXPECT_FALSE(g.value.stages[2].started);
    EXPECT_TRUE(gone_soon());
}

TEST_F(AsioPipelines, AnInvalidPipelineCompletesWithInvalidArgumentNeverInline) {
    ::asio::io_context io;
    Got<pk::PipelineResult> g;
    Got<std::string> r;
    pka::async_output_string(io, pk::Pipeline(), record(g));
    pka::async_run(io, pk::Pipeline(), record(r));
    EXPECT_FALSE(g.done) << "never inside the initiating call";
    ASSERT_TRUE(run_until(io, [&] { return g.done && r.done; }));
    EXPECT_EQ(g.ec, pk::make_error_code(pk::ErrorKind::InvalidArgument));
    EXPECT_TRUE(g.value.stages.empty());
    EXPECT_EQ(r.ec, pk::make_error_code(pk::ErrorKind::InvalidArgument));
}

class AsioPipelineCancel : public AsioPipelines,
                           public ::testing::WithParamInterface<::asio::cancellation_type> {};

TEST_P(AsioPipelineCancel, StopsEveryStageAndCompletesAborted) {
    ::asio::io_context io;
    ::asio::cancellation_signal signal;
    Got<pk::PipelineResult> g;
    const auto type = GetParam();
    bool ready = false; // set on the io thread, by stage 0's stderr line handler
    auto first = sh("trap '' TERM INT; echo ready >&2; sleep 30 >/dev/null")
                     .on_stderr_line([&ready](std::string_view line) { ready = line == "ready"; });
    auto p = first | sh("cat >/dev/null");
    p.grace(300ms);
    pka::async_output_string(io, group(), p,
                             ::asio::bind_cancellation_slot(signal.slot(), record(g)));
    ASSERT_TRUE(run_until(io, [&] { return ready; })) << "the traps are installed";
    signal.emit(type);
    ASSERT_TRUE(run_until(io, [&] { return g.done; }));
    EXPECT_EQ(g.ec, ::asio::error::operation_aborted) << type_name(type);
    EXPECT_TRUE(g.value.cancelled());
    EXPECT_EQ(g.value.failed_stage(), std::nullopt);
    EXPECT_EQ(g.value.stages[0].result.outcome, pk::Outcome::signalled(SIGKILL))
        << "TERM and INT are ignored: SIGKILL ended it (" << type_name(type) << ")";
    EXPECT_TRUE(gone_soon());
}

INSTANTIATE_TEST_SUITE_P(Types, AsioPipelineCancel,
                         ::testing::Values(::asio::cancellation_type::terminal,
                                           ::asio::cancellation_type::partial,
                                           ::asio::cancellation_type::total),
                         [](const auto& param_info) {
                             return std::string(type_name(param_info.param));
                         });

TEST_F(AsioPipelines, EveryCompletionTokenKindWorks) {
    ::asio::io_context io;
    const auto p = sh("echo hi") | marked(pk::Command("tr").args({"a-z", "A-Z"}));

    // deferred: nothing starts until the deferred operation is invoked.
    auto op = pka::async_run(io, group(), p, ::asio::experimental::deferred);
    Got<std::string> via_deferred;
    std::move(op)(record(via_deferred));

    // use_awaitable in a coroutine.
    std::string via_coroutine;
    ::asio::co_spawn(
        io,
        [&]() -> ::asio::awaitable<void> {
            via_coroutine = co_await pka::async_run(io, group(), p, ::asio::use_awaitable);
        },
        ::asio::detached);
    ASSERT_TRUE(run_until(io, [&] { return via_deferred.done && !via_coroutine.empty(); }));
    EXPECT_EQ(via_deferred.value, "HI");
    EXPECT_EQ(via_coroutine, "HI");

    // use_future, with the io_context run by another thread.
    auto work = ::asio::make_work_guard(io);
    io.restart();
    std::thread runner([&] { io.run(); });
    auto future = pka::async_output_string(io, group(), p, ::asio::use_future);
    EXPECT_EQ(future.get().stdout_text(), "HI\n");
    work.reset();
    runner.join();
}

TEST_F(AsioPipelines, ManyPipelinesOnAThreadPool) {
    ::asio::thread_pool pool(2);
    std::vector<std::future<std::string>> answers;
    for (int i = 0; i < 8; ++i) {
        answers.push_back(pka::async_run(
            pool, group(), sh("echo " + std::to_string(i)) | marked(pk::Command("cat")),
            ::asio::use_future));
    }
    for (int i = 0; i < 8; ++i) {
        EXPECT_EQ(answers[static_cast<std::size_t>(i)].get(), std::to_string(i));
    }
    pool.join();
}

TEST_F(AsioPipelines, DestroyingTheContextMidRunKillsEveryStage) {
    Got<pk::PipelineResult> g;
    {
        ::asio::io_context io;
        pka::async_output_string(io, group(), sh("sleep 30") | sh("sleep 30"), record(g));
        ASSERT_TRUE(alive_soon());
        io.run_for(20ms);
    }
    EXPECT_FALSE(g.done) << "a destroyed context's handlers are dropped, never called";
    EXPECT_TRUE(gone_soon());
}

} // namespace
} // namespace pkat
