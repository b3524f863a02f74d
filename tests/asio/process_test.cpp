// processkit::asio::Process with real children: readers, interactive stdin,
// terminate/kill, profiles, shared groups, timeouts, error codes.
#include "asio_test_support.hpp"

#include <asio/error.hpp>
#include <fstream>
#include <gtest/gtest.h>
#include <signal.h>
#include <sstream>
#include <vector>

namespace pkat {
namespace {

class ProcessTest : public AsioTest {
protected:
    pk::Command cat() { return pktest::mark(pk::Command("cat").stdin_interactive(), marker); }

    template <class T>
    static void finish(::asio::io_context& io, Got<T>& g) {
        ASSERT_TRUE(run_until(io, [&] { return g.done; }));
    }

    /// All stdout lines of `p` up to eof.
    static std::vector<std::string> read_all_lines(::asio::io_context& io, pka::Process& p,
                                                   std::error_code& end) {
        std::vector<std::string> lines;
        for (;;) {
            Got<std::string> line;
            p.async_read_line(record(line));
            if (!run_until(io, [&] { return line.done; })) {
                ADD_FAILURE() << "no line and no eof";
                return lines;
            }
            if (line.ec) {
                end = line.ec;
                return lines;
            }
            lines.push_back(line.value);
        }
    }
};

// --- basics --------------------------------------------------------------------

TEST_F(ProcessTest, SpawnFailureThrowsTheError) {
    ::asio::io_context io;
    try {
        pka::Process p(io, pk::Command("/no/such/program"));
        FAIL() << "constructing a Process of a missing program must throw";
    } catch (const pk::Error& e) {
        EXPECT_EQ(e.kind(), pk::ErrorKind::NotFound);
    }
    io.run();
}

TEST_F(ProcessTest, AccessorsAndResult) {
    ::asio::io_context io;
    const auto before = pk::Clock::now();
    pka::Process p(io, sh("echo out; echo err >&2; exit 3"));
    EXPECT_GT(p.pid(), 0);
    EXPECT_GE(p.started_at(), before);
    EXPECT_GE(p.elapsed(), pk::Duration::zero());
    EXPECT_TRUE(p.get_executor() == ::asio::any_io_executor(io.get_executor()));
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_FALSE(waited.ec) << "a non-zero exit is not an error code";
    EXPECT_EQ(waited.value.outcome, pk::Outcome::exited(3));
    EXPECT_EQ(waited.value.stdout_text(), "out\n");
    EXPECT_EQ(waited.value.stderr_text(), "err\n");
    // Waiting again after the end gives the same result.
    Got<pk::ProcessResult> again;
    p.async_wait(record(again));
    finish(io, again);
    EXPECT_FALSE(again.ec);
    EXPECT_EQ(again.value.outcome, pk::Outcome::exited(3));
    EXPECT_EQ(again.value.stdout_bytes, "out\n");
}

TEST_F(ProcessTest, SeveralWaitersAllGetTheResult) {
    ::asio::io_context io;
    pka::Process p(io, sh("echo x; exit 1"));
    Got<pk::ProcessResult> a, b, c;
    p.async_wait(record(a));
    p.async_wait(record(b));
    p.async_wait(record(c));
    ASSERT_TRUE(run_until(io, [&] { return a.done && b.done && c.done; }));
    for (auto* g : {&a, &b, &c}) {
        EXPECT_FALSE(g->ec);
        EXPECT_EQ(g->value.outcome, pk::Outcome::exited(1));
    }
}

TEST_F(ProcessTest, ARunErrorIsTheWaitsCodeWithTheFullResult) {
    ::asio::io_context io;
    pka::Process p(io, sh("i=0; while [ $i -lt 2000 ]; do echo line-$i; i=$((i+1)); done")
                           .stdout_policy(pk::BufferPolicy::fail_past_bytes(1000)));
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_EQ(waited.ec, pk::ErrorKind::OutputTooLarge);
    ASSERT_TRUE(waited.value.error);
    EXPECT_EQ(waited.value.error->kind(), pk::ErrorKind::OutputTooLarge);
    EXPECT_TRUE(waited.value.stdout_counters.overflowed);
}

// --- readers ---------------------------------------------------------------------

TEST_F(ProcessTest, ReadLineToEof) {
    ::asio::io_context io;
    pka::Process p(io, sh("printf 'a\\nb\\n\\nlast-without-newline'"));
    std::error_code end;
    const auto lines = read_all_lines(io, p, end);
    EXPECT_EQ(end, ::asio::error::eof);
    EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "", "last-without-newline"}));
    // At the end, every further read is eof too.
    Got<std::string> more;
    p.async_read_line(record(more));
    finish(io, more);
    EXPECT_EQ(more.ec, ::asio::error::eof);
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_EQ(waited.value.outcome, pk::Outcome::exited(0));
}

TEST_F(ProcessTest, ManyLinesArriveInOrder) {
    ::asio::io_context io;
    pka::Process p(io, sh("i=0; while [ $i -lt 2000 ]; do echo $i; i=$((i+1)); done"));
    std::error_code end;
    const auto lines = read_all_lines(io, p, end);
    EXPECT_EQ(end, ::asio::error::eof);
    ASSERT_EQ(lines.size(), 2000u);
    for (std::size_t i = 0; i < lines.size(); ++i) {
        ASSERT_EQ(lines[i], std::to_string(i));
    }
}

TEST_F(ProcessTest, ReadLinesQueuedBeforeTheyArrive) {
    ::asio::io_context io;
    pka::Process p(io, sh("echo one; sleep 0.05; echo two"));
    Got<std::string> l1, l2, l3;
    p.async_read_line(record(l1));
    p.async_read_line(record(l2));
    p.async_read_line(record(l3));
    ASSERT_TRUE(run_until(io, [&] { return l1.done && l2.done && l3.done; }));
    EXPECT_EQ(l1.value, "one");
    EXPECT_EQ(l2.value, "two");
    EXPECT_EQ(l3.ec, ::asio::error::eof);
}

TEST_F(ProcessTest, ReadEventMergesStreamsInArrivalOrder) {
    ::asio::io_context io;
    pk::StartOptions o;
    o.event_reader = true;
    pka::Process p(io,
                   sh("echo o1; sleep 0.05; echo e1 >&2; sleep 0.05; echo o2; sleep 0.05; "
                      "echo e2 >&2"),
                   o);
    std::vector<pka::OutputEvent> events;
    std::error_code end;
    for (;;) {
        Got<pka::OutputEvent> e;
        p.async_read_event(record(e));
        finish(io, e);
        if (e.ec) {
            end = e.ec;
            break;
        }
        events.push_back(e.value);
    }
    EXPECT_EQ(end, ::asio::error::eof);
    EXPECT_EQ(events, (std::vector<pka::OutputEvent>{{pk::Stream::Stdout, "o1"},
                                                     {pk::Stream::Stderr, "e1"},
                                                     {pk::Stream::Stdout, "o2"},
                                                     {pk::Stream::Stderr, "e2"}}));
}

TEST_F(ProcessTest, ReadersWithoutTheirOptionAreNotEnabled) {
    ::asio::io_context io;
    pk::StartOptions none;
    none.line_reader = false;
    pka::Process p(io, sh("echo x"), none);
    Got<pka::OutputEvent> event;
    Got<std::string> line;
    p.async_read_event(record(event));
    p.async_read_line(record(line));
    ASSERT_TRUE(run_until(io, [&] { return event.done && line.done; }));
    EXPECT_EQ(event.ec, pka::errc::not_enabled);
    EXPECT_EQ(line.ec, pka::errc::not_enabled);
    EXPECT_EQ(event.ec.category().name(), std::string("processkit.asio"));
    EXPECT_FALSE(event.ec.message().empty());
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_EQ(waited.value.stdout_text(), "x\n") << "the capture does not depend on the readers";
}

// --- interactive stdin ------------------------------------------------------------

TEST_F(ProcessTest, WriteAndCloseStdinWithAnEchoingChild) {
    ::asio::io_context io;
    pka::Process p(io, cat());
    Got<std::size_t> w1, w2, w3;
    Got<std::string> l1, l2;
    p.async_write("hello\n", record(w1));
    p.async_read_line(record(l1));
    ASSERT_TRUE(run_until(io, [&] { return w1.done && l1.done; }));
    EXPECT_FALSE(w1.ec);
    EXPECT_EQ(w1.value, 6u);
    EXPECT_EQ(l1.value, "hello");
    p.async_write("wor", record(w2));
    p.async_write("ld\n", record(w3));
    p.async_read_line(record(l2));
    ASSERT_TRUE(run_until(io, [&] { return w2.done && w3.done && l2.done; }));
    EXPECT_EQ(w2.value, 3u);
    EXPECT_EQ(w3.value, 3u);
    EXPECT_EQ(l2.value, "world");

    Got<std::size_t> empty;
    p.async_write("", record(empty));
    finish(io, empty);
    EXPECT_FALSE(empty.ec);
    EXPECT_EQ(empty.value, 0u);

    Got<void> closed;
    Got<std::string> eof;
    Got<pk::ProcessResult> waited;
    p.async_close_stdin(record(closed));
    p.async_read_line(record(eof));
    p.async_wait(record(waited));
    ASSERT_TRUE(run_until(io, [&] { return closed.done && eof.done && waited.done; }));
    EXPECT_FALSE(closed.ec);
    EXPECT_EQ(eof.ec, ::asio::error::eof);
    EXPECT_EQ(waited.value.outcome, pk::Outcome::exited(0));
    EXPECT_EQ(waited.value.stdout_text(), "hello\nworld\n");

    Got<std::size_t> late;
    p.async_write("late", record(late));
    finish(io, late);
    EXPECT_EQ(late.ec, pk::ErrorKind::StdinFailed) << "the run is over";
}

TEST_F(ProcessTest, CloseStdinWaitsForEarlierWrites) {
    ::asio::io_context io;
    constexpr std::size_t big = 1024 * 1024;
    pk::StartOptions o;
    o.line_reader = false;
    pka::Process p(io, sh("exec wc -c").stdin_interactive(), o);
    Got<std::size_t> written;
    Got<void> closed;
    p.async_write(std::string(big, 'c'), record(written));
    p.async_close_stdin(record(closed));
    ASSERT_TRUE(run_until(io, [&] { return written.done && closed.done; }));
    EXPECT_FALSE(written.ec);
    EXPECT_EQ(written.value, big);
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_EQ(std::stoull(waited.value.stdout_text()), big);
}

TEST_F(ProcessTest, BigWritesToASlowReader) {
    // Several megabytes in chunks to a child that reads 64 KiB at a time
    // with pauses: every write completes with its size, in order, and the
    // child counts every byte.
    ::asio::io_context io;
    constexpr std::size_t chunk = 1024 * 1024;
    constexpr int chunks = 4;
    pk::StartOptions o;
    o.line_reader = false;
    pka::Process p(io,
                   sh("t=0; while :; do "
                      "n=$(dd bs=65536 count=1 iflag=fullblock 2>/dev/null | wc -c); "
                      "[ \"$n\" -eq 0 ] && break; t=$((t+n)); sleep 0.005; done; echo $t")
                       .stdin_interactive(),
                   o);
    std::vector<Got<std::size_t>> writes(chunks);
    std::vector<int> order;
    for (int i = 0; i < chunks; ++i) {
        p.async_write(std::string(chunk, static_cast<char>('a' + i)),
                      [&, i](std::error_code ec, std::size_t n) {
                          record(writes[static_cast<std::size_t>(i)])(ec, n);
                          order.push_back(i);
                      });
    }
    Got<void> closed;
    p.async_close_stdin(record(closed));
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    ASSERT_TRUE(run_until(
        io, [&] { return waited.done && closed.done; }, 60s));
    for (const auto& w : writes) {
        EXPECT_TRUE(w.done);
        EXPECT_FALSE(w.ec);
        EXPECT_EQ(w.value, chunk);
    }
    EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
    EXPECT_EQ(waited.value.outcome, pk::Outcome::exited(0));
    EXPECT_EQ(std::stoull(waited.value.stdout_text()), chunk * chunks);
}

TEST_F(ProcessTest, WritingToAChildThatClosedStdinIsBrokenPipe) {
    ::asio::io_context io;
    pka::Process p(io, sh("exec 0<&-; echo closed; sleep 30").stdin_interactive());
    Got<std::string> line;
    p.async_read_line(record(line));
    finish(io, line);
    ASSERT_EQ(line.value, "closed");
    Got<std::size_t> write;
    p.async_write(std::string(256 * 1024, 'x'), record(write));
    finish(io, write);
    EXPECT_EQ(write.ec, ::asio::error::broken_pipe);
    Got<std::size_t> again;
    p.async_write("more", record(again));
    finish(io, again);
    EXPECT_EQ(again.ec, ::asio::error::broken_pipe) << "stays broken";
    EXPECT_TRUE(alive_soon()) << "a broken pipe does not stop the child (no SIGPIPE either)";
    p.kill();
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_TRUE(waited.value.stdin_broken);
    EXPECT_EQ(waited.value.status, pk::ExitStatus::signalled(SIGKILL));
}

TEST_F(ProcessTest, PendingWritesFailWhenTheChildClosesStdin) {
    ::asio::io_context io;
    // Reads one line, then closes stdin and lives on.
    pka::Process p(io, sh("read x; exec 0<&-; echo closed; sleep 30").stdin_interactive());
    Got<std::size_t> first, big;
    p.async_write("go\n", record(first));
    p.async_write(std::string(4 * 1024 * 1024, 'b'), record(big));
    ASSERT_TRUE(run_until(io, [&] { return first.done && big.done; }));
    EXPECT_FALSE(first.ec);
    EXPECT_EQ(big.ec, ::asio::error::broken_pipe);
    p.kill();
}

TEST_F(ProcessTest, WriteWithoutInteractiveStdinIsStdinFailed) {
    ::asio::io_context io;
    pka::Process p(io, sh("sleep 30"));
    Got<std::size_t> write;
    p.async_write("x", record(write));
    finish(io, write);
    EXPECT_EQ(write.ec, pk::ErrorKind::StdinFailed);
    EXPECT_EQ(pk::error_kind_of(write.ec), pk::ErrorKind::StdinFailed);
    EXPECT_EQ(write.value, 0u);
    p.kill();
}

TEST_F(ProcessTest, WriteAfterCloseStdinIsStdinFailed) {
    ::asio::io_context io;
    pka::Process p(io, cat());
    Got<void> closed;
    Got<std::size_t> write;
    p.async_close_stdin(record(closed));
    p.async_write("x", record(write));
    ASSERT_TRUE(run_until(io, [&] { return closed.done && write.done; }));
    EXPECT_FALSE(closed.ec);
    EXPECT_EQ(write.ec, pk::ErrorKind::StdinFailed);
}

// --- terminate / kill ------------------------------------------------------------

TEST_F(ProcessTest, TerminateLetsATrappingChildExit) {
    ::asio::io_context io;
    pka::Process p(io, sh("trap 'echo bye; exit 3' TERM; echo ready; while :; do sleep 0.1; done"));
    Got<std::string> ready;
    p.async_read_line(record(ready));
    finish(io, ready);
    ASSERT_EQ(ready.value, "ready");
    p.terminate();
    Got<std::string> bye;
    Got<pk::ProcessResult> waited;
    p.async_read_line(record(bye));
    p.async_wait(record(waited));
    ASSERT_TRUE(run_until(io, [&] { return bye.done && waited.done; }));
    EXPECT_EQ(bye.value, "bye");
    EXPECT_EQ(waited.value.outcome, pk::Outcome::exited(3));
    EXPECT_TRUE(gone_soon());
}

TEST_F(ProcessTest, TerminateEndsANonTrappingTree) {
    ::asio::io_context io;
    pka::Process p(io, sh("sleep 30 & echo ready; wait").grace(60s));
    Got<std::string> ready;
    p.async_read_line(record(ready));
    finish(io, ready);
    const auto t0 = pk::Clock::now();
    p.terminate();
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_LT(pk::Clock::now() - t0, sanity_bound) << "TERM alone ends it (the grace is 60 s)";
    EXPECT_EQ(waited.value.status, pk::ExitStatus::signalled(SIGTERM));
    EXPECT_TRUE(gone_soon()) << "the whole tree got the signal";
}

TEST_F(ProcessTest, TerminateKillsAfterTheGrace) {
    ::asio::io_context io;
    pka::Process p(io, sh("trap '' TERM; sleep 30 & echo ready; wait").grace(300ms));
    Got<std::string> ready;
    p.async_read_line(record(ready));
    finish(io, ready);
    p.terminate();
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_EQ(waited.value.status, pk::ExitStatus::signalled(SIGKILL));
    EXPECT_TRUE(gone_soon());
}

TEST_F(ProcessTest, KillEndsTheWholeTreeAtOnce) {
    ::asio::io_context io;
    pka::Process p(io, sh("trap '' TERM INT; sleep 30 & sleep 30 & echo ready; wait").grace(60s));
    Got<std::string> ready;
    p.async_read_line(record(ready));
    finish(io, ready);
    const auto t0 = pk::Clock::now();
    p.kill();
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_LT(pk::Clock::now() - t0, sanity_bound);
    EXPECT_EQ(waited.value.status, pk::ExitStatus::signalled(SIGKILL));
    EXPECT_TRUE(gone_soon());
}

TEST_F(ProcessTest, TerminateAndKillAfterTheEndAreHarmless) {
    ::asio::io_context io;
    pka::Process p(io, sh("exit 0"));
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    p.terminate();
    p.kill();
    Got<pk::ProcessResult> again;
    p.async_wait(record(again));
    finish(io, again);
    EXPECT_EQ(again.value.outcome, pk::Outcome::exited(0));
}

// --- timeouts ----------------------------------------------------------------------

TEST_F(ProcessTest, TimeoutWithGraceOnAProcess) {
    ::asio::io_context io;
    const auto t0 = pk::Clock::now();
    pka::Process p(io,
                   sh("trap '' TERM; echo started; sleep 30 & wait").timeout(200ms).grace(200ms));
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_FALSE(waited.ec) << "a timeout is in the result, not the code";
    EXPECT_EQ(waited.value.outcome, pk::Outcome::timed_out());
    EXPECT_TRUE(waited.value.timed_out);
    EXPECT_EQ(waited.value.stdout_text(), "started\n");
    EXPECT_EQ(waited.value.status, pk::ExitStatus::signalled(SIGKILL));
    EXPECT_GE(waited.value.duration, 200ms) << "not before the timeout";
    EXPECT_LT(pk::Clock::now() - t0, sanity_bound);
    EXPECT_TRUE(gone_soon());
}

// --- profiles ----------------------------------------------------------------------

TEST_F(ProcessTest, ProfileOfACpuBurner) {
    ::asio::io_context io;
    pka::Process p(io, sh("i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done; exit 4"));
    Got<pk::RunProfile> profile;
    p.async_profile(10ms, record(profile));
    finish(io, profile);
    EXPECT_FALSE(profile.ec);
    EXPECT_GT(profile.value.samples, 0u) << "the first sample is taken at once";
    ASSERT_TRUE(profile.value.cpu_time.has_value());
    EXPECT_GT(*profile.value.cpu_time, pk::Duration::zero());
    EXPECT_EQ(profile.value.exit_code, 4);
    EXPECT_GT(profile.value.duration, pk::Duration::zero());
    EXPECT_TRUE(profile.value.avg_cpu().has_value());
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_EQ(waited.value.outcome, pk::Outcome::exited(4));
}

TEST_F(ProcessTest, TwoProfilesAtOnce) {
    ::asio::io_context io;
    pka::Process p(io, sh("echo ready; read x").stdin_interactive());
    Got<std::string> ready;
    p.async_read_line(record(ready));
    finish(io, ready);
    Got<pk::RunProfile> fast, slow;
    p.async_profile(5ms, record(fast));
    p.async_profile(1h, record(slow));
    Got<std::size_t> go;
    p.async_write("go\n", record(go));
    ASSERT_TRUE(run_until(io, [&] { return fast.done && slow.done; }));
    EXPECT_FALSE(fast.ec);
    EXPECT_FALSE(slow.ec);
    // (No lower bound: the child may be gone before the first tick, due at
    // once, is dispatched.)
    EXPECT_LE(slow.value.samples, 1u) << "the next one is an hour away";
    EXPECT_EQ(fast.value.exit_code, 0);
    EXPECT_EQ(slow.value.exit_code, 0);
}

// --- shared groups -------------------------------------------------------------------

TEST_F(ProcessTest, ProcessInASharedGroup) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    pka::Process p(io, group, sh("sleep 30 >/dev/null 2>&1 & echo ready; exec sleep 30"));
    Got<std::string> ready;
    p.async_read_line(record(ready));
    finish(io, ready);
    const auto members = group.members();
    EXPECT_FALSE(members.empty());
    EXPECT_FALSE(group.empty());
    // kill() reaches the direct child only: the tree belongs to the group.
    p.kill();
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_EQ(waited.value.status, pk::ExitStatus::signalled(SIGKILL));
    EXPECT_TRUE(alive_soon()) << "the grandchild is the group's";
    EXPECT_FALSE(group.empty());
    // Free operations in the same group.
    Got<std::string> run;
    pka::async_run(io, group, sh("echo in-group"), record(run));
    finish(io, run);
    EXPECT_EQ(run.value, "in-group");
    group.kill_all();
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

TEST_F(ProcessTest, SharedGroupTerminateReachesTheChildOnly) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    pka::Process p(io, group, sh("sleep 30 >/dev/null 2>&1 & echo ready; wait"));
    Got<std::string> ready;
    p.async_read_line(record(ready));
    finish(io, ready);
    p.terminate();
    Got<pk::ProcessResult> waited;
    p.async_wait(record(waited));
    finish(io, waited);
    EXPECT_EQ(waited.value.status, pk::ExitStatus::signalled(SIGTERM));
    EXPECT_TRUE(alive_soon());
    group.kill_all();
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

TEST_F(ProcessTest, ProfileInASharedGroup) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    pka::Process p(io, group, sh("i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done"));
    Got<pk::RunProfile> profile;
    p.async_profile(10ms, record(profile));
    finish(io, profile);
    EXPECT_FALSE(profile.ec);
    EXPECT_GT(profile.value.samples, 0u);
    EXPECT_EQ(profile.value.exit_code, 0);
}

// --- moving ------------------------------------------------------------------------

TEST_F(ProcessTest, MovedProcessKeepsTheRun) {
    ::asio::io_context io;
    pka::Process a(io, sh("echo moved"));
    pka::Process b(std::move(a));
    Got<std::string> line;
    b.async_read_line(record(line));
    finish(io, line);
    EXPECT_EQ(line.value, "moved");
    std::vector<pka::Process> many;
    many.push_back(std::move(b));
    Got<pk::ProcessResult> waited;
    many.front().async_wait(record(waited));
    finish(io, waited);
    EXPECT_EQ(waited.value.outcome, pk::Outcome::exited(0));
}

TEST_F(ProcessTest, MoveAssignmentLetsGoOfTheOldRun) {
    ::asio::io_context io;
    pka::Process target(io, sh("echo old-ready; sleep 30"));
    Got<std::string> ready;
    target.async_read_line(record(ready));
    finish(io, ready);
    ASSERT_EQ(ready.value, "old-ready");
    Got<pk::ProcessResult> old_wait;
    target.async_wait(record(old_wait));
    target = pka::Process(io, sh("echo new"));
    finish(io, old_wait);
    EXPECT_EQ(old_wait.ec, ::asio::error::operation_aborted) << "the old run was let go";
    Got<std::string> line;
    target.async_read_line(record(line));
    finish(io, line);
    EXPECT_EQ(line.value, "new");
    Got<pk::ProcessResult> waited;
    target.async_wait(record(waited));
    finish(io, waited);
    EXPECT_EQ(waited.value.outcome, pk::Outcome::exited(0));
    // The old `sleep 30` is gone: the marker check at TearDown would fail otherwise.
}

} // namespace
} // namespace pkat
