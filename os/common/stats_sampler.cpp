#include "processkit/os/stats_sampler.hpp"

#include "processkit/os/process_group.hpp"

#include <thread>

namespace processkit {

StatsSampler::StatsSampler(const ProcessGroup& group, Duration every)
    : group_(&group)
    , machine_(every, Clock::now()) {}

SampleStep sample_if_due(SamplerMachine& machine, const ProcessGroup* group, TimePoint now) {
    if (!machine.on_tick(now)) {
        return {};
    }
    std::optional<ProcessGroupStats> stats;
    try {
        if (group != nullptr) {
            stats = group->stats();
        }
    } catch (const Error&) {
        // The container is gone: the series ends (G9).
    }
    if (!stats) {
        machine.on_failed();
        return {SampleStep::Kind::Ended, std::nullopt};
    }
    machine.on_sampled(Clock::now()); // after the read: a slow read skips ticks
    return {SampleStep::Kind::Sampled, std::move(stats)};
}

std::optional<ProcessGroupStats> StatsSampler::next() {
    for (;;) {
        const auto due = machine_.next_deadline();
        if (!due) {
            return std::nullopt; // ended for good
        }
        // The one blocking convenience of this layer: waiting for a point in
        // time is what this call is for (the reactors wait on their loops).
        std::this_thread::sleep_until(*due);
        auto step = sample_if_due(machine_, group_, Clock::now());
        if (step.kind != SampleStep::Kind::NotDue) {
            return std::move(step.stats);
        }
    }
}

} // namespace processkit
