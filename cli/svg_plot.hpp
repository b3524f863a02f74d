#pragma once
// --plot: a self-contained SVG chart of a run's samples: CPU use in cores
// (top panel) and memory in MiB (bottom panel) over time, with axes, units,
// a legend and a title. No scripts, fonts or external references.

#include "report.hpp"

#include <string>

namespace pk {

std::string svg_plot(const RunReport& report);

} // namespace pk
