#include "processkit/core/profile_builder.hpp"

#include <algorithm>

namespace processkit {

void ProfileBuilder::add_tick(const std::optional<ProcessGroupStats>& stats) {
    ++profile_.samples;
    if (!stats) {
        return;
    }
    if (stats->total_cpu_time) {
        profile_.cpu_time = stats->total_cpu_time;
    }
    for (const auto& m : {stats->peak_memory_bytes, stats->memory_bytes}) {
        if (m) {
            profile_.peak_memory_bytes = std::max(profile_.peak_memory_bytes.value_or(0), *m);
        }
    }
}

RunProfile ProfileBuilder::finish(Duration duration, std::optional<int> exit_code,
                                  std::optional<Duration> reaped_cpu,
                                  std::optional<std::uint64_t> reaped_peak) const {
    RunProfile p = profile_;
    p.exit_code = exit_code;
    p.duration = duration;
    // The reaped child's figures can only add to what the samples saw.
    if (reaped_cpu && (!p.cpu_time || *p.cpu_time < *reaped_cpu)) {
        p.cpu_time = reaped_cpu;
    }
    if (reaped_peak) {
        p.peak_memory_bytes = std::max(p.peak_memory_bytes.value_or(0), *reaped_peak);
    }
    return p;
}

RunProfile ProfileBuilder::finish(const ProcessResult& result) const {
    return finish(result.duration, result.profile.exit_code, result.profile.cpu_time,
                  result.profile.peak_memory_bytes);
}

} // namespace processkit
