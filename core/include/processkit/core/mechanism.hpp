#pragma once

#include "processkit/core/export.hpp"
// Which kernel mechanism contains a process group's tree (G1).
//
// Thread-safety: plain values and pure functions.

#include <cstdint>
#include <optional>
#include <string_view>

namespace processkit {

enum class Mechanism : std::uint8_t {
    CgroupV2,     ///< Linux: a cgroup v2 directory of our own (whole tree, atomic kill)
    ProcessGroup, ///< POSIX process groups (Linux fallback, macOS, BSD): a setsid child escapes
    JobObject,    ///< Windows Job Object
    None,         ///< no containment: only the direct children are known
};

constexpr std::string_view to_string(Mechanism m) {
    switch (m) {
    case Mechanism::CgroupV2:
        return "cgroup_v2";
    case Mechanism::ProcessGroup:
        return "process_group";
    case Mechanism::JobObject:
        return "job_object";
    case Mechanism::None:
        return "none";
    }
    return "unknown";
}

/// Parses the names to_string() gives (and "cgroup", "pgroup").
PROCESSKIT_CORE_EXPORT std::optional<Mechanism> parse_mechanism(std::string_view name);

} // namespace processkit
