#pragma once
// Retries of the checking verbs (C7) as a pure decision machine: attempt
// counting, the retryable classifier, the backoff delay and the check that
// the command's stdin can be given again. The blocking wrapper
// (reactors/blocking/retry) only sleeps and calls the verb.
//
// Thread-safety: RetryPolicy is a value type; a RetryMachine is driven from
// one thread at a time.

#include "processkit/core/backoff.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

namespace processkit {

/// True if a failure with this error is worth another attempt.
using RetryClassifier = std::function<bool(const Error&)>;

/// NonZeroExit, Signalled, Timeout and Io are retryable; everything else —
/// NotFound, PermissionDenied, InvalidArgument, Cancelled, SpawnFailed,
/// OutputTooLarge, ... — is not (another attempt would fail alike).
PROCESSKIT_CORE_EXPORT bool default_retryable(const Error& error);

/// Whether a stdin source can be given to a second attempt: the empty stdin,
/// bytes (and lines) and a file are replayed; the parent's inherited stdin
/// and an interactive pipe are consumed by the first attempt.
PROCESSKIT_CORE_EXPORT bool stdin_replayable(const StdinSource& source);

/// How the checking verbs retry a failed run (C7); check it with validate().
struct PROCESSKIT_CORE_EXPORT RetryPolicy {
    /// Attempts in total, the first included (1: no retry).
    std::uint32_t max_attempts = 3;
    /// The delay before each retry: by default 100 ms, doubling each time up
    /// to 10 s, less up to 10% jitter.
    Backoff backoff{std::chrono::milliseconds(100), 2.0, std::chrono::seconds(10), 0.1};
    /// Empty: default_retryable.
    RetryClassifier retryable;
    /// Seed of the jitter source; empty: the blocking wrapper seeds it from
    /// std::random_device.
    std::optional<std::uint64_t> jitter_seed;
    /// Called before each retry with the attempt that failed (1-based), its
    /// error and the delay before the next one.
    std::function<void(std::uint32_t attempt, const Error& error, Duration delay)> on_retry;

    /// An InvalidArgument error naming the first bad field, if any.
    std::optional<Error> validate() const;
};

/// What a RetryMachine decided after a failed attempt or a cancel.
struct RetryDecision {
    /// What to do next.
    enum class Kind : std::uint8_t {
        Retry,  ///< wait `delay`, then run attempt number attempts() + 1
        GiveUp, ///< throw `error`
    };
    /// The decision.
    Kind kind = Kind::GiveUp;
    /// Retry: the wait before the next attempt.
    Duration delay{0};
    std::optional<Error> error; ///< GiveUp
};

/// The decisions of retrying (C7): counts attempts, classifies each failure
/// and gives the backoff delay. It runs and sleeps nothing; the caller does.
class PROCESSKIT_CORE_EXPORT RetryMachine {
public:
    /// `policy` must be valid (validate()); `random` yields [0, 1).
    RetryMachine(RetryPolicy policy, const Command& command, UniformSource random);

    /// Attempt number attempts() failed with `error`. `caller_cancelled`:
    /// the caller cancelled (during the attempt or the wait before it); then
    /// the answer is a Cancelled error whatever the attempt reported — a
    /// cancel beats a timeout and is never retried. A retryable failure of a
    /// command whose stdin cannot be replayed gives up with InvalidArgument
    /// instead of running a second attempt on an empty stdin.
    RetryDecision on_failure(const Error& error, bool caller_cancelled = false);
    /// The caller cancelled while waiting before the next attempt.
    RetryDecision on_cancelled() const;
    /// Call when an attempt starts.
    void on_attempt() { ++attempts_; }
    /// Attempts started so far.
    std::uint32_t attempts() const { return attempts_; }

private:
    RetryPolicy policy_;
    std::string program_;
    StdinSource::Kind stdin_kind_;
    bool stdin_replayable_;
    UniformSource random_;
    std::uint32_t attempts_ = 0;
};

} // namespace processkit
