// The free operations' answers and error codes (the blocking verbs' rules as
// codes), timeouts with grace, shared groups, async_output_all's order and
// concurrency limit.
#include "asio_test_support.hpp"

#include <algorithm>
#include <asio/error.hpp>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <vector>

namespace pkat {
namespace {

class Operations : public AsioTest {
protected:
    template <class T>
    Got<T> run_op(const std::function<void(::asio::io_context&,
                                           std::function<void(std::error_code, T)>)>& start) {
        ::asio::io_context io;
        Got<T> g;
        start(io, record(g));
        EXPECT_TRUE(run_until(io, [&] { return g.done; }));
        return g;
    }

    Got<std::string> run(const pk::Command& c) {
        return run_op<std::string>([&](auto& io, auto h) { pka::async_run(io, c, std::move(h)); });
    }
    Got<int> exit_code(const pk::Command& c) {
        return run_op<int>([&](auto& io, auto h) { pka::async_exit_code(io, c, std::move(h)); });
    }
    Got<bool> probe(const pk::Command& c) {
        return run_op<bool>([&](auto& io, auto h) { pka::async_probe(io, c, std::move(h)); });
    }
    Got<pk::ProcessResult> output(const pk::Command& c) {
        return run_op<pk::ProcessResult>(
            [&](auto& io, auto h) { pka::async_output_string(io, c, std::move(h)); });
    }
    Got<std::vector<pk::ProcessResult>> output_all(const std::vector<pk::Command>& cs,
                                                   std::size_t concurrency) {
        return run_op<std::vector<pk::ProcessResult>>(
            [&](auto& io, auto h) { pka::async_output_all(io, cs, concurrency, std::move(h)); });
    }

    static std::vector<std::string> lines_of(const std::string& path) {
        std::ifstream in(path);
        std::vector<std::string> lines;
        for (std::string l; std::getline(in, l);) {
            lines.push_back(l);
        }
        return lines;
    }
};

// --- answers and error codes ------------------------------------------------------

TEST_F(Operations, OutputStringReportsExitsAndSignalsOnlyInTheResult) {
    const auto exited = output(sh("echo oops >&2; exit 3"));
    EXPECT_FALSE(exited.ec);
    EXPECT_EQ(exited.value.outcome, pk::Outcome::exited(3));
    EXPECT_EQ(exited.value.stderr_text(), "oops\n");
    ASSERT_TRUE(exited.value.failure());
    EXPECT_EQ(exited.value.failure()->kind(), pk::ErrorKind::NonZeroExit);
    const auto killed = output(sh("kill -9 $$"));
    EXPECT_FALSE(killed.ec);
    EXPECT_EQ(killed.value.outcome, pk::Outcome::signalled(SIGKILL));
}

TEST_F(Operations, OutputBytesKeepsTheBytesExactly) {
    ::asio::io_context io;
    Got<pk::ProcessResult> g;
    pka::async_output_bytes(io, sh("printf '\\377\\000\\r\\n'; head -c 3000000 /dev/zero"),
                            record(g));
    ASSERT_TRUE(run_until(io, [&] { return g.done; }));
    EXPECT_FALSE(g.ec);
    ASSERT_EQ(g.value.stdout_bytes.size(), 4u + 3000000u);
    EXPECT_EQ(g.value.stdout_bytes.substr(0, 4), std::string("\377\0\r\n", 4));
    EXPECT_EQ(g.value.stdout_counters.total_bytes, 3000004u);
}

TEST_F(Operations, RunTrimsAndReportsNonZeroExit) {
    const auto trimmed = run(sh("printf 'hello \\n\\n'"));
    EXPECT_FALSE(trimmed.ec);
    EXPECT_EQ(trimmed.value, "hello");
    const auto failed = run(sh("echo partial; exit 1"));
    EXPECT_EQ(failed.ec, pk::ErrorKind::NonZeroExit);
    EXPECT_EQ(failed.value, "") << "no answer with an error";
    EXPECT_EQ(pk::error_kind_of(failed.ec), pk::ErrorKind::NonZeroExit);
    EXPECT_FALSE(failed.ec.message().empty());
    const auto accepted = run(sh("echo fine; exit 4").ok_codes({0, 4}));
    EXPECT_FALSE(accepted.ec);
    EXPECT_EQ(accepted.value, "fine");
    EXPECT_EQ(run(sh("kill -TERM $$")).ec, pk::ErrorKind::Signalled);
}

TEST_F(Operations, ExitCodeOfAnyExitButNotOfASignal) {
    EXPECT_EQ(exit_code(sh("exit 0")).value, 0);
    const auto seven = exit_code(sh("exit 7"));
    EXPECT_FALSE(seven.ec);
    EXPECT_EQ(seven.value, 7);
    EXPECT_EQ(exit_code(sh("kill -9 $$")).ec, pk::ErrorKind::Signalled);
}

TEST_F(Operations, ProbeAnswers) {
    const auto yes = probe(sh("exit 0"));
    EXPECT_FALSE(yes.ec);
    EXPECT_TRUE(yes.value);
    const auto no = probe(sh("exit 1"));
    EXPECT_FALSE(no.ec);
    EXPECT_FALSE(no.value);
    EXPECT_EQ(probe(sh("exit 2")).ec, pk::ErrorKind::NonZeroExit);
    EXPECT_EQ(probe(sh("kill -9 $$")).ec, pk::ErrorKind::Signalled);
}

TEST_F(Operations, SpawnFailuresAreCodes) {
    const pk::Command missing("/no/such/program");
    EXPECT_EQ(run(missing).ec, pk::ErrorKind::NotFound);
    EXPECT_EQ(exit_code(missing).ec, pk::ErrorKind::NotFound);
    EXPECT_EQ(probe(missing).ec, pk::ErrorKind::NotFound);
    EXPECT_EQ(run(pk::Command("processkit-no-such-program-on-path")).ec, pk::ErrorKind::NotFound);
    const auto out = output(missing);
    EXPECT_EQ(out.ec, pk::ErrorKind::NotFound);
    ASSERT_TRUE(out.value.error);
    EXPECT_EQ(out.value.error->kind(), pk::ErrorKind::NotFound);
    EXPECT_EQ(out.value.outcome.kind, pk::Outcome::Kind::SpawnFailed);
    EXPECT_EQ(run(pk::Command("/tmp")).ec, pk::ErrorKind::PermissionDenied);
    EXPECT_EQ(run(pk::Command("echo").arg(std::string("a\0b", 3))).ec,
              pk::ErrorKind::InvalidArgument);
    const auto bad_cwd = output(pk::Command("true").cwd("/no/such/dir"));
    EXPECT_TRUE(bad_cwd.ec);
    ASSERT_TRUE(bad_cwd.value.error);
    EXPECT_EQ(bad_cwd.ec, bad_cwd.value.error->kind());
}

TEST_F(Operations, OutputTooLargeIsTheCodeOfOutputString) {
    const auto g = output(
        sh("head -c 100000 /dev/zero").stdout_policy(pk::BufferPolicy::fail_past_bytes(1000)));
    EXPECT_EQ(g.ec, pk::ErrorKind::OutputTooLarge);
    ASSERT_TRUE(g.value.error);
    EXPECT_TRUE(g.value.stdout_counters.overflowed);
}

TEST_F(Operations, StdinBytesAndLineHandlers) {
    std::vector<std::string> seen;
    const auto g = output(pktest::mark(pk::Command("cat"), marker)
                              .stdin_lines({"one", "two"})
                              .on_stdout_line([&](std::string_view l) { seen.emplace_back(l); }));
    EXPECT_FALSE(g.ec);
    EXPECT_EQ(g.value.stdout_text(), "one\ntwo\n");
    EXPECT_EQ(seen, (std::vector<std::string>{"one", "two"}));
}

// --- timeouts --------------------------------------------------------------------

TEST_F(Operations, TimeoutWithGraceKillsATermIgnoringTree) {
    const auto t0 = pk::Clock::now();
    const auto g =
        output(sh("trap '' TERM; echo started; sleep 30 & wait").timeout(200ms).grace(200ms));
    EXPECT_LT(pk::Clock::now() - t0, sanity_bound);
    EXPECT_FALSE(g.ec) << "a timeout is in the result of async_output_string";
    EXPECT_TRUE(g.value.timed_out);
    EXPECT_EQ(g.value.outcome, pk::Outcome::timed_out());
    EXPECT_EQ(g.value.status, pk::ExitStatus::signalled(SIGKILL));
    EXPECT_EQ(g.value.stdout_text(), "started\n");
    EXPECT_GE(g.value.duration, 200ms) << "never before the timeout";
    EXPECT_EQ(g.value.failure()->kind(), pk::ErrorKind::Timeout);
    EXPECT_TRUE(gone_soon());
}

TEST_F(Operations, TermTrappingChildEndsWithinTheGrace) {
    const auto g = output(sh("trap 'echo bye; exit 0' TERM; echo up; while :; do sleep 0.05; done")
                              .timeout(200ms)
                              .grace(30s));
    EXPECT_TRUE(g.value.timed_out);
    EXPECT_EQ(g.value.stdout_text(), "up\nbye\n");
    EXPECT_EQ(g.value.status, pk::ExitStatus::exited(0));
    EXPECT_LT(g.value.duration, 20s) << "the grace ended when the child did";
}

TEST_F(Operations, TimeoutSendsTheCommandsSignal) {
    const auto g = output(sh("trap 'echo got-int; exit 5' INT; trap 'echo got-term' TERM; "
                             "echo up; while :; do sleep 0.05; done")
                              .timeout(200ms)
                              .grace(30s)
                              .timeout_signal(pk::Signal::interrupt()));
    EXPECT_TRUE(g.value.timed_out);
    EXPECT_EQ(g.value.stdout_text(), "up\ngot-int\n");
    EXPECT_EQ(g.value.status, pk::ExitStatus::exited(5));
}

TEST_F(Operations, ZeroGraceKillsAtTheTimeout) {
    const auto g = output(sh("trap '' TERM; sleep 30 & wait").timeout(100ms).grace(0ms));
    EXPECT_TRUE(g.value.timed_out);
    EXPECT_EQ(g.value.status, pk::ExitStatus::signalled(SIGKILL));
    EXPECT_TRUE(gone_soon());
}

TEST_F(Operations, TimeoutIsTheCodeOfTheCheckingOperations) {
    const auto cmd = sh("sleep 30").timeout(100ms).grace(100ms);
    EXPECT_EQ(run(cmd).ec, pk::ErrorKind::Timeout);
    EXPECT_EQ(exit_code(cmd).ec, pk::ErrorKind::Timeout);
    EXPECT_EQ(probe(cmd).ec, pk::ErrorKind::Timeout);
    EXPECT_TRUE(gone_soon());
}

TEST_F(Operations, SharedGroupTimeoutReachesTheDirectChildOnly) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    Got<pk::ProcessResult> g;
    pka::async_output_string(
        io, group,
        sh("sleep 30 & echo $!; exec sleep 30").timeout(100ms).grace(0ms).drain_timeout(100ms),
        record(g));
    ASSERT_TRUE(run_until(io, [&] { return g.done; }));
    EXPECT_TRUE(g.value.timed_out);
    EXPECT_TRUE(g.value.output_incomplete) << "the grandchild still holds stdout";
    EXPECT_TRUE(alive_soon()) << "the grandchild is the group's";
    group.kill_all();
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

TEST_F(Operations, EveryOperationInASharedGroup) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    Got<pk::ProcessResult> str, bytes;
    Got<std::string> text;
    Got<int> code;
    Got<bool> yes;
    pka::async_output_string(io, group, sh("echo s"), record(str));
    pka::async_output_bytes(io, group, sh("printf b"), record(bytes));
    pka::async_run(io, group, sh("echo r"), record(text));
    pka::async_exit_code(io, group, sh("exit 2"), record(code));
    pka::async_probe(io, group, sh("exit 0"), record(yes));
    io.run_for(30s);
    EXPECT_EQ(str.value.stdout_text(), "s\n");
    EXPECT_EQ(bytes.value.stdout_bytes, "b");
    EXPECT_EQ(text.value, "r");
    EXPECT_EQ(code.value, 2);
    EXPECT_TRUE(yes.value);
    EXPECT_TRUE(group.empty());
}

// --- async_output_all ------------------------------------------------------------

TEST_F(Operations, OutputAllKeepsInputOrder) {
    std::vector<pk::Command> commands;
    for (int i = 0; i < 8; ++i) {
        // Later commands finish first.
        commands.push_back(sh("sleep 0." + std::to_string(8 - i) + "; echo " + std::to_string(i)));
    }
    const auto g = output_all(commands, 4);
    EXPECT_FALSE(g.ec);
    ASSERT_EQ(g.value.size(), 8u);
    for (std::size_t i = 0; i < 8; ++i) {
        EXPECT_EQ(g.value[i].stdout_text(), std::to_string(i) + "\n");
        EXPECT_EQ(g.value[i].outcome, pk::Outcome::exited(0));
    }
}

TEST_F(Operations, OutputAllRespectsTheConcurrencyLimit) {
    const std::string log = temp_path("concurrency.log");
    std::vector<pk::Command> commands;
    for (int i = 0; i < 8; ++i) {
        commands.push_back(sh("echo s >> " + log + "; sleep 0.05; echo e >> " + log));
    }
    const auto g = output_all(commands, 2);
    EXPECT_FALSE(g.ec);
    ASSERT_EQ(g.value.size(), 8u);
    // A run ends (and frees its slot) only after its "e": the number of
    // started-but-not-ended runs in the log never passes the limit.
    const auto lines = lines_of(log);
    ::unlink(log.c_str());
    ASSERT_EQ(lines.size(), 16u);
    int running = 0, most = 0;
    for (const auto& l : lines) {
        running += l == "s" ? 1 : -1;
        most = std::max(most, running);
    }
    EXPECT_LE(most, 2);
    EXPECT_GE(most, 1);
}

TEST_F(Operations, OutputAllReadsEarlyRunsWhileLaterOnesStart) {
    // As the blocking output_all: the first command can only finish once its
    // 3 MB are read (a pipe holds 1 MiB); each later one reports, as it
    // starts, whether the first has finished. Starting everything before the
    // executor reads anything would have the last one report "not yet".
    const std::string done = temp_path("first-done");
    std::vector<pk::Command> commands;
    commands.push_back(sh("head -c 3000000 /dev/zero; : > '" + done + "'"));
    for (int i = 0; i < 150; ++i) {
        commands.push_back(sh("test -e '" + done + "' && echo seen || echo not-yet"));
    }
    const auto g = output_all(commands, 0);
    ::unlink(done.c_str());
    EXPECT_FALSE(g.ec);
    ASSERT_EQ(g.value.size(), commands.size());
    EXPECT_EQ(g.value[0].stdout_bytes.size(), 3000000u);
    EXPECT_EQ(g.value.back().stdout_text(), "seen\n")
        << "the first run's output was not read until every command had started";
}

TEST_F(Operations, OutputAllWithoutALimitRunsEverythingAtOnce) {
    // A barrier: each command waits until all of them have started, which
    // only ends if they all run together (the timeout stops a broken limit).
    constexpr int n = 6;
    const std::string log = temp_path("barrier.log");
    std::vector<pk::Command> commands;
    for (int i = 0; i < n; ++i) {
        commands.push_back(sh("echo s >> " + log + "; while [ $(wc -l < " + log + ") -lt " +
                              std::to_string(n) + " ]; do sleep 0.02; done; echo " +
                              std::to_string(i))
                               .timeout(20s));
    }
    const auto g = output_all(commands, 0);
    ::unlink(log.c_str());
    EXPECT_FALSE(g.ec);
    ASSERT_EQ(g.value.size(), static_cast<std::size_t>(n));
    for (int i = 0; i < n; ++i) {
        EXPECT_FALSE(g.value[static_cast<std::size_t>(i)].timed_out) << i;
        EXPECT_EQ(g.value[static_cast<std::size_t>(i)].stdout_text(), std::to_string(i) + "\n");
    }
}

TEST_F(Operations, OutputAllKeepsEachRunsFailureInItsSlot) {
    const auto g = output_all({sh("echo a"), pk::Command("/no/such/program"), sh("exit 3")}, 1);
    EXPECT_FALSE(g.ec) << "only cancellation is an error of the whole";
    ASSERT_EQ(g.value.size(), 3u);
    EXPECT_EQ(g.value[0].stdout_text(), "a\n");
    ASSERT_TRUE(g.value[1].error);
    EXPECT_EQ(g.value[1].error->kind(), pk::ErrorKind::NotFound);
    EXPECT_EQ(g.value[2].outcome, pk::Outcome::exited(3));
}

TEST_F(Operations, OutputAllInAGroupRunsEveryCommandInIt) {
    pk::ProcessGroup group(pktest::test_group_options());
    std::vector<pk::Command> commands;
    for (int i = 0; i < 4; ++i) {
        // Each leaves a process behind with its output closed (nothing to drain).
        commands.push_back(sh("sleep 30 >/dev/null 2>&1 & echo " + std::to_string(i)));
    }
    ::asio::io_context io;
    Got<std::vector<pk::ProcessResult>> g;
    pka::async_output_all(io, group, commands, 2, record(g));
    ASSERT_TRUE(run_until(io, [&] { return g.done; }));
    EXPECT_FALSE(g.ec);
    ASSERT_EQ(g.value.size(), 4u);
    for (std::size_t i = 0; i < 4; ++i) {
        EXPECT_EQ(g.value[i].stdout_text(), std::to_string(i) + "\n");
        EXPECT_EQ(g.value[i].outcome, pk::Outcome::exited(0));
    }
    // A private group per run would have killed each leftover with its run;
    // in the shared group they live until the group is killed.
    EXPECT_FALSE(group.empty()) << "the leftovers are the group's";
    EXPECT_TRUE(alive_soon());
    group.kill_all();
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

TEST_F(Operations, OutputAllOfNothing) {
    const auto g = output_all({}, 3);
    EXPECT_FALSE(g.ec);
    EXPECT_TRUE(g.value.empty());
}

} // namespace
} // namespace pkat
