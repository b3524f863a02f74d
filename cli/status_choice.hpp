#pragma once
// Whether `pk run` shows its live status line: only ever on a terminal, and
// there by default unless the output is for a program (--json), the user
// asked for silence (--quiet) or the terminal cannot erase a line
// (TERM=dumb or unset). --status / --no-status decide over that default.

#include "options.hpp"

#include <string_view>

namespace pk {

/// `term` is the TERM variable, nullptr when unset.
bool wants_status_line(const RunRequest& request, bool stderr_is_terminal, const char* term);

} // namespace pk
