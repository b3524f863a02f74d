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

RunProfile ProfileBuilder::finish(const ProcessResult& result) const {
    RunProfile p = profile_;
    p.exit_code = result.profile.exit_code;
    p.duration = result.duration;
    // The reaped child's figures can only add to what the samples saw.
    if (result.profile.cpu_time && (!p.cpu_time || *p.cpu_time < *result.profile.cpu_time)) {
        p.cpu_time = result.profile.cpu_time;
    }
    if (result.profile.peak_memory_bytes) {
        p.peak_memory_bytes =
            std::max(p.peak_memory_bytes.value_or(0), *result.profile.peak_memory_bytes);
    }
    return p;
}

} // namespace processkit
