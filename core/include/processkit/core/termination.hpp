#pragma once
// TerminationMachine: how a tree is stopped, as a sans-IO machine shared by
// every run, every pipeline, pk and the groups' shutdown. One table:
//
//   state      | stop(sig, grace)          | kill()     | tick: grace over | tick: wait over |
//   emptied()
//   -----------+---------------------------+------------+------------------+-----------------+----------
//   Idle       | grace > 0: Signal, arm    | Kill       |                  |                 | Done
//              |   grace → Signalled       | → Killed   |                  |                 |
//              | grace ≤ 0: Kill → Killed  |            |                  |                 |
//   Signalled  | (ignored: a running grace | Kill       | Kill → Killed    |                 | Done
//              |  is never extended)       | → Killed   |                  |                 |
//   Killed     |                           |            |                  | → Done (timed   | Done
//              |                           |            |                  |   out waiting)  |
//   Done       | ignored                   | ignored    |                  |                 |
//
// "Emptied" is the adapter's report that nothing is left to stop (the group
// is empty; for a single process, it was reaped). After the kill, the machine
// waits at most `empty_wait` for that report (no bound: it waits forever);
// how the stop ended is in ending(). Whether a second stop request escalates
// is the caller's decision: it calls kill() for that.
//
// The machine never reads a clock and never touches the OS: the adapter
// applies poll_action() and feeds tick() at next_deadline().
//
// Thread-safety: none; one machine is driven from one thread at a time.

#include "processkit/core/export.hpp"
#include "processkit/core/signal.hpp"
#include "processkit/core/time.hpp"

#include <cstdint>
#include <optional>

namespace processkit {

/// What a TerminationMachine asks its adapter to do to the target; see
/// TerminationMachine::poll_action().
struct TerminationAction {
    /// The kinds of action.
    enum class Kind : std::uint8_t {
        Signal, ///< send `signal` to the target
        Kill,   ///< kill the target (SIGKILL, TerminateJobObject)
    };
    /// Which action.
    Kind kind = Kind::Kill;
    /// For Kind::Signal, the signal to send; Signal::kill() for Kind::Kill.
    Signal signal = Signal::kill();
    friend bool operator==(const TerminationAction&, const TerminationAction&) = default;
};

/// Stops a process or a tree without touching the OS: a signal, a grace, a
/// kill, then a bounded wait for the adapter's emptied() report. The adapter
/// applies poll_action() and calls tick() at next_deadline(). The full
/// transition table is at the top of termination.hpp.
class PROCESSKIT_CORE_EXPORT TerminationMachine {
public:
    /// Idle: no stop requested; Signalled: the signal was sent and the grace
    /// runs; Killed: the kill was sent, waiting for emptied(); Done: over,
    /// see ending().
    enum class Phase : std::uint8_t { Idle, Signalled, Killed, Done };
    /// How the stop ended.
    enum class Ending : std::uint8_t {
        None,              ///< not done yet
        EmptiedBeforeKill, ///< emptied before any kill (in the grace, or unasked)
        EmptiedAfterKill,  ///< emptied after the kill
        WaitTimedOut,      ///< not reported empty within empty_wait after the kill
    };

    /// `empty_wait`: how long to wait for emptied() after the kill; empty:
    /// no bound.
    explicit TerminationMachine(std::optional<Duration> empty_wait = std::nullopt)
        : empty_wait_(empty_wait) {}

    /// Graceful stop: `signal`, then a kill after `grace` (zero or negative:
    /// the kill at once). Ignored once a stop is under way.
    void stop(TimePoint now, Signal signal, Duration grace);
    /// Kill at once (also the escalation of a running grace).
    void kill(TimePoint now);
    /// A deadline may have passed.
    void tick(TimePoint now);
    /// Nothing is left to stop.
    void emptied();

    /// Takes the pending action (a signal or a kill), if any; each action is
    /// returned once.
    std::optional<TerminationAction> poll_action();
    /// When tick() is due next: the end of the grace (Signalled) or of the
    /// wait for emptied() (Killed); empty if there is no deadline.
    std::optional<TimePoint> next_deadline() const;

    /// The current phase.
    Phase phase() const { return phase_; }
    /// A stop or kill was requested and the machine is not done.
    bool stopping() const { return phase_ == Phase::Signalled || phase_ == Phase::Killed; }
    /// A kill was issued (stays true once done).
    bool killed() const { return killed_; }
    /// The machine reached Phase::Done; nothing more will happen.
    bool done() const { return phase_ == Phase::Done; }
    /// How the stop ended; Ending::None until done().
    Ending ending() const { return ending_; }
    /// When the grace ends (Signalled only).
    std::optional<TimePoint> kill_at() const { return grace_until_; }

private:
    void do_kill(TimePoint now);
    void finish(Ending ending);

    std::optional<Duration> empty_wait_;
    Phase phase_ = Phase::Idle;
    Ending ending_ = Ending::None;
    bool killed_ = false;
    std::optional<TimePoint> grace_until_;
    std::optional<TimePoint> wait_until_;
    // At most one action per input; polled once.
    std::optional<TerminationAction> pending_;
};

} // namespace processkit
