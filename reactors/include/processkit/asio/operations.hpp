#pragma once
// The free operations: each spawns a command (in a private group of its own,
// or in a shared ProcessGroup) and completes when the run is over (R1, R2).
//
//   async_output_string, async_output_bytes   void(std::error_code, ProcessResult)
//   async_run                                 void(std::error_code, std::string)
//   async_exit_code                           void(std::error_code, int)
//   async_probe                               void(std::error_code, bool)
//   async_output_all                          void(std::error_code, std::vector<ProcessResult>)
//
// Error codes follow the blocking verbs: async_output_* report a spawn
// failure (or another Error of the run) as that ErrorKind's code, with the
// full Error in result.error, and a non-zero exit, signal or timeout only in
// the result; async_run / async_exit_code / async_probe report what the
// blocking run / exit_code / probe would throw (ErrorKind codes: NotFound,
// NonZeroExit, Timeout, ...). For the message, use async_output_string and
// result.failure().
//
// Cancellation: these operations own their child, so cancelling one stops
// the run and it completes with operation_aborted once the tree is gone:
//   terminal → SIGKILL to the tree at once;
//   partial  → the command's timeout signal, then SIGKILL after its grace;
//   total    → SIGINT, then SIGKILL after the grace.
// The grace is the direct child's: once it exited, the rest of a private
// group's tree is killed with the group at once. (In a shared group, the
// signals reach the direct child only.)
//
// Thread-safety: callable from any thread; runs are independent. Spawning
// happens inside the initiating call; the completion is always posted.

#include "processkit/asio/detail/run.hpp"
#include "processkit/asio/export.hpp"
#include "processkit/core/answers.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/error_code.hpp"
#include "processkit/core/pipeline.hpp"
#include "processkit/core/result.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/error.hpp>
#include <asio/execution_context.hpp>
#include <asio/is_executor.hpp>
#include <string>
#include <system_error>
#include <type_traits>
#include <utility>
#include <vector>

namespace processkit::asio {

/// What the operations accept as "where to run": an executor or an
/// execution context (io_context, thread_pool).
template <class T>
concept ExecutorOrContext = ::asio::execution::is_executor<std::remove_cvref_t<T>>::value ||
                            ::asio::is_executor<std::remove_cvref_t<T>>::value ||
                            std::is_convertible_v < std::remove_cvref_t<T>
&, ::asio::execution_context& > ;

namespace detail {

template <class E>
auto executor_of(E& e) {
    if constexpr (std::is_convertible_v<E&, ::asio::execution_context&>) {
        return e.get_executor();
    } else {
        return std::remove_cvref_t<E>(e);
    }
}
template <class E>
using executor_of_t = decltype(executor_of(std::declval<std::remove_reference_t<E>&>()));
template <class E>
using default_token_t = ::asio::default_completion_token_t<executor_of_t<E>>;

/// Whether a result comes from something that ran (an invalid pipeline, or
/// one whose group could not be made, has no stage to answer from).
inline bool ran(const ProcessResult&) {
    return true;
}
inline bool ran(const PipelineResult& result) {
    return !result.stages.empty();
}

/// Turns a run's or a pipeline's (code, result) into an operation's answer.
template <class T, class Result, Answer<T> (*Decide)(const Result&)>
struct AnswerAs {
    template <class Handler>
    void operator()(Handler&& handler, std::error_code ec, Result result) const {
        if (ec == ::asio::error::operation_aborted || !ran(result)) {
            std::forward<Handler>(handler)(ec, T{});
            return;
        }
        auto answer = Decide(result);
        if (answer.error) {
            std::forward<Handler>(handler)(make_error_code(answer.error->kind()), T{});
        } else {
            std::forward<Handler>(handler)(std::error_code{}, std::move(*answer.value));
        }
    }
};

template <class... Args, class Token, class Convert>
auto run_operation(const ::asio::any_io_executor& ex, ProcessGroup* group, Command command,
                   Convert convert, Token&& token) {
    return ::asio::async_initiate<Token, void(Args...)>(
        [](auto handler, const ::asio::any_io_executor& io, ProcessGroup* in_group,
           const Command& to_run, Convert to_answer) {
            StartOptions options;
            options.line_reader = false;
            auto run = Run::start(io, to_run, in_group, options, Run::Owner::Operation);
            const auto id = run->next_op_id();
            connect_cancellation(handler, run, id);
            run->async_result(id,
                              make_completion<std::error_code, ProcessResult>(
                                  std::move(handler), io, std::move(to_answer)),
                              OnCancel::StopRun);
        },
        token, ex, group, std::move(command), std::move(convert));
}

using AllCompletion = CompletionPtr<std::error_code, std::vector<ProcessResult>>;
/// async_output_all's state machine (output_all.cpp).
/// `group`: nullptr for a private group per run.
PROCESSKIT_ASIO_EXPORT void start_output_all(const ::asio::any_io_executor& ex, ProcessGroup* group,
                                             std::vector<Command> commands, std::size_t concurrency,
                                             AllCompletion completion,
                                             ::asio::cancellation_slot slot);

/// Both async_output_all overloads start here (`group` nullptr: a private
/// group per run).
inline constexpr auto initiate_output_all = [](auto handler, const ::asio::any_io_executor& io,
                                               ProcessGroup* group, std::vector<Command> to_run,
                                               std::size_t at_once) {
    auto slot = ::asio::get_associated_cancellation_slot(handler);
    start_output_all(
        io, group, std::move(to_run), at_once,
        make_completion<std::error_code, std::vector<ProcessResult>>(std::move(handler), io), slot);
};

} // namespace detail

/// Runs to the end and completes with the whole result (R1).
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_string(E&& where, const Command& command, Token&& token = {}) {
    return detail::run_operation<std::error_code, ProcessResult>(
        detail::executor_of(where), nullptr, command, detail::Forward{},
        std::forward<Token>(token));
}
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_string(E&& where, ProcessGroup& group, const Command& command,
                         Token&& token = {}) {
    return detail::run_operation<std::error_code, ProcessResult>(
        detail::executor_of(where), &group, command, detail::Forward{}, std::forward<Token>(token));
}

/// The same capture, named for callers that want stdout_bytes exactly.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_bytes(E&& where, const Command& command, Token&& token = {}) {
    return async_output_string(std::forward<E>(where), command, std::forward<Token>(token));
}
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_bytes(E&& where, ProcessGroup& group, const Command& command,
                        Token&& token = {}) {
    return async_output_string(std::forward<E>(where), group, command, std::forward<Token>(token));
}

/// stdout with trailing whitespace trimmed, if the exit code is accepted.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_run(E&& where, const Command& command, Token&& token = {}) {
    return detail::run_operation<std::error_code, std::string>(
        detail::executor_of(where), nullptr, command,
        detail::AnswerAs<std::string, ProcessResult, run_answer>{}, std::forward<Token>(token));
}
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_run(E&& where, ProcessGroup& group, const Command& command, Token&& token = {}) {
    return detail::run_operation<std::error_code, std::string>(
        detail::executor_of(where), &group, command,
        detail::AnswerAs<std::string, ProcessResult, run_answer>{}, std::forward<Token>(token));
}

/// The exit code of a child that exited by itself (any code).
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_exit_code(E&& where, const Command& command, Token&& token = {}) {
    return detail::run_operation<std::error_code, int>(
        detail::executor_of(where), nullptr, command,
        detail::AnswerAs<int, ProcessResult, exit_code_answer>{}, std::forward<Token>(token));
}
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_exit_code(E&& where, ProcessGroup& group, const Command& command, Token&& token = {}) {
    return detail::run_operation<std::error_code, int>(
        detail::executor_of(where), &group, command,
        detail::AnswerAs<int, ProcessResult, exit_code_answer>{}, std::forward<Token>(token));
}

/// Exit code 0 → true, 1 → false, anything else → NonZeroExit.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_probe(E&& where, const Command& command, Token&& token = {}) {
    return detail::run_operation<std::error_code, bool>(
        detail::executor_of(where), nullptr, probe_command(command),
        detail::AnswerAs<bool, ProcessResult, probe_answer>{}, std::forward<Token>(token));
}
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_probe(E&& where, ProcessGroup& group, const Command& command, Token&& token = {}) {
    return detail::run_operation<std::error_code, bool>(
        detail::executor_of(where), &group, probe_command(command),
        detail::AnswerAs<bool, ProcessResult, probe_answer>{}, std::forward<Token>(token));
}

/// G11: runs every command, at most `concurrency` at a time (0 = all at
/// once), each in a private group; results in input order. Cancelling it
/// stops every run still going (as above) and starts no more; it then
/// completes with operation_aborted and the results so far (runs never
/// started have Outcome::Cancelled).
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_all(E&& where, std::vector<Command> commands, std::size_t concurrency = 0,
                      Token&& token = {}) {
    return ::asio::async_initiate<Token, void(std::error_code, std::vector<ProcessResult>)>(
        detail::initiate_output_all, token, ::asio::any_io_executor(detail::executor_of(where)),
        static_cast<ProcessGroup*>(nullptr), std::move(commands), concurrency);
}

/// The same with every command in `group` (which must outlive the
/// operation): one container for the whole set instead of one per run, so
/// a child costs about what a plain spawn does. A run's timeout or
/// cancellation signals only its own child; what a child leaves behind
/// stays in the group until the group is killed or destroyed.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_all(E&& where, ProcessGroup& group, std::vector<Command> commands,
                      std::size_t concurrency = 0, Token&& token = {}) {
    return ::asio::async_initiate<Token, void(std::error_code, std::vector<ProcessResult>)>(
        detail::initiate_output_all, token, ::asio::any_io_executor(detail::executor_of(where)),
        &group, std::move(commands), concurrency);
}

} // namespace processkit::asio
