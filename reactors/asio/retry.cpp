// The Asio retry loop (retry.hpp): runs an attempt with async_output_string,
// feeds its failure to the core's RetryMachine, and waits the delay it is
// given on a steady_timer. Everything runs on the loop's strand; cancelling
// forwards the type to the running attempt or cancels the timer.
#include "processkit/asio/retry.hpp"

#include "processkit/core/error_code.hpp"
#include "processkit/driver/jitter_source.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <memory>
#include <optional>

namespace processkit::asio::detail {
namespace {

/// The Error the verb reports for a finished attempt (none: it answered).
std::optional<Error> failure_of(RetryVerb verb, const ProcessResult& result) {
    switch (verb) {
    case RetryVerb::OutputString:
        return result.failure();
    case RetryVerb::Run:
        return run_answer(result).error;
    case RetryVerb::ExitCode:
        return exit_code_answer(result).error;
    case RetryVerb::Probe:
        return probe_answer(result).error;
    }
    return result.failure();
}

class RetryLoop : public std::enable_shared_from_this<RetryLoop> {
public:
    RetryLoop(const ::asio::any_io_executor& ex, Command command, RetryPolicy policy,
              RetryVerb verb, ResultCompletion completion)
        : io_(ex)
        , strand_(::asio::make_strand(ex))
        , timer_(strand_)
        , command_(verb == RetryVerb::Probe ? probe_command(command) : std::move(command))
        , verb_(verb)
        , on_retry_(policy.on_retry)
        , machine_(make_machine(std::move(policy), command_))
        , completion_(std::move(completion)) {}

    void begin() {
        ::asio::post(strand_, [self = shared_from_this()] { self->next_attempt(); });
    }

    /// From the operation's cancellation slot (the emitter's thread).
    void request_cancel(::asio::cancellation_type type) {
        ::asio::post(strand_, [self = shared_from_this(), type] { self->cancel(type); });
    }

private:
    static RetryMachine make_machine(RetryPolicy policy, const Command& command) {
        auto random = processkit::detail::jitter_source(policy.jitter_seed);
        return RetryMachine(std::move(policy), command, std::move(random));
    }

    void next_attempt() {
        if (!completion_) {
            return;
        }
        if (cancelled_) { // before the first attempt, or a cancel the timer missed
            give_up(machine_.on_cancelled(), std::nullopt);
            return;
        }
        machine_.on_attempt();
        in_attempt_ = true;
        async_output_string(
            io_, command_,
            ::asio::bind_cancellation_slot(
                attempt_cancel_.slot(),
                ::asio::bind_executor(
                    strand_, [self = shared_from_this()](std::error_code ec, ProcessResult result) {
                        self->attempt_done(ec, std::move(result));
                    })));
    }

    void attempt_done(std::error_code ec, ProcessResult result) {
        in_attempt_ = false;
        last_ = std::move(result);
        const bool stopped = ec == ::asio::error::operation_aborted; // our cancel reached it
        auto failure = failure_of(verb_, *last_);
        if (!stopped && !failure) {
            completion_.release()->complete({}, std::move(*last_));
            return;
        }
        if (!failure) {
            failure = Error(ErrorKind::Cancelled, command_.program(), "the run was cancelled");
        }
        const auto decision = machine_.on_failure(*failure, stopped || cancelled_);
        if (decision.kind == RetryDecision::Kind::GiveUp) {
            give_up(decision, failure);
            return;
        }
        if (on_retry_) {
            on_retry_(machine_.attempts(), *failure, decision.delay);
        }
        waiting_ = true;
        timer_.expires_after(decision.delay); // saturates for the longest delays
        timer_.async_wait([self = shared_from_this()](std::error_code) {
            self->waiting_ = false;
            self->next_attempt(); // a cancel that ended the wait set cancelled_
        });
    }

    void give_up(const RetryDecision& decision, const std::optional<Error>& failure) {
        if (!last_) { // no attempt ran
            last_.emplace();
            last_->program = command_.program();
            last_->outcome = Outcome::cancelled();
            last_->cancelled = true;
        }
        const Error& error = *decision.error;
        if (error.kind() == ErrorKind::Cancelled) {
            // Asio's word for a cancelled operation.
            completion_.release()->complete(::asio::error::operation_aborted, std::move(*last_));
            return;
        }
        if (!failure || failure->kind() != error.kind()) {
            last_->error = error; // the machine's own reason (a stdin it cannot replay)
        }
        completion_.release()->complete(make_error_code(error.kind()), std::move(*last_));
    }

    void cancel(::asio::cancellation_type type) {
        if (!completion_) {
            return;
        }
        cancelled_ = true;
        if (in_attempt_) {
            attempt_cancel_.emit(type); // stops the attempt's run as the free operation does
        } else if (waiting_) {
            timer_.cancel();
        } // else the next attempt is queued: it sees cancelled_
    }

    ::asio::any_io_executor io_;
    ::asio::strand<::asio::any_io_executor> strand_;
    ::asio::steady_timer timer_;
    Command command_;
    RetryVerb verb_;
    std::function<void(std::uint32_t, const Error&, Duration)> on_retry_;
    RetryMachine machine_;
    ResultCompletion completion_;
    ::asio::cancellation_signal attempt_cancel_;
    std::optional<ProcessResult> last_;
    bool in_attempt_ = false;
    bool waiting_ = false;
    bool cancelled_ = false;
};

struct CancelRetry {
    std::weak_ptr<RetryLoop> loop;
    void operator()(::asio::cancellation_type type) const {
        if (auto l = loop.lock()) {
            l->request_cancel(type);
        }
    }
};

} // namespace

void start_retry(const ::asio::any_io_executor& ex, Command command, RetryPolicy policy,
                 RetryVerb verb, ResultCompletion completion, ::asio::cancellation_slot slot) {
    if (auto e = policy.validate()) {
        ProcessResult result;
        result.program = command.program();
        result.error = Error(e->kind(), command.program(), e->detail()); // named after the command
        completion.release()->complete(make_error_code(e->kind()), std::move(result)); // posted
        return;
    }
    auto loop = std::make_shared<RetryLoop>(ex, std::move(command), std::move(policy), verb,
                                            std::move(completion));
    if (slot.is_connected()) {
        slot.emplace<CancelRetry>(CancelRetry{loop});
    }
    loop->begin();
}

} // namespace processkit::asio::detail
