#include "status_meter.hpp"

#include <algorithm>

namespace pk {

StatusMeter::StatusMeter(std::optional<processkit::Duration> timeout, bool counts_groups)
    : timeout_(timeout)
    , counts_groups_(counts_groups) {
    reference_.cpu_ms = 0;
}

void StatusMeter::start(processkit::TimePoint now) {
    started_ = now;
}

void StatusMeter::add(const Sample& s) {
    latest_ = s;
}

StatusFigures StatusMeter::figures(processkit::TimePoint now, bool stopping) {
    StatusFigures f;
    f.counts_groups = counts_groups_;
    f.stopping = stopping;
    if (started_) {
        f.elapsed = std::max(now - *started_, processkit::Duration::zero());
        if (timeout_) {
            f.timeout_left = std::max(*timeout_ - f.elapsed, processkit::Duration::zero());
        }
    }
    if (latest_) {
        f.memory_bytes = latest_->memory_bytes;
        f.processes = latest_->active_process_count;
        if (latest_->t_ms > reference_.t_ms) {
            if (latest_->cpu_ms && reference_.cpu_ms) {
                const auto cpu = std::max<std::int64_t>(*latest_->cpu_ms - *reference_.cpu_ms, 0);
                cores_ =
                    static_cast<double>(cpu) / static_cast<double>(latest_->t_ms - reference_.t_ms);
            } else {
                cores_.reset(); // pgroup: no tree-wide CPU time
            }
            reference_ = *latest_;
        }
    }
    f.cores = cores_;
    return f;
}

} // namespace pk
