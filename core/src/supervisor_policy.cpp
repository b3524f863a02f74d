#include "processkit/core/supervisor_policy.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>
#include <utility>

namespace processkit {

std::string_view to_string(StopReason reason) {
    switch (reason) {
    case StopReason::PolicyDeclined:
        return "restart policy declined";
    case StopReason::MaxRestarts:
        return "max restarts reached";
    case StopReason::StopPredicate:
        return "stop predicate";
    case StopReason::StoppedByCaller:
        return "stopped by the caller";
    case StopReason::SpawnFailed:
        return "spawn failed";
    }
    return "unknown";
}

std::optional<Error> SupervisorPolicy::validate() const {
    auto bad = [](const std::string& what) {
        return Error(ErrorKind::InvalidArgument, {}, "supervisor policy: " + what);
    };
    if (auto e = backoff.validate()) {
        return bad(e->detail());
    }
    if (healthy_after < Duration::zero()) {
        return bad("healthy_after is negative");
    }
    if (storm_guard) {
        if (!std::isfinite(storm_guard->threshold) || storm_guard->threshold <= 0.0) {
            return bad("the storm guard's threshold must be a finite number > 0");
        }
        if (storm_guard->half_life <= Duration::zero()) {
            return bad("the storm guard's half-life must be positive");
        }
        if (storm_guard->cool_down < Duration::zero()) {
            return bad("the storm guard's cool-down is negative");
        }
    }
    return std::nullopt;
}

double decayed_score(double score, TimePoint then, TimePoint now, Duration half_life) {
    if (now <= then || score == 0.0) {
        return score;
    }
    const double halvings =
        static_cast<double>((now - then).count()) / static_cast<double>(half_life.count());
    return score * std::exp2(-halvings);
}

SupervisorMachine::SupervisorMachine(SupervisorPolicy policy, UniformSource random)
    : policy_(std::move(policy))
    , random_(std::move(random)) {
    if (auto e = policy_.validate()) {
        throw *e;
    }
    if (!random_) {
        throw Error(ErrorKind::InvalidArgument, {}, "supervisor: no jitter source given");
    }
}

double SupervisorMachine::storm_score(TimePoint now) const {
    if (!policy_.storm_guard) {
        return 0.0;
    }
    return decayed_score(score_, score_at_, now, policy_.storm_guard->half_life);
}

SupervisorDecision SupervisorMachine::stop(StopReason reason) {
    stop_ = reason;
    SupervisorDecision d;
    d.kind = SupervisorDecision::Kind::Stop;
    d.reason = reason;
    return d;
}

SupervisorDecision SupervisorMachine::on_stop_requested() {
    if (stop_) {
        return stop(*stop_);
    }
    return stop(StopReason::StoppedByCaller);
}

SupervisorDecision SupervisorMachine::on_ended(TimePoint now, const ProcessResult& result) {
    if (stop_) {
        throw std::logic_error("SupervisorMachine::on_ended after a stop decision");
    }
    const bool failed = !result.success();
    if (failed && policy_.storm_guard) {
        score_ = storm_score(now) + 1.0;
        score_at_ = now;
    }
    if (result.duration >= policy_.healthy_after) {
        backoff_step_ = 0;
    }

    if (result.outcome.kind == Outcome::Kind::SpawnFailed) {
        return stop(StopReason::SpawnFailed);
    }
    if (policy_.stop_when && policy_.stop_when(result)) {
        return stop(StopReason::StopPredicate);
    }
    if (policy_.restart == RestartPolicy::Never ||
        (policy_.restart == RestartPolicy::OnCrash && !failed)) {
        return stop(StopReason::PolicyDeclined);
    }
    if (policy_.max_restarts && restarts_ >= *policy_.max_restarts) {
        return stop(StopReason::MaxRestarts);
    }

    SupervisorDecision d;
    d.kind = SupervisorDecision::Kind::Restart;
    d.delay = policy_.backoff.delay(backoff_step_, random_());
    if (backoff_step_ < 64) { // the cap is reached long before: stop counting
        ++backoff_step_;
    }
    if (failed && policy_.storm_guard && score_ > policy_.storm_guard->threshold) {
        d.kind = SupervisorDecision::Kind::Pause;
        d.delay = std::max(d.delay, policy_.storm_guard->cool_down);
        ++storm_pauses_;
    }
    // Saturated: a cap of Duration::max() means "wait for stop()", not overflow.
    d.at = d.delay > TimePoint::max() - now ? TimePoint::max() : now + d.delay;
    ++restarts_;
    return d;
}

} // namespace processkit
