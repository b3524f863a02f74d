// The blocking Supervisor (P2) with real processes. Backoffs are a few
// milliseconds so the tests are quick; assertions are on the report and the
// decisions, never on how long things took.
#include "marked_test.hpp"
#include "processkit/blocking/supervisor.hpp"
#include "test_support.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <mutex>
#include <thread>
#include <vector>

namespace processkit {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;
using Kind = SupervisorDecision::Kind;

class Supervise : public testing::MarkedTest {
protected:
    Supervise() {
        dir = fs::temp_directory_path() / marker;
        fs::create_directories(dir);
        counter = (dir / "runs").string();
    }
    ~Supervise() override { fs::remove_all(dir); }

    std::vector<std::string> lines_of(const std::string& path) const {
        std::ifstream in(path);
        std::vector<std::string> out;
        for (std::string line; std::getline(in, line);) {
            out.push_back(line);
        }
        return out;
    }

    /// Appends to the counter, sets $n to the incarnation number, runs `body`.
    Command counted(const std::string& body) {
        return sh("echo x >> '" + counter + "'; n=$(wc -l < '" + counter + "'); " + body);
    }

    SupervisorPolicy fast(RestartPolicy restart) {
        SupervisorPolicy p;
        p.restart = restart;
        p.backoff = Backoff{1ms, 2.0, 4ms, 0.5};
        p.jitter_seed = 3;
        p.storm_guard.reset();
        p.on_decision = [this](const ProcessResult&, const SupervisorDecision& d) {
            std::lock_guard lock(mutex);
            decisions.push_back(d.kind);
        };
        return p;
    }

    fs::path dir;
    std::string counter;
    std::mutex mutex;
    std::vector<Kind> decisions;
};

TEST_F(Supervise, CrasherIsRestartedUntilMaxRestarts) {
    auto p = fast(RestartPolicy::OnCrash);
    p.max_restarts = 3;
    const auto report = supervise(counted("echo \"run $n\" >&2; exit 1"), p);
    EXPECT_EQ(report.reason, StopReason::MaxRestarts);
    EXPECT_EQ(report.restarts, 3u);
    EXPECT_EQ(report.incarnations, 4u);
    EXPECT_EQ(lines_of(counter).size(), 4u);
    ASSERT_TRUE(report.last_result);
    EXPECT_EQ(report.last_result->exit_code(), 1);
    EXPECT_EQ(report.last_result->stderr_text(), "run 4\n");
    EXPECT_EQ(decisions,
              (std::vector<Kind>{Kind::Restart, Kind::Restart, Kind::Restart, Kind::Stop}));
}

TEST_F(Supervise, OnCrashStopsAfterACleanExit) {
    const auto report = supervise(counted("[ $n -ge 3 ] && { echo done; exit 0; }; exit 2"),
                                  fast(RestartPolicy::OnCrash));
    EXPECT_EQ(report.reason, StopReason::PolicyDeclined);
    EXPECT_EQ(report.restarts, 2u);
    EXPECT_EQ(report.last_result->stdout_text(), "done\n");
}

TEST_F(Supervise, NeverRunsOnce) {
    const auto report = supervise(counted("exit 9"), fast(RestartPolicy::Never));
    EXPECT_EQ(report.reason, StopReason::PolicyDeclined);
    EXPECT_EQ(report.incarnations, 1u);
    EXPECT_EQ(report.restarts, 0u);
    EXPECT_EQ(report.last_result->exit_code(), 9);
}

TEST_F(Supervise, StopPredicateEndsIt) {
    auto p = fast(RestartPolicy::Always);
    p.stop_when = [](const ProcessResult& r) {
        return r.stdout_text().find("ready") != std::string::npos;
    };
    const auto report = supervise(counted("[ $n -ge 3 ] && echo ready; exit 0"), p);
    EXPECT_EQ(report.reason, StopReason::StopPredicate);
    EXPECT_EQ(report.incarnations, 3u);
}

TEST_F(Supervise, StormGuardPausesAFastCrasher) {
    auto p = fast(RestartPolicy::Always);
    p.max_restarts = 6;
    // A half-life of an hour: every failure adds ~1; the third passes 2.5.
    // A 1 ms cool-down keeps the test quick; the decisions say what happened.
    p.storm_guard = StormGuard{2.5, 1h, 1ms};
    const auto report = supervise(counted("exit 1"), p);
    EXPECT_EQ(report.reason, StopReason::MaxRestarts);
    EXPECT_EQ(report.storm_pauses, 4u);
    EXPECT_EQ(decisions, (std::vector<Kind>{Kind::Restart, Kind::Restart, Kind::Pause, Kind::Pause,
                                            Kind::Pause, Kind::Pause, Kind::Stop}));
}

TEST_F(Supervise, StopFromAnotherThreadEndsALongIncarnation) {
    Supervisor supervisor(sh("sleep 30"), fast(RestartPolicy::Always));
    std::thread stopper([&] {
        pktest::process_with_marker_within(marker, 5000);
        supervisor.stop();
    });
    const auto report = supervisor.run();
    stopper.join();
    EXPECT_EQ(report.reason, StopReason::StoppedByCaller);
    EXPECT_EQ(report.incarnations, 1u);
    EXPECT_EQ(report.restarts, 0u);
    ASSERT_TRUE(report.last_result);
    EXPECT_EQ(report.last_result->outcome, Outcome::cancelled());
    EXPECT_LT(report.last_result->duration, 20s) << "stop() must end the incarnation";
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 2000));
}

TEST_F(Supervise, StopDuringTheBackoffEndsIt) {
    auto p = fast(RestartPolicy::Always);
    p.backoff = Backoff{1h, 2.0, 1h, 0.0};
    std::atomic<bool> decided{false};
    p.on_decision = [&](const ProcessResult&, const SupervisorDecision&) { decided = true; };
    Supervisor supervisor(counted("exit 1"), p);
    std::thread stopper([&] {
        while (!decided) {
            std::this_thread::sleep_for(1ms);
        }
        supervisor.stop();
    });
    const auto report = supervisor.run();
    stopper.join();
    EXPECT_EQ(report.reason, StopReason::StoppedByCaller);
    EXPECT_EQ(report.incarnations, 1u);
    EXPECT_EQ(report.last_result->exit_code(), 1);
}

TEST_F(Supervise, StopBeforeRunStartsNothing) {
    Supervisor supervisor(counted("exit 0"), fast(RestartPolicy::Always));
    supervisor.stop();
    const auto report = supervisor.run();
    EXPECT_EQ(report.reason, StopReason::StoppedByCaller);
    EXPECT_EQ(report.incarnations, 0u);
    EXPECT_FALSE(report.last_result);
    EXPECT_TRUE(lines_of(counter).empty());
    EXPECT_THROW((void)supervisor.run(), Error) << "a Supervisor runs once";
}

TEST_F(Supervise, SpawnFailureStops) {
    const auto report =
        supervise(Command("/nonexistent/processkit-no-such-server"), fast(RestartPolicy::Always));
    EXPECT_EQ(report.reason, StopReason::SpawnFailed);
    EXPECT_EQ(report.restarts, 0u);
    ASSERT_TRUE(report.last_result && report.last_result->error);
    EXPECT_EQ(report.last_result->error->kind(), ErrorKind::NotFound);
}

TEST_F(Supervise, CaptureKeepsTheTailOfEachIncarnation) {
    auto p = fast(RestartPolicy::Never);
    p.capture_lines = 3;
    const auto report = supervise(sh("seq 1 500; seq 1 10 >&2"), p);
    EXPECT_EQ(report.last_result->stdout_text(), "498\n499\n500\n");
    EXPECT_EQ(report.last_result->stderr_text(), "8\n9\n10\n");
    EXPECT_TRUE(report.last_result->truncated());
}

/// True once `pid` is dead or a zombie (the kill is asynchronous: wait for it).
bool gone_within(int pid, int timeout_ms) {
    for (int waited = 0; waited <= timeout_ms; waited += 5) {
        std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
        const std::string text((std::istreambuf_iterator<char>(stat)), {});
        if (text.empty() || text.find(") Z ") != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(5ms);
    }
    return false;
}

TEST_F(Supervise, NothingOfAnIncarnationSurvivesIntoTheNext) {
    // Each incarnation leaves a background sleep behind and records its pid.
    const std::string pids = (dir / "pids").string();
    auto p = fast(RestartPolicy::Always);
    p.max_restarts = 2;
    std::vector<bool> previous_alive;
    p.on_decision = [&](const ProcessResult&, const SupervisorDecision&) {
        for (const auto& pid : lines_of(pids)) {
            previous_alive.push_back(!gone_within(std::stoi(pid), 2000));
        }
    };
    const auto report =
        supervise(sh("sleep 30 >/dev/null 2>&1 & echo $! >> '" + pids + "'; exit 1"), p);
    EXPECT_EQ(report.incarnations, 3u);
    EXPECT_EQ(lines_of(pids).size(), 3u);
    EXPECT_EQ(previous_alive, std::vector<bool>(6, false)) << "1 + 2 + 3 pid checks";
}

TEST(SupervisorPolicyCheck, InvalidPolicyIsRejected) {
    SupervisorPolicy p;
    p.backoff.factor = 0.1;
    try {
        Supervisor s(Command("true"), p);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_NE(e.message().find("factor"), std::string::npos) << e.message();
        EXPECT_EQ(e.program(), "true"); // E1: every error names the program
    }
}

} // namespace
} // namespace processkit
