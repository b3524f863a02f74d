#pragma once
// Supervision (P2) as a pure decision machine: "incarnation ended at T with
// result R" in, "restart at T1 | pause (storm) until T2 | stop (reason)" out.
// Time arrives with every call and jitter comes from an injected uniform
// source, so every decision is reproducible in a test. The blocking
// Supervisor (reactors/blocking) only runs incarnations and sleeps.
//
// Thread-safety: policy and report are value types; a SupervisorMachine is
// driven from one thread at a time.

#include "processkit/core/backoff.hpp"
#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/time.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>

namespace processkit {

/// When a supervisor restarts its command (P2).
enum class RestartPolicy : std::uint8_t {
    Always,  ///< restart after every end, clean or not
    OnCrash, ///< restart only after a failure (see SupervisorMachine)
    Never,   ///< run once
};

/// Failure-storm guard: a score that halves every `half_life`; each failed
/// incarnation adds 1. When a failure lifts the score above `threshold`, the
/// next restart waits at least `cool_down` instead of the backoff delay.
struct StormGuard {
    /// A failure that lifts the score above this pauses restarts (finite, > 0).
    double threshold = 5.0;
    /// Time in which the score halves (positive).
    Duration half_life = std::chrono::seconds(10);
    /// The least wait before a restart the guard pauses (not negative).
    Duration cool_down = std::chrono::seconds(30);
};

/// Why supervision stopped.
enum class StopReason : std::uint8_t {
    PolicyDeclined,  ///< the restart policy says no (Never, or OnCrash after a clean exit)
    MaxRestarts,     ///< the restart budget is spent
    StopPredicate,   ///< the caller's stop_when returned true
    StoppedByCaller, ///< stop() was called
    SpawnFailed,     ///< the command could not be started (restarting would not help)
};
/// A short English description of `reason`, such as "max restarts reached".
PROCESSKIT_CORE_EXPORT std::string_view to_string(StopReason reason);

/// What a SupervisorMachine decided after an incarnation ended or a stop was
/// requested.
struct SupervisorDecision {
    /// What to do next.
    enum class Kind : std::uint8_t {
        Restart, ///< start the next incarnation at `at` (after the backoff delay)
        Pause,   ///< storm: start the next incarnation at `at` (after the cool-down)
        Stop,    ///< do not start another; `reason` says why
    };
    /// The decision.
    Kind kind = Kind::Stop;
    /// Restart, Pause: when to start the next incarnation (TimePoint::max()
    /// if the delay would overflow).
    TimePoint at{};
    Duration delay{0}; ///< at - the end of the incarnation
    /// Stop: why supervision stops.
    StopReason reason = StopReason::PolicyDeclined;
    friend bool operator==(const SupervisorDecision&, const SupervisorDecision&) = default;
};

/// How a supervisor restarts its command (P2); check it with validate().
struct PROCESSKIT_CORE_EXPORT SupervisorPolicy {
    /// When to restart (default OnCrash).
    RestartPolicy restart = RestartPolicy::OnCrash;
    /// Restarts allowed in total; empty: no limit.
    std::optional<std::uint32_t> max_restarts;
    /// The delay before each restart: by default 100 ms, doubling each time
    /// up to 30 s, less up to 10% jitter.
    Backoff backoff{std::chrono::milliseconds(100), 2.0, std::chrono::seconds(30), 0.1};
    /// An incarnation that ran at least this long resets the backoff.
    Duration healthy_after = std::chrono::seconds(10);
    /// Empty: no storm guard.
    std::optional<StormGuard> storm_guard = StormGuard{};
    /// Called with each incarnation's result; true stops supervision.
    std::function<bool(const ProcessResult&)> stop_when;
    /// Lines kept per stream of each incarnation (its tail; this replaces the
    /// command's buffer policy); 0: the command's own buffer policy.
    std::size_t capture_lines = 100;
    /// Seed of the jitter source; empty: the blocking Supervisor seeds it
    /// from std::random_device.
    std::optional<std::uint64_t> jitter_seed;
    /// Called after every decision (for logs and tests).
    std::function<void(const ProcessResult&, const SupervisorDecision&)> on_decision;

    /// An InvalidArgument error naming the first bad field, if any.
    std::optional<Error> validate() const;
};

/// What a supervision run ended with.
struct SupervisorReport {
    /// The last incarnation's result (its output bounded by capture_lines);
    /// empty if stopped before the first one ended.
    std::optional<ProcessResult> last_result;
    std::uint32_t incarnations = 0; ///< incarnations that ended (spawn failures included)
    /// Incarnations started after the first.
    std::uint32_t restarts = 0;
    /// Restarts delayed by the storm guard (Pause decisions).
    std::uint32_t storm_pauses = 0;
    /// Why supervision stopped.
    StopReason reason = StopReason::StoppedByCaller;
};

/// The decisions of supervision (P2): told how each incarnation ended, it
/// says restart, pause or stop. It reads no clock and runs nothing; the
/// caller starts the incarnations and waits until SupervisorDecision::at.
class PROCESSKIT_CORE_EXPORT SupervisorMachine {
public:
    /// `policy` must be valid (validate()); `random` yields [0, 1).
    SupervisorMachine(SupervisorPolicy policy, UniformSource random);

    /// An incarnation ended at `now` with `result`. A failure is any result
    /// that is not success(): a non-accepted exit code, a signal, a timeout,
    /// a spawn failure. Order of the rules: spawn failure stops; stop_when;
    /// the restart policy; max_restarts; then the backoff delay, stretched to
    /// the cool-down if the storm score passed its threshold.
    SupervisorDecision on_ended(TimePoint now, const ProcessResult& result);
    /// The caller asked to stop: the decision is final.
    SupervisorDecision on_stop_requested();

    /// True once a Stop decision was made; on_ended() then throws
    /// std::logic_error.
    bool stopped() const { return stop_.has_value(); }
    /// Restart and Pause decisions so far.
    std::uint32_t restarts() const { return restarts_; }
    /// Pause decisions so far.
    std::uint32_t storm_pauses() const { return storm_pauses_; }
    /// The storm score as it stands at `now` (decayed since the last failure).
    double storm_score(TimePoint now) const;
    /// The policy it decides by.
    const SupervisorPolicy& policy() const { return policy_; }

private:
    SupervisorDecision stop(StopReason reason);

    SupervisorPolicy policy_;
    UniformSource random_;
    std::uint32_t restarts_ = 0;
    std::uint32_t storm_pauses_ = 0;
    std::uint32_t backoff_step_ = 0;
    double score_ = 0.0;
    TimePoint score_at_{};
    std::optional<StopReason> stop_;
};

/// `score` measured at `then`, decayed to `now` with the given half-life.
PROCESSKIT_CORE_EXPORT double decayed_score(double score, TimePoint then, TimePoint now,
                                            Duration half_life);

} // namespace processkit
