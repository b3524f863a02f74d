#include "processkit/blocking/retry.hpp"

#include "processkit/core/answers.hpp"
#include "processkit/driver/jitter_source.hpp"

#include <utility>

namespace processkit {
namespace {

// Runs attempts until `answer_of` (a ProcessResult -> Answer<T>) has a value,
// the machine gives up, or the caller cancels.
template <class T, class AnswerOf>
T with_retry(const Command& command, const RetryPolicy& policy, const CancelToken& cancel,
             AnswerOf answer_of) {
    RetryMachine machine(policy, command, detail::jitter_source(policy.jitter_seed));
    for (;;) {
        if (cancel.cancelled()) {
            throw *machine.on_cancelled().error;
        }
        machine.on_attempt();
        Answer<T> answer = answer_of(output_string(command, cancel, CancelStop::Graceful));
        if (!answer.error) {
            return std::move(*answer.value);
        }
        auto decision = machine.on_failure(*answer.error, cancel.cancelled());
        if (decision.kind == RetryDecision::Kind::GiveUp) {
            throw *decision.error;
        }
        if (policy.on_retry) {
            policy.on_retry(machine.attempts(), *answer.error, decision.delay);
        }
        if (!cancel.sleep_for(decision.delay)) {
            throw *machine.on_cancelled().error;
        }
    }
}

} // namespace

ProcessResult output_string_with_retry(const Command& command, const RetryPolicy& policy,
                                       const CancelToken& cancel) {
    return with_retry<ProcessResult>(command, policy, cancel, [](ProcessResult r) {
        if (auto e = r.failure()) {
            return Answer<ProcessResult>::failed(std::move(*e));
        }
        return Answer<ProcessResult>::ok(std::move(r));
    });
}

std::string run_with_retry(const Command& command, const RetryPolicy& policy,
                           const CancelToken& cancel) {
    return with_retry<std::string>(command, policy, cancel,
                                   [](const ProcessResult& r) { return run_answer(r); });
}

int exit_code_with_retry(const Command& command, const RetryPolicy& policy,
                         const CancelToken& cancel) {
    return with_retry<int>(command, policy, cancel,
                           [](const ProcessResult& r) { return exit_code_answer(r); });
}

bool probe_with_retry(const Command& command, const RetryPolicy& policy,
                      const CancelToken& cancel) {
    return with_retry<bool>(probe_command(command), policy, cancel,
                            [](const ProcessResult& r) { return probe_answer(r); });
}

} // namespace processkit
