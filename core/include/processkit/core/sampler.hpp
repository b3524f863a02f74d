#pragma once
// The stats sampler machine (G9): decides when a group's stats are sampled.
//
// - The first tick is due at once (at the start time).
// - Then one tick per interval on a fixed grid; ticks missed because the
//   caller was late are skipped, never replayed in a burst.
// - A zero or negative interval is clamped to 1 ms.
// - While a sample is in flight no tick is due (samples never overlap).
// - The first failed sample ends the series for good.
//
// Thread-safety: none; drive it from one thread.

#include "processkit/core/export.hpp"
#include "processkit/core/time.hpp"

#include <cstddef>
#include <optional>

namespace processkit {

/// Decides when a group's stats are sampled (G9), by the rules at the top of
/// sampler.hpp. It reads no clock: every time is passed in.
class PROCESSKIT_CORE_EXPORT SamplerMachine {
public:
    /// A shorter interval (zero or negative included) is raised to this: 1 ms.
    static constexpr Duration min_interval = std::chrono::milliseconds(1);

    /// The first tick is due at `start`, then one every `every` (at least
    /// min_interval).
    SamplerMachine(Duration every, TimePoint start);

    /// The interval in use, after clamping.
    Duration interval() const { return interval_; }
    /// When the next tick is due; empty while a sample is in flight or after the end.
    std::optional<TimePoint> next_deadline() const;
    /// Returns true when a sample should be taken now (and marks it in flight).
    /// Early or repeated calls return false.
    [[nodiscard]] bool on_tick(TimePoint now);
    /// The sample arrived. If it took longer than an interval, the ticks it
    /// overran are skipped too, so the next deadline is never in the past.
    void on_sampled(TimePoint now);
    /// Ends the series for good.
    void on_failed();
    /// True once a sample failed (on_failed()): no tick is due any more.
    bool ended() const { return ended_; }
    /// True from a tick that asked for a sample until on_sampled() or
    /// on_failed().
    bool in_flight() const { return in_flight_; }
    /// Ticks that asked for a sample, including the one that failed.
    std::size_t ticks() const { return ticks_; }

private:
    void skip_past(TimePoint now);

    Duration interval_;
    TimePoint due_;
    bool in_flight_ = false;
    bool ended_ = false;
    std::size_t ticks_ = 0;
};

} // namespace processkit
