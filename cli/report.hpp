#pragma once
// What pk knows about a finished run: the figures behind --json, --profile,
// --stats-out and --plot. Unknown figures are empty optionals.

#include "processkit/core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pk {

/// One resource sample of the group, taken every --sample-every.
struct Sample {
    std::int64_t t_ms = 0; ///< since PROGRAM started
    std::size_t active_process_count = 0;
    std::optional<std::int64_t> cpu_ms;        ///< whole tree, cumulative
    std::optional<std::uint64_t> memory_bytes; ///< in use at that moment
};

struct RunReport {
    std::string program;
    std::vector<std::string> args;
    std::string mechanism; ///< "cgroup" or "pgroup"
    std::optional<int> exit_code;
    std::optional<int> signal; ///< the signal PROGRAM died of
    bool timed_out = false;
    std::int64_t duration_ms = 0;
    std::optional<std::int64_t> cpu_ms;
    std::optional<std::uint64_t> peak_memory_bytes;
    std::optional<std::size_t> max_processes;
    std::size_t samples = 0;
    processkit::Duration sample_every{0};
    std::vector<Sample> series;
    std::string stdout_text; ///< decoded as UTF-8 (U+FFFD), --json only
    std::string stderr_text;
    bool stdout_truncated = false;
    bool stderr_truncated = false;
};

} // namespace pk
