#pragma once
// StatsSampler: a periodic series of a group's stats for blocking code (G9).
// The first sample is taken at once, then one per interval; ticks missed
// because the caller was slow are skipped, not replayed; a zero interval is
// clamped to 1 ms; the first snapshot that fails ends the series for good.
// It borrows the group: it must not outlive it, and cannot keep it alive.
//
// Thread-safety: none; use one sampler from one thread at a time.

#include "processkit/core/sampler.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/os/export.hpp"

#include <cstdint>
#include <optional>

namespace processkit {

class ProcessGroup;

/// One step of a stats series — the one routine every sampler (this one,
/// profiles, the Asio and Qt samplers) runs when its timer fires: if the
/// machine says a sample is due at `now`, reads the group's stats and tells
/// the machine how it went (a group that cannot report, or none, ends the
/// series for good, G9).
struct SampleStep {
    /// What the step did.
    enum class Kind : std::uint8_t {
        NotDue,  ///< early: wait for the machine's next_deadline()
        Sampled, ///< `stats` holds the sample
        Ended,   ///< the group could not report: the series is over
    };
    /// What happened.
    Kind kind = Kind::NotDue;
    /// The sample (Sampled only).
    std::optional<ProcessGroupStats> stats;
};
/// The step described above, for `machine` at `now`. A null `group` ends the
/// series.
PROCESSKIT_OS_EXPORT SampleStep sample_if_due(SamplerMachine& machine, const ProcessGroup* group,
                                              TimePoint now);

/// Samples a group's stats every interval for blocking code (G9; the rules
/// are at the top of this header). Usually made by
/// ProcessGroup::sample_stats().
class PROCESSKIT_OS_EXPORT StatsSampler {
public:
    /// Borrows `group` (it must outlive the sampler); the first sample is due
    /// at once, then one every `every` (at least 1 ms).
    StatsSampler(const ProcessGroup& group, Duration every);

    /// Blocks until the next tick, then samples. Empty once the series ended.
    std::optional<ProcessGroupStats> next();
    /// The next tick's time, empty once the series ended.
    std::optional<TimePoint> next_deadline() const { return machine_.next_deadline(); }
    /// The interval in use, after clamping.
    Duration interval() const { return machine_.interval(); }
    /// True once a snapshot failed: next() returns nothing from then on.
    bool ended() const { return machine_.ended(); }

private:
    const ProcessGroup* group_;
    SamplerMachine machine_;
};

} // namespace processkit
