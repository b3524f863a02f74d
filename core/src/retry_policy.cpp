#include "processkit/core/retry_policy.hpp"

#include <stdexcept>
#include <string>
#include <utility>

namespace processkit {

bool default_retryable(const Error& error) {
    switch (error.kind()) {
    case ErrorKind::NonZeroExit:
    case ErrorKind::Signalled:
    case ErrorKind::Timeout:
    case ErrorKind::Io:
        return true;
    default:
        return false;
    }
}

bool stdin_replayable(const StdinSource& source) {
    switch (source.kind) {
    case StdinSource::Kind::Empty:
    case StdinSource::Kind::Bytes:
    case StdinSource::Kind::File:
        return true;
    case StdinSource::Kind::Interactive:
    case StdinSource::Kind::Inherit:
        return false;
    }
    return false;
}

namespace {

std::string_view stdin_name(StdinSource::Kind kind) {
    return kind == StdinSource::Kind::Inherit ? "the parent's inherited stdin"
                                              : "an interactive stdin";
}

} // namespace

std::optional<Error> RetryPolicy::validate() const {
    if (max_attempts == 0) {
        return Error(ErrorKind::InvalidArgument, {},
                     "retry policy: max_attempts must be at least 1 (the first attempt)");
    }
    if (auto e = backoff.validate()) {
        return Error(ErrorKind::InvalidArgument, {}, "retry policy: " + e->detail());
    }
    return std::nullopt;
}

RetryMachine::RetryMachine(RetryPolicy policy, const Command& command, UniformSource random)
    : policy_(std::move(policy))
    , program_(command.program())
    , stdin_kind_(command.stdin_source().kind)
    , stdin_replayable_(stdin_replayable(command.stdin_source()))
    , random_(std::move(random)) {
    if (auto e = policy_.validate()) {
        throw Error(e->kind(), program_, e->detail()); // named after the command (E1)
    }
    if (!random_) {
        throw Error(ErrorKind::InvalidArgument, program_, "retry: no jitter source given");
    }
}

RetryDecision RetryMachine::on_cancelled() const {
    RetryDecision d;
    d.error = Error(ErrorKind::Cancelled, program_, "the run was cancelled");
    return d;
}

RetryDecision RetryMachine::on_failure(const Error& error, bool caller_cancelled) {
    if (caller_cancelled || error.kind() == ErrorKind::Cancelled) {
        auto d = on_cancelled();
        if (error.kind() == ErrorKind::Cancelled) {
            d.error = error; // keeps the attempt's output
        }
        return d;
    }
    if (attempts_ == 0) {
        throw std::logic_error("RetryMachine::on_failure before any on_attempt");
    }
    RetryDecision d;
    const bool retryable = policy_.retryable ? policy_.retryable(error) : default_retryable(error);
    if (!retryable || attempts_ >= policy_.max_attempts) {
        d.error = error;
        return d;
    }
    if (!stdin_replayable_) {
        d.error = Error(ErrorKind::InvalidArgument, program_,
                        "cannot retry: its stdin is " + std::string(stdin_name(stdin_kind_)) +
                            ", which the first attempt consumed and a second cannot replay "
                            "(give stdin as bytes, lines or a file to retry); the attempt "
                            "failed with: " +
                            error.detail())
                      .with_output(error.stdout_text(), error.stderr_text());
        return d;
    }
    d.kind = RetryDecision::Kind::Retry;
    d.delay = policy_.backoff.delay(attempts_ - 1, random_());
    return d;
}

} // namespace processkit
