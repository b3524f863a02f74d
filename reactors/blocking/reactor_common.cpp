// What the blocking reactor is on every platform: its deadlines and when to
// wake. Only the wait itself differs (reactor.cpp: epoll;
// reactor_windows.cpp: an I/O completion port).
#include "processkit/blocking/reactor.hpp"

#include <algorithm>

namespace processkit::blocking {

int poll_timeout_ms(std::optional<TimePoint> at) {
    if (!at) {
        return -1;
    }
    const auto left = *at - Clock::now();
    if (left <= Duration::zero()) {
        return 0;
    }
    // Round up: waking a little late is fine, early would spin.
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(left).count();
    return static_cast<int>(std::min<decltype(ms)>(ms, 24 * 3600 * 1000));
}

void Reactor::deadline_changed(driver::RunDriver& driver, std::optional<TimePoint> at) {
    deadlines_.set(driver, at);
}

std::optional<TimePoint> Reactor::next_deadline() const {
    return deadlines_.next();
}

bool Reactor::idle() const {
    return fds_.empty() && !next_deadline();
}

std::optional<TimePoint> Reactor::wake_at(std::optional<TimePoint> until) const {
    auto wake = next_deadline();
    if (until && (!wake || *until < *wake)) {
        wake = until;
    }
    return wake;
}

} // namespace processkit::blocking
