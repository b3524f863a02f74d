#pragma once
// Debug renderings that are safe to log (E1): they show the program, counts
// and names, never argument values, environment values, the working
// directory or stdin content, which may hold secrets.
//
//   Command{program="curl", args=3, env: set [TOKEN, HOME], removed [X],
//           cwd=set, stdin=bytes(12), timeout=5s}
//   Error{kind=non-zero exit, program="cc", exit_code=1, stderr=40 bytes,
//         message="'cc': non-zero exit: exited with code 1; stderr: ..."}
//
// Thread-safety: pure functions.

#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"
#include "processkit/core/time.hpp"

#include <iosfwd>
#include <string>

namespace processkit {

/// A duration for people: "0s", "250ms", "1.5s", "2s", "40us" (3 decimals at most).
PROCESSKIT_CORE_EXPORT std::string format_duration(Duration d);

PROCESSKIT_CORE_EXPORT std::string debug_string(const Command& command);
/// The error's message is included: it names the program and quotes at most
/// the last stderr line, never arguments or environment values. The paths
/// searched for the program (they come from PATH) are left out and the
/// error's path() (a working directory, a stdin file) shows as <path>.
PROCESSKIT_CORE_EXPORT std::string debug_string(const Error& error);

PROCESSKIT_CORE_EXPORT std::ostream& operator<<(std::ostream& out, const Command& command);
PROCESSKIT_CORE_EXPORT std::ostream& operator<<(std::ostream& out, const Error& error);

} // namespace processkit
