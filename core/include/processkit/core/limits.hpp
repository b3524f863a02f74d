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

/// Limits on a whole process group (G10), given when the group is created.
/// An empty field means no limit. Creation fails with ResourceLimit if the OS
/// cannot enforce a limit that is set.
struct PROCESSKIT_CORE_EXPORT ResourceLimits {
    std::optional<std::uint64_t> memory_max_bytes; ///< whole tree, bytes (> 0)
    std::optional<std::uint64_t> max_processes;    ///< whole tree (> 0)
    std::optional<double> cpu_quota;               ///< cores, e.g. 0.5 (> 0, finite)

    /// At least one limit is set.
    bool any() const { return memory_max_bytes || max_processes || cpu_quota; }
    /// InvalidArgument naming the bad limit: 0, NaN, infinite or negative.
    std::optional<Error> validate() const;
};

} // namespace processkit
