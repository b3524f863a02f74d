#pragma once
// --plot: a self-contained SVG chart of a run's samples: CPU use in cores
// (top panel) and memory in MiB (bottom panel) over time, with axes, units,
// a legend and a title. No scripts, fonts or external references.

#include "report.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace pk {

std::string svg_plot(const RunReport& report);

/// `bytes` as XML 1.0 character data, always well-formed: invalid UTF-8 and
/// the characters XML forbids (C0 controls but tab, newline and CR; U+FFFE,
/// U+FFFF) become U+FFFD, markup characters are escaped, and text longer than
/// `max_chars` characters is cut on a character boundary and ends in "...".
std::string xml_text(std::string_view bytes, std::size_t max_chars = std::string_view::npos);

} // namespace pk
