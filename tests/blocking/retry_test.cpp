// Retries of the checking verbs (C7) with real processes. A counter file in a
// temporary directory tells each attempt which one it is.
#include "marked_test.hpp"
#include "processkit/blocking/retry.hpp"
#include "test_support.hpp"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <stop_token>
#include <thread>

namespace processkit {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

class Retry : public testing::MarkedTest {
protected:
    Retry() {
        dir = fs::temp_directory_path() / marker;
        fs::create_directories(dir);
        counter = (dir / "attempts").string();
    }
    ~Retry() override { fs::remove_all(dir); }

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
    Command counted(const std::string& body) {
        return sh("echo x >> '" + counter + "'; n=$(wc -l < '" + counter + "'); " + body);
    }

    RetryPolicy fast(std::uint32_t attempts) {
        RetryPolicy p;
        p.max_attempts = attempts;
        p.backoff = Backoff{1ms, 2.0, 5ms, 0.5};
        p.jitter_seed = 1;
        p.on_retry = [this](std::uint32_t, const Error& e, Duration) {
            retried.push_back(e.kind());
        };
        return p;
    }

    fs::path dir;
    std::string counter;
    std::vector<ErrorKind> retried;
};

TEST_F(Retry, FailsTwiceThenSucceeds) {
    const auto out = run_with_retry(counted("[ $n -ge 3 ] && echo ok"), fast(5));
    EXPECT_EQ(out, "ok");
    EXPECT_EQ(attempts_run(), 3);
    EXPECT_EQ(retried, (std::vector<ErrorKind>{ErrorKind::NonZeroExit, ErrorKind::NonZeroExit}));
}

TEST_F(Retry, GivesUpAfterMaxAttemptsWithTheLastError) {
    try {
        (void)run_with_retry(counted("echo \"failure $n\" >&2; exit 4"), fast(3));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::NonZeroExit);
        EXPECT_EQ(e.exit_code(), 4);
        EXPECT_NE(e.message().find("failure 3"), std::string::npos) << e.message();
    }
    EXPECT_EQ(attempts_run(), 3);
}

TEST_F(Retry, OutputStringReturnsTheFirstSuccess) {
    const auto r = output_string_with_retry(counted("echo \"attempt $n\"; [ $n -ge 2 ]"), fast(3));
    EXPECT_TRUE(r.success());
    EXPECT_EQ(r.stdout_text(), "attempt 2\n");
}

TEST_F(Retry, AcceptedCodesAreNotFailures) {
    auto c = counted("exit 3");
    c.ok_codes({0, 3});
    EXPECT_EQ(run_with_retry(c, fast(3)), "");
    EXPECT_EQ(attempts_run(), 1);
}

TEST_F(Retry, ExitCodeRetriesASignalButAnswersAnyCode) {
    EXPECT_EQ(exit_code_with_retry(counted("[ $n -ge 2 ] && exit 3; kill -KILL $$"), fast(3)), 3);
    EXPECT_EQ(retried, (std::vector<ErrorKind>{ErrorKind::Signalled}));
}

TEST_F(Retry, ProbeRetriesUnexpectedCodes) {
    EXPECT_FALSE(probe_with_retry(counted("[ $n -ge 2 ] && exit 1; exit 2"), fast(3)));
    EXPECT_EQ(attempts_run(), 2);
}

TEST_F(Retry, TimeoutIsRetried) {
    auto c = counted("sleep 5");
    c.timeout(50ms).grace(0ms);
    try {
        (void)run_with_retry(c, fast(2));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Timeout);
    }
    EXPECT_EQ(retried, (std::vector<ErrorKind>{ErrorKind::Timeout}));
}

TEST_F(Retry, NotFoundIsNeverRetried) {
    try {
        (void)run_with_retry(Command("/nonexistent/processkit-no-such-tool"), fast(5));
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    }
    EXPECT_TRUE(retried.empty());
}

TEST_F(Retry, ReplayableStdinIsGivenAgain) {
    auto c = counted("cat >> '" + counter + ".in'; [ $n -ge 2 ] && cat '" + counter + ".in'");
    c.stdin_bytes("payload\n");
    EXPECT_EQ(run_with_retry(c, fast(3)), "payload\npayload");
}

TEST_F(Retry, InheritedOrInteractiveStdinRefusesTheSecondAttempt) {
    for (auto c : {counted("exit 1").stdin_inherit(), counted("exit 1").stdin_interactive()}) {
        fs::remove(counter);
        try {
            (void)run_with_retry(c, fast(3));
            FAIL() << "expected an error";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
            EXPECT_NE(e.message().find("stdin"), std::string::npos) << e.message();
            EXPECT_NE(e.message().find("exited with code 1"), std::string::npos) << e.message();
        }
        EXPECT_EQ(attempts_run(), 1) << "no second attempt on an empty stdin";
    }
}

TEST_F(Retry, InheritedStdinIsFineWhenTheFirstAttemptSucceeds) {
    EXPECT_EQ(run_with_retry(counted("echo fine").stdin_inherit(), fast(3)), "fine");
}

TEST_F(Retry, CancelDuringTheBackoffIsNotRetried) {
    CancelToken cancel;
    auto p = fast(5);
    p.backoff = Backoff{1h, 2.0, 1h, 0.0};
    p.on_retry = [&](std::uint32_t, const Error&, Duration) { cancel.cancel(); };
    try {
        (void)run_with_retry(counted("exit 1"), p, cancel);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Cancelled);
    }
    EXPECT_EQ(attempts_run(), 1);
}

TEST_F(Retry, CancelOfARunningAttemptBeatsItsTimeoutAndIsNotRetried) {
    // The attempt survives its timeout's TERM (the trap notes it in a file),
    // so the grace runs; the caller cancels once the file says the timeout
    // fired. The answer is Cancelled, and there is no retry.
    const std::string got_term = counter + ".term";
    auto c = counted("trap \"echo term >> '" + got_term + "'\" TERM; while :; do sleep 0.05; done");
    c.timeout(100ms).grace(2s);
    CancelToken cancel;
    std::thread canceller([&] {
        for (int i = 0; i < 2000 && !fs::exists(got_term); ++i) {
            std::this_thread::sleep_for(5ms);
        }
        cancel.cancel();
    });
    try {
        (void)run_with_retry(c, fast(5), cancel);
        ADD_FAILURE() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Cancelled) << e.message();
    }
    canceller.join();
    EXPECT_TRUE(fs::exists(got_term)) << "the timeout must have fired";
    EXPECT_TRUE(retried.empty());
    EXPECT_EQ(attempts_run(), 1);
}

TEST_F(Retry, CancelledBeforeTheFirstAttemptRunsNothing) {
    CancelToken cancel;
    cancel.cancel();
    EXPECT_THROW((void)run_with_retry(counted("echo hi"), fast(3), cancel), Error);
    EXPECT_EQ(attempts_run(), 0);
}

TEST_F(Retry, CancellableOutputStringReportsCancelled) {
    CancelToken cancel;
    std::thread canceller([&] {
        pktest::process_with_marker_within(marker, 5000);
        cancel.cancel();
    });
    const auto r = output_string(sh("sleep 30"), cancel, CancelStop::Kill);
    canceller.join();
    EXPECT_EQ(r.outcome, Outcome::cancelled());
    EXPECT_LT(r.duration, 20s) << "the cancel must end the run, not its sleep";
}

TEST_F(Retry, InvalidPolicyIsRejectedBeforeRunning) {
    auto p = fast(0);
    try {
        (void)run_with_retry(counted("true"), p);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_NE(e.message().find("max_attempts"), std::string::npos);
    }
    EXPECT_EQ(attempts_run(), 0);
}

TEST(CancelToken, SleepIsCutShortByACancelFromAnotherThread) {
    CancelToken cancel;
    EXPECT_TRUE(cancel.sleep_for(1ms));
    std::thread t([copy = cancel] { copy.cancel(); });
    EXPECT_FALSE(cancel.sleep_for(1h));
    t.join();
    EXPECT_TRUE(cancel.cancelled());
}

TEST(CancelToken, TheLongestSleepDoesNotOverflow) {
    CancelToken cancel;
    std::thread t([copy = cancel] {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
        copy.cancel();
    });
    EXPECT_FALSE(cancel.sleep_for(Duration::max())); // ends on the cancel, not at once
    t.join();
}

TEST(CancelToken, FollowsAStopToken) {
    std::stop_source stop;
    CancelToken cancel(stop.get_token());
    EXPECT_FALSE(cancel.cancelled());
    EXPECT_TRUE(cancel.sleep_for(1ms));
    std::thread t([&stop] { stop.request_stop(); });
    EXPECT_FALSE(cancel.sleep_for(1h));
    t.join();
    EXPECT_TRUE(cancel.cancelled());

    std::stop_source already;
    already.request_stop();
    EXPECT_TRUE(CancelToken(already.get_token()).cancelled());
}

} // namespace
} // namespace processkit
