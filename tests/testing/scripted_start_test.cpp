// ScriptedRunner::start, and the scripted output machinery compared with a
// real child (printf through SystemRunner) under the same Command.
#include "processkit/testing/scripted_runner.hpp"

#include <csignal>
#include <gtest/gtest.h>

namespace processkit {
namespace {

using namespace std::chrono_literals;

TEST(ScriptedStart, LinesArriveThroughNextLineWithDelays) {
    ScriptedRunner runner;
    runner.on("tail", {"-f", "log"}, Reply::lines({"a", "b", "c"}, 20ms));
    const auto before = Clock::now();
    auto p = runner.start(Command("tail").args({"-f", "log"}));
    EXPECT_EQ(p->next_line(), "a");
    EXPECT_FALSE(p->finished()); // "b" is still 20 ms away
    EXPECT_EQ(p->next_line(), "b");
    EXPECT_EQ(p->next_line(), "c");
    EXPECT_EQ(p->next_line(), std::nullopt);
    EXPECT_GE(Clock::now() - before, 40ms);
    EXPECT_EQ(p->wait(), Outcome::exited(0));
    EXPECT_EQ(p->result().stdout_text(), "a\nb\nc\n");
}

TEST(ScriptedStart, NeverFinishingEndsOnKill) {
    ScriptedRunner runner;
    runner.on("server", {}, Reply::never_finishing().then_stdout("ready\n"));
    auto p = runner.start(Command("server"));
    EXPECT_EQ(p->next_line(), "ready");
    EXPECT_EQ(p->wait_for(20ms), std::nullopt);
    EXPECT_FALSE(p->finished());
    p->kill();
    EXPECT_EQ(p->wait(), Outcome::signalled(SIGKILL));
    EXPECT_EQ(p->result().status, ExitStatus::signalled(SIGKILL));
    EXPECT_FALSE(p->result().timed_out);
    EXPECT_EQ(p->result().stdout_text(), "ready\n");
    EXPECT_EQ(p->next_line(), std::nullopt);
}

TEST(ScriptedStart, NeverFinishingEndsOnTerminate) {
    ScriptedRunner runner;
    runner.on("server", {}, Reply::never_finishing());
    auto p = runner.start(Command("server"));
    p->terminate();
    EXPECT_EQ(p->wait(), Outcome::signalled(SIGTERM));
}

TEST(ScriptedStart, NeverFinishingEndsOnTheCommandsTimeout) {
    ScriptedRunner runner;
    runner.on("server", {}, Reply::never_finishing().then_stdout("ready\n"));
    auto p = runner.start(Command("server").timeout(30ms));
    EXPECT_EQ(p->next_line(), "ready");
    EXPECT_EQ(p->wait(), Outcome::timed_out());
    EXPECT_TRUE(p->result().timed_out);
    EXPECT_EQ(p->result().status, ExitStatus::signalled(SIGTERM));
    EXPECT_GE(p->result().duration, 30ms);
}

TEST(ScriptedStart, WaitingForeverIsAnError) {
    ScriptedRunner runner;
    runner.on("server", {}, Reply::never_finishing());
    auto p = runner.start(Command("server"));
    try {
        p->wait();
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_NE(e.message().find("server"), std::string::npos) << e.message();
    }
}

TEST(ScriptedStart, EventsOfBothStreamsInOrder) {
    ScriptedRunner runner;
    runner.on("tool", {},
              Reply::success()
                  .then_stdout("out1\n")
                  .then_stderr("err1\n", 1ms)
                  .then_stdout("out2\n", 1ms));
    StartOptions o;
    o.event_reader = true;
    auto p = runner.start(Command("tool"), o);
    using driver::OutputEvent;
    EXPECT_EQ(p->next_event(), (OutputEvent{Stream::Stdout, "out1"}));
    EXPECT_EQ(p->next_event(), (OutputEvent{Stream::Stderr, "err1"}));
    EXPECT_EQ(p->next_event(), (OutputEvent{Stream::Stdout, "out2"}));
    EXPECT_EQ(p->next_event(), std::nullopt);
    auto plain = runner.start(Command("tool"));
    EXPECT_THROW(plain->next_event(), Error);
}

// The same Command through a real printf and through a script printing the
// same bytes must give the same result and the same lines.
struct Observed {
    ProcessResult result;
    std::vector<std::string> handler_lines;
    std::vector<std::string> reader_lines;
};

Observed observe(Runner& runner, Command command) {
    Observed o;
    command.on_stdout_line([&](std::string_view l) { o.handler_lines.emplace_back(l); });
    o.result = runner.output_string(command);
    auto p = runner.start(command.on_stdout_line({}));
    while (auto line = p->next_line()) {
        o.reader_lines.push_back(*line);
    }
    EXPECT_EQ(p->result().stdout_bytes, o.result.stdout_bytes);
    return o;
}

/// Returns the real child's result, for checks that the case is what it claims.
ProcessResult expect_same_as_real_child(const std::string& printf_format, const std::string& bytes,
                                        const std::function<void(Command&)>& configure) {
    SCOPED_TRACE(printf_format);
    Command real("printf");
    real.arg(printf_format);
    configure(real);
    SystemRunner system;
    const auto expected = observe(system, real);
    EXPECT_EQ(expected.result.outcome, Outcome::exited(0)) << expected.result.stderr_text();

    ScriptedRunner scripted;
    scripted.on("printf", {printf_format}, Reply::success(bytes));
    const auto got = observe(scripted, real);

    EXPECT_EQ(got.result.outcome, expected.result.outcome);
    EXPECT_EQ(got.result.status, expected.result.status);
    EXPECT_EQ(got.result.stdout_bytes, expected.result.stdout_bytes);
    EXPECT_EQ(got.result.stdout_text(), expected.result.stdout_text());
    EXPECT_EQ(got.result.stdout_counters, expected.result.stdout_counters);
    EXPECT_EQ(got.result.truncated(), expected.result.truncated());
    EXPECT_EQ(got.result.success(), expected.result.success());
    EXPECT_EQ(got.result.error.has_value(), expected.result.error.has_value());
    if (got.result.error && expected.result.error) {
        EXPECT_EQ(got.result.error->kind(), expected.result.error->kind());
    }
    EXPECT_EQ(got.handler_lines, expected.handler_lines);
    EXPECT_EQ(got.reader_lines, expected.reader_lines);
    return expected.result;
}

TEST(ScriptedVersusRealChild, InvalidUtf8BecomesReplacementCharacters) {
    const auto real = expect_same_as_real_child("ok \\377 bad\\n\\303\\n\\342\\202",
                                                "ok \xff bad\n\xc3\n\xe2\x82", [](Command&) {});
    EXPECT_EQ(real.stdout_text(), "ok \uFFFD bad\n\uFFFD\n\uFFFD");
}

TEST(ScriptedVersusRealChild, Latin1Encoding) {
    const auto real = expect_same_as_real_child("caf\\351\\n", "caf\xe9\n",
                                                [](Command& c) { c.encoding(Encoding::Latin1); });
    EXPECT_EQ(real.stdout_text(), "caf\u00e9\n");
}

TEST(ScriptedVersusRealChild, KeepNewestLinesTruncates) {
    const auto real =
        expect_same_as_real_child("1\\n2\\n3\\n4\\n5\\n", "1\n2\n3\n4\n5\n", [](Command& c) {
            c.stdout_policy(BufferPolicy::keep_newest_lines(2));
        });
    EXPECT_TRUE(real.truncated());
    EXPECT_EQ(real.stdout_bytes, "4\n5\n");
}

TEST(ScriptedVersusRealChild, KeepOldestBytesTruncates) {
    const auto real =
        expect_same_as_real_child("abcdef\\nghijkl\\n", "abcdef\nghijkl\n", [](Command& c) {
            c.stdout_policy(BufferPolicy::keep_oldest_bytes(9));
        });
    EXPECT_TRUE(real.truncated());
}

TEST(ScriptedVersusRealChild, FailPolicyOverflows) {
    const auto real = expect_same_as_real_child("a\\nb\\nc\\n", "a\nb\nc\n", [](Command& c) {
        c.stdout_policy(BufferPolicy::fail_past_lines(2));
    });
    ASSERT_TRUE(real.error);
    EXPECT_EQ(real.error->kind(), ErrorKind::OutputTooLarge);
}

TEST(ScriptedVersusRealChild, LongLinesAreCut) {
    const auto real = expect_same_as_real_child("0123456789abc\\nxy\\n", "0123456789abc\nxy\n",
                                                [](Command& c) { c.max_line_bytes(5); });
    EXPECT_GT(real.stdout_counters.total_lines, 2u);
}

TEST(ScriptedVersusRealChild, TimeoutAndSignalShapes) {
    SystemRunner system;
    ScriptedRunner scripted;
    scripted
        .on("sh", {"-c", "echo started; exec sleep 5"},
            Reply::never_finishing().then_stdout("started\n"))
        .on("sh", {"-c", "echo partial; kill -SEGV $$"}, Reply::signalled(SIGSEGV, "partial\n"));
    for (const auto& c : {Command("sh").args({"-c", "echo started; exec sleep 5"}).timeout(100ms),
                          Command("sh").args({"-c", "echo partial; kill -SEGV $$"})}) {
        SCOPED_TRACE(c.command_line());
        const auto real = system.output_string(c);
        const auto fake = scripted.output_string(c);
        EXPECT_EQ(fake.outcome, real.outcome);
        EXPECT_EQ(fake.status, real.status);
        EXPECT_EQ(fake.timed_out, real.timed_out);
        EXPECT_EQ(fake.stdout_bytes, real.stdout_bytes);
        ASSERT_TRUE(real.failure());
        ASSERT_TRUE(fake.failure());
        EXPECT_EQ(fake.failure()->kind(), real.failure()->kind());
        EXPECT_EQ(fake.failure()->signal_number(), real.failure()->signal_number());
    }
}

} // namespace
} // namespace processkit
