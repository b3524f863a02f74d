#pragma once
// One resource sample of the group, taken every --sample-every.

#include <cstddef>
#include <cstdint>
#include <optional>

namespace pk {

struct Sample {
    std::int64_t t_ms = 0; ///< since PROGRAM started
    std::size_t active_process_count = 0;
    std::optional<std::int64_t> cpu_ms;        ///< whole tree, cumulative
    std::optional<std::uint64_t> memory_bytes; ///< in use at that moment
};

} // namespace pk
