#pragma once
// The blocking verbs (R1-R3, G11). Each run gets a private ProcessGroup that
// dies with it, unless a shared group is given: then the child runs in that
// group, and a timeout or cancel reaches the direct child only (the tree
// belongs to the group's owner) — as in the reference.
//
// Thread-safety: every function may be called from any thread; runs started
// concurrently are independent. A shared ProcessGroup is itself thread-safe.

#include "processkit/blocking/export.hpp"
#include "processkit/blocking/running_process.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/result.hpp"
#include "processkit/os/process_group.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {

/// Runs to the end and returns everything (R1). A non-zero exit, a signal or
/// a timeout is reported in the result, not thrown; ensure_success() throws.
/// Spawn failures are in result.error (and thrown by ensure_success()).
PROCESSKIT_BLOCKING_EXPORT ProcessResult output_string(const Command& command);
PROCESSKIT_BLOCKING_EXPORT ProcessResult output_string(ProcessGroup& group, const Command& command);
/// Same capture; named for callers that want stdout_bytes exactly.
PROCESSKIT_BLOCKING_EXPORT ProcessResult output_bytes(const Command& command);
PROCESSKIT_BLOCKING_EXPORT ProcessResult output_bytes(ProcessGroup& group, const Command& command);

/// stdout with trailing whitespace trimmed; throws Error unless the exit code
/// is accepted (ok_codes).
PROCESSKIT_BLOCKING_EXPORT std::string run(const Command& command);
PROCESSKIT_BLOCKING_EXPORT std::string run(ProcessGroup& group, const Command& command);

/// The exit code; throws Error if the child did not exit by itself (spawn
/// failure, signal, timeout, cancel).
PROCESSKIT_BLOCKING_EXPORT int exit_code(const Command& command);
PROCESSKIT_BLOCKING_EXPORT int exit_code(ProcessGroup& group, const Command& command);

/// 0 → true, 1 → false, anything else → Error.
PROCESSKIT_BLOCKING_EXPORT bool probe(const Command& command);
PROCESSKIT_BLOCKING_EXPORT bool probe(ProcessGroup& group, const Command& command);

/// The first stdout line matching `pred`; the tree is stopped as soon as it
/// matches. Empty if the output ended without a match. Throws on spawn failure.
PROCESSKIT_BLOCKING_EXPORT std::optional<std::string>
first_line(const Command& command, const std::function<bool(std::string_view)>& pred);
PROCESSKIT_BLOCKING_EXPORT std::optional<std::string>
first_line(ProcessGroup& group, const Command& command,
           const std::function<bool(std::string_view)>& pred);

/// Starts the run and returns at once (R3). Throws Error if it cannot start.
PROCESSKIT_BLOCKING_EXPORT RunningProcess start(const Command& command,
                                                const StartOptions& options = {});
PROCESSKIT_BLOCKING_EXPORT RunningProcess start(ProcessGroup& group, const Command& command,
                                                const StartOptions& options = {});

/// G11: blocks until one of the processes finishes; returns its index.
PROCESSKIT_BLOCKING_EXPORT std::size_t wait_any(std::vector<RunningProcess*> processes);
/// Waits for all, in input order.
PROCESSKIT_BLOCKING_EXPORT std::vector<Outcome> wait_all(std::vector<RunningProcess*> processes);
/// Runs every command (at most `concurrency` at a time, 0 = all at once) in
/// one reactor, each in a private group; results in input order.
PROCESSKIT_BLOCKING_EXPORT std::vector<ProcessResult>
output_all(const std::vector<Command>& commands, std::size_t concurrency = 0);
/// The same with every command in `group`: one container for the whole
/// set, which spares each child a group of its own (on Linux, a cgroup
/// directory made and removed per child) and so costs about what a plain
/// spawn does. As with the other calls that take a group, a run's timeout
/// or cancellation signals only its own child, and what a child leaves
/// behind stays in the group until the group is killed or destroyed.
PROCESSKIT_BLOCKING_EXPORT std::vector<ProcessResult>
output_all(ProcessGroup& group, const std::vector<Command>& commands, std::size_t concurrency = 0);

} // namespace processkit
