// The Asio Supervisor's loop: an incarnation is an async_output_string in a
// private group, its result goes to the core's SupervisorMachine, and the
// delay it decides is waited on a steady_timer. Everything runs on the
// core's strand; stop() and close() only set flags and post.
#include "processkit/asio/detail/supervisor_core.hpp"

#include "processkit/asio/operations.hpp"
#include "processkit/core/error_code.hpp"
#include "processkit/driver/jitter_source.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/bind_executor.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <utility>

namespace processkit::asio::detail {
namespace {

Command bounded(Command command, const SupervisorPolicy& policy) {
    if (policy.capture_lines > 0) {
        command.buffer_policy(BufferPolicy::keep_newest_lines(policy.capture_lines));
    }
    return command;
}

SupervisorPolicy checked(SupervisorPolicy policy, const Command& command) {
    if (auto e = policy.validate()) {
        throw Error(e->kind(), command.program(), e->detail()); // named after the command (E1)
    }
    return policy;
}

} // namespace

SupervisorCore::SupervisorCore(::asio::any_io_executor io, Command command, SupervisorPolicy policy)
    : io_(std::move(io))
    , strand_(::asio::make_strand(io_))
    , timer_(strand_)
    , command_(bounded(std::move(command), policy))
    , policy_(checked(std::move(policy), command_))
    , machine_(policy_, processkit::detail::jitter_source(policy_.jitter_seed)) {}

SupervisorCore::~SupervisorCore() = default;

void SupervisorCore::async_run(ReportCompletion completion, ::asio::cancellation_slot slot) {
    if (run_called_.exchange(true)) {
        // A Supervisor runs once (posted, like every completion).
        completion.release()->complete(make_error_code(ErrorKind::InvalidArgument),
                                       SupervisorReport{});
        return;
    }
    if (slot.is_connected()) {
        slot.emplace<CancelSupervision>(CancelSupervision{weak_from_this()});
    }
    ::asio::post(strand_, [self = shared_from_this(), c = std::move(completion)]() mutable {
        self->completion_ = std::move(c);
        self->begin();
    });
}

void SupervisorCore::stop() noexcept {
    stop_requested_ = true;
    post_stop();
}

void SupervisorCore::request_cancel() noexcept {
    aborted_ = true;
    stop();
}

void SupervisorCore::close() noexcept {
    closed_ = true;
    request_cancel();
}

void SupervisorCore::post_stop() noexcept {
    try {
        ::asio::post(strand_, [self = shared_from_this()] { self->on_stop(); });
    } catch (...) {
        // Out of memory: the flag alone ends supervision at the next step.
    }
}

void SupervisorCore::drop_pending() noexcept {
    completion_.reset(); // destroys the handler without calling it
}

void SupervisorCore::begin() {
    if (stop_requested_) { // stop() before async_run, or before its start reached the strand
        finish(machine_.on_stop_requested().reason);
        return;
    }
    start_incarnation();
}

void SupervisorCore::start_incarnation() {
    if (report_.incarnations > 0) {
        ++report_.restarts;
    }
    running_ = true;
    async_output_string(
        io_, command_,
        ::asio::bind_cancellation_slot(
            incarnation_cancel_.slot(),
            ::asio::bind_executor(
                strand_, [self = shared_from_this()](std::error_code ec, ProcessResult result) {
                    self->incarnation_ended(ec, std::move(result));
                })));
}

void SupervisorCore::incarnation_ended(std::error_code, ProcessResult result) {
    running_ = false;
    ++report_.incarnations;
    const SupervisorDecision decision =
        stop_requested_ ? machine_.on_stop_requested() : machine_.on_ended(Clock::now(), result);
    report_.last_result = std::move(result);
    if (policy_.on_decision && !closed_) {
        policy_.on_decision(*report_.last_result, decision);
    }
    if (decision.kind == SupervisorDecision::Kind::Stop) {
        finish(decision.reason);
        return;
    }
    if (stop_requested_) { // stop() while on_decision ran
        finish(machine_.on_stop_requested().reason);
        return;
    }
    waiting_ = true;
    timer_.expires_at(decision.at);
    timer_.async_wait([self = shared_from_this()](std::error_code) {
        self->waiting_ = false;
        if (self->stop_requested_) { // the wait was cut short (or ended as stop() came)
            self->finish(self->machine_.on_stop_requested().reason);
        } else {
            self->start_incarnation();
        }
    });
}

void SupervisorCore::on_stop() {
    if (finished_) {
        return;
    }
    if (running_) {
        // As the blocking Supervisor: the run is cancelled (its result says
        // Cancelled), then its whole tree is killed at once.
        incarnation_cancel_.emit(::asio::cancellation_type::partial);
        incarnation_cancel_.emit(::asio::cancellation_type::terminal);
    } else if (waiting_) {
        timer_.cancel();
    } // else async_run has not begun yet: begin() sees the flag
}

void SupervisorCore::finish(StopReason reason) {
    if (finished_ || !completion_) {
        return;
    }
    finished_ = true;
    report_.reason = reason;
    report_.storm_pauses = machine_.storm_pauses();
    const std::error_code ec =
        aborted_ ? std::error_code(::asio::error::operation_aborted) : std::error_code();
    completion_.release()->complete(ec, std::move(report_));
}

} // namespace processkit::asio::detail
