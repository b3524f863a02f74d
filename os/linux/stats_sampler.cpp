#include "processkit/os/stats_sampler.hpp"

#include "processkit/os/process_group.hpp"

#include <thread>

namespace processkit {

StatsSampler::StatsSampler(const ProcessGroup& group, Duration every)
    : group_(&group)
    , machine_(every, Clock::now()) {}

std::optional<ProcessGroupStats> StatsSampler::next() {
    for (;;) {
        const auto due = machine_.next_deadline();
        if (!due) {
            return std::nullopt; // ended for good
        }
        // Waiting for a point in time is what this call is for.
        std::this_thread::sleep_until(*due);
        if (machine_.on_tick(Clock::now())) {
            break;
        }
    }
    try {
        auto stats = group_->stats();
        machine_.on_sampled(Clock::now());
        return stats;
    } catch (const Error&) {
        machine_.on_failed();
        return std::nullopt;
    }
}

} // namespace processkit
