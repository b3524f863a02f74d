// Lifetimes: a Process destroyed mid-run kills its tree (grandchildren and
// setsid daemons included) without blocking and aborts its pending
// operations; an io_context stopped and destroyed with runs in flight leaks
// nothing (processes, descriptors, cgroups, handlers).
#include "asio_test_support.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/error.hpp>
#include <asio/executor_work_guard.hpp>
#include <asio/post.hpp>
#include <asio/this_coro.hpp>
#include <asio/thread_pool.hpp>
#include <asio/use_awaitable.hpp>
#include <fstream>
#include <gtest/gtest.h>
#include <optional>
#include <unistd.h>
#include <vector>

namespace pkat {
namespace {

using ::asio::error::operation_aborted;

class Lifetime : public AsioTest {
protected:
    /// Waits (without running any io_context) for `path` to hold a pid.
    static pid_t pid_from_file(const std::string& path, int timeout_ms = 5000) {
        const auto deadline = pk::Clock::now() + std::chrono::milliseconds(timeout_ms);
        while (pk::Clock::now() < deadline) {
            std::ifstream in(path);
            long pid = 0;
            if (in >> pid && pid > 0) {
                return static_cast<pid_t>(pid);
            }
            std::this_thread::sleep_for(10ms);
        }
        return -1;
    }
};

TEST_F(Lifetime, DestroyingAProcessKillsTheTreeAndAbortsPendingOperations) {
    ::asio::io_context io;
    std::optional<pka::Process> p;
    pk::StartOptions o;
    o.event_reader = true;
    p.emplace(io, sh("sleep 30 & sleep 30 & echo ready; wait").stdin_interactive(), o);
    const pid_t pid = p->pid();
    Got<std::string> ready;
    Got<pka::OutputEvent> ready_event;
    p->async_read_line(record(ready));
    p->async_read_event(record(ready_event));
    ASSERT_TRUE(run_until(io, [&] { return ready.done && ready_event.done; }));

    Got<pk::ProcessResult> wait;
    Got<std::string> line;
    Got<pka::OutputEvent> event;
    Got<pk::RunProfile> profile;
    Got<std::size_t> write; // the child never reads: most of it stays queued
    p->async_wait(record(wait));
    p->async_read_line(record(line));
    p->async_read_event(record(event));
    p->async_profile(1h, record(profile));
    p->async_write(std::string(4 * 1024 * 1024, 'x'), record(write));
    io.poll(); // the operations are registered

    p.reset();
    // Killed by the destructor itself: no handler has run since.
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
    ASSERT_TRUE(run_until(
        io, [&] { return wait.done && line.done && event.done && profile.done && write.done; }));
    EXPECT_EQ(wait.ec, operation_aborted);
    EXPECT_EQ(line.ec, operation_aborted);
    EXPECT_EQ(event.ec, operation_aborted);
    EXPECT_EQ(profile.ec, operation_aborted);
    EXPECT_EQ(write.ec, operation_aborted);
    io.run(); // reaps the child
    EXPECT_FALSE(unreaped_child(pid)) << "the killed child must be reaped";
}

TEST_F(Lifetime, DestroyingKillsADoubleForkedSetsidDaemon) {
    ::asio::io_context io;
    const std::string pid_file = temp_path("daemon.pid");
    std::optional<pka::Process> p;
    // ( ... & ) forks twice; setsid leaves the session and process group.
    p.emplace(io, sh("( setsid sh -c 'echo $$ > " + pid_file +
                     "; exec sleep 300' >/dev/null 2>&1 & ); echo ready; sleep 30"));
    Got<std::string> ready;
    p->async_read_line(record(ready));
    ASSERT_TRUE(run_until(io, [&] { return ready.done; }));
    const pid_t daemon = pid_from_file(pid_file);
    ::unlink(pid_file.c_str());
    ASSERT_GT(daemon, 0);
    EXPECT_EQ(::getsid(daemon), daemon) << "a session leader of its own";
    EXPECT_NE(::getpgid(daemon), ::getpgid(p->pid()));

    p.reset();
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000))
        << "the daemon escaped the tree";
    io.run();
}

TEST_F(Lifetime, DestroyingWithoutEverRunningTheIoContext) {
    pid_t pid = -1;
    {
        ::asio::io_context io;
        pka::Process p(io, sh("sleep 30 & sleep 30; wait"));
        pid = p.pid();
        ASSERT_TRUE(pktest::process_with_marker_within(marker, 5000));
        Got<pk::ProcessResult> never;
        p.async_wait(record(never));
        // Process first, then the io_context, which was never run: the
        // pending handler is destroyed, not called.
    }
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
    EXPECT_FALSE(unreaped_child(pid));
}

TEST_F(Lifetime, DestroyingFromItsOwnHandler) {
    ::asio::io_context io;
    std::optional<pka::Process> p;
    p.emplace(io, sh("sleep 30 & echo ready; wait"));
    bool destroyed = false;
    p->async_read_line([&](std::error_code ec, std::string line) {
        EXPECT_FALSE(ec);
        EXPECT_EQ(line, "ready");
        p.reset();
        destroyed = true;
    });
    io.run_for(30s);
    EXPECT_TRUE(destroyed);
    EXPECT_TRUE(gone_soon());
}

TEST_F(Lifetime, DestroyingAProcessOfASharedGroupKillsTheDirectChildOnly) {
    pk::ProcessGroup group(pktest::test_group_options());
    ::asio::io_context io;
    const std::string pid_file = temp_path("grandchild.pid");
    std::optional<pka::Process> p;
    p.emplace(
        io, group,
        sh("sleep 30 >/dev/null 2>&1 & echo $! > " + pid_file + "; echo ready; exec sleep 30"));
    const pid_t child = p->pid();
    Got<std::string> ready;
    p->async_read_line(record(ready));
    ASSERT_TRUE(run_until(io, [&] { return ready.done; }));
    const pid_t grandchild = pid_from_file(pid_file);
    ::unlink(pid_file.c_str());
    ASSERT_GT(grandchild, 0);
    Got<pk::ProcessResult> wait;
    p->async_wait(record(wait));
    p.reset();
    ASSERT_TRUE(run_until(io, [&] { return wait.done; }));
    EXPECT_EQ(wait.ec, operation_aborted);
    io.run();
    EXPECT_FALSE(unreaped_child(child));
    EXPECT_NE(::kill(child, 0), 0) << "the direct child was killed (and reaped)";
    EXPECT_EQ(::kill(grandchild, 0), 0) << "the grandchild is the group's";
    group.kill_all();
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

TEST_F(Lifetime, StoppedAndDestroyedIoContextWithRunsInFlight) {
    auto sentinel = std::make_shared<int>(0);
    int completed = 0;
    std::vector<pid_t> pids;
    {
        std::optional<::asio::io_context> io(std::in_place);
        for (int i = 0; i < 5; ++i) {
            pka::async_output_string(
                *io, sh("sleep 30 & sleep 30; wait"),
                [&completed, sentinel](std::error_code, pk::ProcessResult) { ++completed; });
        }
        pka::async_output_all(
            *io, std::vector<pk::Command>{sh("sleep 30"), sh("sleep 30")}, 1,
            [&completed, sentinel](std::error_code, std::vector<pk::ProcessResult>) {
                ++completed;
            });
        pk::ProcessGroup group(pktest::test_group_options());
        pka::async_run(*io, group, sh("sleep 30"),
                       [&completed, sentinel](std::error_code, std::string) { ++completed; });
        std::optional<pka::Process> p;
        p.emplace(*io, sh("sleep 30 & echo ready; wait"));
        pids.push_back(p->pid());
        Got<std::string> ready;
        p->async_read_line(record(ready));
        p->async_profile(5ms,
                         [&completed, sentinel](std::error_code, pk::RunProfile) { ++completed; });
        ASSERT_TRUE(run_until(*io, [&] { return ready.done; }));
        // Let the runs go on for a moment, then stop everything mid-flight.
        io->run_for(100ms);
        io->stop();
        p.reset();  // an I/O object goes before its io_context
        io.reset(); // its handlers are destroyed, never called
        // The shared group's own processes are the group's to kill.
        group.kill_all();
    }
    EXPECT_EQ(completed, 0);
    EXPECT_EQ(sentinel.use_count(), 1) << "a handler was leaked";
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
    for (pid_t pid : pids) {
        EXPECT_FALSE(unreaped_child(pid));
    }
}

TEST_F(Lifetime, IoContextRunByAThreadStoppedFromAnother) {
    auto sentinel = std::make_shared<int>(0);
    std::atomic<int> completed{0};
    {
        ::asio::io_context io;
        auto guard = ::asio::make_work_guard(io);
        for (int i = 0; i < 10; ++i) {
            pka::async_output_string(
                io, sh("i=0; while [ $i -lt 2000 ]; do echo $i; i=$((i+1)); done; sleep 30"),
                [&completed, sentinel](std::error_code, pk::ProcessResult) { ++completed; });
        }
        std::thread runner([&] { io.run(); });
        EXPECT_TRUE(pktest::process_with_marker_within(marker, 5000));
        io.stop();
        runner.join();
    }
    EXPECT_EQ(completed.load(), 0);
    EXPECT_EQ(sentinel.use_count(), 1);
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

TEST_F(Lifetime, RunsFinishedBeforeTheIoContextGoesLeaveNothing) {
    // The ordinary path, for the leak check: many runs to their end.
    ::asio::io_context io;
    int done = 0;
    for (int i = 0; i < 20; ++i) {
        pka::async_output_string(io, sh("echo $$"), [&](std::error_code ec, pk::ProcessResult r) {
            EXPECT_FALSE(ec);
            EXPECT_TRUE(r.success());
            ++done;
        });
    }
    io.run_for(30s);
    EXPECT_EQ(done, 20);
}

// Handlers that own their I/O object: destroying the io_context destroys the
// pending handlers, which must let go of the object, its run and its tree
// (as Asio does for its own I/O objects).

TEST_F(Lifetime, OutputAllInFlightWhenTheIoContextGoes) {
    auto sentinel = std::make_shared<int>(0);
    {
        ::asio::io_context io;
        pka::async_output_all(io, std::vector<pk::Command>{sh("sleep 30"), sh("sleep 30")}, 1,
                              [sentinel](std::error_code, std::vector<pk::ProcessResult>) {});
        // (async_output_all starts its runs from its strand.)
        ASSERT_TRUE(run_until(io, [&] { return tree_alive(); }));
    }
    EXPECT_EQ(sentinel.use_count(), 1) << "the handler was leaked";
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

TEST_F(Lifetime, AHandlerOwningItsProcessIsDestroyedWithTheIoContext) {
    auto sentinel = std::make_shared<int>(0);
    {
        ::asio::io_context io;
        auto p = std::make_shared<pka::Process>(io, sh("sleep 30 & sleep 30; wait"));
        p->async_wait([p, sentinel](std::error_code, pk::ProcessResult) {});
        p->async_read_line([p, sentinel](std::error_code, std::string) {});
        p.reset();
        io.run_for(50ms);
    }
    EXPECT_EQ(sentinel.use_count(), 1) << "the handler was leaked";
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

TEST_F(Lifetime, ACoroutineOwningItsProcessIsDestroyedWithTheIoContext) {
    auto sentinel = std::make_shared<int>(0);
    bool finished = false;
    {
        ::asio::io_context io;
        ::asio::co_spawn(
            io,
            [&, sentinel]() -> ::asio::awaitable<void> {
                auto keep = sentinel;
                pka::Process p(io, sh("sleep 30 & echo ready; wait"));
                (void)co_await p.async_read_line(::asio::use_awaitable);
                (void)co_await p.async_wait(::asio::use_awaitable); // never completes
                finished = true;
            },
            ::asio::detached);
        ASSERT_TRUE(run_until(io, [&] { return tree_alive(); }));
        io.run_for(50ms);
    }
    EXPECT_FALSE(finished);
    EXPECT_EQ(sentinel.use_count(), 1) << "the coroutine frame was leaked";
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

TEST_F(Lifetime, ACoroutineOwningASamplerIsDestroyedWithTheIoContext) {
    auto sentinel = std::make_shared<int>(0);
    pk::ProcessGroup group(pktest::test_group_options());
    int samples = 0;
    {
        ::asio::io_context io;
        ::asio::co_spawn(
            io,
            [&, sentinel]() -> ::asio::awaitable<void> {
                auto keep = sentinel;
                pka::StatsSampler sampler(io, group, 1h);
                for (;;) {
                    (void)co_await sampler.async_next(::asio::use_awaitable);
                    ++samples; // the first at once, the next an hour away
                }
            },
            ::asio::detached);
        io.run_for(100ms);
    }
    EXPECT_EQ(samples, 1);
    EXPECT_EQ(sentinel.use_count(), 1) << "the coroutine frame was leaked";
}

TEST_F(Lifetime, CoroutinesOnAThreadPoolAreDestroyedWithIt) {
    auto sentinel = std::make_shared<int>(0);
    {
        ::asio::thread_pool pool(2);
        for (int i = 0; i < 4; ++i) {
            ::asio::co_spawn(
                pool,
                [&, sentinel]() -> ::asio::awaitable<void> {
                    auto keep = sentinel;
                    auto ex = co_await ::asio::this_coro::executor;
                    pka::Process p(ex, sh("sleep 30"));
                    (void)co_await p.async_wait(::asio::use_awaitable);
                },
                ::asio::detached);
        }
        ASSERT_TRUE(pktest::process_with_marker_within(marker, 5000));
        pool.stop();
        pool.join();
    }
    EXPECT_EQ(sentinel.use_count(), 1);
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 5000));
}

} // namespace
} // namespace pkat
