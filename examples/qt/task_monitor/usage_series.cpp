#include "usage_series.hpp"

#include <algorithm>

namespace task_monitor {

UsageSeries::UsageSeries(std::size_t capacity)
    : capacity_(std::max<std::size_t>(capacity, 1)) {}

void UsageSeries::add(std::chrono::milliseconds elapsed,
                      std::optional<processkit::Duration> totalCpu,
                      std::optional<std::uint64_t> memoryBytes) {
    using Seconds = std::chrono::duration<double>;
    UsageSample sample;
    sample.seconds = Seconds(elapsed).count();
    if (memoryBytes) {
        sample.memoryBytes = static_cast<double>(*memoryBytes);
    }
    if (totalCpu) {
        const auto since = previousCpu_ ? elapsed - *previousElapsed_ : elapsed;
        const auto spent = previousCpu_ ? *totalCpu - *previousCpu_ : *totalCpu;
        if (since.count() > 0) {
            // Clamped: a counter that went backwards is a glitch, not negative use.
            sample.cpuCores = std::max(0.0, Seconds(spent).count() / Seconds(since).count());
        }
        previousElapsed_ = elapsed;
        previousCpu_ = totalCpu;
    }
    samples_.push_back(sample);
    if (samples_.size() > capacity_) {
        samples_.pop_front();
        ++dropped_;
    }
}

void UsageSeries::clear() {
    samples_.clear();
    dropped_ = 0;
    previousElapsed_.reset();
    previousCpu_.reset();
}

double UsageSeries::firstSeconds() const {
    return samples_.empty() ? 0.0 : samples_.front().seconds;
}

double UsageSeries::lastSeconds() const {
    return samples_.empty() ? 0.0 : samples_.back().seconds;
}

double UsageSeries::peakCpuCores() const {
    double peak = 0;
    for (const UsageSample& s : samples_) {
        peak = std::max(peak, s.cpuCores.value_or(0.0));
    }
    return peak;
}

double UsageSeries::peakMemoryBytes() const {
    double peak = 0;
    for (const UsageSample& s : samples_) {
        peak = std::max(peak, s.memoryBytes.value_or(0.0));
    }
    return peak;
}

bool UsageSeries::hasCpu() const {
    return std::any_of(samples_.begin(), samples_.end(),
                       [](const UsageSample& s) { return s.cpuCores.has_value(); });
}

bool UsageSeries::hasMemory() const {
    return std::any_of(samples_.begin(), samples_.end(),
                       [](const UsageSample& s) { return s.memoryBytes.has_value(); });
}

} // namespace task_monitor
