#pragma once
// Pipelines on Asio (P1): `a | b | c` without a shell, as operations. The
// stages run in one ProcessGroup of their own, joined by OS pipes; when a
// stage really fails, the pipeline's timeout fires or the operation is
// cancelled, the whole group gets the pipeline's timeout signal and, after
// its grace, is killed. The decisions (spawn order, teardown, blame) are the
// core's PipelineMachine, exactly as for the blocking verbs (pipelines.md).
//
//   async_output_string, async_output_bytes   void(std::error_code, PipelineResult)
//   async_run                                 void(std::error_code, std::string)
//   async_exit_code                           void(std::error_code, int)
//   async_probe                               void(std::error_code, bool)
//
// Error codes: async_output_* complete without a code whenever the pipeline
// ran — a stage's failure, a timeout, are in the result (failure(),
// ensure_success()) — except that a stage that reported an Error (it could
// not be spawned, its Fail buffer policy overflowed) gives that ErrorKind's
// code, as async_output_string does for one command. An invalid pipeline
// completes with ErrorKind::InvalidArgument (and a result without stages),
// never inside the initiating call. async_run / async_exit_code /
// async_probe complete with the code of what the blocking run / exit_code /
// probe would throw.
//
// Cancellation (per-operation slot), all types: the pipeline is torn down
// and the operation completes with operation_aborted and the result so far
// (stopped_by Cancelled) once every stage ended:
//   terminal       → SIGKILL to the whole group at once;
//   partial, total → the pipeline's timeout signal, SIGKILL after its grace.
//
// Any completion token works; the completion is always posted to the
// handler's associated executor. Thread-safety: callable from any thread;
// runs are independent (each on a strand of its own).

#include "processkit/asio/detail/pipeline_run.hpp"
#include "processkit/asio/error.hpp"
#include "processkit/asio/operations.hpp"
#include "processkit/core/answers.hpp"
#include "processkit/core/pipeline.hpp"

#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <string>
#include <utility>

namespace processkit::asio {
namespace detail {

template <class... Args, class Token, class Convert>
auto run_pipeline(const ::asio::any_io_executor& ex, GroupOptions group, Pipeline pipeline,
                  Convert convert, Token&& token) {
    return ::asio::async_initiate<Token, void(Args...)>(
        [](auto handler, const ::asio::any_io_executor& io, GroupOptions in_group, Pipeline to_run,
           Convert to_answer) {
            auto slot = ::asio::get_associated_cancellation_slot(handler);
            start_pipeline(io, std::move(to_run), std::move(in_group),
                           make_completion<std::error_code, PipelineResult>(std::move(handler), io,
                                                                            std::move(to_answer)),
                           slot);
        },
        token, ex, std::move(group), std::move(pipeline), std::move(convert));
}

} // namespace detail

// Each verb also takes the pipeline's GroupOptions (after `where`), e.g. to
// require a mechanism or set resource limits; without them, the defaults.

/// Runs to the end and completes with every stage's result.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_string(E&& where, const GroupOptions& group, const Pipeline& pipeline,
                         Token&& token = {}) {
    return detail::run_pipeline<std::error_code, PipelineResult>(
        detail::executor_of(where), group, pipeline, detail::Forward{}, std::forward<Token>(token));
}
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_string(E&& where, const Pipeline& pipeline, Token&& token = {}) {
    return async_output_string(std::forward<E>(where), GroupOptions{}, pipeline,
                               std::forward<Token>(token));
}

/// The same capture, named for callers that want stdout_bytes() exactly.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_bytes(E&& where, const GroupOptions& group, const Pipeline& pipeline,
                        Token&& token = {}) {
    return async_output_string(std::forward<E>(where), group, pipeline, std::forward<Token>(token));
}
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_output_bytes(E&& where, const Pipeline& pipeline, Token&& token = {}) {
    return async_output_string(std::forward<E>(where), GroupOptions{}, pipeline,
                               std::forward<Token>(token));
}

/// The last stage's stdout, trailing whitespace trimmed, if the pipeline
/// succeeded.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_run(E&& where, const GroupOptions& group, const Pipeline& pipeline, Token&& token = {}) {
    return detail::run_pipeline<std::error_code, std::string>(
        detail::executor_of(where), group, pipeline,
        detail::AnswerAs<std::string, PipelineResult, run_answer>{}, std::forward<Token>(token));
}
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_run(E&& where, const Pipeline& pipeline, Token&& token = {}) {
    return async_run(std::forward<E>(where), GroupOptions{}, pipeline, std::forward<Token>(token));
}

/// The blamed stage's exit code, else the last stage's.
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_exit_code(E&& where, const GroupOptions& group, const Pipeline& pipeline,
                     Token&& token = {}) {
    return detail::run_pipeline<std::error_code, int>(
        detail::executor_of(where), group, pipeline,
        detail::AnswerAs<int, PipelineResult, exit_code_answer>{}, std::forward<Token>(token));
}
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_exit_code(E&& where, const Pipeline& pipeline, Token&& token = {}) {
    return async_exit_code(std::forward<E>(where), GroupOptions{}, pipeline,
                           std::forward<Token>(token));
}

/// The last stage's answer, 0 → true, 1 → false (both accepted on it).
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_probe(E&& where, const GroupOptions& group, const Pipeline& pipeline,
                 Token&& token = {}) {
    return detail::run_pipeline<std::error_code, bool>(
        detail::executor_of(where), group, probe_pipeline(pipeline),
        detail::AnswerAs<bool, PipelineResult, probe_answer>{}, std::forward<Token>(token));
}
template <ExecutorOrContext E, class Token = detail::default_token_t<E>>
auto async_probe(E&& where, const Pipeline& pipeline, Token&& token = {}) {
    return async_probe(std::forward<E>(where), GroupOptions{}, pipeline,
                       std::forward<Token>(token));
}

} // namespace processkit::asio
