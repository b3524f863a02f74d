#pragma once
// Resource limits of a process group (G10), validated before anything is
// created. Enforcement is the OS layer's job; if it cannot enforce a limit,
// group creation fails instead of returning an unbounded group.
//
// Thread-safety: a plain value type.

#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"

#include <cstdint>
#include <optional>

namespace processkit {

struct PROCESSKIT_CORE_EXPORT ResourceLimits {
    std::optional<std::uint64_t> memory_max_bytes; ///< whole tree, bytes (> 0)
    std::optional<std::uint64_t> max_processes;    ///< whole tree (> 0)
    std::optional<double> cpu_quota;               ///< cores, e.g. 0.5 (> 0, finite)

    bool any() const { return memory_max_bytes || max_processes || cpu_quota; }
    /// InvalidArgument naming the bad limit: 0, NaN, infinite or negative.
    std::optional<Error> validate() const;
};

} // namespace processkit
