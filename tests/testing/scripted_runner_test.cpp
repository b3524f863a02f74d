// ScriptedRunner through every run-to-end verb: each kind of reply, rule
// matching, and the same output machinery as a real child.
#include "processkit/testing/scripted_runner.hpp"

#include <atomic>
#include <csignal>
#include <gtest/gtest.h>
#include <thread>

namespace processkit {
namespace {

using namespace std::chrono_literals;

ErrorKind kind_thrown(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no Error thrown";
    return ErrorKind::Io;
}

TEST(ScriptedRunner, SuccessThroughEveryVerb) {
    ScriptedRunner runner;
    runner.on("git", {"rev-parse", "HEAD"}, Reply::success("abc123\n\n", "note\n"));
    const Command c = Command("git").args({"rev-parse", "HEAD"});

    const auto r = runner.output_string(c);
    EXPECT_EQ(r.outcome, Outcome::exited(0));
    EXPECT_EQ(r.status, ExitStatus::exited(0));
    EXPECT_EQ(r.program, "git");
    EXPECT_EQ(r.stdout_text(), "abc123\n\n");
    EXPECT_EQ(r.stderr_text(), "note\n");
    EXPECT_EQ(r.stdout_counters.total_lines, 2u);
    EXPECT_TRUE(r.success());
    EXPECT_EQ(runner.output_bytes(c).stdout_bytes, "abc123\n\n");
    EXPECT_EQ(runner.run(c), "abc123");
    EXPECT_EQ(runner.exit_code(c), 0);
    EXPECT_TRUE(runner.probe(c));
    EXPECT_EQ(runner.calls(), 5u);
}

TEST(ScriptedRunner, FailureThroughEveryVerb) {
    ScriptedRunner runner;
    runner.on_prefix("make", {}, Reply::failure(1, "", "make: *** no rule\n"))
        .on_prefix("grep", {}, Reply::failure(2, "", "grep: bad regex\n"));
    const Command make("make");

    const auto r = runner.output_string(make);
    EXPECT_EQ(r.outcome, Outcome::exited(1));
    EXPECT_FALSE(r.success());
    try {
        runner.run(make);
        FAIL() << "run() accepted exit 1";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::NonZeroExit);
        EXPECT_EQ(e.exit_code(), 1);
        EXPECT_NE(e.message().find("no rule"), std::string::npos) << e.message();
    }
    EXPECT_EQ(runner.exit_code(make), 1);
    EXPECT_FALSE(runner.probe(make));
    EXPECT_EQ(kind_thrown([&] { runner.probe(Command("grep")); }), ErrorKind::NonZeroExit);
    EXPECT_EQ(runner.run(Command("make").ok_codes({0, 1})), "");
}

TEST(ScriptedRunner, SignalledThroughEveryVerb) {
    ScriptedRunner runner;
    runner.on("crash", {}, Reply::signalled(SIGSEGV, "partial\n"));
    const Command c("crash");

    const auto r = runner.output_string(c);
    EXPECT_EQ(r.outcome, Outcome::signalled(SIGSEGV));
    EXPECT_EQ(r.status, ExitStatus::signalled(SIGSEGV));
    EXPECT_EQ(r.stdout_text(), "partial\n");
    EXPECT_EQ(kind_thrown([&] { runner.run(c); }), ErrorKind::Signalled);
    EXPECT_EQ(kind_thrown([&] { runner.exit_code(c); }), ErrorKind::Signalled);
    EXPECT_EQ(kind_thrown([&] { runner.probe(c); }), ErrorKind::Signalled);
}

TEST(ScriptedRunner, TimeoutTakesTheCommandsTimeoutWithoutWaitingForIt) {
    ScriptedRunner runner;
    runner.on("slow", {}, Reply::timeout("started\n"));
    const auto c = Command("slow").timeout(1h);

    const auto before = Clock::now();
    const auto r = runner.output_string(c);
    EXPECT_LT(Clock::now() - before, 1h); // the hour is virtual
    EXPECT_EQ(r.outcome, Outcome::timed_out());
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.status, ExitStatus::signalled(SIGTERM)); // the timeout signal
    EXPECT_EQ(r.duration, 1h);
    EXPECT_EQ(r.stdout_text(), "started\n");
    EXPECT_EQ(kind_thrown([&] { runner.run(c); }), ErrorKind::Timeout);
    EXPECT_EQ(kind_thrown([&] { runner.exit_code(c); }), ErrorKind::Timeout);
    EXPECT_EQ(kind_thrown([&] { runner.probe(c); }), ErrorKind::Timeout);

    // A zero grace kills at once, as for a real child.
    EXPECT_EQ(runner.output_string(Command("slow").timeout(5s).grace(0s)).status,
              ExitStatus::signalled(SIGKILL));
}

TEST(ScriptedRunner, TimeoutReplyNeedsACommandTimeout) {
    ScriptedRunner runner;
    runner.on("slow", {}, Reply::timeout());
    try {
        runner.output_string(Command("slow"));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_NE(e.message().find("slow"), std::string::npos) << e.message();
        EXPECT_NE(e.message().find("timeout"), std::string::npos) << e.message();
    }
}

TEST(ScriptedRunner, NeverFinishingEndsAtTheCommandsTimeout) {
    ScriptedRunner runner;
    runner.on("server", {}, Reply::never_finishing().then_stdout("listening\n"));
    const auto r = runner.output_string(Command("server").timeout(30ms));
    EXPECT_EQ(r.outcome, Outcome::timed_out());
    EXPECT_GE(r.duration, 30ms);
    EXPECT_EQ(r.stdout_text(), "listening\n");
    // Without a timeout nothing would end it: a clear error, not a hang.
    EXPECT_EQ(kind_thrown([&] { runner.output_string(Command("server")); }),
              ErrorKind::InvalidArgument);
}

TEST(ScriptedRunner, TakingReportsAVirtualDuration) {
    ScriptedRunner runner;
    runner.on("build", {}, Reply::success("done\n").taking(10min));
    EXPECT_EQ(runner.output_string(Command("build")).duration, 10min);
    // A timeout on the way fires as it would for a real child.
    const auto r = runner.output_string(Command("build").timeout(1min));
    EXPECT_EQ(r.outcome, Outcome::timed_out());
    EXPECT_EQ(r.duration, 1min);
}

TEST(ScriptedRunner, LinesWithDelaysReachTheLineHandler) {
    ScriptedRunner runner;
    runner.on("tail", {}, Reply::lines({"one", "two", "three"}, 5ms, 0));
    std::vector<std::string> seen;
    const auto r = runner.output_string(
        Command("tail").on_stdout_line([&](std::string_view l) { seen.emplace_back(l); }));
    EXPECT_EQ(seen, (std::vector<std::string>{"one", "two", "three"}));
    EXPECT_EQ(r.stdout_text(), "one\ntwo\nthree\n");
    EXPECT_GE(r.duration, 10ms);
}

TEST(ScriptedRunner, OutputDueAfterTheTimeoutNeverComes) {
    ScriptedRunner runner;
    runner.on("slow", {}, Reply::lines({"early", "late"}, 300ms));
    const auto r = runner.output_string(Command("slow").timeout(30ms));
    EXPECT_EQ(r.outcome, Outcome::timed_out());
    EXPECT_EQ(r.stdout_text(), "early\n");
}

TEST(ScriptedRunner, SpawnFailureIsInTheResult) {
    ScriptedRunner runner;
    runner.on("missing", {}, Reply::spawn_failure(ErrorKind::NotFound));
    const auto r = runner.output_string(Command("missing"));
    EXPECT_EQ(r.outcome, Outcome::spawn_failed());
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind(), ErrorKind::NotFound);
    EXPECT_EQ(kind_thrown([&] { runner.run(Command("missing")); }), ErrorKind::NotFound);
    EXPECT_THROW(runner.start(Command("missing")), Error);
}

TEST(ScriptedRunner, FirstMatchingRuleWins) {
    ScriptedRunner runner;
    runner.on("git", {"status"}, Reply::success("exact\n"))
        .on_prefix("git", {"status"}, Reply::success("prefix\n"))
        .on_match([](const Command& c) { return c.arguments().size() == 3; },
                  Reply::success("predicate\n"))
        .on_prefix("git", {}, Reply::success("any git\n"));
    EXPECT_EQ(runner.run(Command("git").arg("status")), "exact");
    EXPECT_EQ(runner.run(Command("git").args({"status", "-s"})), "prefix");
    EXPECT_EQ(runner.run(Command("git").args({"log", "-n", "1"})), "predicate");
    EXPECT_EQ(runner.run(Command("git").arg("log")), "any git");
    EXPECT_EQ(runner.run(Command("ls").args({"a", "b", "c"})), "predicate");
}

TEST(ScriptedRunner, UnmatchedInvocationIsAnErrorNamingTheProgram) {
    ScriptedRunner runner;
    runner.on("git", {"status"}, Reply::success());
    for (const auto& c : {Command("hg").arg("status"), Command("git").arg("log")}) {
        try {
            runner.output_string(c);
            FAIL() << "no error for " << c.program();
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
            EXPECT_EQ(e.program(), c.program());
            EXPECT_NE(e.message().find(c.program()), std::string::npos) << e.message();
            EXPECT_NE(e.message().find("no reply"), std::string::npos) << e.message();
        }
    }
    EXPECT_THROW(runner.start(Command("hg")), Error);
    EXPECT_EQ(runner.calls(), 0u);
}

TEST(ScriptedRunner, InvalidCommandFailsAsForARealChild) {
    ScriptedRunner runner;
    runner.on_match([](const Command&) { return true; }, Reply::success("x\n"));
    const auto r = runner.output_string(Command("tool").arg(std::string("a\0b", 3)));
    EXPECT_EQ(r.outcome, Outcome::spawn_failed());
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind(), ErrorKind::InvalidArgument);
}

TEST(ScriptedRunner, ConcurrentCallsAreIndependent) {
    ScriptedRunner runner;
    runner.on_prefix("echo", {}, Reply::lines({"a", "b"}, 1ms));
    std::vector<std::thread> threads;
    std::atomic<int> ok{0};
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 10; ++i) {
                ok += runner.run(Command("echo")) == "a\nb" ? 1 : 0;
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(ok, 40);
    EXPECT_EQ(runner.calls(), 40u);
}

} // namespace
} // namespace processkit
