// The stop of a tree: every transition of TerminationMachine is in this file.
#include "processkit/core/termination.hpp"

#include <utility>

namespace processkit {

void TerminationMachine::stop(TimePoint now, Signal signal, Duration grace) {
    if (phase_ != Phase::Idle) {
        return; // under way (a running grace is never extended) or over
    }
    if (grace <= Duration::zero()) {
        do_kill(now);
        return;
    }
    phase_ = Phase::Signalled;
    grace_until_ = now + grace;
    pending_ = TerminationAction{TerminationAction::Kind::Signal, signal};
}

void TerminationMachine::kill(TimePoint now) {
    if (phase_ == Phase::Idle || phase_ == Phase::Signalled) {
        do_kill(now);
    }
}

void TerminationMachine::tick(TimePoint now) {
    if (phase_ == Phase::Signalled && grace_until_ && *grace_until_ <= now) {
        do_kill(now);
    } else if (phase_ == Phase::Killed && wait_until_ && *wait_until_ <= now) {
        finish(Ending::WaitTimedOut);
    }
}

void TerminationMachine::emptied() {
    if (phase_ != Phase::Done) {
        finish(killed_ ? Ending::EmptiedAfterKill : Ending::EmptiedBeforeKill);
    }
}

void TerminationMachine::do_kill(TimePoint now) {
    phase_ = Phase::Killed;
    killed_ = true;
    grace_until_.reset();
    if (empty_wait_) {
        wait_until_ = now + *empty_wait_;
    }
    pending_ = TerminationAction{TerminationAction::Kind::Kill, Signal::kill()};
}

void TerminationMachine::finish(Ending ending) {
    phase_ = Phase::Done;
    ending_ = ending;
    grace_until_.reset();
    wait_until_.reset();
}

std::optional<TerminationAction> TerminationMachine::poll_action() {
    return std::exchange(pending_, std::nullopt);
}

std::optional<TimePoint> TerminationMachine::next_deadline() const {
    if (phase_ == Phase::Signalled) {
        return grace_until_;
    }
    if (phase_ == Phase::Killed) {
        return wait_until_;
    }
    return std::nullopt;
}

} // namespace processkit
