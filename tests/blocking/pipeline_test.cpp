// Pipelines with real processes. Each test ends with the fixture's leak check
// (no marked process, no new descriptor, no cgroup directory left).
#include "marked_test.hpp"
#include "processkit/blocking/pipeline.hpp"
#include "test_support.hpp"

#include <csignal>
#include <gtest/gtest.h>
#include <set>
#include <stop_token>
#include <string>
#include <sys/resource.h>
#include <thread>

namespace processkit {
namespace {

using namespace std::chrono_literals;

class Pipelines : public testing::MarkedTest {
protected:
    Command marked(Command c) { return pktest::mark(std::move(c), marker); }
    Command yes() { return marked(Command("yes")); }
    Command cat() { return marked(Command("cat")); }
    PipelineOptions options() {
        PipelineOptions o;
        o.group = pktest::test_group_options();
        return o;
    }
};

TEST_F(Pipelines, YesHeadTakesThreeLinesAndYesIsNotBlamed) {
    const auto r = output_string(yes() | marked(Command("head").args({"-n", "3"})), options());
    EXPECT_EQ(r.stdout_text(), "y\ny\ny\n");
    EXPECT_TRUE(r.success()) << r.failure()->what();
    EXPECT_EQ(r.failed_stage(), std::nullopt);
    ASSERT_EQ(r.stages.size(), 2u);
    EXPECT_EQ(r.stages[0].result.outcome, Outcome::signalled(SIGPIPE));
    EXPECT_EQ(r.stages[1].result.outcome, Outcome::exited(0));
    EXPECT_EQ(run(yes() | marked(Command("head").args({"-n", "2"})), options()), "y\ny");
}

TEST_F(Pipelines, ThreeStagesPassDataThrough) {
    const auto r =
        output_string(marked(Command("printf").arg("b\\na\\nc\\n")) | marked(Command("sort")) |
                          marked(Command("tr").args({"a-z", "A-Z"})),
                      options());
    EXPECT_EQ(r.stdout_text(), "A\nB\nC\n");
    EXPECT_TRUE(r.success());
}

TEST_F(Pipelines, FirstStageStdinFollowsItsCommand) {
    EXPECT_EQ(
        run(marked(Command("cat").stdin_bytes("b\na\n")) | marked(Command("sort")), options()),
        "a\nb");
}

TEST_F(Pipelines, OutputBytesKeepsRawBytesAndOneStageWorks) {
    const auto r = output_bytes(sh("printf 'a\\377\\000b'") | cat(), options());
    EXPECT_EQ(r.stdout_bytes(), std::string("a\xff\0b", 4));
    EXPECT_EQ(run(Pipeline(sh("echo alone")), options()), "alone");
    EXPECT_EQ(exit_code(Pipeline(sh("exit 6")), options()), 6);
}

TEST_F(Pipelines, StderrIsCapturedPerStage) {
    const auto r =
        output_string(sh("echo one >&2; echo data") | sh("cat; echo two >&2"), options());
    EXPECT_EQ(r.stdout_text(), "data\n");
    EXPECT_EQ(r.stages[0].result.stderr_text(), "one\n");
    EXPECT_EQ(r.stages[1].result.stderr_text(), "two\n");
    EXPECT_EQ(r.stages[0].result.stdout_text(), "")
        << "stdout of a middle stage went down the pipe";
}

TEST_F(Pipelines, FailingMiddleStageIsBlamedAndNothingHangs) {
    const Pipeline p = yes() | sh("echo broke >&2; exit 3") | cat();
    const auto r = output_string(p, options());
    EXPECT_EQ(r.failed_stage(), 1u);
    EXPECT_EQ(r.outcome(), Outcome::exited(3));
    const auto e = r.failure();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind(), ErrorKind::NonZeroExit);
    EXPECT_EQ(e->program(), "sh");
    EXPECT_EQ(e->exit_code(), 3);
    EXPECT_TRUE(std::string(e->what()).ends_with("broke")) << e->what();
    EXPECT_EQ(exit_code(p, options()), 3);
    try {
        run(p, options());
        FAIL() << "run must throw";
    } catch (const Error& thrown) {
        EXPECT_EQ(thrown.kind(), ErrorKind::NonZeroExit);
    }
}

TEST_F(Pipelines, EarlierStageFailureIsBlamedOverTheLaterOne) {
    // The second stage fails too, but only once the first one has failed.
    const auto r = output_string(
        sh("echo first >&2; exit 5") | sh("cat >/dev/null; echo second >&2; exit 3"), options());
    EXPECT_EQ(r.failed_stage(), 0u);
    EXPECT_EQ(r.outcome(), Outcome::exited(5));
    EXPECT_TRUE(std::string(r.failure()->what()).ends_with("first")) << r.failure()->what();
}

// Pipefail: a failing first stage fails the pipeline even if the last succeeds.
TEST_F(Pipelines, FalsePipeTrueFailsWithTheFirstStagesCode) {
    EXPECT_EQ(exit_code(marked(Command("false")) | cat(), options()), 1);
    try {
        (void)run(marked(Command("false")) | cat(), options());
        FAIL() << "run must throw";
    } catch (const Error& thrown) {
        EXPECT_EQ(thrown.kind(), ErrorKind::NonZeroExit);
        EXPECT_EQ(thrown.program(), "false");
        EXPECT_NE(thrown.message().find("stage 1 of 2"), std::string::npos) << thrown.message();
    }
}

TEST_F(Pipelines, ProbeAnswersFromTheLastStage) {
    EXPECT_TRUE(probe(yes() | marked(Command("grep").args({"-q", "y"})), options()));
    EXPECT_FALSE(probe(sh("echo abc") | marked(Command("grep").args({"-q", "zzz"})), options()));
    EXPECT_THROW((void)probe(sh("exit 4") | marked(Command("grep").args({"-q", "zzz"})), options()),
                 Error);
    try {
        (void)probe(sh("echo abc") | sh("cat >/dev/null; exit 2"), options());
        FAIL() << "probe must throw";
    } catch (const Error& thrown) {
        EXPECT_EQ(thrown.kind(), ErrorKind::NonZeroExit);
        EXPECT_EQ(thrown.exit_code(), 2);
    }
}

TEST_F(Pipelines, FailureTearsDownAStageThatWouldNeverEnd) {
    // sleep neither reads nor writes: no pipe would ever end it. The failure
    // of the next stage does, after the grace (TERM is ignored here).
    const auto r = output_string(
        Pipeline(sh("trap '' TERM; sleep 30")).add(sh("exit 4")).add(cat()).grace(200ms),
        options());
    EXPECT_EQ(r.stopped_by, PipelineStop::StageFailed);
    EXPECT_EQ(r.failed_stage(), 1u);
    EXPECT_EQ(r.outcome(), Outcome::exited(4));
    EXPECT_TRUE(r.stages[0].ended_in_teardown);
    EXPECT_LT(r.duration, 20s) << "the first stage was killed, not waited for";
}

TEST_F(Pipelines, StageIgnoringItsInputIsFine) {
    auto r = output_string(yes() | marked(Command("true")) | cat(), options());
    EXPECT_TRUE(r.success()) << r.failure()->what();
    EXPECT_EQ(r.stdout_text(), "");
    r = output_string(yes() | sh("sleep 0.2; echo done") | cat(), options());
    EXPECT_TRUE(r.success()) << r.failure()->what();
    EXPECT_EQ(r.stdout_text(), "done\n");
}

TEST_F(Pipelines, UncheckedStageAndPerStageAcceptedCodes) {
    auto r = output_string(Pipeline().add_unchecked(sh("echo x; exit 1")).add(cat()), options());
    EXPECT_TRUE(r.success());
    EXPECT_EQ(r.stdout_text(), "x\n");
    r = output_string(Pipeline(sh("echo x")).add_unchecked(sh("cat; exit 2")), options());
    EXPECT_TRUE(r.success());
    EXPECT_EQ(r.stdout_text(), "x\n");
    // grep exits 1 when nothing matches: accepted on that stage only.
    r = output_string(sh("echo abc") | marked(Command("grep").arg("zzz").ok_codes({0, 1})) | cat(),
                      options());
    EXPECT_TRUE(r.success()) << r.failure()->what();
    r = output_string(sh("echo abc") | marked(Command("grep").arg("zzz")) | cat(), options());
    EXPECT_EQ(r.failed_stage(), 1u);
}

TEST_F(Pipelines, MissingProgramInStageTwoIsNotFoundAndKillsTheRest) {
    ProcessGroup::release_cached_groups();
    const std::set<int> fds_before = pktest::open_fds();
    const auto r = output_string(
        sh("sleep 30") | marked(Command("processkit-no-such-program")) | cat(), options());
    EXPECT_EQ(r.failed_stage(), 1u);
    EXPECT_FALSE(r.stages[1].started);
    EXPECT_FALSE(r.stages[2].started);
    EXPECT_TRUE(r.stages[0].ended_in_teardown);
    const auto e = r.failure();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind(), ErrorKind::NotFound);
    EXPECT_EQ(e->program(), "processkit-no-such-program");
    EXPECT_FALSE(e->searched().empty());
    ProcessGroup::release_cached_groups(); // kept for reuse, not leaked
    EXPECT_EQ(pktest::open_fds(), fds_before);
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 2000));
    EXPECT_THROW(run(sh("true") | marked(Command("processkit-no-such-program")), options()), Error);
    try {
        (void)exit_code(marked(Command("processkit-no-such-program")) | cat(), options());
        FAIL() << "exit_code must throw";
    } catch (const Error& thrown) {
        EXPECT_EQ(thrown.kind(), ErrorKind::NotFound);
    }
}

TEST_F(Pipelines, TimeoutEndsTheWholePipeline) {
    const auto r = output_string(Pipeline(sh("sleep 30")).add(cat()).timeout(300ms), options());
    EXPECT_TRUE(r.timed_out());
    EXPECT_EQ(r.failed_stage(), std::nullopt);
    EXPECT_EQ(r.failure()->kind(), ErrorKind::Timeout);
    EXPECT_GE(r.duration, 300ms);
    EXPECT_LT(r.duration, 20s);
    EXPECT_TRUE(r.stages[0].ended_in_teardown);
}

// E1: the timeout's message ends with the last stderr line a stage wrote.
TEST_F(Pipelines, TimeoutMessageEndsWithTheLastStderrLine) {
    try {
        (void)run(Pipeline(sh("echo warming up >&2; sleep 30")).add(cat()).timeout(500ms),
                  options());
        FAIL() << "run must throw";
    } catch (const Error& thrown) {
        EXPECT_EQ(thrown.kind(), ErrorKind::Timeout);
        EXPECT_TRUE(thrown.message().ends_with("; stderr: warming up")) << thrown.message();
    }
}

TEST_F(Pipelines, TimeoutKillsATermIgnoringStageAfterTheGrace) {
    const auto r = output_string(
        Pipeline(sh("trap '' TERM; sleep 30")).add(cat()).timeout(200ms).grace(200ms), options());
    EXPECT_TRUE(r.timed_out());
    EXPECT_EQ(r.stages[0].result.outcome, Outcome::signalled(SIGKILL));
    EXPECT_GE(r.duration, 400ms);
    EXPECT_LT(r.duration, 20s);
}

TEST_F(Pipelines, CancelFromAnotherThread) {
    std::stop_source stop;
    PipelineOptions o = options();
    o.stop = stop.get_token();
    std::jthread canceller([&] {
        std::this_thread::sleep_for(200ms);
        stop.request_stop();
    });
    const auto r = output_string(sh("sleep 30") | cat(), o);
    EXPECT_TRUE(r.cancelled());
    EXPECT_EQ(r.outcome(), Outcome::cancelled());
    EXPECT_EQ(r.failure()->kind(), ErrorKind::Cancelled);
    EXPECT_LT(r.duration, 20s);
}

Duration thread_cpu_time() {
    rusage u{};
    ::getrusage(RUSAGE_THREAD, &u);
    return std::chrono::seconds(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
           std::chrono::microseconds(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

TEST_F(Pipelines, WaitingNeverSpins) {
    // A cancel during a long grace, then a wait on a quiet pipeline: a busy
    // loop would burn about as much CPU as the wall time it waits.
    std::stop_source stop;
    PipelineOptions o = options();
    o.stop = stop.get_token();
    std::jthread canceller([&] {
        std::this_thread::sleep_for(100ms);
        stop.request_stop();
    });
    const Duration cpu_before = thread_cpu_time();
    const auto r = output_string(Pipeline(sh("trap '' TERM; sleep 30")).add(cat()).grace(600ms), o);
    const Duration cpu = thread_cpu_time() - cpu_before;
    EXPECT_TRUE(r.cancelled());
    EXPECT_GE(r.duration, 700ms);
    EXPECT_LT(cpu, r.duration / 4) << "the loop used the CPU while it waited";
}

TEST_F(Pipelines, AlreadyCancelledTokenStopsAtOnce) {
    std::stop_source stop;
    stop.request_stop();
    PipelineOptions o = options();
    o.stop = stop.get_token();
    const auto r = output_string(sh("sleep 30") | cat(), o);
    EXPECT_TRUE(r.cancelled());
}

TEST_F(Pipelines, InvalidPipelineThrowsBeforeStartingAnything) {
    try {
        (void)output_string(sh("true") | cat().stdin_bytes("x"), options());
        FAIL() << "must throw";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_NE(e.message().find("stage 2"), std::string::npos) << e.message();
    }
}

TEST_F(Pipelines, ManyRunsLeaveNoDescriptorBehind) {
    ProcessGroup::release_cached_groups();
    const std::set<int> before = pktest::open_fds();
    for (int i = 0; i < 20; ++i) {
        (void)output_string(yes() | marked(Command("head").args({"-n", "1"})) | cat(), options());
        (void)output_string(sh("exit 1") | cat(), options());
    }
    ProcessGroup::release_cached_groups(); // kept for reuse, not leaked
    EXPECT_EQ(pktest::open_fds(), before);
}

} // namespace
} // namespace processkit
