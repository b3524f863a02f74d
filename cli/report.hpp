#pragma once
// What pk knows about a finished run: the figures behind --json, --profile,
// --stats-out and --plot. Unknown figures are empty optionals. Every part is
// bounded (S3): the output by its cap, the chart by its decimation; the
// samples themselves are not kept (--stats-out streams them).

#include "chart_series.hpp"
#include "output_capture.hpp"
#include "processkit/core/time.hpp"
#include "sample.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace pk {

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
    ChartSeries chart;           ///< filled only for --plot
    OutputCapture stdout_output; ///< --json only
    OutputCapture stderr_output;
};

} // namespace pk
