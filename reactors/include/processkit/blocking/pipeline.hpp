#pragma once
// The blocking verbs for pipelines (P1): `a | b | c` without a shell. The
// stages run in one ProcessGroup of their own (the strongest mechanism the
// host offers), joined by OS pipes, driven by one epoll loop. Stdout is the
// last stage's; each stage's stderr is captured per its Command; the first
// stage's stdin follows its Command.
//
// When a stage really fails (see core/pipeline.hpp for the blame rules), the
// pipeline's timeout fires, or the caller cancels, the whole group gets the
// pipeline's timeout signal and, after its grace, is killed: no stage is left
// hanging on a pipe. A stage that fails to spawn kills the stages already
// started at once. Nothing is left behind on any path: no child, descriptor
// or cgroup directory.
//
// Cancel: pass a std::stop_token; request_stop() from any thread ends the run
// as Cancelled (a cancel after a stage already failed only hurries the kill).
//
// Thread-safety: every function may be called from any thread; runs are
// independent.

#include "processkit/blocking/export.hpp"
#include "processkit/core/pipeline.hpp"
#include "processkit/os/process_group.hpp"

#include <stop_token>
#include <string>

namespace processkit {

/// Options for the blocking pipeline verbs: a cancel signal and the settings
/// of the pipeline's own ProcessGroup.
struct PipelineOptions {
    /// Cancels the run when stop is requested.
    std::stop_token stop;
    /// The pipeline's group (e.g. to require a mechanism or set limits).
    GroupOptions group;
};

/// Runs to the end and returns every stage's result. A failure is reported
/// in the result, not thrown (ensure_success() throws). Throws Error only
/// for an invalid pipeline (InvalidArgument) or a group that cannot be made.
PROCESSKIT_BLOCKING_EXPORT PipelineResult output_string(const Pipeline& pipeline,
                                                        const PipelineOptions& options = {});
/// Same capture; named for callers that want stdout_bytes() exactly.
PROCESSKIT_BLOCKING_EXPORT PipelineResult output_bytes(const Pipeline& pipeline,
                                                       const PipelineOptions& options = {});
/// The last stage's stdout, trailing whitespace trimmed; throws the
/// pipeline's Error unless it succeeded.
PROCESSKIT_BLOCKING_EXPORT std::string run(const Pipeline& pipeline,
                                           const PipelineOptions& options = {});
/// The blamed stage's exit code, else the last stage's; throws Error if that
/// stage did not exit by itself, on spawn failure, timeout or cancel.
PROCESSKIT_BLOCKING_EXPORT int exit_code(const Pipeline& pipeline,
                                         const PipelineOptions& options = {});
/// The last stage's answer, 0 → true, 1 → false (both accepted on it), e.g.
/// `probe(Command("ps").arg("ax") | Command("grep").args({"-q", "sshd"}))`;
/// throws Error for any other code or if the pipeline failed otherwise.
PROCESSKIT_BLOCKING_EXPORT bool probe(const Pipeline& pipeline,
                                      const PipelineOptions& options = {});

} // namespace processkit
