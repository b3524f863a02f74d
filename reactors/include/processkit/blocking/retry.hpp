#pragma once
// Retry with backoff for the checking verbs (C7). Each attempt is a fresh run
// in its own private group; between attempts the thread sleeps the backoff
// delay. The decisions — which errors are retried, how long to wait, whether
// the stdin can be given again — are the core's RetryMachine
// (core/retry_policy.hpp); this layer only sleeps and runs.
//
// Cancellation: `cancel` (from any thread) stops a running attempt (the
// command's timeout signal, a kill after its grace) or the sleep before the
// next one, and the call throws ErrorKind::Cancelled. A cancel is never
// retried and beats a timeout that fired in the same attempt.
//
// A stdin that cannot be replayed (stdin_inherit(), stdin_interactive())
// allows one attempt only: a retryable failure then throws InvalidArgument
// naming the stdin, rather than running a second attempt without its input.
//
// Thread-safety: every function may be called from any thread.

#include "processkit/blocking/cancel_token.hpp"
#include "processkit/blocking/export.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/retry_policy.hpp"

#include <string>

namespace processkit {

/// output_string with ensure_success() semantics: the first successful
/// result, or the last attempt's Error thrown.
PROCESSKIT_BLOCKING_EXPORT ProcessResult output_string_with_retry(
    const Command& command, const RetryPolicy& policy, const CancelToken& cancel = CancelToken());
/// run(): trimmed stdout of the first attempt whose exit code is accepted.
PROCESSKIT_BLOCKING_EXPORT std::string run_with_retry(const Command& command,
                                                      const RetryPolicy& policy,
                                                      const CancelToken& cancel = CancelToken());
/// exit_code(): retries runs that did not exit by themselves (signal,
/// timeout); any exit code is an answer.
PROCESSKIT_BLOCKING_EXPORT int exit_code_with_retry(const Command& command,
                                                    const RetryPolicy& policy,
                                                    const CancelToken& cancel = CancelToken());
/// probe(): 0 → true, 1 → false; other codes, signals and timeouts retried.
PROCESSKIT_BLOCKING_EXPORT bool probe_with_retry(const Command& command, const RetryPolicy& policy,
                                                 const CancelToken& cancel = CancelToken());

} // namespace processkit
