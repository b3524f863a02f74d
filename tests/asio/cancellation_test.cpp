// Per-operation cancellation (asio::cancellation_signal bound with
// bind_cancellation_slot), every type on every operation:
//  - the free operations own their child: terminal kills the tree at once,
//    partial sends the command's timeout signal then kills after the grace,
//    total sends SIGINT then kills after the grace; they complete with
//    operation_aborted once the tree is gone;
//  - Process::async_wait / async_read_line / async_read_event / async_profile
//    are pure waits: operation_aborted, the child runs on, later results
//    still arrive;
//  - async_write: terminal and partial close stdin, total is ignored.
#include "asio_test_support.hpp"

#include <asio/error.hpp>
#include <gtest/gtest.h>
#include <tuple>
#include <vector>

namespace pkat {
namespace {

using ::asio::cancellation_type;
using ::asio::error::operation_aborted;

constexpr cancellation_type all_types[] = {cancellation_type::terminal, cancellation_type::partial,
                                           cancellation_type::total};

// --- the free operations -----------------------------------------------------

enum class FreeOp { OutputString, OutputBytes, Run, ExitCode, Probe, OutputAll };

const char* op_name(FreeOp op) {
    switch (op) {
    case FreeOp::OutputString:
        return "OutputString";
    case FreeOp::OutputBytes:
        return "OutputBytes";
    case FreeOp::Run:
        return "Run";
    case FreeOp::ExitCode:
        return "ExitCode";
    case FreeOp::Probe:
        return "Probe";
    case FreeOp::OutputAll:
        return "OutputAll";
    }
    return "?";
}

/// Starts `op` with a handler that records only the error code.
void start_free(FreeOp op, ::asio::io_context& io, const pk::Command& c,
                ::asio::cancellation_slot slot, Got<void>& done) {
    auto h = ::asio::bind_cancellation_slot(
        slot, [&done](std::error_code ec, auto&&...) { record(done)(ec); });
    switch (op) {
    case FreeOp::OutputString:
        pka::async_output_string(io, c, std::move(h));
        break;
    case FreeOp::OutputBytes:
        pka::async_output_bytes(io, c, std::move(h));
        break;
    case FreeOp::Run:
        pka::async_run(io, c, std::move(h));
        break;
    case FreeOp::ExitCode:
        pka::async_exit_code(io, c, std::move(h));
        break;
    case FreeOp::Probe:
        pka::async_probe(io, c, std::move(h));
        break;
    case FreeOp::OutputAll:
        pka::async_output_all(io, std::vector<pk::Command>{c}, 0, std::move(h));
        break;
    }
}

class FreeCancel : public AsioTest,
                   public ::testing::WithParamInterface<std::tuple<FreeOp, cancellation_type>> {};

TEST_P(FreeCancel, StopsTheTreeThenCompletesAborted) {
    const auto [op, type] = GetParam();
    ::asio::io_context io;
    ::asio::cancellation_signal signal;
    // Background jobs of a non-interactive shell ignore SIGINT: after a total
    // cancellation they are only gone once the grace ran out and the tree was
    // killed.
    auto cmd = sh_ready("sleep 30 & sleep 30 & echo ready; wait", [&, t = type] {
                   signal.emit(t);
               }).grace(300ms);
    Got<void> done;
    const auto t0 = pk::Clock::now();
    start_free(op, io, cmd, signal.slot(), done);
    ASSERT_TRUE(run_until(io, [&] { return done.done; }));
    EXPECT_EQ(done.ec, operation_aborted);
    EXPECT_TRUE(tree_gone()) << "completed before the tree was gone";
    EXPECT_LT(pk::Clock::now() - t0, sanity_bound);
    EXPECT_EQ(done.calls, 1);
    signal.emit(type); // after the completion: nothing is connected any more
    io.restart();
    io.poll();
    EXPECT_EQ(done.calls, 1);
}

INSTANTIATE_TEST_SUITE_P(
    EveryOpEveryType, FreeCancel,
    ::testing::Combine(::testing::Values(FreeOp::OutputString, FreeOp::OutputBytes, FreeOp::Run,
                                         FreeOp::ExitCode, FreeOp::Probe, FreeOp::OutputAll),
                       ::testing::ValuesIn(all_types)),
    [](const auto& param_info) {
        return std::string(op_name(std::get<0>(param_info.param))) + "_" +
               type_name(std::get<1>(param_info.param));
    });

class FreeCancelSemantics : public AsioTest {
protected:
    /// async_output_string of `script` (with `extra` applied to the
    /// command), cancelled with `type` once it printed "ready".
    Got<pk::ProcessResult> cancel_output(const std::string& script, cancellation_type type,
                                         pk::Duration grace,
                                         std::optional<pk::Signal> timeout_signal = {}) {
        ::asio::io_context io;
        ::asio::cancellation_signal signal;
        auto cmd = sh_ready(script, [&] { signal.emit(type); }).grace(grace);
        if (timeout_signal) {
            cmd.timeout_signal(*timeout_signal);
        }
        Got<pk::ProcessResult> got;
        const auto t0 = pk::Clock::now();
        pka::async_output_string(io, cmd,
                                 ::asio::bind_cancellation_slot(signal.slot(), record(got)));
        EXPECT_TRUE(run_until(io, [&] { return got.done; }));
        EXPECT_LT(pk::Clock::now() - t0, sanity_bound);
        EXPECT_EQ(got.ec, operation_aborted);
        EXPECT_TRUE(tree_gone()) << "completed before the tree was gone";
        return got;
    }
};

TEST_F(FreeCancelSemantics, TerminalKillsAtOnceWhateverTheTraps) {
    // Signals other than KILL are ignored and the grace is long: only an
    // immediate SIGKILL ends this within the sanity bound.
    const auto got = cancel_output("trap '' TERM INT USR1; sleep 30 & echo ready; wait",
                                   cancellation_type::terminal, 60s);
    EXPECT_EQ(got.value.status, pk::ExitStatus::signalled(SIGKILL));
    EXPECT_EQ(got.value.stdout_text(), "ready\n");
}

TEST_F(FreeCancelSemantics, PartialSignalsThenKillsATrappingChildAfterTheGrace) {
    const auto got = cancel_output(
        "trap 'echo got-term' TERM; echo ready; while :; do sleep 0.1 & wait $!; done",
        cancellation_type::partial, 1s);
    EXPECT_NE(got.value.stdout_text().find("got-term"), std::string::npos)
        << got.value.stdout_text();
    EXPECT_EQ(got.value.status, pk::ExitStatus::signalled(SIGKILL)) << "killed after the grace";
    EXPECT_TRUE(got.value.cancelled);
    EXPECT_EQ(got.value.outcome, pk::Outcome::cancelled());
}

TEST_F(FreeCancelSemantics, PartialEndsANonTrappingChildWithTheSignal) {
    // The grace is long: the signal alone must end it.
    const auto got = cancel_output("echo ready; sleep 30 & wait", cancellation_type::partial, 60s);
    EXPECT_EQ(got.value.status, pk::ExitStatus::signalled(SIGTERM));
    EXPECT_TRUE(got.value.cancelled);
}

TEST_F(FreeCancelSemantics, PartialSendsTheCommandsTimeoutSignal) {
    const auto got = cancel_output("trap 'echo got-usr1' USR1; trap 'echo got-term' TERM; "
                                   "echo ready; while :; do sleep 0.1 & wait $!; done",
                                   cancellation_type::partial, 1s, pk::Signal::user1());
    const auto out = got.value.stdout_text();
    EXPECT_NE(out.find("got-usr1"), std::string::npos) << out;
    EXPECT_EQ(out.find("got-term"), std::string::npos) << out;
    EXPECT_EQ(got.value.status, pk::ExitStatus::signalled(SIGKILL));
}

TEST_F(FreeCancelSemantics, TotalInterruptsThenKillsATrappingChildAfterTheGrace) {
    const auto got = cancel_output("trap 'echo got-int' INT; trap 'echo got-term' TERM; "
                                   "echo ready; while :; do sleep 0.1 & wait $!; done",
                                   cancellation_type::total, 1s);
    const auto out = got.value.stdout_text();
    EXPECT_NE(out.find("got-int"), std::string::npos) << out;
    EXPECT_EQ(out.find("got-term"), std::string::npos) << out;
    EXPECT_EQ(got.value.status, pk::ExitStatus::signalled(SIGKILL)) << "killed after the grace";
}

TEST_F(FreeCancelSemantics, TotalEndsANonTrappingChildWithSigint) {
    // A plain program, not a shell: dash catches SIGINT, and one that lands
    // between its fork and its exec of a command is lost.
    ::asio::io_context io;
    ::asio::cancellation_signal signal;
    Got<pk::ProcessResult> got;
    const auto t0 = pk::Clock::now();
    pka::async_output_string(io, pktest::mark(pk::Command("sleep").arg("30").grace(60s), marker),
                             ::asio::bind_cancellation_slot(signal.slot(), record(got)));
    signal.emit(cancellation_type::total);
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    EXPECT_LT(pk::Clock::now() - t0, sanity_bound) << "SIGINT alone ends it (the grace is 60 s)";
    EXPECT_EQ(got.ec, operation_aborted);
    EXPECT_EQ(got.value.status, pk::ExitStatus::signalled(SIGINT));
    EXPECT_TRUE(tree_gone());
}

TEST_F(FreeCancelSemantics, CompletesOnlyOnceALeftoverThatIgnoredTheSignalIsGone) {
    // The shell dies of TERM; its job ignores TERM and holds no pipe, so the
    // run ends with the shell and the tree's SIGKILL is sent at that moment:
    // the operation must still complete only once the job is gone.
    for (int i = 0; i < 5; ++i) {
        const auto got =
            cancel_output("(trap '' TERM; exec sleep 30) >/dev/null 2>&1 & echo ready; wait",
                          cancellation_type::partial, 60s);
        EXPECT_EQ(got.value.status, pk::ExitStatus::signalled(SIGTERM));
    }
}

TEST_F(FreeCancelSemantics, ReportsAbortedForEveryAnswerKind) {
    // The answer types of async_run / async_exit_code / async_probe carry a
    // default value with operation_aborted, never the child's answer.
    ::asio::io_context io;
    ::asio::cancellation_signal s1, s2, s3;
    Got<std::string> run;
    Got<int> code;
    Got<bool> probe;
    pka::async_run(io, sh("echo text; sleep 30"),
                   ::asio::bind_cancellation_slot(s1.slot(), record(run)));
    pka::async_exit_code(io, sh("sleep 30"),
                         ::asio::bind_cancellation_slot(s2.slot(), record(code)));
    pka::async_probe(io, sh("sleep 30"), ::asio::bind_cancellation_slot(s3.slot(), record(probe)));
    s1.emit(cancellation_type::terminal);
    s2.emit(cancellation_type::terminal);
    s3.emit(cancellation_type::terminal);
    ASSERT_TRUE(run_until(io, [&] { return run.done && code.done && probe.done; }));
    EXPECT_EQ(run.ec, operation_aborted);
    EXPECT_EQ(run.value, "");
    EXPECT_EQ(code.ec, operation_aborted);
    EXPECT_EQ(code.value, 0);
    EXPECT_EQ(probe.ec, operation_aborted);
    EXPECT_FALSE(probe.value);
    EXPECT_TRUE(tree_gone());
}

TEST_F(FreeCancelSemantics, InASharedGroupOnlyTheDirectChildIsSignalled) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    ::asio::cancellation_signal signal;
    // The grandchild does not hold the output pipes: the run ends with the child.
    auto cmd = sh_ready("sleep 30 >/dev/null 2>&1 & echo ready; wait",
                        [&] { signal.emit(cancellation_type::terminal); });
    Got<pk::ProcessResult> got;
    pka::async_output_string(io, group, cmd,
                             ::asio::bind_cancellation_slot(signal.slot(), record(got)));
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    EXPECT_EQ(got.ec, operation_aborted);
    EXPECT_EQ(got.value.status, pk::ExitStatus::signalled(SIGKILL));
    // The grandchild belongs to the group's owner: it is still alive...
    EXPECT_TRUE(alive_soon());
    group.kill_all(); // ...until the group kills it.
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

TEST_F(FreeCancelSemantics, CancellingOutputAllStopsTheRunsAndStartsNoMore) {
    ::asio::io_context io;
    ::asio::cancellation_signal signal;
    std::vector<pk::Command> commands;
    // Two at a time: the first two start at once; the first one's "ready"
    // cancels everything.
    commands.push_back(
        sh_ready("echo ready; sleep 30", [&] { signal.emit(cancellation_type::terminal); }));
    for (int i = 0; i < 4; ++i) {
        commands.push_back(sh("sleep 30"));
    }
    Got<std::vector<pk::ProcessResult>> got;
    pka::async_output_all(io, commands, 2,
                          ::asio::bind_cancellation_slot(signal.slot(), record(got)));
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    EXPECT_EQ(got.ec, operation_aborted);
    ASSERT_EQ(got.value.size(), 5u);
    EXPECT_EQ(got.value[0].status, pk::ExitStatus::signalled(SIGKILL));
    EXPECT_EQ(got.value[1].status, pk::ExitStatus::signalled(SIGKILL));
    for (std::size_t i = 2; i < 5; ++i) {
        EXPECT_EQ(got.value[i].outcome, pk::Outcome::cancelled()) << i << ": never started";
        EXPECT_FALSE(got.value[i].status.has_value()) << i;
        EXPECT_EQ(got.value[i].program, "sh");
    }
    EXPECT_TRUE(tree_gone());
}

// --- Process: pure waits -------------------------------------------------------

class PureWaitCancel : public AsioTest, public ::testing::WithParamInterface<cancellation_type> {};

TEST_P(PureWaitCancel, AsyncWait) {
    ::asio::io_context io;
    pka::Process p(io, sh("echo ready; sleep 30"));
    Got<std::string> ready;
    p.async_read_line(record(ready));
    ASSERT_TRUE(run_until(io, [&] { return ready.done; }));
    ASSERT_EQ(ready.value, "ready");

    ::asio::cancellation_signal signal;
    Got<pk::ProcessResult> waited;
    p.async_wait(::asio::bind_cancellation_slot(signal.slot(), record(waited)));
    signal.emit(GetParam());
    ASSERT_TRUE(run_until(io, [&] { return waited.done; }));
    EXPECT_EQ(waited.ec, operation_aborted);
    EXPECT_TRUE(alive_soon()) << "a pure wait leaves the child alone";

    p.terminate();
    Got<pk::ProcessResult> later;
    p.async_wait(record(later));
    ASSERT_TRUE(run_until(io, [&] { return later.done; }));
    EXPECT_FALSE(later.ec);
    EXPECT_EQ(later.value.status, pk::ExitStatus::signalled(SIGTERM));
    EXPECT_EQ(waited.calls, 1);
}

TEST_P(PureWaitCancel, AsyncReadLine) {
    ::asio::io_context io;
    pka::Process p(io, pktest::mark(pk::Command("cat").stdin_interactive(), marker));
    ::asio::cancellation_signal signal;
    Got<std::string> cancelled;
    p.async_read_line(::asio::bind_cancellation_slot(signal.slot(), record(cancelled)));
    signal.emit(GetParam());
    ASSERT_TRUE(run_until(io, [&] { return cancelled.done; }));
    EXPECT_EQ(cancelled.ec, operation_aborted);
    EXPECT_TRUE(alive_soon());

    Got<std::size_t> written;
    Got<std::string> line;
    p.async_write("after\n", record(written));
    p.async_read_line(record(line));
    ASSERT_TRUE(run_until(io, [&] { return written.done && line.done; }));
    EXPECT_FALSE(line.ec);
    EXPECT_EQ(line.value, "after") << "no line is lost to the cancelled read";
    Got<void> closed;
    Got<std::string> eof;
    p.async_close_stdin(record(closed));
    p.async_read_line(record(eof));
    ASSERT_TRUE(run_until(io, [&] { return closed.done && eof.done; }));
    EXPECT_EQ(eof.ec, ::asio::error::eof);
}

TEST_P(PureWaitCancel, AsyncReadEvent) {
    ::asio::io_context io;
    pk::StartOptions o;
    o.event_reader = true;
    pka::Process p(io, pktest::mark(pk::Command("cat").stdin_interactive(), marker), o);
    ::asio::cancellation_signal signal;
    Got<pka::OutputEvent> cancelled;
    p.async_read_event(::asio::bind_cancellation_slot(signal.slot(), record(cancelled)));
    signal.emit(GetParam());
    ASSERT_TRUE(run_until(io, [&] { return cancelled.done; }));
    EXPECT_EQ(cancelled.ec, operation_aborted);
    EXPECT_TRUE(alive_soon());

    Got<std::size_t> written;
    Got<pka::OutputEvent> event;
    p.async_write("ev\n", record(written));
    p.async_read_event(record(event));
    ASSERT_TRUE(run_until(io, [&] { return written.done && event.done; }));
    EXPECT_FALSE(event.ec);
    EXPECT_EQ(event.value, (pka::OutputEvent{pk::Stream::Stdout, "ev"}));
    p.kill();
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    ASSERT_TRUE(run_until(io, [&] { return waited.done; }));
}

TEST_P(PureWaitCancel, AsyncProfile) {
    ::asio::io_context io;
    pka::Process p(io, sh("echo ready; sleep 30"));
    Got<std::string> ready;
    p.async_read_line(record(ready));
    ASSERT_TRUE(run_until(io, [&] { return ready.done; }));

    ::asio::cancellation_signal signal;
    Got<pk::RunProfile> cancelled;
    p.async_profile(10ms, ::asio::bind_cancellation_slot(signal.slot(), record(cancelled)));
    signal.emit(GetParam());
    ASSERT_TRUE(run_until(io, [&] { return cancelled.done; }));
    EXPECT_EQ(cancelled.ec, operation_aborted);
    EXPECT_TRUE(alive_soon());

    Got<pk::RunProfile> profile;
    p.async_profile(10ms, record(profile));
    p.terminate();
    ASSERT_TRUE(run_until(io, [&] { return profile.done; }));
    EXPECT_FALSE(profile.ec);
    EXPECT_FALSE(profile.value.exit_code.has_value()) << "ended by a signal";
    EXPECT_GT(profile.value.duration, pk::Duration::zero());
}

TEST_P(PureWaitCancel, AsyncCloseStdin) {
    // The close waits for a big write to drain into a child that does not
    // read yet: it is pending when cancelled.
    constexpr std::size_t big = 2 * 1024 * 1024;
    ::asio::io_context io;
    pk::StartOptions o;
    o.line_reader = false;
    pka::Process p(io, sh("sleep 0.5; exec wc -c").stdin_interactive(), o);
    Got<std::size_t> write;
    p.async_write(std::string(big, 'c'), record(write));
    ::asio::cancellation_signal signal;
    Got<void> cancelled;
    p.async_close_stdin(::asio::bind_cancellation_slot(signal.slot(), record(cancelled)));
    signal.emit(GetParam());
    ASSERT_TRUE(run_until(io, [&] { return cancelled.done; }));
    EXPECT_EQ(cancelled.ec, operation_aborted);
    EXPECT_FALSE(write.done) << "the write was still draining";
    EXPECT_TRUE(alive_soon());

    // Later results still arrive: the write completes, and closing again ends wc.
    ASSERT_TRUE(run_until(io, [&] { return write.done; }));
    EXPECT_FALSE(write.ec);
    EXPECT_EQ(write.value, big);
    Got<void> closed;
    Got<pk::ProcessResult> waited;
    p.async_close_stdin(record(closed));
    p.async_wait(record(waited));
    ASSERT_TRUE(run_until(io, [&] { return closed.done && waited.done; }));
    EXPECT_FALSE(closed.ec);
    EXPECT_EQ(waited.value.outcome, pk::Outcome::exited(0));
    EXPECT_EQ(std::stoull(waited.value.stdout_text()), big);
}

INSTANTIATE_TEST_SUITE_P(EveryType, PureWaitCancel, ::testing::ValuesIn(all_types),
                         [](const auto& param_info) {
                             return std::string(type_name(param_info.param));
                         });

// --- Process: async_write ---------------------------------------------------------

class WriteCancel : public AsioTest, public ::testing::WithParamInterface<cancellation_type> {};

TEST_P(WriteCancel, TerminalAndPartialCloseStdinTotalIsIgnored) {
    const auto type = GetParam();
    const bool closes = type != cancellation_type::total;
    constexpr std::size_t big = 4 * 1024 * 1024;
    ::asio::io_context io;
    pk::StartOptions o;
    o.line_reader = false;
    // The child reads nothing for a while: most of the bytes stay queued.
    pka::Process p(io, sh("sleep 0.5; exec wc -c").stdin_interactive(), o);
    ::asio::cancellation_signal signal;
    Got<std::size_t> write;
    p.async_write(std::string(big, 'w'),
                  ::asio::bind_cancellation_slot(signal.slot(), record(write)));
    signal.emit(type);
    ASSERT_TRUE(run_until(io, [&] { return write.done; }));
    if (closes) {
        EXPECT_EQ(write.ec, operation_aborted);
        EXPECT_EQ(write.value, 0u);
        EXPECT_TRUE(alive_soon()) << "cancelling a write never stops the child";
        // stdin is closed for the caller: no more writes.
        Got<std::size_t> late;
        p.async_write("late", record(late));
        ASSERT_TRUE(run_until(io, [&] { return late.done; }));
        EXPECT_EQ(late.ec, pk::ErrorKind::StdinFailed);
    } else {
        EXPECT_FALSE(write.ec) << "total cancellation is not offered by async_write";
        EXPECT_EQ(write.value, big);
        Got<void> closed;
        p.async_close_stdin(record(closed));
        ASSERT_TRUE(run_until(io, [&] { return closed.done; }));
        EXPECT_FALSE(closed.ec);
    }
    // Either way the child sees the end of its input and exits by itself.
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    ASSERT_TRUE(run_until(io, [&] { return waited.done; }));
    EXPECT_EQ(waited.value.outcome, pk::Outcome::exited(0)) << "wc saw the end of its input";
    const auto counted = std::stoull(waited.value.stdout_text());
    EXPECT_LE(counted, big);
    if (!closes) {
        EXPECT_EQ(counted, big);
    }
}

// A cancelled write closes stdin at once: what was still queued is dropped,
// not written after the cancellation.
TEST_F(AsioTest, CancelledWriteStopsWritingTheRest) {
    constexpr std::size_t big = 4 * 1024 * 1024;
    ::asio::io_context io;
    pk::StartOptions o;
    o.line_reader = false;
    pka::Process p(io, sh("sleep 0.5; exec wc -c").stdin_interactive(), o);
    ::asio::cancellation_signal signal;
    Got<std::size_t> write;
    p.async_write(std::string(big, 'w'),
                  ::asio::bind_cancellation_slot(signal.slot(), record(write)));
    signal.emit(cancellation_type::terminal);
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    ASSERT_TRUE(run_until(io, [&] { return waited.done; }));
    EXPECT_LT(std::stoull(waited.value.stdout_text()), big)
        << "stdin was closed at the cancellation: the rest is never written";
}

INSTANTIATE_TEST_SUITE_P(EveryType, WriteCancel, ::testing::ValuesIn(all_types),
                         [](const auto& param_info) {
                             return std::string(type_name(param_info.param));
                         });

} // namespace
} // namespace pkat
