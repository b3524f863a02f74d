#pragma once
// The run machine's timers: one slot per purpose, so the reactor needs only
// one OS timer armed at next(). A slot that is disarmed or not yet due is
// simply not reported, which makes early or repeated ticks harmless.
//
// Thread-safety: none; owned by one machine.

#include "processkit/core/time.hpp"

#include <array>
#include <cstdint>
#include <optional>

namespace processkit {

// The stats tick has its own deadline in SamplerMachine, the grace in
// TerminationMachine.
enum class TimerId : std::uint8_t { Timeout, Drain };
inline constexpr std::size_t timer_count = 2;

class TimerTable {
public:
    void arm(TimerId id, TimePoint at) { slots_[index(id)] = at; }
    void disarm(TimerId id) { slots_[index(id)].reset(); }
    void clear() { slots_ = {}; }
    std::optional<TimePoint> deadline(TimerId id) const { return slots_[index(id)]; }
    bool due(TimerId id, TimePoint now) const {
        const auto& at = slots_[index(id)];
        return at && *at <= now;
    }
    /// The earliest armed deadline.
    std::optional<TimePoint> next() const {
        std::optional<TimePoint> earliest;
        for (const auto& at : slots_) {
            if (at && (!earliest || *at < *earliest)) {
                earliest = at;
            }
        }
        return earliest;
    }

private:
    static constexpr std::size_t index(TimerId id) { return static_cast<std::size_t>(id); }
    std::array<std::optional<TimePoint>, timer_count> slots_{};
};

} // namespace processkit
