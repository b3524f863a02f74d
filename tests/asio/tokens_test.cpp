// Completion tokens and what Asio promises about handlers: every token kind
// (callbacks, use_future, use_awaitable, deferred, an executor's default
// token), no completion inside the initiating call, the handler's associated
// executor (a strand, another io_context) and allocator.
#include "asio_test_support.hpp"

#include <asio/bind_allocator.hpp>
#include <asio/bind_executor.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <exception>
#include <functional>
#include <future>
#include <gtest/gtest.h>
#include <vector>

namespace pkat {
namespace {

using ::asio::experimental::deferred;

class Tokens : public AsioTest {};

pka::OutputEvent event_of(pk::Stream stream, const std::string& text) {
    return pka::OutputEvent{stream, text};
}

/// use_future completions are posted to the system executor's threads: the
/// future is set shortly after the io_context ran out of work, not before.
template <class T>
bool ready(std::future<T>& f) {
    return f.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
}

// --- plain callbacks ---------------------------------------------------------

TEST_F(Tokens, NothingCompletesInsideItsInitiatingCall) {
    ::asio::io_context io;
    // A finished process: every operation on it has its answer at hand.
    pka::Process finished(io, sh("echo one"));
    Got<pk::ProcessResult> first;
    finished.async_wait(record(first));
    ASSERT_TRUE(run_until(io, [&] { return first.done; }));
    pk::ProcessGroup group(pktest::test_group_options());
    pka::StatsSampler sampler(io, group, 1h);

    Got<pk::ProcessResult> not_found, bytes;
    Got<std::string> run, line;
    Got<int> code;
    Got<bool> probe;
    Got<std::vector<pk::ProcessResult>> none;
    Got<pk::ProcessResult> wait;
    Got<pka::OutputEvent> event;
    Got<std::size_t> write;
    Got<void> close;
    Got<pk::RunProfile> profile;
    Got<pk::ProcessGroupStats> sample;
    int checked = 0;
    auto not_yet = [&](const auto& g, const char* what) {
        EXPECT_FALSE(g.done) << what << " completed inside its initiating call";
        ++checked;
    };
    // From inside a handler of the io_context: a dispatch instead of a post
    // would run the completion right there.
    ::asio::post(io, [&] {
        pka::async_output_string(io, pk::Command("/no/such/program"), record(not_found));
        not_yet(not_found, "spawn failure");
        pka::async_output_bytes(io, sh("true"), record(bytes));
        not_yet(bytes, "async_output_bytes");
        pka::async_run(io, sh("true"), record(run));
        not_yet(run, "async_run");
        pka::async_exit_code(io, sh("exit 2"), record(code));
        not_yet(code, "async_exit_code");
        pka::async_probe(io, sh("true"), record(probe));
        not_yet(probe, "async_probe");
        pka::async_output_all(io, std::vector<pk::Command>{}, 0, record(none));
        not_yet(none, "async_output_all of nothing");
        finished.async_wait(record(wait));
        not_yet(wait, "async_wait after the end");
        finished.async_read_line(record(line));
        not_yet(line, "async_read_line of a queued line");
        finished.async_read_event(record(event));
        not_yet(event, "async_read_event without event_reader");
        finished.async_write("x", record(write));
        not_yet(write, "async_write without stdin");
        finished.async_close_stdin(record(close));
        not_yet(close, "async_close_stdin");
        finished.async_profile(10ms, record(profile));
        not_yet(profile, "async_profile after the end");
        sampler.async_next(record(sample));
        not_yet(sample, "the first async_next");
    });
    ASSERT_TRUE(run_until(io, [&] {
        return checked == 13 && not_found.done && bytes.done && run.done && code.done &&
               probe.done && none.done && wait.done && line.done && event.done && write.done &&
               close.done && profile.done && sample.done;
    }));
    EXPECT_EQ(not_found.ec, pk::ErrorKind::NotFound);
    EXPECT_FALSE(bytes.ec);
    EXPECT_FALSE(run.ec);
    EXPECT_EQ(code.value, 2);
    EXPECT_TRUE(probe.value);
    EXPECT_FALSE(none.ec);
    EXPECT_TRUE(none.value.empty());
    EXPECT_EQ(wait.value.stdout_text(), "one\n");
    EXPECT_EQ(line.value, "one");
    EXPECT_EQ(event.ec, pka::errc::not_enabled);
    EXPECT_EQ(write.ec, pk::ErrorKind::StdinFailed);
    EXPECT_FALSE(close.ec);
    EXPECT_FALSE(profile.ec);
    EXPECT_EQ(profile.value.exit_code, 0);
    EXPECT_FALSE(sample.ec);
}

TEST_F(Tokens, CallbacksForEveryFreeOperation) {
    ::asio::io_context io;
    Got<pk::ProcessResult> str, bytes;
    Got<std::string> run;
    Got<int> code;
    Got<bool> probe;
    Got<std::vector<pk::ProcessResult>> all;
    pka::async_output_string(io, sh("echo out; echo err >&2"), record(str));
    pka::async_output_bytes(io, sh("printf 'a\\000b\\377'"), record(bytes));
    pka::async_run(io, sh("printf '  v  \\n\\n'"), record(run));
    pka::async_exit_code(io, sh("exit 9"), record(code));
    pka::async_probe(io, sh("exit 1"), record(probe));
    pka::async_output_all(io, std::vector<pk::Command>{sh("echo 1"), sh("echo 2")}, 0, record(all));
    io.run();
    EXPECT_EQ(str.calls, 1);
    EXPECT_FALSE(str.ec);
    EXPECT_EQ(str.value.stdout_text(), "out\n");
    EXPECT_EQ(str.value.stderr_text(), "err\n");
    EXPECT_FALSE(bytes.ec);
    EXPECT_EQ(bytes.value.stdout_bytes, std::string("a\0b\377", 4));
    EXPECT_EQ(run.value, "  v");
    EXPECT_EQ(code.value, 9);
    EXPECT_FALSE(probe.ec);
    EXPECT_FALSE(probe.value);
    ASSERT_EQ(all.value.size(), 2u);
    EXPECT_EQ(all.value[0].stdout_text(), "1\n");
    EXPECT_EQ(all.value[1].stdout_text(), "2\n");
    for (int calls : {str.calls, bytes.calls, run.calls, code.calls, probe.calls, all.calls}) {
        EXPECT_EQ(calls, 1) << "every handler is called exactly once";
    }
}

// --- use_future --------------------------------------------------------------

TEST_F(Tokens, UseFuture) {
    ::asio::io_context io;
    pk::ProcessGroup group(pktest::test_group_options());
    pka::StatsSampler sampler(io, group, 1h);
    auto str = pka::async_output_string(io, sh("echo hi"), ::asio::use_future);
    auto bytes = pka::async_output_bytes(io, sh("printf 'z'"), ::asio::use_future);
    auto run = pka::async_run(io, sh("echo ' x '"), ::asio::use_future);
    auto failing = pka::async_run(io, sh("exit 3"), ::asio::use_future);
    auto code = pka::async_exit_code(io, sh("exit 5"), ::asio::use_future);
    auto probe = pka::async_probe(io, sh("exit 0"), ::asio::use_future);
    auto all = pka::async_output_all(io, std::vector<pk::Command>{sh("echo a"), sh("echo b")}, 1,
                                     ::asio::use_future);
    pka::Process cat(io, pk::Command("cat").stdin_interactive().env("PK_TEST_MARKER", marker));
    auto written = cat.async_write("line\n", ::asio::use_future);
    auto echoed = cat.async_read_line(::asio::use_future);
    auto closed = cat.async_close_stdin(::asio::use_future);
    auto result = cat.async_wait(::asio::use_future);
    auto profile = cat.async_profile(20ms, ::asio::use_future);
    auto sample = sampler.async_next(::asio::use_future);
    io.run_for(30s);
    EXPECT_TRUE(ready(str));
    EXPECT_TRUE(ready(bytes));
    EXPECT_TRUE(ready(run));
    EXPECT_TRUE(ready(failing));
    EXPECT_TRUE(ready(code));
    EXPECT_TRUE(ready(probe));
    EXPECT_TRUE(ready(all));
    EXPECT_TRUE(ready(written));
    EXPECT_TRUE(ready(echoed));
    EXPECT_TRUE(ready(closed));
    EXPECT_TRUE(ready(result));
    EXPECT_TRUE(ready(profile));
    EXPECT_TRUE(ready(sample));
    ASSERT_FALSE(HasFailure());
    EXPECT_EQ(str.get().stdout_text(), "hi\n");
    EXPECT_EQ(bytes.get().stdout_bytes, "z");
    EXPECT_EQ(run.get(), " x");
    try {
        failing.get();
        ADD_FAILURE() << "a non-zero exit is an error of async_run";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), pk::ErrorKind::NonZeroExit);
    }
    EXPECT_EQ(code.get(), 5);
    EXPECT_TRUE(probe.get());
    const auto results = all.get();
    ASSERT_EQ(results.size(), 2u);
    EXPECT_EQ(results[1].stdout_text(), "b\n");
    EXPECT_EQ(written.get(), 5u);
    EXPECT_EQ(echoed.get(), "line");
    closed.get();
    EXPECT_EQ(result.get().outcome, pk::Outcome::exited(0));
    EXPECT_EQ(profile.get().exit_code, 0);
    EXPECT_EQ(sample.get().active_process_count, 0u) << "an empty group";
}

// --- use_awaitable -------------------------------------------------------------

TEST_F(Tokens, UseAwaitable) {
    ::asio::io_context io;
    pk::ProcessGroup group(pktest::test_group_options());
    bool finished = false;
    std::exception_ptr failure;
    ::asio::co_spawn(
        io,
        [&]() -> ::asio::awaitable<void> {
            const auto use = ::asio::use_awaitable;
            auto r = co_await pka::async_output_string(io, sh("echo aw"), use);
            EXPECT_EQ(r.stdout_text(), "aw\n");
            auto b = co_await pka::async_output_bytes(io, sh("printf 'q'"), use);
            EXPECT_EQ(b.stdout_bytes, "q");
            const auto got1 = co_await pka::async_run(io, sh("echo run"), use);
            EXPECT_EQ(got1, "run");
            const auto got2 = co_await pka::async_exit_code(io, sh("exit 4"), use);
            EXPECT_EQ(got2, 4);
            const auto got3 = co_await pka::async_probe(io, sh("exit 1"), use);
            EXPECT_FALSE(got3);
            // (No initializer list inside a co_await expression: GCC 12 cannot
            // keep its array in the coroutine frame.)
            std::vector<pk::Command> two;
            two.push_back(sh("echo x"));
            two.push_back(sh("echo y"));
            auto all = co_await pka::async_output_all(io, two, 0, use);
            EXPECT_EQ(all.size(), 2u);
            // Errors are thrown as system_error.
            try {
                co_await pka::async_exit_code(io, pk::Command("/no/such/program"), use);
                ADD_FAILURE() << "expected NotFound";
            } catch (const std::system_error& e) {
                EXPECT_EQ(e.code(), pk::ErrorKind::NotFound);
            }
            // ...or received as a tuple.
            auto [ec, probed] =
                co_await pka::async_probe(io, sh("exit 2"), ::asio::experimental::as_tuple(use));
            EXPECT_EQ(ec, pk::ErrorKind::NonZeroExit);
            EXPECT_FALSE(probed);

            pka::Process cat(io,
                             pk::Command("cat").stdin_interactive().env("PK_TEST_MARKER", marker));
            const auto got4 = co_await cat.async_write("ping\n", use);
            EXPECT_EQ(got4, 5u);
            const auto got5 = co_await cat.async_read_line(use);
            EXPECT_EQ(got5, "ping");
            co_await cat.async_close_stdin(use);
            auto [eof, nothing] = co_await cat.async_read_line(::asio::experimental::as_tuple(use));
            EXPECT_EQ(eof, ::asio::error::eof);
            EXPECT_TRUE(nothing.empty());
            const auto got6 = co_await cat.async_wait(use);
            EXPECT_EQ(got6.outcome, pk::Outcome::exited(0));

            pk::StartOptions events;
            events.event_reader = true;
            pka::Process p(io, sh("echo o; sleep 0.1; echo e >&2"), events);
            auto e1 = co_await p.async_read_event(use);
            auto e2 = co_await p.async_read_event(use);
            EXPECT_EQ(e1, event_of(pk::Stream::Stdout, "o"));
            EXPECT_EQ(e2, event_of(pk::Stream::Stderr, "e"));
            auto profile = co_await p.async_profile(10ms, use);
            EXPECT_EQ(profile.exit_code, 0);

            pka::StatsSampler sampler(io, group, 1h);
            auto stats = co_await sampler.async_next(use);
            EXPECT_EQ(stats.active_process_count, 0u);
            finished = true;
        },
        [&](std::exception_ptr e) { failure = e; });
    io.run_for(30s);
    EXPECT_TRUE(finished);
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "the coroutine threw: " << e.what();
        }
    }
}

// --- deferred ------------------------------------------------------------------

TEST_F(Tokens, DeferredOperationsStartWhenInvoked) {
    ::asio::io_context io;
    auto run = pka::async_run(io, sh("echo deferred"), deferred);
    auto code = pka::async_exit_code(io, sh("exit 6"), deferred);
    auto all = pka::async_output_all(io, std::vector<pk::Command>{sh("echo d")}, 0, deferred);
    Got<std::string> run_got;
    Got<int> code_got;
    Got<std::vector<pk::ProcessResult>> all_got;
    std::move(run)(record(run_got));
    std::move(code)(record(code_got));
    std::move(all)(record(all_got));
    pka::Process p(io, sh("echo l1; echo l2"));
    Got<std::string> line_got;
    Got<pk::ProcessResult> wait_got;
    p.async_read_line(deferred)(record(line_got));
    p.async_wait(deferred)(record(wait_got));
    io.run_for(30s);
    EXPECT_EQ(run_got.value, "deferred");
    EXPECT_EQ(code_got.value, 6);
    ASSERT_EQ(all_got.value.size(), 1u);
    EXPECT_EQ(all_got.value[0].stdout_text(), "d\n");
    EXPECT_EQ(line_got.value, "l1");
    EXPECT_EQ(wait_got.value.outcome, pk::Outcome::exited(0));
}

TEST_F(Tokens, DeferredComposesIntoASequence) {
    ::asio::io_context io;
    // The exit code of the first run becomes the argument of the second.
    auto chain =
        pka::async_exit_code(io, sh("exit 3"), deferred) | deferred([&](std::error_code ec, int c) {
            EXPECT_FALSE(ec);
            return pka::async_run(io, sh("echo got-" + std::to_string(c)), deferred);
        });
    Got<std::string> got;
    std::move(chain)(record(got));
    io.run_for(30s);
    EXPECT_TRUE(got.done);
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value, "got-3");
}

TEST_F(Tokens, DeferredInsideACoroutine) {
    ::asio::io_context io;
    std::string out;
    ::asio::co_spawn(
        io,
        [&]() -> ::asio::awaitable<void> {
            auto op = pka::async_run(io, sh("echo later"), deferred);
            out = co_await std::move(op)(::asio::use_awaitable);
        },
        ::asio::detached);
    io.run_for(30s);
    EXPECT_EQ(out, "later");
}

// --- an executor's default completion token -----------------------------------

// (as_default_on_t adapts I/O objects; an executor gets executor_with_default.)
using AwaitableExecutor =
    ::asio::use_awaitable_t<>::executor_with_default<::asio::io_context::executor_type>;
using DeferredExecutor =
    ::asio::experimental::deferred_t::executor_with_default<::asio::io_context::executor_type>;

TEST_F(Tokens, ExecutorDefaultTokenAwaitable) {
    ::asio::io_context io;
    pk::ProcessGroup group(pktest::test_group_options());
    bool finished = false;
    std::exception_ptr failure;
    ::asio::co_spawn(
        io,
        [&]() -> ::asio::awaitable<void> {
            const AwaitableExecutor ex(io.get_executor());
            // Free operations with the executor and no token.
            auto r = co_await pka::async_output_string(ex, sh("echo def"));
            EXPECT_EQ(r.stdout_text(), "def\n");
            const auto got7 = co_await pka::async_run(ex, sh("echo r"));
            EXPECT_EQ(got7, "r");
            const auto got8 = co_await pka::async_exit_code(ex, sh("exit 8"));
            EXPECT_EQ(got8, 8);
            const auto got9 = co_await pka::async_probe(ex, sh("true"));
            EXPECT_TRUE(got9);
            std::vector<pk::Command> one;
            one.push_back(sh("true"));
            auto all = co_await pka::async_output_all(ex, one);
            EXPECT_EQ(all.size(), 1u);
            auto in_group = co_await pka::async_run(ex, group, sh("echo g"));
            EXPECT_EQ(in_group, "g");

            // A Process and a sampler built on that executor.
            pka::basic_process<AwaitableExecutor> cat(
                ex, pk::Command("cat").stdin_interactive().env("PK_TEST_MARKER", marker));
            const auto got10 = co_await cat.async_write("abc\n");
            EXPECT_EQ(got10, 4u);
            const auto got11 = co_await cat.async_read_line();
            EXPECT_EQ(got11, "abc");
            co_await cat.async_close_stdin();
            auto profile = co_await cat.async_profile(10ms);
            EXPECT_EQ(profile.exit_code, 0);
            const auto got12 = co_await cat.async_wait();
            EXPECT_EQ(got12.outcome, pk::Outcome::exited(0));

            pk::StartOptions events;
            events.event_reader = true;
            pka::basic_process<AwaitableExecutor> ev(ex, sh("echo only >&2"), events);
            auto e = co_await ev.async_read_event();
            EXPECT_EQ(e, event_of(pk::Stream::Stderr, "only"));

            pka::basic_stats_sampler<AwaitableExecutor> sampler(ex, group, 1h);
            auto stats = co_await sampler.async_next();
            EXPECT_EQ(stats.active_process_count, 0u);
            finished = true;
        },
        [&](std::exception_ptr e) { failure = e; });
    io.run_for(30s);
    EXPECT_TRUE(finished);
    if (failure) {
        try {
            std::rethrow_exception(failure);
        } catch (const std::exception& e) {
            ADD_FAILURE() << "the coroutine threw: " << e.what();
        }
    }
}

TEST_F(Tokens, ExecutorDefaultTokenDeferred) {
    ::asio::io_context io;
    const DeferredExecutor ex(io.get_executor());
    auto op = pka::async_exit_code(ex, sh("exit 12")); // a deferred operation
    Got<int> code;
    std::move(op)(record(code));
    pka::basic_process<DeferredExecutor> p(ex, sh("echo x"));
    Got<std::string> line;
    p.async_read_line()(record(line));
    io.run_for(30s);
    EXPECT_EQ(code.value, 12);
    EXPECT_EQ(line.value, "x");
}

// The I/O-object form: as_default_on_t rebinds a Process or a sampler to an
// executor whose default token is use_awaitable.
using AwaitableProcess = ::asio::use_awaitable_t<>::as_default_on_t<pka::Process>;
using AwaitableSampler = ::asio::use_awaitable_t<>::as_default_on_t<pka::StatsSampler>;

TEST_F(Tokens, AsDefaultOnIoObjects) {
    ::asio::io_context io;
    pk::ProcessGroup group(pktest::test_group_options());
    std::string line;
    pk::Outcome outcome;
    std::size_t counted = 99;
    std::exception_ptr failure;
    ::asio::co_spawn(
        io,
        [&]() -> ::asio::awaitable<void> {
            AwaitableProcess p(io, sh("echo first; echo second"));
            line = co_await p.async_read_line();
            outcome = (co_await p.async_wait()).outcome;
            AwaitableSampler sampler(io, group, 1h);
            counted = (co_await sampler.async_next()).active_process_count;
        },
        [&](std::exception_ptr e) { failure = e; });
    io.run_for(30s);
    EXPECT_FALSE(failure);
    EXPECT_EQ(line, "first");
    EXPECT_EQ(outcome, pk::Outcome::exited(0));
    EXPECT_EQ(counted, 0u);
}

// --- the handler's associated executor -----------------------------------------

TEST_F(Tokens, CompletionRunsOnABoundSecondIoContext) {
    ::asio::io_context io;
    ::asio::io_context other;
    bool on_other = false, wait_on_other = false, sample_on_other = false;
    Got<pk::ProcessResult> got;
    Got<pk::ProcessResult> waited;
    Got<pk::ProcessGroupStats> sampled;
    pka::async_output_string(
        io, sh("echo there"),
        ::asio::bind_executor(other, [&](std::error_code ec, pk::ProcessResult r) {
            on_other = other.get_executor().running_in_this_thread();
            record(got)(ec, std::move(r));
        }));
    pka::Process p(io, sh("true"));
    p.async_wait(::asio::bind_executor(other, [&](std::error_code ec, pk::ProcessResult r) {
        wait_on_other = other.get_executor().running_in_this_thread();
        record(waited)(ec, std::move(r));
    }));
    pk::ProcessGroup group(pktest::test_group_options());
    pka::StatsSampler sampler(io, group, 1h);
    sampler.async_next(
        ::asio::bind_executor(other, [&](std::error_code ec, pk::ProcessGroupStats s) {
            sample_on_other = other.get_executor().running_in_this_thread();
            record(sampled)(ec, s);
        }));
    // `other` has work counted until the handlers ran: run() returns only
    // after they did, on this thread.
    std::thread::id other_thread;
    std::thread t([&] {
        other_thread = std::this_thread::get_id();
        other.run_for(30s);
    });
    io.run_for(30s);
    t.join();
    EXPECT_TRUE(got.done && waited.done && sampled.done);
    EXPECT_TRUE(on_other);
    EXPECT_TRUE(wait_on_other);
    EXPECT_TRUE(sample_on_other);
    EXPECT_EQ(got.thread, other_thread);
    EXPECT_EQ(waited.thread, other_thread);
    EXPECT_EQ(sampled.thread, other_thread);
    EXPECT_EQ(got.value.stdout_text(), "there\n");
}

TEST_F(Tokens, CompletionWaitsForTheBoundIoContext) {
    ::asio::io_context io;
    ::asio::io_context other;
    Got<int> got;
    pka::async_exit_code(io, sh("exit 1"), ::asio::bind_executor(other, record(got)));
    io.run_for(30s); // the run is over...
    EXPECT_FALSE(got.done) << "...but its handler belongs to the other io_context";
    other.run_for(30s);
    EXPECT_TRUE(got.done);
    EXPECT_EQ(got.value, 1);
}

TEST_F(Tokens, CompletionsRunOnABoundStrand) {
    ::asio::io_context io;
    auto strand = ::asio::make_strand(io);
    constexpr int runs = 20;
    int on_strand = 0;
    int completed = 0; // not atomic: the strand serialises the handlers
    for (int i = 0; i < runs; ++i) {
        pka::async_exit_code(io, sh("exit " + std::to_string(i % 3)),
                             ::asio::bind_executor(strand, [&, i](std::error_code ec, int code) {
                                 EXPECT_FALSE(ec);
                                 EXPECT_EQ(code, i % 3);
                                 on_strand += strand.running_in_this_thread() ? 1 : 0;
                                 ++completed;
                             }));
    }
    pka::Process p(io, sh("echo a; echo b"));
    int lines_on_strand = 0;
    std::function<void()> read_next;
    read_next = [&] {
        p.async_read_line(::asio::bind_executor(strand, [&](std::error_code ec, std::string) {
            lines_on_strand += strand.running_in_this_thread() ? 1 : 0;
            if (!ec) {
                read_next();
            }
        }));
    };
    read_next();
    std::thread second([&] { io.run_for(30s); });
    io.run_for(30s);
    second.join();
    EXPECT_EQ(completed, runs);
    EXPECT_EQ(on_strand, runs);
    EXPECT_EQ(lines_on_strand, 3) << "two lines and the eof";
}

// --- the handler's associated allocator ----------------------------------------

TEST_F(Tokens, AssociatedAllocatorIsUsed) {
    ::asio::io_context io;
    AllocCounts free_op, process_op, sampler_op, all_op;
    Got<pk::ProcessResult> got;
    pka::async_output_string(
        io, sh("echo mem"), ::asio::bind_allocator(CountingAllocator<void>(&free_op), record(got)));
    pka::Process p(io, sh("echo line"));
    Got<std::string> line;
    p.async_read_line(::asio::bind_allocator(CountingAllocator<void>(&process_op), record(line)));
    pk::ProcessGroup group(pktest::test_group_options());
    pka::StatsSampler sampler(io, group, 1h);
    Got<pk::ProcessGroupStats> sample;
    sampler.async_next(
        ::asio::bind_allocator(CountingAllocator<void>(&sampler_op), record(sample)));
    Got<std::vector<pk::ProcessResult>> all;
    pka::async_output_all(io, std::vector<pk::Command>{sh("true")}, 0,
                          ::asio::bind_allocator(CountingAllocator<void>(&all_op), record(all)));
    io.run_for(30s);
    ASSERT_TRUE(got.done && line.done && sample.done && all.done);
    EXPECT_EQ(got.value.stdout_text(), "mem\n");
    EXPECT_EQ(line.value, "line");
    for (AllocCounts* c : {&free_op, &process_op, &sampler_op, &all_op}) {
        EXPECT_GT(c->allocations.load(), 0) << "the handler's allocator was not used";
        EXPECT_EQ(c->allocations.load(), c->deallocations.load()) << "memory not given back";
    }
}

} // namespace
} // namespace pkat
