#include "processkit/core/limits.hpp"

#include <cmath>

namespace processkit {

std::optional<Error> ResourceLimits::validate() const {
    if (memory_max_bytes && *memory_max_bytes == 0) {
        return Error(ErrorKind::InvalidArgument, {}, "memory limit must be greater than 0 bytes");
    }
    if (max_processes && *max_processes == 0) {
        return Error(ErrorKind::InvalidArgument, {}, "process limit must be at least 1");
    }
    if (cpu_quota && (!std::isfinite(*cpu_quota) || *cpu_quota <= 0.0)) {
        return Error(ErrorKind::InvalidArgument, {},
                     "CPU quota must be a finite number of cores greater than 0");
    }
    return std::nullopt;
}

} // namespace processkit
