// Retries on Asio (asio/retry.hpp) with real processes. A counter file in a
// temporary directory tells each attempt which one it is; on_retry records
// what was retried. Assertions are on answers, codes and counts, never on
// how long things took.
#include "asio_test_support.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/post.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>
#include <gtest/gtest.h>
#include <mutex>
#include <vector>

namespace pkat {
namespace {

namespace fs = std::filesystem;
using ::asio::cancellation_type;
using ::asio::error::operation_aborted;

class AsioRetry : public AsioTest {
protected:
    AsioRetry() {
        dir = fs::temp_directory_path() / marker;
        fs::create_directories(dir);
        counter = (dir / "attempts").string();
    }
    ~AsioRetry() override { fs::remove_all(dir); }

    /// Lines in the counter file: one per attempt that ran.
    int attempts_run() const {
        std::ifstream in(counter);
        int n = 0;
        for (std::string line; std::getline(in, line);) {
            ++n;
        }
        return n;
    }

    /// A script that appends to the counter, sets $n to the attempt number,
    /// then runs `body`.
    pk::Command counted(const std::string& body) {
        return sh("echo x >> '" + counter + "'; n=$(wc -l < '" + counter + "'); " + body);
    }

    pk::RetryPolicy fast(std::uint32_t attempts) {
        pk::RetryPolicy p;
        p.max_attempts = attempts;
        p.backoff = pk::Backoff{1ms, 2.0, 5ms, 0.5};
        p.jitter_seed = 1;
        p.on_retry = [this](std::uint32_t, const pk::Error& e, pk::Duration) {
            std::lock_guard lock(mutex);
            retried.push_back(e.kind());
        };
        return p;
    }

    std::vector<pk::ErrorKind> retries() {
        std::lock_guard lock(mutex);
        return retried;
    }

    fs::path dir;
    std::string counter;
    std::mutex mutex;
    std::vector<pk::ErrorKind> retried;
};

TEST_F(AsioRetry, FailsTwiceThenSucceeds) {
    ::asio::io_context io;
    Got<std::string> got;
    pka::async_run_with_retry(io, counted("[ $n -ge 3 ] && echo ok"), fast(5), record(got));
    io.run();
    EXPECT_EQ(got.calls, 1);
    EXPECT_FALSE(got.ec) << got.ec.message();
    EXPECT_EQ(got.value, "ok");
    EXPECT_EQ(attempts_run(), 3);
    EXPECT_EQ(retries(),
              (std::vector<pk::ErrorKind>{pk::ErrorKind::NonZeroExit, pk::ErrorKind::NonZeroExit}));
}

TEST_F(AsioRetry, GivesUpAfterMaxAttemptsWithTheLastError) {
    ::asio::io_context io;
    Got<pk::ProcessResult> out;
    pka::async_output_string_with_retry(io, counted("echo \"failure $n\" >&2; exit 4"), fast(3),
                                        record(out));
    io.run();
    EXPECT_EQ(out.ec, pk::ErrorKind::NonZeroExit);
    EXPECT_EQ(out.value.exit_code(), 4);
    const auto failure = out.value.failure();
    ASSERT_TRUE(failure);
    EXPECT_EQ(failure->kind(), pk::ErrorKind::NonZeroExit);
    EXPECT_NE(failure->message().find("failure 3"), std::string::npos) << failure->message();
    EXPECT_EQ(attempts_run(), 3);
    EXPECT_EQ(retries().size(), 2u);

    fs::remove(counter);
    Got<std::string> run;
    pka::async_run_with_retry(io, counted("exit 4"), fast(2), record(run));
    io.restart();
    io.run();
    EXPECT_EQ(run.ec, pk::ErrorKind::NonZeroExit);
    EXPECT_TRUE(run.value.empty());
    EXPECT_EQ(attempts_run(), 2);
}

TEST_F(AsioRetry, OutputStringReturnsTheFirstSuccess) {
    ::asio::io_context io;
    Got<pk::ProcessResult> out;
    pka::async_output_string_with_retry(io, counted("echo \"attempt $n\"; [ $n -ge 2 ]"), fast(3),
                                        record(out));
    io.run();
    EXPECT_FALSE(out.ec);
    EXPECT_TRUE(out.value.success());
    EXPECT_EQ(out.value.stdout_text(), "attempt 2\n");
}

TEST_F(AsioRetry, AcceptedCodesAreNotFailures) {
    ::asio::io_context io;
    auto c = counted("exit 3");
    c.ok_codes({0, 3});
    Got<std::string> got;
    pka::async_run_with_retry(io, c, fast(3), record(got));
    io.run();
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value, "");
    EXPECT_EQ(attempts_run(), 1);
}

TEST_F(AsioRetry, ExitCodeRetriesASignalButAnswersAnyCode) {
    ::asio::io_context io;
    Got<int> got;
    pka::async_exit_code_with_retry(io, counted("[ $n -ge 2 ] && exit 3; kill -KILL $$"), fast(3),
                                    record(got));
    io.run();
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value, 3);
    EXPECT_EQ(retries(), (std::vector<pk::ErrorKind>{pk::ErrorKind::Signalled}));
}

TEST_F(AsioRetry, ProbeRetriesUnexpectedCodes) {
    ::asio::io_context io;
    Got<bool> got;
    got.value = true;
    pka::async_probe_with_retry(io, counted("[ $n -ge 2 ] && exit 1; exit 2"), fast(3),
                                record(got));
    io.run();
    EXPECT_FALSE(got.ec);
    EXPECT_FALSE(got.value);
    EXPECT_EQ(attempts_run(), 2);

    fs::remove(counter);
    Got<bool> failed;
    pka::async_probe_with_retry(io, counted("exit 2"), fast(2), record(failed));
    io.restart();
    io.run();
    EXPECT_EQ(failed.ec, pk::ErrorKind::NonZeroExit);
    EXPECT_EQ(attempts_run(), 2);
}

TEST_F(AsioRetry, TimeoutIsRetried) {
    ::asio::io_context io;
    auto c = counted("sleep 5");
    c.timeout(50ms).grace(0ms);
    Got<std::string> got;
    pka::async_run_with_retry(io, c, fast(2), record(got));
    io.run();
    EXPECT_EQ(got.ec, pk::ErrorKind::Timeout);
    EXPECT_EQ(retries(), (std::vector<pk::ErrorKind>{pk::ErrorKind::Timeout}));
}

TEST_F(AsioRetry, NotFoundIsNeverRetried) {
    ::asio::io_context io;
    Got<std::string> run;
    Got<pk::ProcessResult> out;
    const pk::Command missing("/nonexistent/processkit-no-such-tool");
    pka::async_run_with_retry(io, missing, fast(5), record(run));
    pka::async_output_string_with_retry(io, missing, fast(5), record(out));
    io.run();
    EXPECT_EQ(run.ec, pk::ErrorKind::NotFound);
    EXPECT_EQ(out.ec, pk::ErrorKind::NotFound);
    ASSERT_TRUE(out.value.failure());
    EXPECT_EQ(out.value.failure()->kind(), pk::ErrorKind::NotFound);
    EXPECT_TRUE(retries().empty()) << "one attempt each";
}

TEST_F(AsioRetry, ReplayableStdinIsGivenAgain) {
    ::asio::io_context io;
    auto c = counted("cat >> '" + counter + ".in'; [ $n -ge 2 ] && cat '" + counter + ".in'");
    c.stdin_bytes("payload\n");
    Got<std::string> got;
    pka::async_run_with_retry(io, c, fast(3), record(got));
    io.run();
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value, "payload\npayload");
}

TEST_F(AsioRetry, InheritedOrInteractiveStdinRefusesTheSecondAttempt) {
    for (auto c : {counted("exit 1").stdin_inherit(), counted("exit 1").stdin_interactive()}) {
        fs::remove(counter);
        ::asio::io_context io;
        Got<pk::ProcessResult> out;
        pka::async_output_string_with_retry(io, c, fast(3), record(out));
        io.run();
        EXPECT_EQ(out.ec, pk::ErrorKind::InvalidArgument);
        const auto failure = out.value.failure();
        ASSERT_TRUE(failure);
        EXPECT_EQ(failure->kind(), pk::ErrorKind::InvalidArgument);
        EXPECT_NE(failure->message().find("stdin"), std::string::npos) << failure->message();
        EXPECT_NE(failure->message().find("exited with code 1"), std::string::npos)
            << failure->message();
        EXPECT_EQ(out.value.exit_code(), 1) << "the attempt's own result";
        EXPECT_EQ(attempts_run(), 1) << "no second attempt on an empty stdin";
    }
}

TEST_F(AsioRetry, InvalidPolicyCompletesWithInvalidArgumentAndRunsNothing) {
    ::asio::io_context io;
    Got<pk::ProcessResult> out;
    Got<bool> probe;
    bool checked = false;
    ::asio::post(io, [&] {
        pka::async_output_string_with_retry(io, counted("true"), fast(0), record(out));
        pka::async_probe_with_retry(io, counted("true"), fast(0), record(probe));
        EXPECT_FALSE(out.done || probe.done) << "completed inside the initiating call";
        checked = true;
    });
    io.run();
    EXPECT_TRUE(checked);
    EXPECT_EQ(out.ec, pk::ErrorKind::InvalidArgument);
    EXPECT_EQ(probe.ec, pk::ErrorKind::InvalidArgument);
    ASSERT_TRUE(out.value.failure());
    EXPECT_NE(out.value.failure()->message().find("max_attempts"), std::string::npos);
    EXPECT_EQ(attempts_run(), 0);
}

TEST_F(AsioRetry, NothingCompletesInsideItsInitiatingCall) {
    ::asio::io_context io;
    Got<std::string> missing, ok;
    bool checked = false;
    ::asio::post(io, [&] {
        pka::async_run_with_retry(io, pk::Command("/nonexistent/processkit-no-such-tool"), fast(3),
                                  record(missing));
        pka::async_run_with_retry(io, sh("echo fine"), fast(3), record(ok));
        EXPECT_FALSE(missing.done || ok.done);
        checked = true;
    });
    io.run();
    EXPECT_TRUE(checked);
    EXPECT_EQ(missing.ec, pk::ErrorKind::NotFound);
    EXPECT_EQ(ok.value, "fine");
}

// --- cancellation ----------------------------------------------------------------

constexpr cancellation_type all_types[] = {cancellation_type::terminal, cancellation_type::partial,
                                           cancellation_type::total};

class AsioRetryCancel : public AsioRetry,
                        public ::testing::WithParamInterface<cancellation_type> {};

TEST_P(AsioRetryCancel, DuringAnAttemptStopsItsTreeAndRetriesNothing) {
    const auto type = GetParam();
    ::asio::io_context io;
    ::asio::cancellation_signal signal;
    // Background jobs of a non-interactive shell ignore SIGINT: after a total
    // cancellation they are only gone once the grace ran out.
    auto c = sh_ready("echo x >> '" + counter + "'; sleep 30 & sleep 30 & echo ready; wait", [&] {
                 signal.emit(type);
             }).grace(300ms);
    Got<pk::ProcessResult> got;
    pka::async_output_string_with_retry(io, c, fast(5),
                                        ::asio::bind_cancellation_slot(signal.slot(), record(got)));
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    EXPECT_EQ(got.ec, operation_aborted);
    EXPECT_TRUE(tree_gone()) << "completed before the attempt's tree was gone";
    EXPECT_TRUE(retries().empty());
    EXPECT_EQ(attempts_run(), 1);
    io.restart();
    io.poll();
    EXPECT_EQ(got.calls, 1);
}

TEST_P(AsioRetryCancel, DuringTheBackoffEndsTheWaitAndRetriesNothing) {
    const auto type = GetParam();
    ::asio::io_context io;
    ::asio::cancellation_signal signal;
    auto p = fast(5);
    p.backoff = pk::Backoff{1h, 2.0, 1h, 0.0};
    int retry_calls = 0;
    p.on_retry = [&](std::uint32_t attempt, const pk::Error& e, pk::Duration delay) {
        ++retry_calls;
        EXPECT_EQ(attempt, 1u);
        EXPECT_EQ(e.kind(), pk::ErrorKind::Signalled);
        EXPECT_EQ(delay, pk::Duration(1h));
        signal.emit(type); // the wait of an hour is about to begin
    };
    Got<int> got;
    pka::async_exit_code_with_retry(io, counted("kill -TERM $$"), p,
                                    ::asio::bind_cancellation_slot(signal.slot(), record(got)));
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    EXPECT_EQ(got.ec, operation_aborted);
    EXPECT_EQ(retry_calls, 1);
    EXPECT_EQ(attempts_run(), 1);
}

INSTANTIATE_TEST_SUITE_P(EveryType, AsioRetryCancel, ::testing::ValuesIn(all_types),
                         [](const auto& param_info) {
                             return std::string(type_name(param_info.param));
                         });

TEST_F(AsioRetry, CancelOfARunningAttemptBeatsItsTimeoutAndIsNotRetried) {
    // The attempt survives its timeout's TERM (the trap says so on stdout),
    // so the grace runs; the caller cancels on that line. The answer is a
    // cancellation, and there is no retry.
    ::asio::io_context io;
    ::asio::cancellation_signal signal;
    bool term_seen = false;
    auto c = counted("trap 'echo term' TERM; while :; do sleep 0.05; done")
                 .on_stdout_line([&](std::string_view line) {
                     if (line == "term") {
                         term_seen = true;
                         signal.emit(cancellation_type::partial);
                     }
                 });
    c.timeout(100ms).grace(5s);
    Got<std::string> got;
    pka::async_run_with_retry(io, c, fast(5),
                              ::asio::bind_cancellation_slot(signal.slot(), record(got)));
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    EXPECT_TRUE(term_seen) << "the timeout must have fired";
    EXPECT_EQ(got.ec, operation_aborted);
    EXPECT_TRUE(retries().empty());
    EXPECT_EQ(attempts_run(), 1);
    EXPECT_TRUE(tree_gone());
}

// --- completion tokens -------------------------------------------------------------

template <class T>
bool ready(std::future<T>& f) {
    return f.wait_for(std::chrono::seconds(10)) == std::future_status::ready;
}

TEST_F(AsioRetry, UseFuture) {
    ::asio::io_context io;
    auto out = pka::async_output_string_with_retry(io, counted("[ $n -ge 2 ] && echo out"), fast(3),
                                                   ::asio::use_future);
    auto run = pka::async_run_with_retry(io, sh("echo ' r '"), fast(3), ::asio::use_future);
    auto code = pka::async_exit_code_with_retry(io, sh("exit 5"), fast(3), ::asio::use_future);
    auto probe = pka::async_probe_with_retry(io, sh("exit 1"), fast(3), ::asio::use_future);
    auto failing = pka::async_run_with_retry(io, sh("exit 3"), fast(2), ::asio::use_future);
    io.run_for(30s);
    ASSERT_TRUE(ready(out) && ready(run) && ready(code) && ready(probe) && ready(failing));
    EXPECT_EQ(out.get().stdout_text(), "out\n");
    EXPECT_EQ(run.get(), " r");
    EXPECT_EQ(code.get(), 5);
    EXPECT_FALSE(probe.get());
    try {
        failing.get();
        ADD_FAILURE() << "a non-zero exit is an error of async_run_with_retry";
    } catch (const std::system_error& e) {
        EXPECT_EQ(e.code(), pk::ErrorKind::NonZeroExit);
    }
}

TEST_F(AsioRetry, UseAwaitable) {
    ::asio::io_context io;
    bool finished = false;
    std::exception_ptr failure;
    ::asio::co_spawn(
        io,
        [&]() -> ::asio::awaitable<void> {
            const auto use = ::asio::use_awaitable;
            auto r = co_await pka::async_output_string_with_retry(
                io, counted("[ $n -ge 2 ] && echo aw"), fast(3), use);
            EXPECT_EQ(r.stdout_text(), "aw\n");
            const auto run = co_await pka::async_run_with_retry(io, sh("echo run"), fast(3), use);
            EXPECT_EQ(run, "run");
            const auto code =
                co_await pka::async_exit_code_with_retry(io, sh("exit 4"), fast(3), use);
            EXPECT_EQ(code, 4);
            const auto probed =
                co_await pka::async_probe_with_retry(io, sh("exit 0"), fast(3), use);
            EXPECT_TRUE(probed);
            try {
                co_await pka::async_exit_code_with_retry(
                    io, pk::Command("/nonexistent/processkit-no-such-tool"), fast(3), use);
                ADD_FAILURE() << "expected NotFound";
            } catch (const std::system_error& e) {
                EXPECT_EQ(e.code(), pk::ErrorKind::NotFound);
            }
            auto [ec, value] = co_await pka::async_probe_with_retry(
                io, sh("exit 2"), fast(2), ::asio::experimental::as_tuple(use));
            EXPECT_EQ(ec, pk::ErrorKind::NonZeroExit);
            EXPECT_FALSE(value);
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

TEST_F(AsioRetry, DeferredStartsWhenInvoked) {
    ::asio::io_context io;
    using ::asio::experimental::deferred;
    auto op =
        pka::async_run_with_retry(io, counted("[ $n -ge 2 ] && echo deferred"), fast(3), deferred);
    io.run_for(50ms);
    EXPECT_EQ(attempts_run(), 0) << "a deferred operation starts when invoked";
    Got<std::string> got;
    std::move(op)(record(got));
    io.restart();
    io.run_for(30s);
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value, "deferred");
    EXPECT_EQ(attempts_run(), 2);

    auto chain = pka::async_exit_code_with_retry(io, sh("exit 3"), fast(2), deferred) |
                 deferred([&](std::error_code ec, int c) {
                     EXPECT_FALSE(ec);
                     return pka::async_probe_with_retry(io, sh("exit " + std::to_string(c - 3)),
                                                        fast(2), deferred);
                 });
    Got<bool> probed;
    std::move(chain)(record(probed));
    io.restart();
    io.run_for(30s);
    EXPECT_FALSE(probed.ec);
    EXPECT_TRUE(probed.value);
}

TEST_F(AsioRetry, ExecutorDefaultToken) {
    using AwaitableExecutor =
        ::asio::use_awaitable_t<>::executor_with_default<::asio::io_context::executor_type>;
    ::asio::io_context io;
    bool finished = false;
    ::asio::co_spawn(
        io,
        [&]() -> ::asio::awaitable<void> {
            const AwaitableExecutor ex(io.get_executor());
            const auto run = co_await pka::async_run_with_retry(ex, sh("echo def"), fast(2));
            EXPECT_EQ(run, "def");
            const auto code = co_await pka::async_exit_code_with_retry(ex, sh("exit 7"), fast(2));
            EXPECT_EQ(code, 7);
            finished = true;
        },
        ::asio::detached);
    io.run_for(30s);
    EXPECT_TRUE(finished);
}

TEST_F(AsioRetry, ManyAtOnceOnAThreadPool) {
    ::asio::thread_pool pool(2);
    constexpr int n = 8;
    std::vector<std::future<std::string>> outs;
    for (int i = 0; i < n; ++i) {
        const std::string file = counter + std::to_string(i);
        outs.push_back(
            pka::async_run_with_retry(pool,
                                      sh("echo x >> '" + file + "'; [ $(wc -l < '" + file +
                                         "') -ge 2 ] && echo " + std::to_string(i)),
                                      fast(3), ::asio::use_future));
    }
    for (int i = 0; i < n; ++i) {
        ASSERT_TRUE(ready(outs[static_cast<std::size_t>(i)]));
        EXPECT_EQ(outs[static_cast<std::size_t>(i)].get(), std::to_string(i));
    }
    pool.join();
    EXPECT_EQ(retries().size(), static_cast<std::size_t>(n));
}

} // namespace
} // namespace pkat
