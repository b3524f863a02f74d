#pragma once
// The text of pk run's live status line, e.g.
//   pk 1m05s | CPU 1.80 cores | mem 29.5 MiB | 4 processes | timeout in 8m55s
// ASCII only, so that its length is its width in columns; cut to fit the
// terminal (one column spare: a line that fills the last column makes some
// terminals wrap), never wrapped.

#include "processkit/core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace pk {

/// What the status line shows at one moment.
struct StatusFigures {
    processkit::Duration elapsed{0};
    std::optional<double> cores; ///< CPU use over the last interval
    std::optional<std::uint64_t> memory_bytes;
    std::optional<std::size_t> processes;
    bool counts_groups = false; ///< pgroup: the count is of process groups
    std::optional<processkit::Duration> timeout_left;
    bool stopping = false; ///< the tree is being stopped (--timeout fired or a signal)
};

/// Whole seconds: "0s", "59s", "1m05s", "2h03m07s".
std::string format_clock(std::int64_t seconds);

/// The line for `f`, at most `width - 1` characters ("" when width < 2).
std::string status_text(const StatusFigures& f, std::size_t width);

} // namespace pk
