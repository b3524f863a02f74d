#include "processkit/core/retry_policy.hpp"

#include <gtest/gtest.h>
#include <vector>

namespace processkit {
namespace {

using namespace std::chrono_literals;

Error failure(ErrorKind kind) {
    return Error(kind, "tool", "it failed");
}

RetryPolicy exact(std::uint32_t attempts) {
    RetryPolicy p;
    p.max_attempts = attempts;
    p.backoff = Backoff{10ms, 2.0, 35ms, 0.0};
    return p;
}

UniformSource zero() {
    return [] { return 0.0; };
}

TEST(RetryClassifier, DefaultRetriesTransientFailuresOnly) {
    for (auto kind :
         {ErrorKind::NonZeroExit, ErrorKind::Signalled, ErrorKind::Timeout, ErrorKind::Io}) {
        EXPECT_TRUE(default_retryable(failure(kind))) << to_string(kind);
    }
    for (auto kind : {ErrorKind::NotFound, ErrorKind::PermissionDenied, ErrorKind::InvalidArgument,
                      ErrorKind::Cancelled, ErrorKind::SpawnFailed, ErrorKind::OutputTooLarge,
                      ErrorKind::Unsupported}) {
        EXPECT_FALSE(default_retryable(failure(kind))) << to_string(kind);
    }
}

TEST(RetryStdin, ReplayableSources) {
    EXPECT_TRUE(stdin_replayable(Command("x").stdin_source()));
    EXPECT_TRUE(stdin_replayable(Command("x").stdin_bytes("abc").stdin_source()));
    EXPECT_TRUE(stdin_replayable(Command("x").stdin_lines({"a", "b"}).stdin_source()));
    EXPECT_TRUE(stdin_replayable(Command("x").stdin_file("/etc/hostname").stdin_source()));
    EXPECT_FALSE(stdin_replayable(Command("x").stdin_inherit().stdin_source()));
    EXPECT_FALSE(stdin_replayable(Command("x").stdin_interactive().stdin_source()));
}

TEST(RetryMachine, RetriesUpToMaxAttemptsWithGrowingCappedDelays) {
    RetryMachine m(exact(4), Command("tool"), zero());
    std::vector<Duration> delays;
    for (;;) {
        m.on_attempt();
        auto d = m.on_failure(failure(ErrorKind::NonZeroExit));
        if (d.kind == RetryDecision::Kind::GiveUp) {
            ASSERT_TRUE(d.error);
            EXPECT_EQ(d.error->kind(), ErrorKind::NonZeroExit) << "the last error is reported";
            break;
        }
        delays.push_back(d.delay);
    }
    EXPECT_EQ(m.attempts(), 4u);
    EXPECT_EQ(delays, (std::vector<Duration>{10ms, 20ms, 35ms}));
}

TEST(RetryMachine, OneAttemptMeansNoRetry) {
    RetryMachine m(exact(1), Command("tool"), zero());
    m.on_attempt();
    EXPECT_EQ(m.on_failure(failure(ErrorKind::Timeout)).kind, RetryDecision::Kind::GiveUp);
}

TEST(RetryMachine, NonRetryableKindsGiveUpAtOnce) {
    for (auto kind : {ErrorKind::NotFound, ErrorKind::PermissionDenied, ErrorKind::InvalidArgument,
                      ErrorKind::Cancelled}) {
        RetryMachine m(exact(5), Command("tool"), zero());
        m.on_attempt();
        auto d = m.on_failure(failure(kind));
        EXPECT_EQ(d.kind, RetryDecision::Kind::GiveUp) << to_string(kind);
        EXPECT_EQ(d.error->kind(), kind);
    }
}

TEST(RetryMachine, CustomClassifierDecides) {
    auto p = exact(3);
    p.retryable = [](const Error& e) { return e.exit_code() == 75; }; // EX_TEMPFAIL
    RetryMachine m(p, Command("tool"), zero());
    m.on_attempt();
    EXPECT_EQ(m.on_failure(failure(ErrorKind::NonZeroExit).with_exit_code(75)).kind,
              RetryDecision::Kind::Retry);
    m.on_attempt();
    EXPECT_EQ(m.on_failure(failure(ErrorKind::NonZeroExit).with_exit_code(1)).kind,
              RetryDecision::Kind::GiveUp);
}

TEST(RetryMachine, CancelIsNeverRetriedAndBeatsATimeout) {
    RetryMachine m(exact(5), Command("tool"), zero());
    m.on_attempt();
    // The attempt's timeout fired, and the caller cancelled too.
    auto d = m.on_failure(failure(ErrorKind::Timeout), /*caller_cancelled=*/true);
    EXPECT_EQ(d.kind, RetryDecision::Kind::GiveUp);
    EXPECT_EQ(d.error->kind(), ErrorKind::Cancelled);
    EXPECT_EQ(m.on_cancelled().error->kind(), ErrorKind::Cancelled);
}

TEST(RetryMachine, CancelledAttemptKeepsItsOwnError) {
    RetryMachine m(exact(5), Command("tool"), zero());
    m.on_attempt();
    const auto cancelled = failure(ErrorKind::Cancelled).with_output("out", "err");
    auto d = m.on_failure(cancelled);
    EXPECT_EQ(d.kind, RetryDecision::Kind::GiveUp);
    EXPECT_EQ(d.error->stderr_text(), "err");
}

TEST(RetryMachine, InheritedStdinRefusesTheSecondAttemptLoudly) {
    for (auto command : {Command("tool").stdin_inherit(), Command("tool").stdin_interactive()}) {
        RetryMachine m(exact(3), command, zero());
        m.on_attempt();
        auto d = m.on_failure(failure(ErrorKind::NonZeroExit));
        EXPECT_EQ(d.kind, RetryDecision::Kind::GiveUp);
        ASSERT_TRUE(d.error);
        EXPECT_EQ(d.error->kind(), ErrorKind::InvalidArgument);
        EXPECT_NE(d.error->message().find("stdin"), std::string::npos) << d.error->message();
        EXPECT_NE(d.error->message().find("replay"), std::string::npos) << d.error->message();
        EXPECT_NE(d.error->message().find("it failed"), std::string::npos)
            << "the first attempt's failure is kept: " << d.error->message();
    }
}

TEST(RetryMachine, InheritedStdinStillReportsNonRetryableErrorsAsIs) {
    RetryMachine m(exact(3), Command("tool").stdin_inherit(), zero());
    m.on_attempt();
    EXPECT_EQ(m.on_failure(failure(ErrorKind::NotFound)).error->kind(), ErrorKind::NotFound);
}

TEST(RetryMachine, JitterComesFromTheInjectedSource) {
    auto p = exact(3);
    p.backoff = Backoff{100ms, 2.0, 1s, 0.5};
    RetryMachine m(p, Command("tool"), [] { return 0.5; });
    m.on_attempt();
    EXPECT_EQ(m.on_failure(failure(ErrorKind::Io)).delay, 75ms);
}

TEST(RetryMachine, InvalidPolicyIsRejected) {
    EXPECT_THROW(RetryMachine(exact(0), Command("tool"), zero()), Error);
    auto p = exact(2);
    p.backoff.factor = 0.0;
    try {
        RetryMachine m(p, Command("tool"), zero());
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_NE(e.message().find("factor"), std::string::npos);
        EXPECT_EQ(e.program(), "tool"); // E1: every error names the program
    }
}

TEST(RetryMachine, FailureBeforeAnyAttemptIsAMisuse) {
    RetryMachine m(exact(2), Command("tool"), zero());
    EXPECT_THROW((void)m.on_failure(failure(ErrorKind::Io)), std::logic_error);
}

} // namespace
} // namespace processkit
