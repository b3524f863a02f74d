#include "processkit/core/stats.hpp"

namespace processkit {

std::optional<double> RunProfile::avg_cpu() const {
    if (!cpu_time || duration <= Duration::zero()) {
        return std::nullopt;
    }
    using Seconds = std::chrono::duration<double>;
    return std::chrono::duration_cast<Seconds>(*cpu_time).count() /
           std::chrono::duration_cast<Seconds>(duration).count();
}

} // namespace processkit
