#pragma once
// Retries with backoff for the checking verbs on an Asio executor (C7): the
// asynchronous counterparts of blocking/retry.hpp.
//
//   async_output_string_with_retry   void(std::error_code, ProcessResult)
//   async_run_with_retry             void(std::error_code, std::string)
//   async_exit_code_with_retry       void(std::error_code, int)
//   async_probe_with_retry           void(std::error_code, bool)
//
// Each attempt is a fresh run in a private group of its own (the free
// operation of operations.hpp); between attempts a steady_timer waits the
// backoff delay. Every decision — which failures are retried, how long to
// wait, whether the stdin can be given again, what a cancel means — is the
// core's RetryMachine (core/retry_policy.hpp); the loop only runs and waits.
// Its state lives on a strand of its own; policy.on_retry is called there
// (it must not throw: an exception leaves the io_context's run() and the
// operation is abandoned, as with any handler that throws).
//
// Answers: the first attempt that succeeds completes the operation with an
// empty error code and the verb's answer (as async_output_string /
// async_run / async_exit_code / async_probe would give it). When the machine
// gives up, the error code is the ErrorKind of its error: the last attempt's
// failure (NonZeroExit, Signalled, Timeout, NotFound, ...), or
// InvalidArgument when a retryable failure cannot be retried because the
// stdin cannot be replayed (stdin_inherit(), stdin_interactive(): one attempt
// only). async_output_string_with_retry then also gives the last attempt's
// result; result.failure() describes the error (result.error holds it when
// the machine's error differs from the attempt's own, as for the stdin).
// An invalid policy completes with InvalidArgument before any attempt (the
// result's error names the bad field). Nothing completes inside the
// initiating call.
//
// Cancellation (per-operation slot, every type): during an attempt it stops
// that attempt as the free operations do (terminal → SIGKILL to the tree at
// once; partial → the command's timeout signal, SIGKILL after its grace;
// total → SIGINT, SIGKILL after the grace) and completes once its tree is
// gone; during the backoff it ends the wait at once. Either way the
// operation completes with ::asio::error::operation_aborted (with the last
// result, if an attempt ran) and no further attempt starts: a cancel is
// never retried and beats a timeout of the same attempt. An attempt that
// succeeded before the cancel reached it still answers.
//
// Thread-safety: callable from any thread; operations are independent. The
// first attempt starts on the operation's strand, not inside the initiating
// call; the completion is posted to the handler's associated executor.

#include "processkit/asio/export.hpp"
#include "processkit/asio/operations.hpp"
#include "processkit/core/answers.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/retry_policy.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <asio/error.hpp>
#include <string>
#include <system_error>
#include <utility>

namespace processkit::asio {

namespace detail {

/// Which checking verb an attempt answers (and so which failure it reports).
enum class RetryVerb { OutputString, Run, ExitCode, Probe };

/// Starts the retry loop (retry.cpp) on a strand of `ex`; `completion` gets
/// (error code, last result) as described above.
PROCESSKIT_ASIO_EXPORT void start_retry(const ::asio::any_io_executor& ex, Command command,
                                        RetryPolicy policy, RetryVerb verb,
                                        ResultCompletion completion,
                                        ::asio::cancellation_slot slot);

/// Turns the loop's (code, result) into a verb's answer: the code is final
/// (the machine decided it); without one, the answer comes from the result.
template <class T, Answer<T> (*Decide)(const ProcessResult&)>
struct RetryAnswerAs {
    template <class Handler>
    void operator()(Handler&& handler, std::error_code ec, ProcessResult result) const {
        if (ec) {
            std::forward<Handler>(handler)(ec, T{});
            return;
        }
        auto answer = Decide(result);
        std::forward<Handler>(handler)(std::error_code{},
                                       answer.value ? std::move(*answer.value) : T{});
    }
};

template <class... Args, class Token, class Convert>
auto retry_to_end(const ::asio::any_io_executor& ex, Command command, RetryPolicy policy,
                  RetryVerb verb, Convert convert, Token&& token) {
    return ::asio::async_initiate<Token, void(Args...)>(
        [](auto handler, const ::asio::any_io_executor& io, Command to_run, RetryPolicy retry,
           RetryVerb as, Convert to_answer) {
            auto slot = ::asio::get_associated_cancellation_slot(handler);
            start_retry(io, std::move(to_run), std::move(retry), as,
                        make_completion<std::error_code, ProcessResult>(std::move(handler), io,
                                                                        std::move(to_answer)),
                        slot);
        },
        token, ex, std::move(command), std::move(policy), verb, std::move(convert));
}

} // namespace detail

/// output_string with ensure_success() semantics: the first successful
/// result, or the last attempt's failure as its ErrorKind code (with its result).
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_string_with_retry(E&& where, const Command& command, const RetryPolicy& policy,
                                    Token&& token = {}) {
    return detail::retry_to_end<std::error_code, ProcessResult>(
        detail::executor_of(where), command, policy, detail::RetryVerb::OutputString,
        detail::Forward{}, std::forward<Token>(token));
}

/// run(): trimmed stdout of the first attempt whose exit code is accepted.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_run_with_retry(E&& where, const Command& command, const RetryPolicy& policy,
                          Token&& token = {}) {
    return detail::retry_to_end<std::error_code, std::string>(
        detail::executor_of(where), command, policy, detail::RetryVerb::Run,
        detail::RetryAnswerAs<std::string, run_answer>{}, std::forward<Token>(token));
}

/// exit_code(): retries runs that did not exit by themselves (signal,
/// timeout); any exit code is an answer.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_exit_code_with_retry(E&& where, const Command& command, const RetryPolicy& policy,
                                Token&& token = {}) {
    return detail::retry_to_end<std::error_code, int>(
        detail::executor_of(where), command, policy, detail::RetryVerb::ExitCode,
        detail::RetryAnswerAs<int, exit_code_answer>{}, std::forward<Token>(token));
}

/// probe(): 0 → true, 1 → false; other codes, signals and timeouts retried.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_probe_with_retry(E&& where, const Command& command, const RetryPolicy& policy,
                            Token&& token = {}) {
    return detail::retry_to_end<std::error_code, bool>(
        detail::executor_of(where), command, policy, detail::RetryVerb::Probe,
        detail::RetryAnswerAs<bool, probe_answer>{}, std::forward<Token>(token));
}

} // namespace processkit::asio
