#pragma once
// UsageSeries: a run's CPU and memory samples, as a chart draws them. It
// keeps only the newest `capacity` samples, so a run of any length costs the
// same memory and paint time (the chart becomes a sliding window). Plain
// C++, no Qt and no display: series_test.cpp checks it on its own.

#include "processkit/core/time.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>

namespace task_monitor {

struct UsageSample {
    double seconds = 0;                ///< since the spawn
    std::optional<double> cpuCores;    ///< CPU use since the previous sample, in cores
    std::optional<double> memoryBytes; ///< memory in use at the sample
};

class UsageSeries {
public:
    /// 600 samples: 2.5 minutes at the window's 250 ms interval.
    static constexpr std::size_t defaultCapacity = 600;

    /// A capacity of 0 is taken as 1.
    explicit UsageSeries(std::size_t capacity = defaultCapacity);

    /// One stats sample: `elapsed` since the spawn, the tree's cumulative CPU
    /// time and its memory now (either may be unknown on this host). CPU use
    /// is the CPU time spent since the previous sample over the wall time
    /// between them; the first sample gets the average since the spawn.
    void add(std::chrono::milliseconds elapsed, std::optional<processkit::Duration> totalCpu,
             std::optional<std::uint64_t> memoryBytes);
    /// Forgets everything (a new run).
    void clear();

    const std::deque<UsageSample>& samples() const { return samples_; }
    bool empty() const { return samples_.empty(); }
    std::size_t capacity() const { return capacity_; }
    /// Samples pushed out of the window since the last clear().
    std::size_t dropped() const { return dropped_; }
    /// The window's time span (0 when empty).
    double firstSeconds() const;
    double lastSeconds() const;
    /// The highest figure in the window (0 when there is none).
    double peakCpuCores() const;
    double peakMemoryBytes() const;
    bool hasCpu() const;
    bool hasMemory() const;

private:
    std::size_t capacity_;
    std::deque<UsageSample> samples_;
    std::size_t dropped_ = 0;
    // The previous CPU reading, kept even when its sample leaves the window:
    // the next rate needs it.
    std::optional<std::chrono::milliseconds> previousElapsed_;
    std::optional<processkit::Duration> previousCpu_;
};

} // namespace task_monitor
