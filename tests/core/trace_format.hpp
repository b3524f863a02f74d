#pragma once
// Golden traces: a readable script of inputs and the actions they must
// produce. See traces/README.md for the format.

#include "processkit/core/run_machine.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace processkit::testing {

std::string describe(const Action& a);

// Shared by the trace formats (run and pipeline traces).
/// Splits on spaces; double quotes group text with spaces (escapes \n, \r,
/// \", \\, \xHH).
std::vector<std::string> words(std::string_view line);
long long number(const std::string& s);
/// The value of a "key=value" word, or empty.
std::string value_of(const std::vector<std::string>& w, std::string_view key);
std::string quote(std::string_view bytes);

/// Runs a trace script and returns the transcript it produces: the config
/// lines and inputs as written (comments and blank lines dropped), each input
/// followed by its actions and the next deadline. A golden file passes when
/// its transcript equals its own non-comment lines.
std::string run_trace(std::string_view script);

/// The script's non-comment, non-blank lines, each ending with '\n'.
std::string expected_transcript(std::string_view script);

} // namespace processkit::testing
