// The blocking verbs with real processes. Each test ends with a leak check.
#include "marked_test.hpp"
#include "processkit/processkit.hpp"
#include "test_support.hpp"

#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

namespace processkit {
namespace {

using namespace std::chrono_literals;

class Api : public testing::MarkedTest {};

TEST_F(Api, OutputStringCapturesBothStreams) {
    const auto r = output_string(sh("echo out; echo err >&2; exit 0"));
    EXPECT_EQ(r.stdout_text(), "out\n");
    EXPECT_EQ(r.stderr_text(), "err\n");
    EXPECT_EQ(r.exit_code(), 0);
    EXPECT_TRUE(r.success());
    EXPECT_GT(r.duration, Duration::zero());
}

TEST_F(Api, NonZeroExitIsReportedNotThrown) {
    const auto r = output_string(sh("echo oops >&2; exit 3"));
    EXPECT_EQ(r.outcome, Outcome::exited(3));
    try {
        r.ensure_success();
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::NonZeroExit);
        EXPECT_EQ(e.exit_code(), 3);
        EXPECT_NE(std::string(e.what()).find("oops"), std::string::npos) << e.what();
    }
}

TEST_F(Api, RunTrimsAndThrows) {
    EXPECT_EQ(run(sh("printf 'hello\\n\\n'")), "hello");
    EXPECT_THROW(run(sh("exit 1")), Error);
    EXPECT_EQ(run(sh("echo fine; exit 4").ok_codes({0, 4})), "fine");
}

TEST_F(Api, ExitCodeAndProbe) {
    EXPECT_EQ(exit_code(sh("exit 7")), 7);
    EXPECT_TRUE(probe(sh("exit 0")));
    EXPECT_FALSE(probe(sh("exit 1")));
    EXPECT_THROW(probe(sh("exit 2")), Error);
    EXPECT_THROW(exit_code(sh("kill -9 $$")), Error);
}

TEST_F(Api, FirstLineStopsTheTree) {
    const auto line = first_line(sh("i=0; while :; do i=$((i+1)); echo line$i; done"),
                                 [](std::string_view l) { return l == "line5"; });
    EXPECT_EQ(line, "line5");
    EXPECT_EQ(first_line(sh("echo a; echo b"), [](std::string_view l) { return l == "z"; }),
              std::nullopt);
}

TEST_F(Api, TimeoutWithGraceKillsATermIgnoringTree) {
    const auto r = output_string(
        sh("trap '' TERM; echo started; sleep 30 & wait").timeout(200ms).grace(200ms));
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.outcome, Outcome::timed_out());
    EXPECT_EQ(r.stdout_text(), "started\n");
    EXPECT_EQ(r.failure()->kind(), ErrorKind::Timeout);
}

TEST_F(Api, TermTrappingChildEndsWithinTheGrace) {
    const auto r =
        output_string(sh("trap 'echo bye; exit 0' TERM; echo up; while :; do sleep 0.05; done")
                          .timeout(200ms)
                          .grace(10s));
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.stdout_text(), "up\nbye\n");
    EXPECT_LT(r.duration, 10s) << "the grace ended when the child did";
}

TEST_F(Api, WhatTheChildLeavesAfterATimeoutGetsOnlyTheRestOfTheGrace) {
    // The direct child dies of TERM; a grandchild ignoring TERM holds stdout.
    // It is killed when the grace ends (C6), so the run does not wait for
    // the drain bound and reads the output to its end.
    const auto r = output_string(sh("(trap '' TERM; echo grandchild; exec sleep 30) & "
                                    "sleep 0.1; exec sleep 30")
                                     .timeout(200ms)
                                     .grace(200ms)
                                     .drain_timeout(30s));
    EXPECT_TRUE(r.timed_out);
    EXPECT_EQ(r.stdout_text(), "grandchild\n");
    EXPECT_FALSE(r.output_incomplete) << "the run waited for the drain bound";
}

TEST_F(Api, GrandchildHoldingThePipeDoesNotHangTheRun) {
    const auto r = output_string(sh("sleep 30 & echo parent done").drain_timeout(300ms));
    EXPECT_EQ(r.exit_code(), 0);
    EXPECT_EQ(r.stdout_text(), "parent done\n");
    EXPECT_TRUE(r.output_incomplete);
}

TEST_F(Api, BothStreamsAreReadConcurrently) {
    // 3 MB on stderr before anything on stdout: reading one stream at a
    // time would fill the stderr pipe and deadlock.
    const auto r = output_bytes(sh("head -c 3000000 /dev/zero >&2; head -c 3000000 /dev/zero"));
    EXPECT_EQ(r.stdout_bytes.size(), 3000000u);
    EXPECT_EQ(r.stderr_bytes.size(), 3000000u);
}

TEST_F(Api, InvalidUtf8BecomesReplacementCharactersButBytesStayExact) {
    const auto r = output_bytes(sh("printf 'a\\377b\\n'"));
    EXPECT_EQ(r.stdout_bytes, "a\xff"
                              "b\n");
    EXPECT_EQ(r.stdout_text(), "a\xEF\xBF\xBD"
                               "b\n");
}

TEST_F(Api, BoundedPolicyTruncatesAndStillDrains) {
    const auto r =
        output_string(sh("seq 100000").stdout_policy(BufferPolicy::keep_newest_lines(3)));
    EXPECT_EQ(r.stdout_text(), "99998\n99999\n100000\n");
    EXPECT_TRUE(r.truncated());
    EXPECT_EQ(r.stdout_counters.total_lines, 100000u);
    EXPECT_EQ(r.stdout_counters.dropped_lines, 99997u);
    EXPECT_EQ(r.exit_code(), 0) << "seq was drained to the end, not killed by SIGPIPE";
}

TEST_F(Api, FailLoudPolicyReportsOutputTooLarge) {
    const auto r =
        output_string(sh("seq 100000").stdout_policy(BufferPolicy::fail_past_bytes(100)));
    EXPECT_EQ(r.exit_code(), 0);
    ASSERT_TRUE(r.error);
    EXPECT_EQ(r.error->kind(), ErrorKind::OutputTooLarge);
    EXPECT_THROW(r.ensure_success(), Error);
    EXPECT_EQ(r.stdout_bytes.size(), 100u);
}

TEST_F(Api, ChildClosingStdoutEarlyAndRunningOn) {
    const auto r = output_string(sh("echo early; exec >&-; sleep 0.3; exit 3"));
    EXPECT_EQ(r.stdout_text(), "early\n");
    EXPECT_EQ(r.exit_code(), 3);
    EXPECT_FALSE(r.output_incomplete);
}

TEST_F(Api, ChildThatNeverReadsItsStdin) {
    const auto r = output_string(sh("sleep 0.2; exit 0").stdin_bytes(std::string(8 << 20, 'x')));
    EXPECT_EQ(r.exit_code(), 0);
    EXPECT_TRUE(r.stdin_broken);
}

TEST_F(Api, LargeStdinArrivesWholeAndTheCallersCommandKeepsIt) {
    // Larger than any pipe, not one repeated byte: an offset error shows.
    std::string payload;
    for (std::size_t i = 0; payload.size() < (3u << 20); ++i) {
        payload += std::to_string(i);
        payload += '\n';
    }
    Command c = pktest::mark(Command("cat"), marker);
    c.stdin_bytes(payload);
    EXPECT_EQ(output_string(c).stdout_text(), payload);
    EXPECT_EQ(c.stdin_source().data, payload) << "the driver takes from its own copy only";
    EXPECT_EQ(output_string(c).stdout_text(), payload) << "so the command runs again the same";
}

TEST_F(Api, StdinSources) {
    EXPECT_EQ(run(pktest::mark(Command("cat").stdin_bytes("bytes in"), marker)), "bytes in");
    EXPECT_EQ(
        output_string(pktest::mark(Command("cat").stdin_lines({"a", "b"}), marker)).stdout_text(),
        "a\nb\n");
    EXPECT_EQ(output_string(pktest::mark(Command("cat"), marker)).stdout_text(), "")
        << "empty by default";
    const std::string path = "/tmp/" + marker + ".in";
    std::ofstream(path) << "from a file\n";
    EXPECT_EQ(run(pktest::mark(Command("cat").stdin_file(path), marker)), "from a file");
    ::unlink(path.c_str());
}

TEST_F(Api, StdioModes) {
    const auto r = output_string(sh("echo out; echo err >&2").stdout_mode(StdioMode::Discard));
    EXPECT_EQ(r.stdout_bytes, "");
    EXPECT_EQ(r.stderr_text(), "err\n");
    std::string teed;
    const auto t = output_string(sh("echo tee").stdout_tee([&](std::string_view b) { teed += b; }));
    EXPECT_EQ(teed, "tee\n");
    EXPECT_EQ(t.stdout_text(), "tee\n");
}

TEST_F(Api, LineHandlersInOrderAndAThrowingOneIsDisabled) {
    std::vector<std::string> out;
    std::vector<std::string> err;
    const auto r =
        output_string(sh("echo 1; echo e1 >&2; echo 2; echo 3")
                          .on_stdout_line([&](std::string_view l) {
                              out.emplace_back(l);
                              if (l == "2") {
                                  throw std::runtime_error("handler bug");
                              }
                          })
                          .on_stderr_line([&](std::string_view l) { err.emplace_back(l); }));
    EXPECT_EQ(out, (std::vector<std::string>{"1", "2"})) << "disabled after it threw";
    EXPECT_EQ(err, (std::vector<std::string>{"e1"}));
    EXPECT_EQ(r.stdout_text(), "1\n2\n3\n") << "capture went on";
}

TEST_F(Api, BadProgramsGiveTypedErrorsAndLoseNothing) {
    auto kind_of = [](const ProcessResult& r) { return r.error ? r.error->kind() : ErrorKind::Io; };
    EXPECT_EQ(kind_of(output_string(Command("processkit-no-such-program"))), ErrorKind::NotFound);
    EXPECT_EQ(kind_of(output_string(Command("/tmp"))), ErrorKind::PermissionDenied);
    const std::string plain = "/tmp/" + marker + ".txt";
    std::ofstream(plain) << "not a program\n";
    ::chmod(plain.c_str(), 0644);
    EXPECT_EQ(kind_of(output_string(Command(plain))), ErrorKind::PermissionDenied);
    ::unlink(plain.c_str());
    const auto cwd = output_string(Command("true").cwd("/no/such/dir"));
    ASSERT_TRUE(cwd.error);
    EXPECT_NE(std::string(cwd.error->what()).find("/no/such/dir"), std::string::npos);
    EXPECT_EQ(kind_of(output_string(Command("echo").arg(std::string("a\0b", 3)))),
              ErrorKind::InvalidArgument);
    EXPECT_THROW(start(Command("processkit-no-such-program")), Error);
    EXPECT_THROW(run(Command("processkit-no-such-program")), Error);
}

TEST_F(Api, SharedGroupTimeoutReachesTheDirectChildOnly) {
    ProcessGroup group(pktest::test_group_options());
    const auto r = output_string(
        group,
        sh("sleep 30 & echo $!; exec sleep 30").timeout(100ms).grace(0ms).drain_timeout(100ms));
    EXPECT_TRUE(r.timed_out);
    // The grandchild belongs to the group's owner: it is still alive...
    EXPECT_TRUE(pktest::process_with_marker_within(marker, 2000));
    group.kill_all(); // ...until the group goes
}

TEST_F(Api, OutputAllKeepsInputOrder) {
    std::vector<Command> commands;
    for (int i = 0; i < 10; ++i) {
        commands.push_back(sh("sleep 0.0" + std::to_string(9 - i) + "; echo " + std::to_string(i)));
    }
    const auto results = output_all(commands, 4);
    ASSERT_EQ(results.size(), 10u);
    for (int i = 0; i < 10; ++i) {
        EXPECT_EQ(results[static_cast<std::size_t>(i)].stdout_text(), std::to_string(i) + "\n");
    }
}

TEST_F(Api, OutputAllReadsEarlyRunsWhileLaterOnesStart) {
    // The first command writes more than a pipe holds (1 MiB), so it can only
    // finish once its output is read; each later one reports, as it starts,
    // whether the first has finished. Starting every command before reading
    // anything would have the last one report "not yet".
    const auto dir = std::filesystem::temp_directory_path() / ("pk-early-" + marker);
    std::filesystem::create_directories(dir);
    const std::string done = (dir / "first-done").string();
    std::vector<Command> commands;
    commands.push_back(sh("head -c 3000000 /dev/zero; : > '" + done + "'"));
    for (int i = 0; i < 150; ++i) {
        commands.push_back(sh("test -e '" + done + "' && echo seen || echo not-yet"));
    }
    const auto results = output_all(commands);
    std::filesystem::remove_all(dir);
    ASSERT_EQ(results.size(), commands.size());
    EXPECT_EQ(results[0].stdout_bytes.size(), 3000000u);
    EXPECT_EQ(results.back().stdout_text(), "seen\n")
        << "the first run's output was not read until every command had started";
}

TEST_F(Api, OutputAllInAGroupRunsEveryCommandInIt) {
    ProcessGroup group(pktest::test_group_options());
    std::vector<Command> commands;
    for (int i = 0; i < 4; ++i) {
        // Each leaves a process behind with its output closed (nothing to drain).
        commands.push_back(sh("sleep 30 >/dev/null 2>&1 & echo " + std::to_string(i)));
    }
    const auto results = output_all(group, commands, 2);
    ASSERT_EQ(results.size(), 4u);
    for (int i = 0; i < 4; ++i) {
        const auto& r = results[static_cast<std::size_t>(i)];
        EXPECT_EQ(r.stdout_text(), std::to_string(i) + "\n");
        EXPECT_TRUE(r.success()) << r.outcome.to_string();
    }
    // A private group per run would have killed each leftover with its run;
    // in the shared group they live until the group is killed.
    EXPECT_FALSE(group.empty()) << "the leftovers are the group's";
    EXPECT_TRUE(pktest::process_with_marker_within(marker, 2000));
    group.kill_all();
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

} // namespace
} // namespace processkit
