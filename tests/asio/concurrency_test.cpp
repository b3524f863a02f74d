// Many runs at once: hundreds on one io_context, on a pool of two threads,
// on an io_context run by two threads, started from several threads, and
// Processes each used from its own strand. Meant to be clean under TSan.
#include "asio_test_support.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/strand.hpp>
#include <asio/this_coro.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <condition_variable>
#include <future>
#include <gtest/gtest.h>
#include <mutex>
#include <vector>

namespace pkat {
namespace {

class Concurrency : public AsioTest {
protected:
    pk::Command exit_with(int code) {
        return pktest::mark(pk::Command("sh").args({"-c", "exit " + std::to_string(code)}), marker);
    }
};

/// Counts completions from any thread; wait() is bounded.
class Countdown {
public:
    explicit Countdown(int n)
        : left_(n) {}
    void done() {
        std::lock_guard lock(mutex_);
        if (--left_ == 0) {
            cv_.notify_all();
        }
    }
    bool wait(pk::Duration bound = std::chrono::seconds(60)) {
        std::unique_lock lock(mutex_);
        return cv_.wait_for(lock, bound, [&] { return left_ <= 0; });
    }

private:
    std::mutex mutex_;
    std::condition_variable cv_;
    int left_;
};

TEST_F(Concurrency, HundredsOfRunsOnOneIoContext) {
    constexpr int n = 300;
    ::asio::io_context io;
    std::vector<Got<int>> codes(n);
    for (int i = 0; i < n; ++i) {
        pka::async_exit_code(io, exit_with(i % 7), record(codes[static_cast<std::size_t>(i)]));
    }
    io.run_for(60s);
    for (int i = 0; i < n; ++i) {
        const auto& g = codes[static_cast<std::size_t>(i)];
        ASSERT_TRUE(g.done) << i;
        EXPECT_EQ(g.calls, 1) << i;
        EXPECT_FALSE(g.ec) << i << ": " << g.ec.message();
        EXPECT_EQ(g.value, i % 7) << i;
    }
}

TEST_F(Concurrency, HundredsOfOverlappingSleepsOnOneIoContext) {
    constexpr int n = 300;
    ::asio::io_context io;
    int ok = 0;
    for (int i = 0; i < n; ++i) {
        pka::async_output_string(io, pktest::mark(pk::Command("sleep").arg("0.1"), marker),
                                 [&](std::error_code ec, pk::ProcessResult r) {
                                     EXPECT_FALSE(ec) << ec.message();
                                     ok += r.outcome == pk::Outcome::exited(0) ? 1 : 0;
                                 });
    }
    io.run_for(60s);
    EXPECT_EQ(ok, n);
}

TEST_F(Concurrency, HundredsOfRunsOnAPoolOfTwoThreads) {
    constexpr int n = 300;
    ::asio::thread_pool pool(2);
    std::mutex mutex;
    std::vector<std::string> outputs(n);
    std::vector<int> calls(n, 0);
    Countdown left(n);
    for (int i = 0; i < n; ++i) {
        pka::async_output_string(pool, sh("echo " + std::to_string(i)),
                                 [&, i](std::error_code ec, pk::ProcessResult r) {
                                     EXPECT_FALSE(ec) << ec.message();
                                     {
                                         std::lock_guard lock(mutex);
                                         outputs[static_cast<std::size_t>(i)] = r.stdout_text();
                                         ++calls[static_cast<std::size_t>(i)];
                                     }
                                     left.done();
                                 });
    }
    EXPECT_TRUE(left.wait());
    pool.join();
    for (int i = 0; i < n; ++i) {
        EXPECT_EQ(outputs[static_cast<std::size_t>(i)], std::to_string(i) + "\n") << i;
        EXPECT_EQ(calls[static_cast<std::size_t>(i)], 1) << i;
    }
}

TEST_F(Concurrency, EveryFreeOperationOnAPool) {
    ::asio::thread_pool pool(2);
    constexpr int each = 20;
    std::atomic<int> good{0};
    Countdown left(each * 6);
    for (int i = 0; i < each; ++i) {
        pka::async_run(pool, sh("echo r" + std::to_string(i)),
                       [&, i](std::error_code ec, std::string s) {
                           good += !ec && s == "r" + std::to_string(i) ? 1 : 0;
                           left.done();
                       });
        pka::async_exit_code(pool, exit_with(i % 5), [&, i](std::error_code ec, int c) {
            good += !ec && c == i % 5 ? 1 : 0;
            left.done();
        });
        pka::async_probe(pool, exit_with(i % 2), [&, i](std::error_code ec, bool b) {
            good += !ec && b == (i % 2 == 0) ? 1 : 0;
            left.done();
        });
        pka::async_output_bytes(pool, sh("printf x"), [&](std::error_code ec, pk::ProcessResult r) {
            good += !ec && r.stdout_bytes == "x" ? 1 : 0;
            left.done();
        });
        pka::async_run(pool, exit_with(3), [&](std::error_code ec, std::string) {
            good += ec == pk::ErrorKind::NonZeroExit ? 1 : 0;
            left.done();
        });
        std::vector<pk::Command> three{sh("echo 0"), sh("echo 1"), sh("echo 2")};
        pka::async_output_all(pool, three, 2,
                              [&](std::error_code ec, std::vector<pk::ProcessResult> rs) {
                                  bool all_ok = !ec && rs.size() == 3;
                                  for (std::size_t k = 0; all_ok && k < rs.size(); ++k) {
                                      all_ok = rs[k].stdout_text() == std::to_string(k) + "\n";
                                  }
                                  good += all_ok ? 1 : 0;
                                  left.done();
                              });
    }
    EXPECT_TRUE(left.wait());
    pool.join();
    EXPECT_EQ(good.load(), each * 6);
}

TEST_F(Concurrency, IoContextRunByTwoThreadsWithRunsStartedFromFourThreads) {
    ::asio::io_context io;
    auto guard = ::asio::make_work_guard(io);
    std::thread r1([&] { io.run(); });
    std::thread r2([&] { io.run(); });
    constexpr int starters = 4, per_starter = 40;
    std::atomic<int> correct{0};
    Countdown left(starters * per_starter);
    std::vector<std::thread> threads;
    for (int t = 0; t < starters; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < per_starter; ++i) {
                const int code = (t * per_starter + i) % 11;
                pka::async_exit_code(io, exit_with(code), [&, code](std::error_code ec, int c) {
                    correct += !ec && c == code ? 1 : 0;
                    left.done();
                });
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_TRUE(left.wait());
    guard.reset();
    r1.join();
    r2.join();
    EXPECT_EQ(correct.load(), starters * per_starter);
}

TEST_F(Concurrency, ProcessesEachOnAStrandOfATwoThreadIoContext) {
    ::asio::io_context io;
    constexpr int processes = 20, lines = 200;
    std::atomic<int> complete{0};
    for (int k = 0; k < processes; ++k) {
        ::asio::co_spawn(
            ::asio::make_strand(io),
            [&, k]() -> ::asio::awaitable<void> {
                auto ex = co_await ::asio::this_coro::executor;
                pka::Process p(ex, sh("i=0; while [ $i -lt " + std::to_string(lines) +
                                      " ]; do echo " + std::to_string(k) + "-$i; i=$((i+1)); done")
                                       .timeout(60s));
                int i = 0;
                bool in_order = true;
                for (;;) {
                    auto [ec, line] = co_await p.async_read_line(
                        ::asio::experimental::as_tuple(::asio::use_awaitable));
                    if (ec) {
                        EXPECT_EQ(ec, ::asio::error::eof);
                        break;
                    }
                    in_order = in_order && line == std::to_string(k) + "-" + std::to_string(i);
                    ++i;
                }
                auto r = co_await p.async_wait(::asio::use_awaitable);
                if (in_order && i == lines && r.outcome == pk::Outcome::exited(0)) {
                    ++complete;
                }
            },
            ::asio::detached);
    }
    std::thread second([&] { io.run_for(60s); });
    io.run_for(60s);
    second.join();
    EXPECT_EQ(complete.load(), processes);
}

TEST_F(Concurrency, InteractiveProcessesOnAPool) {
    ::asio::thread_pool pool(2);
    constexpr int processes = 10, rounds = 20;
    std::atomic<int> complete{0};
    Countdown left(processes);
    for (int k = 0; k < processes; ++k) {
        ::asio::co_spawn(
            ::asio::make_strand(pool),
            [&, k]() -> ::asio::awaitable<void> {
                auto ex = co_await ::asio::this_coro::executor;
                pka::Process p(ex, pktest::mark(pk::Command("cat").stdin_interactive(), marker));
                bool echoed = true;
                for (int i = 0; i < rounds; ++i) {
                    const std::string text = std::to_string(k) + ":" + std::to_string(i);
                    co_await p.async_write(text + "\n", ::asio::use_awaitable);
                    const auto line = co_await p.async_read_line(::asio::use_awaitable);
                    echoed = echoed && line == text;
                }
                co_await p.async_close_stdin(::asio::use_awaitable);
                auto r = co_await p.async_wait(::asio::use_awaitable);
                if (echoed && r.outcome == pk::Outcome::exited(0)) {
                    ++complete;
                }
            },
            [&](std::exception_ptr e) {
                EXPECT_FALSE(e);
                left.done();
            });
    }
    EXPECT_TRUE(left.wait());
    pool.join();
    EXPECT_EQ(complete.load(), processes);
}

TEST_F(Concurrency, DestroyingProcessesWhileOtherThreadsHandleTheirOutput) {
    ::asio::io_context io;
    auto guard = ::asio::make_work_guard(io);
    std::thread r1([&] { io.run(); });
    std::thread r2([&] { io.run(); });
    for (int round = 0; round < 5; ++round) {
        std::vector<pka::Process> chatty;
        for (int k = 0; k < 4; ++k) {
            chatty.emplace_back(io, sh("while :; do echo chatter; done"));
        }
        for (auto& p : chatty) {
            // Waits on the run's strand while the io threads read its output.
            p.async_wait([](std::error_code ec, pk::ProcessResult) {
                EXPECT_EQ(ec, ::asio::error::operation_aborted);
            });
        }
        ASSERT_TRUE(pktest::process_with_marker_within(marker, 5000));
        chatty.clear(); // destroyed from this thread while the strands are busy
        EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000)) << round;
    }
    guard.reset();
    r1.join();
    r2.join();
}

TEST_F(Concurrency, OutputAllOnAPool) {
    ::asio::thread_pool pool(2);
    std::vector<pk::Command> commands;
    for (int i = 0; i < 40; ++i) {
        commands.push_back(sh("echo " + std::to_string(i)));
    }
    auto f = pka::async_output_all(pool, commands, 4, ::asio::use_future);
    ASSERT_EQ(f.wait_for(60s), std::future_status::ready);
    const auto results = f.get();
    ASSERT_EQ(results.size(), 40u);
    for (std::size_t i = 0; i < results.size(); ++i) {
        EXPECT_EQ(results[i].stdout_text(), std::to_string(i) + "\n");
    }
    pool.join();
}

} // namespace
} // namespace pkat
