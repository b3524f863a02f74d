#pragma once
// The human summary --profile prints on stderr after the run.

#include "report.hpp"

#include <string>

namespace pk {

/// Several lines, each ending in '\n': wall time, CPU time, average cores,
/// peak memory, peak process count, samples, mechanism.
std::string profile_text(const RunReport& report);

} // namespace pk
