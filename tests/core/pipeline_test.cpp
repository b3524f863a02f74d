// The pipeline value and its blame rules, without any process.
#include "processkit/core/pipeline.hpp"

#include <gtest/gtest.h>

namespace processkit {
namespace {

using namespace std::chrono_literals;

constexpr int sigpipe = default_pipe_signal;

StageResult ended(std::string program, Outcome outcome, std::vector<int> ok = {0}) {
    StageResult s;
    s.result.program = std::move(program);
    s.result.outcome = outcome;
    s.result.ok_codes = std::move(ok);
    if (outcome.kind == Outcome::Kind::Exited) {
        s.result.status = ExitStatus::exited(outcome.value);
    } else if (outcome.kind == Outcome::Kind::Signalled) {
        s.result.status = ExitStatus::signalled(outcome.value);
    }
    s.started = true;
    return s;
}

StageResult spawn_failed(std::string program) {
    StageResult s;
    s.result.program = program;
    s.result.outcome = Outcome::spawn_failed();
    s.result.error = Error(ErrorKind::NotFound, program, "no such program");
    return s;
}

StageResult never_started(std::string program) {
    StageResult s;
    s.result.program = std::move(program);
    return s;
}

PipelineResult result_of(std::vector<StageResult> stages, PipelineStop stop = PipelineStop::None) {
    PipelineResult r;
    r.stages = std::move(stages);
    r.stopped_by = stop;
    r.programs = "a | b | c";
    return r;
}

TEST(PipelineBlame, AllSucceeding) {
    const auto r = result_of({ended("a", Outcome::exited(0)), ended("b", Outcome::exited(0))});
    EXPECT_TRUE(r.success());
    EXPECT_EQ(r.failed_stage(), std::nullopt);
    EXPECT_EQ(r.outcome(), Outcome::exited(0));
}

TEST(PipelineBlame, SigpipeVictimIsNotBlamedOverItsCulprit) {
    // yes | head -n 3: yes dies of SIGPIPE once head has exited.
    auto r =
        result_of({ended("yes", Outcome::signalled(sigpipe)), ended("head", Outcome::exited(0))});
    EXPECT_TRUE(r.success());
    // The culprit failed: it is blamed, not the victim before it.
    r = result_of({ended("yes", Outcome::signalled(sigpipe)), ended("head", Outcome::exited(2))});
    EXPECT_EQ(r.failed_stage(), 1u);
    // A shell reports the same death as exit 128 + SIGPIPE.
    r = result_of({ended("sh", Outcome::exited(128 + sigpipe)), ended("head", Outcome::exited(0))});
    EXPECT_TRUE(r.success());
}

TEST(PipelineBlame, LastStageSigpipeIsItsOwnFailure) {
    const auto r =
        result_of({ended("a", Outcome::exited(0)), ended("b", Outcome::signalled(sigpipe))});
    EXPECT_EQ(r.failed_stage(), 1u);
    EXPECT_EQ(r.failure()->kind(), ErrorKind::Signalled);
}

TEST(PipelineBlame, OtherSignalsAreBlamedAnywhere) {
    const auto r = result_of({ended("a", Outcome::signalled(9)), ended("b", Outcome::exited(0))});
    EXPECT_EQ(r.failed_stage(), 0u);
}

TEST(PipelineBlame, FirstRealFailureInStageOrderWins) {
    const auto r = result_of({ended("a", Outcome::signalled(sigpipe)),
                              ended("b", Outcome::exited(3)), ended("c", Outcome::exited(4))});
    EXPECT_EQ(r.failed_stage(), 1u);
    EXPECT_EQ(r.outcome(), Outcome::exited(3));
    const auto e = r.failure();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->kind(), ErrorKind::NonZeroExit);
    EXPECT_EQ(e->program(), "b");
    EXPECT_EQ(e->exit_code(), 3);
}

TEST(PipelineBlame, UncheckedStageIsIgnored) {
    auto a = ended("a", Outcome::exited(1));
    a.checked = false;
    auto r = result_of({a, ended("b", Outcome::exited(0))});
    EXPECT_TRUE(r.success());
    r = result_of({a, ended("b", Outcome::exited(5))});
    EXPECT_EQ(r.failed_stage(), 1u);
}

TEST(PipelineBlame, AcceptedCodesArePerStage) {
    // grep's 1 (no match) accepted on stage 0 only.
    auto r =
        result_of({ended("grep", Outcome::exited(1), {0, 1}), ended("wc", Outcome::exited(0))});
    EXPECT_TRUE(r.success());
    r = result_of({ended("grep", Outcome::exited(0), {0, 1}), ended("wc", Outcome::exited(1))});
    EXPECT_EQ(r.failed_stage(), 1u);
}

TEST(PipelineBlame, StagesEndingInTheTeardownAreNotBlamed) {
    auto a = ended("sleep", Outcome::signalled(15));
    a.ended_in_teardown = true;
    const auto r = result_of({a, ended("sh", Outcome::exited(3)), ended("cat", Outcome::exited(0))},
                             PipelineStop::StageFailed);
    EXPECT_EQ(r.failed_stage(), 1u);
}

TEST(PipelineBlame, TimeoutIsReportedRatherThanItsVictims) {
    auto a = ended("sleep", Outcome::signalled(15));
    a.ended_in_teardown = true;
    auto b = ended("cat", Outcome::exited(0));
    b.ended_in_teardown = true;
    const auto r = result_of({a, b}, PipelineStop::TimedOut);
    EXPECT_TRUE(r.timed_out());
    EXPECT_EQ(r.failed_stage(), std::nullopt);
    EXPECT_EQ(r.outcome(), Outcome::timed_out());
    EXPECT_EQ(r.failure()->kind(), ErrorKind::Timeout);
    EXPECT_EQ(r.failure()->program(), "a | b | c");
}

TEST(PipelineBlame, CancelIsReportedAsSuch) {
    auto a = ended("sleep", Outcome::signalled(9));
    a.ended_in_teardown = true;
    const auto r = result_of({a}, PipelineStop::Cancelled);
    EXPECT_TRUE(r.cancelled());
    EXPECT_EQ(r.outcome(), Outcome::cancelled());
    EXPECT_EQ(r.failure()->kind(), ErrorKind::Cancelled);
}

TEST(PipelineProbe, AcceptsZeroAndOneOnTheLastStageOnly) {
    const Pipeline p = Pipeline(Command("a").ok_codes({0, 3})).add_unchecked(Command("b"));
    const Pipeline probed = probe_pipeline(Pipeline(p).add(Command("grep")).timeout(5s).grace(1s));
    ASSERT_EQ(probed.size(), 3u);
    EXPECT_EQ(probed.stages()[0].command.ok_codes(), (std::vector<int>{0, 3}));
    EXPECT_FALSE(probed.stages()[1].checked);
    EXPECT_EQ(probed.stages()[2].command.ok_codes(), (std::vector<int>{0, 1}));
    EXPECT_EQ(probed.timeout(), Duration(5s));
    EXPECT_EQ(probed.grace(), Duration(1s));
}

TEST(PipelineProbe, AnswersFromTheLastStageUnlessThePipelineFailed) {
    const auto yes = result_of(
        {ended("ps", Outcome::signalled(sigpipe)), ended("grep", Outcome::exited(0), {0, 1})});
    EXPECT_EQ(probe_answer(yes).value, true);
    const auto no =
        result_of({ended("ps", Outcome::exited(0)), ended("grep", Outcome::exited(1), {0, 1})});
    EXPECT_EQ(probe_answer(no).value, false);

    const auto other =
        result_of({ended("ps", Outcome::exited(0)), ended("grep", Outcome::exited(2), {0, 1})},
                  PipelineStop::StageFailed);
    ASSERT_TRUE(probe_answer(other).error);
    EXPECT_EQ(probe_answer(other).error->program(), "grep");
    EXPECT_EQ(probe_answer(other).error->exit_code(), 2);

    const auto first_failed =
        result_of({ended("ps", Outcome::exited(4)), ended("grep", Outcome::exited(1), {0, 1})},
                  PipelineStop::StageFailed);
    EXPECT_EQ(probe_answer(first_failed).error->program(), "ps");

    auto killed = ended("grep", Outcome::signalled(9), {0, 1});
    killed.checked = false;
    const auto unchecked = result_of({ended("ps", Outcome::exited(0)), killed});
    ASSERT_TRUE(unchecked.success());
    EXPECT_EQ(probe_answer(unchecked).error->kind(), ErrorKind::Signalled);
    EXPECT_EQ(probe_answer(result_of({}, PipelineStop::TimedOut)).error->kind(),
              ErrorKind::Timeout);
}

// E1: a timeout or cancel message ends with the last non-empty stderr line of
// the last stage (in stage order) that wrote one.
TEST(PipelineBlame, TimeoutAndCancelEndWithTheLastStderrLine) {
    auto a = ended("server", Outcome::signalled(15));
    a.result.stderr_bytes = "starting\nwaiting for the lock\n\n";
    a.ended_in_teardown = true;
    auto b = ended("cat", Outcome::signalled(15));
    b.ended_in_teardown = true;
    for (const auto stop : {PipelineStop::TimedOut, PipelineStop::Cancelled}) {
        const auto e = result_of({a, b}, stop).failure();
        ASSERT_TRUE(e.has_value());
        EXPECT_EQ(e->stderr_text(), a.result.stderr_bytes);
        const std::string tail = "; stderr: waiting for the lock";
        EXPECT_TRUE(e->message().ends_with(tail)) << e->message();
    }
    const auto quiet = result_of({b}, PipelineStop::TimedOut).failure();
    EXPECT_EQ(quiet->message(), "'a | b | c': timed out: the pipeline's timeout fired");
}

TEST(PipelineBlame, SpawnFailureReportsThatStagesTypedError) {
    auto a = ended("yes", Outcome::signalled(9));
    a.ended_in_teardown = true;
    const auto r = result_of({a, spawn_failed("no-such-program"), never_started("cat")},
                             PipelineStop::StageFailed);
    EXPECT_EQ(r.failed_stage(), 1u);
    EXPECT_EQ(r.outcome(), Outcome::spawn_failed());
    EXPECT_EQ(r.failure()->kind(), ErrorKind::NotFound);
    EXPECT_EQ(r.failure()->program(), "no-such-program");
    // Even on an unchecked stage.
    auto unchecked = spawn_failed("gone");
    unchecked.checked = false;
    EXPECT_EQ(blame_stage({unchecked}), 0u);
}

TEST(PipelineBlame, MessageNamesTheStageAndEndsWithItsLastStderrLine) {
    auto b = ended("sh", Outcome::exited(3));
    b.result.stderr_bytes = "first\nsomething broke\n\n";
    const auto r = result_of({ended("a", Outcome::exited(0)), b});
    const std::string message = r.failure()->what();
    EXPECT_NE(message.find("'sh'"), std::string::npos) << message;
    EXPECT_NE(message.find("stage 2 of 2"), std::string::npos) << message;
    EXPECT_TRUE(message.ends_with("something broke")) << message;
}

TEST(PipelineAnswers, RunAndExitCode) {
    auto last = ended("b", Outcome::exited(0));
    last.result.stdout_bytes = "out\n\n";
    auto r = result_of({ended("a", Outcome::exited(0)), last});
    EXPECT_EQ(run_answer(r).value, "out");
    EXPECT_EQ(exit_code_answer(r).value, 0);
    r = result_of({ended("a", Outcome::exited(7)), last});
    EXPECT_EQ(exit_code_answer(r).value, 7);
    EXPECT_EQ(run_answer(r).error->kind(), ErrorKind::NonZeroExit);
    r = result_of({ended("a", Outcome::signalled(9)), last});
    EXPECT_EQ(exit_code_answer(r).error->kind(), ErrorKind::Signalled);
    r = result_of({ended("a", Outcome::exited(0)), last}, PipelineStop::TimedOut);
    EXPECT_EQ(exit_code_answer(r).error->kind(), ErrorKind::Timeout);
}

TEST(PipelineValue, OperatorPipeBuildsStages) {
    const Pipeline p = Command("yes") | Command("head").args({"-n", "3"}) | Command("cat");
    ASSERT_EQ(p.size(), 3u);
    EXPECT_EQ(p.programs(), "yes | head | cat");
    EXPECT_EQ(p.command_line(), "yes | head -n 3 | cat");
    EXPECT_EQ(p.validate(), std::nullopt);
}

TEST(PipelineValue, ValidationNamesTheStage) {
    EXPECT_EQ(Pipeline().validate()->kind(), ErrorKind::InvalidArgument);
    auto e = (Command("a") | Command("b").stdin_bytes("x")).validate();
    ASSERT_TRUE(e);
    EXPECT_EQ(e->program(), "b");
    EXPECT_NE(e->message().find("stage 2"), std::string::npos) << e->message();
    e = (Command("a").stdout_mode(StdioMode::Discard) | Command("b")).validate();
    ASSERT_TRUE(e);
    EXPECT_NE(e->message().find("stage 1"), std::string::npos) << e->message();
    EXPECT_TRUE((Command("a").timeout(1s) | Command("b")).validate());
    EXPECT_TRUE((Command("a").stdin_interactive() | Command("b")).validate());
    EXPECT_TRUE((Command("a") | Command("")).validate());
    EXPECT_TRUE(Pipeline(Command("a")).grace(-1s).validate());
    // The last stage may discard or inherit its stdout; the first may read bytes.
    EXPECT_FALSE(
        (Command("a").stdin_bytes("x") | Command("b").stdout_mode(StdioMode::Discard)).validate());
    EXPECT_THROW(Pipeline(Command("a")).checked(1, false), Error);
    try {
        (Command("a") | Command("b")).checked(2, false);
        FAIL() << "expected an error";
    } catch (const Error& err) {
        EXPECT_EQ(err.kind(), ErrorKind::InvalidArgument);
        EXPECT_EQ(err.program(), "a | b"); // E1: the error names the programs
        EXPECT_NE(err.message().find("no stage 3"), std::string::npos) << err.message();
    }
}

} // namespace
} // namespace processkit
