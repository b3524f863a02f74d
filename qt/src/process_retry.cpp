// Process::setRetryPolicy: attempts of one start() (C7). The core's
// RetryMachine decides — which failures are retried, the backoff delay, a
// stdin that cannot be given twice, a cancel that is never retried — and
// this file only waits the delay (on the Process's one timer) and starts the
// next attempt in a fresh private group (a fresh RunDriver).
#include "process_p.hpp"
#include "processkit/driver/jitter_source.hpp"

#include <utility>

namespace processkit::qt {

void Process::setRetryPolicy(std::optional<processkit::RetryPolicy> policy) {
    if (policy) {
        if (auto e = policy->validate()) {
            throw Error(e->kind(), d_->program(), e->detail()); // named after the command (E1)
        }
    }
    d_->retry_policy = std::move(policy);
}

const std::optional<processkit::RetryPolicy>& Process::retryPolicy() const {
    return d_->retry_policy;
}

int Process::attempt() const {
    return d_->attempts;
}

void ProcessPrivate::begin_attempts() {
    retry.reset();
    last_attempt.reset();
    retry_at.reset();
    backing_off = false;
    attempt_cancelled = false;
    attempts = 1;
    if (retry_policy && command) {
        retry.emplace(*retry_policy, *command, detail::jitter_source(retry_policy->jitter_seed));
        retry->on_attempt();
    }
}

bool ProcessPrivate::retry_after(ProcessResult& r) {
    auto failure = r.failure();
    if (!failure) {
        return false;
    }
    const RetryDecision decision = retry->on_failure(*failure, attempt_cancelled);
    if (decision.kind == RetryDecision::Kind::GiveUp) {
        return false; // finished() with this attempt's result
    }
    backing_off = true;
    last_attempt = std::move(r);
    deadline.reset();
    retry_at = Clock::now() + decision.delay;
    pending.push_back(
        item::Retrying{static_cast<int>(retry->attempts()), std::move(*failure), decision.delay});
    if (wait) {
        step_readiness(Clock::now()); // this attempt is over: so is its wait
    }
    rearm_timer();
    return true;
}

void ProcessPrivate::next_attempt() {
    backing_off = false;
    retry_at.reset();
    last_attempt.reset();
    attempt_cancelled = false;
    write_error_reported = false;
    started_at.reset();
    pid = 0;
    driver.reset(); // the finished attempt's (inert: it unwatched everything)
    retry->on_attempt();
    attempts = static_cast<int>(retry->attempts());
    launch();
}

bool ProcessPrivate::cancel_attempts() {
    if (!retry) {
        return false;
    }
    if (!backing_off) {
        attempt_cancelled = true; // this attempt ends as asked, and is the last
        return false;
    }
    // Cancelled while waiting for the next attempt: the run ends now, with
    // the last attempt's result marked as cancelled.
    const RetryDecision decision = retry->on_cancelled();
    backing_off = false;
    retry_at.reset();
    ProcessResult r = std::move(*last_attempt);
    last_attempt.reset();
    r.outcome = Outcome::cancelled();
    r.cancelled = true;
    r.error = decision.error;
    final_result = std::move(r);
    rearm_timer();
    queue_end(*final_result);
    post_flush();
    return true;
}

} // namespace processkit::qt
