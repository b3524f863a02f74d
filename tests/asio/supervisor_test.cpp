// The Asio Supervisor (asio/supervisor.hpp) with real processes. Backoffs are
// a few milliseconds so the tests are quick; assertions are on the report and
// the decisions, never on how long things took.
#include "asio_test_support.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/error.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/post.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <atomic>
#include <exception>
#include <filesystem>
#include <fstream>
#include <future>
#include <gtest/gtest.h>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace pkat {
namespace {

namespace fs = std::filesystem;
using Kind = pk::SupervisorDecision::Kind;
using ::asio::error::operation_aborted;

class AsioSupervise : public AsioTest {
protected:
    AsioSupervise() {
        dir = fs::temp_directory_path() / marker;
        fs::create_directories(dir);
        counter = (dir / "runs").string();
    }
    ~AsioSupervise() override { fs::remove_all(dir); }

    std::vector<std::string> lines_of(const std::string& path) const {
        std::ifstream in(path);
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) {
            out.push_back(line);
        }
        return out;
    }

    /// Appends to the counter, sets $n to the incarnation number, runs `body`.
    pk::Command counted(const std::string& body) {
        return sh("echo x >> '" + counter + "'; n=$(wc -l < '" + counter + "'); " + body);
    }

    pk::SupervisorPolicy fast(pk::RestartPolicy restart) {
        pk::SupervisorPolicy p;
        p.restart = restart;
        p.backoff = pk::Backoff{1ms, 2.0, 4ms, 0.5};
        p.jitter_seed = 3;
        p.storm_guard.reset();
        p.on_decision = [this](const pk::ProcessResult&, const pk::SupervisorDecision& d) {
            std::lock_guard lock(mutex);
            decisions.push_back(d.kind);
        };
        return p;
    }

    std::vector<Kind> decided() {
        std::lock_guard lock(mutex);
        return decisions;
    }

    /// Runs a Supervisor on a fresh io_context to its end.
    Got<pk::SupervisorReport> supervise(const pk::Command& c, pk::SupervisorPolicy p) {
        ::asio::io_context io;
        pka::Supervisor supervisor(io, c, std::move(p));
        Got<pk::SupervisorReport> got;
        supervisor.async_run(record(got));
        io.run();
        EXPECT_EQ(got.calls, 1);
        return got;
    }

    fs::path dir;
    std::string counter;
    std::mutex mutex;
    std::vector<Kind> decisions;
};

TEST_F(AsioSupervise, CrasherIsRestartedUntilMaxRestarts) {
    auto p = fast(pk::RestartPolicy::OnCrash);
    p.max_restarts = 3;
    const auto got = supervise(counted("echo \"run $n\" >&2; exit 1"), p);
    EXPECT_FALSE(got.ec);
    const auto& report = got.value;
    EXPECT_EQ(report.reason, pk::StopReason::MaxRestarts);
    EXPECT_EQ(report.restarts, 3u);
    EXPECT_EQ(report.incarnations, 4u);
    EXPECT_EQ(lines_of(counter).size(), 4u);
    ASSERT_TRUE(report.last_result);
    EXPECT_EQ(report.last_result->exit_code(), 1);
    EXPECT_EQ(report.last_result->stderr_text(), "run 4\n");
    EXPECT_EQ(decided(),
              (std::vector<Kind>{Kind::Restart, Kind::Restart, Kind::Restart, Kind::Stop}));
}

TEST_F(AsioSupervise, OnCrashStopsAfterACleanExit) {
    const auto got = supervise(counted("[ $n -ge 3 ] && { echo done; exit 0; }; exit 2"),
                               fast(pk::RestartPolicy::OnCrash));
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value.reason, pk::StopReason::PolicyDeclined);
    EXPECT_EQ(got.value.restarts, 2u);
    ASSERT_TRUE(got.value.last_result);
    EXPECT_EQ(got.value.last_result->stdout_text(), "done\n");
}

TEST_F(AsioSupervise, AlwaysRestartsCleanExitsToo) {
    auto p = fast(pk::RestartPolicy::Always);
    p.max_restarts = 2;
    const auto got = supervise(counted("echo \"clean $n\"; exit 0"), p);
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value.reason, pk::StopReason::MaxRestarts);
    EXPECT_EQ(got.value.incarnations, 3u);
    EXPECT_EQ(got.value.restarts, 2u);
    EXPECT_EQ(got.value.last_result->stdout_text(), "clean 3\n");
}

TEST_F(AsioSupervise, NeverRunsOnce) {
    const auto got = supervise(counted("exit 9"), fast(pk::RestartPolicy::Never));
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value.reason, pk::StopReason::PolicyDeclined);
    EXPECT_EQ(got.value.incarnations, 1u);
    EXPECT_EQ(got.value.restarts, 0u);
    EXPECT_EQ(got.value.last_result->exit_code(), 9);
    EXPECT_EQ(decided(), (std::vector<Kind>{Kind::Stop}));
}

TEST_F(AsioSupervise, StopPredicateEndsIt) {
    auto p = fast(pk::RestartPolicy::Always);
    p.stop_when = [](const pk::ProcessResult& r) {
        return r.stdout_text().find("ready") != std::string::npos;
    };
    const auto got = supervise(counted("[ $n -ge 3 ] && echo ready; exit 0"), p);
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value.reason, pk::StopReason::StopPredicate);
    EXPECT_EQ(got.value.incarnations, 3u);
}

TEST_F(AsioSupervise, StormGuardPausesAFastCrasher) {
    auto p = fast(pk::RestartPolicy::Always);
    p.max_restarts = 6;
    p.storm_guard = pk::StormGuard{2.5, 1h, 1ms};
    const auto got = supervise(counted("exit 1"), p);
    EXPECT_EQ(got.value.reason, pk::StopReason::MaxRestarts);
    EXPECT_EQ(got.value.storm_pauses, 4u);
    EXPECT_EQ(decided(), (std::vector<Kind>{Kind::Restart, Kind::Restart, Kind::Pause, Kind::Pause,
                                            Kind::Pause, Kind::Pause, Kind::Stop}));
}

TEST_F(AsioSupervise, SpawnFailureStops) {
    const auto got = supervise(pk::Command("/nonexistent/processkit-no-such-server"),
                               fast(pk::RestartPolicy::Always));
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value.reason, pk::StopReason::SpawnFailed);
    EXPECT_EQ(got.value.restarts, 0u);
    ASSERT_TRUE(got.value.last_result && got.value.last_result->error);
    EXPECT_EQ(got.value.last_result->error->kind(), pk::ErrorKind::NotFound);
}

TEST_F(AsioSupervise, CaptureKeepsTheTailOfEachIncarnation) {
    auto p = fast(pk::RestartPolicy::Never);
    p.capture_lines = 3;
    const auto got = supervise(sh("seq 1 500; seq 1 10 >&2"), p);
    ASSERT_TRUE(got.value.last_result);
    EXPECT_EQ(got.value.last_result->stdout_text(), "498\n499\n500\n");
    EXPECT_EQ(got.value.last_result->stderr_text(), "8\n9\n10\n");
    EXPECT_TRUE(got.value.last_result->truncated());
}

TEST_F(AsioSupervise, InvalidPolicyThrowsNamedAfterTheCommand) {
    ::asio::io_context io;
    auto p = fast(pk::RestartPolicy::Always);
    p.backoff.factor = 0.5;
    try {
        pka::Supervisor supervisor(io, pk::Command("my-server"), p);
        FAIL() << "expected InvalidArgument";
    } catch (const pk::Error& e) {
        EXPECT_EQ(e.kind(), pk::ErrorKind::InvalidArgument);
        EXPECT_NE(e.message().find("my-server"), std::string::npos) << e.message();
    }
}

/// True once `pid` is dead or a zombie (the kill is asynchronous: wait for it).
bool gone_within(const std::string& pid, int timeout_ms) {
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        std::ifstream stat("/proc/" + pid + "/stat");
        const std::string text((std::istreambuf_iterator<char>(stat)), {});
        if (text.empty() || text.find(") Z ") != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

TEST_F(AsioSupervise, NothingOfAnIncarnationSurvivesIntoTheNext) {
    // Each incarnation leaves a background sleep behind and records its pid;
    // its tree was killed when it ended, before the next one starts.
    const std::string pids = (dir / "pids").string();
    auto p = fast(pk::RestartPolicy::Always);
    p.max_restarts = 2;
    std::vector<bool> alive;
    p.on_decision = [&](const pk::ProcessResult&, const pk::SupervisorDecision&) {
        for (const auto& pid : lines_of(pids)) {
            alive.push_back(!gone_within(pid, 2000));
        }
    };
    const auto got =
        supervise(sh("sleep 30 >/dev/null 2>&1 & echo $! >> '" + pids + "'; exit 1"), p);
    EXPECT_EQ(got.value.incarnations, 3u);
    EXPECT_EQ(alive, std::vector<bool>(6, false)) << "1 + 2 + 3 pid checks";
}

// --- stopping ------------------------------------------------------------------------

TEST_F(AsioSupervise, StopFromAnotherThreadEndsARunningIncarnation) {
    ::asio::io_context io;
    pka::Supervisor supervisor(io, sh("sleep 30"), fast(pk::RestartPolicy::Always));
    Got<pk::SupervisorReport> got;
    supervisor.async_run(record(got));
    std::thread stopper([&] {
        pktest::process_with_marker_within(marker, 5000);
        supervisor.stop();
    });
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    stopper.join();
    EXPECT_FALSE(got.ec) << got.ec.message();
    EXPECT_TRUE(tree_gone()) << "completed before the incarnation's tree was gone";
    const auto& report = got.value;
    EXPECT_EQ(report.reason, pk::StopReason::StoppedByCaller);
    EXPECT_EQ(report.incarnations, 1u);
    EXPECT_EQ(report.restarts, 0u);
    ASSERT_TRUE(report.last_result);
    EXPECT_EQ(report.last_result->outcome, pk::Outcome::cancelled());
}

TEST_F(AsioSupervise, StopFromAnotherThreadEndsTheBackoff) {
    ::asio::io_context io;
    auto p = fast(pk::RestartPolicy::Always);
    p.backoff = pk::Backoff{1h, 2.0, 1h, 0.0};
    std::atomic<bool> decided_once{false};
    p.on_decision = [&](const pk::ProcessResult&, const pk::SupervisorDecision& d) {
        EXPECT_EQ(d.kind, Kind::Restart);
        decided_once = true;
    };
    pka::Supervisor supervisor(io, counted("exit 1"), p);
    Got<pk::SupervisorReport> got;
    supervisor.async_run(record(got));
    std::thread stopper([&] {
        while (!decided_once) {
            std::this_thread::sleep_for(1ms);
        }
        supervisor.stop();
    });
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    stopper.join();
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value.reason, pk::StopReason::StoppedByCaller);
    EXPECT_EQ(got.value.incarnations, 1u);
    EXPECT_EQ(got.value.last_result->exit_code(), 1);
    EXPECT_EQ(lines_of(counter).size(), 1u);
}

TEST_F(AsioSupervise, StopBeforeAsyncRunStartsNothingAndItRunsOnce) {
    ::asio::io_context io;
    pka::Supervisor supervisor(io, counted("exit 0"), fast(pk::RestartPolicy::Always));
    supervisor.stop();
    Got<pk::SupervisorReport> got, again;
    supervisor.async_run(record(got));
    supervisor.async_run(record(again));
    EXPECT_FALSE(got.done || again.done) << "completed inside the initiating call";
    io.run();
    EXPECT_FALSE(got.ec);
    EXPECT_EQ(got.value.reason, pk::StopReason::StoppedByCaller);
    EXPECT_EQ(got.value.incarnations, 0u);
    EXPECT_FALSE(got.value.last_result);
    EXPECT_TRUE(lines_of(counter).empty());
    EXPECT_EQ(again.ec, pk::ErrorKind::InvalidArgument) << "a Supervisor runs once";
}

TEST_F(AsioSupervise, ASecondAsyncRunWhileRunningFailsAndLeavesTheFirstAlone) {
    ::asio::io_context io;
    auto p = fast(pk::RestartPolicy::OnCrash);
    p.max_restarts = 1;
    pka::Supervisor supervisor(io, counted("exit 1"), p);
    Got<pk::SupervisorReport> first, second;
    supervisor.async_run(record(first));
    supervisor.async_run(record(second));
    io.run();
    EXPECT_EQ(second.ec, pk::ErrorKind::InvalidArgument);
    EXPECT_FALSE(first.ec);
    EXPECT_EQ(first.value.reason, pk::StopReason::MaxRestarts);
    EXPECT_EQ(first.value.incarnations, 2u);
}

class AsioSuperviseCancel : public AsioSupervise,
                            public ::testing::WithParamInterface<::asio::cancellation_type> {};

TEST_P(AsioSuperviseCancel, CancellingAsyncRunStopsLikeStopWithOperationAborted) {
    const auto type = GetParam();
    ::asio::io_context io;
    ::asio::cancellation_signal signal;
    // The traps make only an immediate SIGKILL end this promptly.
    auto c = sh_ready("trap '' TERM INT; sleep 30 & echo ready; wait", [&] {
                 signal.emit(type);
             }).grace(1h);
    pka::Supervisor supervisor(io, c, fast(pk::RestartPolicy::Always));
    Got<pk::SupervisorReport> got;
    supervisor.async_run(::asio::bind_cancellation_slot(signal.slot(), record(got)));
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    EXPECT_EQ(got.ec, operation_aborted);
    EXPECT_TRUE(tree_gone());
    EXPECT_EQ(got.value.reason, pk::StopReason::StoppedByCaller);
    EXPECT_EQ(got.value.incarnations, 1u);
    ASSERT_TRUE(got.value.last_result);
    EXPECT_EQ(got.value.last_result->outcome, pk::Outcome::cancelled());
}

TEST_P(AsioSuperviseCancel, CancellingDuringTheBackoffEndsIt) {
    const auto type = GetParam();
    ::asio::io_context io;
    ::asio::cancellation_signal signal;
    auto p = fast(pk::RestartPolicy::Always);
    p.backoff = pk::Backoff{1h, 2.0, 1h, 0.0};
    p.on_decision = [&](const pk::ProcessResult&, const pk::SupervisorDecision&) {
        signal.emit(type);
    };
    pka::Supervisor supervisor(io, counted("exit 1"), p);
    Got<pk::SupervisorReport> got;
    supervisor.async_run(::asio::bind_cancellation_slot(signal.slot(), record(got)));
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    EXPECT_EQ(got.ec, operation_aborted);
    EXPECT_EQ(got.value.reason, pk::StopReason::StoppedByCaller);
    EXPECT_EQ(got.value.incarnations, 1u);
}

INSTANTIATE_TEST_SUITE_P(EveryType, AsioSuperviseCancel,
                         ::testing::Values(::asio::cancellation_type::terminal,
                                           ::asio::cancellation_type::partial,
                                           ::asio::cancellation_type::total),
                         [](const auto& param_info) {
                             return std::string(type_name(param_info.param));
                         });

TEST_F(AsioSupervise, DestroyingItMidIncarnationKillsTheTreeAndAborts) {
    ::asio::io_context io;
    std::optional<pka::Supervisor> supervisor;
    auto c = sh_ready("trap '' TERM INT; sleep 30 & echo ready; wait", [&] {
                 supervisor.reset();
             }).grace(1h);
    int decisions_seen = 0;
    auto p = fast(pk::RestartPolicy::Always);
    p.on_decision = [&](const pk::ProcessResult&, const pk::SupervisorDecision&) {
        ++decisions_seen;
    };
    supervisor.emplace(io, c, p);
    Got<pk::SupervisorReport> got;
    supervisor->async_run(record(got));
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    EXPECT_FALSE(supervisor);
    EXPECT_EQ(got.ec, operation_aborted);
    EXPECT_EQ(got.value.reason, pk::StopReason::StoppedByCaller);
    EXPECT_EQ(decisions_seen, 0) << "no callback after the Supervisor is gone";
    EXPECT_TRUE(gone_soon());
}

TEST_F(AsioSupervise, DestroyingItMidBackoffAborts) {
    ::asio::io_context io;
    std::optional<pka::Supervisor> supervisor;
    auto p = fast(pk::RestartPolicy::Always);
    p.backoff = pk::Backoff{1h, 2.0, 1h, 0.0};
    p.on_decision = [&](const pk::ProcessResult&, const pk::SupervisorDecision&) {
        ::asio::post(io, [&] { supervisor.reset(); });
    };
    supervisor.emplace(io, counted("exit 1"), p);
    Got<pk::SupervisorReport> got;
    supervisor->async_run(record(got));
    ASSERT_TRUE(run_until(io, [&] { return got.done; }));
    EXPECT_EQ(got.ec, operation_aborted);
    EXPECT_EQ(got.value.incarnations, 1u);
    EXPECT_EQ(lines_of(counter).size(), 1u);
}

TEST_F(AsioSupervise, DestroyingTheIoContextWithSupervisionInFlight) {
    auto sentinel = std::make_shared<int>(0);
    {
        auto io = std::make_unique<::asio::io_context>();
        auto supervisor =
            std::make_unique<pka::Supervisor>(*io, sh("sleep 30"), fast(pk::RestartPolicy::Always));
        supervisor->async_run([sentinel](std::error_code, pk::SupervisorReport) {});
        io->run_for(20ms);
        ASSERT_TRUE(alive_soon());
        supervisor.reset(); // the I/O object first, as Asio requires
        io.reset();
    }
    EXPECT_EQ(sentinel.use_count(), 1) << "the handler was leaked";
    EXPECT_TRUE(gone_soon());
}

// --- threads and tokens ----------------------------------------------------------------

TEST_F(AsioSupervise, RunsOnAMultiThreadedIoContext) {
    ::asio::io_context io;
    auto work = ::asio::make_work_guard(io);
    std::thread r1([&] { io.run(); });
    std::thread r2([&] { io.run(); });
    auto p = fast(pk::RestartPolicy::OnCrash);
    p.max_restarts = 5;
    pka::Supervisor crasher(io, counted("exit 1"), p);
    pka::Supervisor sleeper(io, sh("sleep 30"), fast(pk::RestartPolicy::Always));
    auto crashed = crasher.async_run(::asio::use_future);
    auto slept = sleeper.async_run(::asio::use_future);
    ASSERT_TRUE(pktest::process_with_marker_within(marker, 5000));
    ASSERT_EQ(crashed.wait_for(30s), std::future_status::ready);
    sleeper.stop(); // from a thread that does not run the io_context
    ASSERT_EQ(slept.wait_for(30s), std::future_status::ready);
    work.reset();
    r1.join();
    r2.join();
    const auto a = crashed.get();
    EXPECT_EQ(a.reason, pk::StopReason::MaxRestarts);
    EXPECT_EQ(a.incarnations, 6u);
    EXPECT_EQ(decided().size(), 6u + 1u) << "six of the crasher, one stop of the sleeper";
    const auto b = slept.get();
    EXPECT_EQ(b.reason, pk::StopReason::StoppedByCaller);
    EXPECT_EQ(b.incarnations, 1u);
    EXPECT_TRUE(tree_gone());
}

TEST_F(AsioSupervise, UseAwaitableAndDeferred) {
    ::asio::io_context io;
    bool finished = false;
    std::exception_ptr failure;
    ::asio::co_spawn(
        io,
        [&]() -> ::asio::awaitable<void> {
            auto p = fast(pk::RestartPolicy::OnCrash);
            p.max_restarts = 2;
            pka::Supervisor supervisor(io, counted("exit 1"), p);
            const auto report = co_await supervisor.async_run(::asio::use_awaitable);
            EXPECT_EQ(report.reason, pk::StopReason::MaxRestarts);
            EXPECT_EQ(report.incarnations, 3u);
            auto [ec, again] = co_await supervisor.async_run(
                ::asio::experimental::as_tuple(::asio::use_awaitable));
            EXPECT_EQ(ec, pk::ErrorKind::InvalidArgument);

            pka::Supervisor once(io, sh("echo once"), fast(pk::RestartPolicy::Never));
            auto op = once.async_run(::asio::experimental::deferred);
            const auto r = co_await std::move(op)(::asio::use_awaitable);
            EXPECT_EQ(r.reason, pk::StopReason::PolicyDeclined);
            EXPECT_EQ(r.last_result->stdout_text(), "once\n");
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

TEST_F(AsioSupervise, ExecutorDefaultToken) {
    using AwaitableExecutor =
        ::asio::use_awaitable_t<>::executor_with_default<::asio::io_context::executor_type>;
    ::asio::io_context io;
    bool finished = false;
    ::asio::co_spawn(
        io,
        [&]() -> ::asio::awaitable<void> {
            const AwaitableExecutor ex(io.get_executor());
            pka::basic_supervisor<AwaitableExecutor> supervisor(ex, sh("exit 0"),
                                                                fast(pk::RestartPolicy::Never));
            const auto report = co_await supervisor.async_run();
            EXPECT_EQ(report.incarnations, 1u);
            finished = true;
        },
        ::asio::detached);
    io.run_for(30s);
    EXPECT_TRUE(finished);
}

} // namespace
} // namespace pkat
