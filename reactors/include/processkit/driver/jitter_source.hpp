#pragma once
// The jitter source of every reactor's retry loop and Supervisor: seeded when
// the policy asks for reproducible delays, else from std::random_device.
// (The core takes the source as input and never reads entropy itself.)

#include "processkit/core/backoff.hpp"

#include <cstdint>
#include <optional>
#include <random>

namespace processkit::detail {

inline UniformSource jitter_source(const std::optional<std::uint64_t>& seed) {
    if (seed) {
        return seeded_uniform(*seed);
    }
    std::random_device device;
    return seeded_uniform((std::uint64_t{device()} << 32) | device());
}

} // namespace processkit::detail
