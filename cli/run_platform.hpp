#pragma once
// What `pk run` does differently per platform: checking --cwd, asking after
// the owner-death guard, and waiting for a stop signal or an empty tree.
// run_platform.cpp is POSIX, run_platform_windows.cpp Windows.

#include "processkit/core/time.hpp"
#include "processkit/os/process_group.hpp"
#include "stop_signals.hpp"

#include <optional>
#include <string>

namespace pk {

/// Throws Failure (exit_pk_failed) naming --cwd if it is missing or not a directory.
void check_cwd(const std::optional<std::string>& cwd);

/// Why the owner-death guard could not start ("" if it did, or no guard is
/// needed: a Windows job dies with its owner's handle).
std::string guard_error();
/// Whether a guard protects the groups made from now on (always on Windows).
bool guard_alive();

/// Blocks until a stop signal arrives, the tree may have emptied, or
/// `until` passes (whichever first; it may return early).
void wait_for_signal_or_empty(processkit::ProcessGroup& group, StopSignals& signals,
                              processkit::TimePoint until);

} // namespace pk
