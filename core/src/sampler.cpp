#include "processkit/core/sampler.hpp"

#include <algorithm>

namespace processkit {

SamplerMachine::SamplerMachine(Duration every, TimePoint start)
    : interval_(std::max(every, min_interval))
    , due_(start) {}

std::optional<TimePoint> SamplerMachine::next_deadline() const {
    if (ended_ || in_flight_) {
        return std::nullopt;
    }
    return due_;
}

bool SamplerMachine::on_tick(TimePoint now) {
    if (ended_ || in_flight_ || now < due_) {
        return false;
    }
    skip_past(now);
    in_flight_ = true;
    ++ticks_;
    return true;
}

void SamplerMachine::skip_past(TimePoint now) {
    // The first grid point strictly after now; missed ones are not replayed.
    if (due_ <= now) {
        due_ += interval_ * ((now - due_) / interval_ + 1);
    }
}

void SamplerMachine::on_sampled(TimePoint now) {
    in_flight_ = false;
    skip_past(now);
}

void SamplerMachine::on_failed() {
    in_flight_ = false;
    ended_ = true;
}

} // namespace processkit
