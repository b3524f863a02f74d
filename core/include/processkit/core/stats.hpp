#pragma once
// Resource figures of a process group (G8) and the summary of one run (R4).
//
// Thread-safety: plain value types.

#include "processkit/core/export.hpp"
#include "processkit/core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>

namespace processkit {

/// One snapshot of a group's resource usage. Absent fields mean the mechanism
/// cannot report them (for example the POSIX process-group fallback has no
/// tree-wide CPU accounting, and a cgroup without the memory controller has no
/// memory.peak).
struct ProcessGroupStats {
    /// Live processes in the group. Under the process-group mechanism this
    /// counts process groups (leaders), not every process.
    std::size_t active_process_count = 0;
    /// User + system CPU time of the whole tree, including exited members.
    std::optional<Duration> total_cpu_time;
    /// Peak memory of the tree in bytes (cgroup memory.peak).
    std::optional<std::uint64_t> peak_memory_bytes;
    /// Memory in use now, in bytes: cgroup memory.current, or else the sum of
    /// the members' resident set sizes read from /proc.
    std::optional<std::uint64_t> memory_bytes;

    friend bool operator==(const ProcessGroupStats&, const ProcessGroupStats&) = default;
};

/// Resource summary of one finished run.
struct PROCESSKIT_CORE_EXPORT RunProfile {
    /// The exit code; empty for a run that was killed by a signal or timed out.
    std::optional<int> exit_code;
    /// From spawn until the run finished (exit reaped and output drained).
    Duration duration{0};
    /// CPU time at the last successful sample (or the reaped child's usage).
    std::optional<Duration> cpu_time;
    /// Highest memory figure seen across the samples.
    std::optional<std::uint64_t> peak_memory_bytes;
    /// Sampling ticks that ran, including ones that found no data.
    std::size_t samples = 0;

    /// Average CPU use in cores (0.5 = half a core; above 1 for parallel
    /// children). Empty without a CPU figure or with a zero duration.
    std::optional<double> avg_cpu() const;

    friend bool operator==(const RunProfile&, const RunProfile&) = default;
};

} // namespace processkit
