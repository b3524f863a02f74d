#pragma once
// Builds a RunProfile (R4) from the samples taken during a run and the run's
// result: the rule for merging sampled and reaped figures lives here, so every
// reactor's profile() reports alike.
//
// Thread-safety: a value type; one writer at a time.

#include "processkit/core/export.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/stats.hpp"

#include <optional>

namespace processkit {

/// Merges a run's stats samples and the reaped child's own figures into a
/// RunProfile (R4), the same way for every reactor.
class PROCESSKIT_CORE_EXPORT ProfileBuilder {
public:
    /// One sampling tick: the figures read, or nullopt if none could be read.
    void add_tick(const std::optional<ProcessGroupStats>& stats);
    /// The profile of a finished run: the samples' figures, with the reaped
    /// child's own usage (`reaped_cpu`, `reaped_peak`) as a floor.
    RunProfile finish(Duration duration, std::optional<int> exit_code,
                      std::optional<Duration> reaped_cpu,
                      std::optional<std::uint64_t> reaped_peak) const;
    /// The same from a run's result (its profile holds the reaped figures).
    RunProfile finish(const ProcessResult& result) const;
    /// Ticks added so far, failed ones included.
    std::size_t ticks() const { return profile_.samples; }

private:
    RunProfile profile_;
};

} // namespace processkit
