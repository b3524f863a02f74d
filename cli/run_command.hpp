#pragma once
// `pk run`: runs PROGRAM in a group of its own, forwards stop signals to the
// whole tree, enforces --timeout, records samples, and reports.

#include "options.hpp"

namespace pk {

/// Runs the command and returns pk's exit status. Throws Failure for pk's
/// own failures and for a PROGRAM that cannot be started.
int run_command(const RunRequest& options);

} // namespace pk
