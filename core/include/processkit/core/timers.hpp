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

/// The run machine's timer slots: Timeout (the run's timeout, C6) and Drain
/// (the bound on reading output after the child exited, R5). The stats tick
/// has its own deadline in SamplerMachine, the grace in TerminationMachine.
enum class TimerId : std::uint8_t { Timeout, Drain };
/// The number of TimerId values.
inline constexpr std::size_t timer_count = 2;

/// One optional deadline per TimerId, by the rules at the top of timers.hpp.
class TimerTable {
public:
    /// Sets the deadline of `id` to `at`, replacing any earlier one.
    void arm(TimerId id, TimePoint at) { slots_[index(id)] = at; }
    /// Clears the deadline of `id`.
    void disarm(TimerId id) { slots_[index(id)].reset(); }
    /// Clears every deadline.
    void clear() { slots_ = {}; }
    /// The deadline of `id`; empty if disarmed.
    std::optional<TimePoint> deadline(TimerId id) const { return slots_[index(id)]; }
    /// True if `id` is armed with a deadline at or before `now`.
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
