// The blocking API on Windows: the shared run driver over the completion-port
// reactor, with real children under Wine.
#include "processkit/blocking/api.hpp"
#include "processkit/blocking/cancel_token.hpp"
#include "processkit/blocking/running_process.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <thread>

namespace processkit {
namespace {

using test::child;

TEST(WindowsBlocking, CapturesBothLargeStreamsAtOnce) {
    const ProcessResult r = output_string(child({"write", "4000000", "both"}));
    EXPECT_EQ(r.outcome.kind, Outcome::Kind::Exited);
    EXPECT_EQ(r.status, ExitStatus::exited(0));
    EXPECT_EQ(r.stdout_text().size(), 4000000U);
    EXPECT_EQ(r.stderr_text().size(), 4000000U);
    EXPECT_EQ(r.stdout_counters.total_bytes, 4000000U);
    EXPECT_FALSE(r.output_incomplete);
}

TEST(WindowsBlocking, StdinLargerThanThePipeArrivesWhole) {
    std::string input;
    for (int i = 0; i < 100000; ++i) {
        input += "stdin line " + std::to_string(i) + "\n";
    }
    auto c = child({"cat"});
    c.stdin_bytes(input);
    const ProcessResult r = output_string(c);
    EXPECT_EQ(r.status, ExitStatus::exited(0));
    EXPECT_EQ(r.stdout_text().size(), input.size());
    EXPECT_TRUE(r.stdout_text() == input);
}

TEST(WindowsBlocking, LinesReachTheHandlersInOrder) {
    std::vector<std::string> out;
    std::vector<std::string> err;
    auto c = child({"lines", "500"});
    c.on_stdout_line([&](std::string_view l) { out.emplace_back(l); });
    c.on_stderr_line([&](std::string_view l) { err.emplace_back(l); });
    const ProcessResult r = output_string(c);
    EXPECT_EQ(r.status, ExitStatus::exited(0));
    ASSERT_EQ(out.size(), 500U);
    ASSERT_EQ(err.size(), 500U);
    for (std::size_t i = 0; i < out.size(); ++i) {
        EXPECT_EQ(out[i], "line " + std::to_string(i));
        EXPECT_EQ(err[i], "err " + std::to_string(i));
    }
    EXPECT_EQ(r.stdout_counters.total_lines, 500U);
}

TEST(WindowsBlocking, InteractiveStdinThroughARunningProcess) {
    auto c = child({"cat"});
    c.stdin_interactive();
    RunningProcess p = start(c);
    p.write_line("first");
    p.write("second\nthird");
    p.close_stdin();
    EXPECT_EQ(p.wait().kind, Outcome::Kind::Exited);
    EXPECT_EQ(p.result().stdout_text(), "first\nsecond\nthird");
}

TEST(WindowsBlocking, TimeoutStopsTheTree) {
    auto c = child({"grandchild", "600000"});
    c.timeout(std::chrono::milliseconds(300)).grace(std::chrono::milliseconds(200));
    const ProcessResult r = output_string(c);
    EXPECT_EQ(r.outcome.kind, Outcome::Kind::TimedOut);
    EXPECT_TRUE(r.timed_out);
    const std::string line = r.stdout_text();
    ASSERT_EQ(line.rfind("grandchild ", 0), 0U) << line;
    EXPECT_TRUE(test::ended(std::stoi(line.substr(11)), 5000)) << "the grandchild outlived the run";
}

TEST(WindowsBlocking, AGrandchildHoldingThePipeDoesNotHangTheRun) {
    auto c = child({"leave-grandchild", "600000"});
    c.drain_timeout(std::chrono::milliseconds(300));
    const ProcessResult r = output_string(c);
    EXPECT_EQ(r.status, ExitStatus::exited(0));
    EXPECT_TRUE(r.output_incomplete) << "the pipe was still open when the drain ended";
    const std::string line = r.stdout_text();
    ASSERT_EQ(line.rfind("grandchild ", 0), 0U) << line;
    EXPECT_TRUE(test::ended(std::stoi(line.substr(11)), 5000)) << "the run's job outlived it";
}

TEST(WindowsBlocking, ExitCodesAndTypedErrors) {
    EXPECT_EQ(exit_code(child({"exit", "3"})), 3);
    EXPECT_TRUE(probe(child({"exit", "0"})));
    EXPECT_FALSE(probe(child({"exit", "1"})));
    try {
        run(child({"exit", "4"}));
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::NonZeroExit);
        EXPECT_EQ(e.exit_code(), 4);
    }
    try {
        run(Command("pk-no-such-program"));
        ADD_FAILURE();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    }
    EXPECT_EQ(run(child({"env", "PK_BLOCKING"}).env("PK_BLOCKING", "yes")), "yes");
}

TEST(WindowsBlocking, FirstLineStopsTheRunOnceItMatches) {
    const auto line =
        first_line(child({"lines", "100000"}), [](std::string_view l) { return l == "line 5"; });
    EXPECT_EQ(line, std::optional<std::string>("line 5"));
}

TEST(WindowsBlocking, CancelFromAnotherThread) {
    CancelToken token;
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        token.cancel();
    });
    const ProcessResult r = output_string(child({"sleep", "600000"}), token, CancelStop::Kill);
    canceller.join();
    EXPECT_EQ(r.outcome.kind, Outcome::Kind::Cancelled);
}

TEST(WindowsBlocking, ManyRunsThroughOneReactor) {
    std::vector<Command> commands;
    for (int i = 0; i < 24; ++i) {
        commands.push_back(child({"exit", std::to_string(i)}));
    }
    const auto results = output_all(commands, 8);
    ASSERT_EQ(results.size(), commands.size());
    for (std::size_t i = 0; i < results.size(); ++i) {
        EXPECT_EQ(results[i].status, ExitStatus::exited(static_cast<int>(i)));
    }
}

TEST(WindowsBlocking, WaitAnyReturnsTheFirstToFinish) {
    RunningProcess slow = start(child({"sleep", "600000"}));
    RunningProcess fast = start(child({"exit", "0"}));
    EXPECT_EQ(wait_any({&slow, &fast}), 1U);
    slow.kill();
    // Windows records no "killed" state: a terminated process exited with
    // the code processkit gave it (docs/platform-support.md).
    EXPECT_EQ(slow.wait().kind, Outcome::Kind::Exited);
    EXPECT_EQ(slow.result().status, ExitStatus::exited(static_cast<int>(os::killed_exit_code)));
}

} // namespace
} // namespace processkit
