#pragma once
// processkit::asio::Supervisor (P2) on an Asio executor: the asynchronous
// counterpart of blocking/supervisor.hpp.
//
//   async_run   void(std::error_code, SupervisorReport)
//
// Each incarnation runs to its end in a private group of its own (the free
// operation async_output_string: nothing of one survives into the next),
// its output bounded to the last `capture_lines` lines per stream. The
// restart decisions — policy, max restarts, backoff, stop predicate, storm
// guard — are the core's SupervisorMachine (core/supervisor_policy.hpp);
// this adapter runs incarnations and waits the delays on a steady_timer.
// policy.stop_when and policy.on_decision are called on the supervisor's
// strand, as the blocking Supervisor calls them on its thread. They must
// not throw (an exception leaves the io_context's run(), as with any handler).
//
// Completion: async_run completes when the machine stops (PolicyDeclined,
// MaxRestarts, StopPredicate, SpawnFailed) or stop() was called
// (StoppedByCaller), with an empty error code and the report. A Supervisor
// runs once: a second async_run completes with ErrorKind::InvalidArgument.
// Nothing completes inside the initiating call.
//
// Stopping:
//  - stop() (any thread, also before async_run) ends supervision: the
//    current incarnation is cancelled and its whole tree killed at once, or
//    a pending backoff / cool-down is cut short. async_run then completes
//    (once the tree is gone) with no error code and StopReason::StoppedByCaller;
//    the last result, if the stop hit a running incarnation, says Cancelled.
//  - Cancelling async_run through its slot (any type) does what stop() does,
//    but the operation completes with ::asio::error::operation_aborted (the
//    report is still given).
//  - Destroying the Supervisor stops supervision the same way without
//    blocking; the pending async_run completes with operation_aborted, and
//    the policy's callbacks are not called again (one already running on
//    another thread finishes).
//
// Thread-safety: like an Asio I/O object, one thread (or strand) at a time,
// except stop(), which may be called from any thread. Its internal handlers
// run on a strand of its own, so the io_context may have any number of
// threads. The Supervisor must not outlive its execution context.

#include "processkit/asio/detail/supervisor_core.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/supervisor_policy.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/associated_cancellation_slot.hpp>
#include <asio/async_result.hpp>
#include <asio/execution_context.hpp>
#include <memory>
#include <system_error>
#include <type_traits>
#include <utility>

namespace processkit::asio {

/// Keeps a command running (P2) on an Asio executor: async_run runs and
/// restarts incarnations as the SupervisorPolicy says. Use the alias
/// Supervisor for `asio::any_io_executor`.
template <class Executor = ::asio::any_io_executor>
class basic_supervisor {
public:
    /// The I/O object's executor type.
    using executor_type = Executor;
    /// The same supervisor type on another executor type (Asio convention).
    template <class Other>
    struct rebind_executor {
        /// `basic_supervisor<Other>`.
        using other = basic_supervisor<Other>;
    };

    /// Throws processkit::Error (InvalidArgument, named after the command)
    /// if the policy is invalid. Starts nothing before async_run.
    basic_supervisor(const executor_type& ex, Command command, SupervisorPolicy policy)
        : executor_(ex)
        , core_(
              std::make_shared<detail::SupervisorCore>(ex, std::move(command), std::move(policy))) {
        detail::ShutdownRegistry::enroll(core_->io_executor(), core_);
    }
    /// As above, on `context.get_executor()`.
    template <class ExecutionContext>
    requires std::is_convertible_v<ExecutionContext&, ::asio::execution_context&>
    basic_supervisor(ExecutionContext& context, Command command, SupervisorPolicy policy)
        : basic_supervisor(context.get_executor(), std::move(command), std::move(policy)) {}

    /// Takes over the supervision; the moved-from object may only be
    /// destroyed or assigned to (its stop() then does nothing).
    basic_supervisor(basic_supervisor&&) noexcept = default;
    /// Takes over the supervision; the one held before is stopped as by the
    /// destructor.
    basic_supervisor& operator=(basic_supervisor&& other) noexcept {
        if (this != &other) {
            close();
            executor_ = std::move(other.executor_);
            core_ = std::move(other.core_);
        }
        return *this;
    }
    basic_supervisor(const basic_supervisor&) = delete;
    basic_supervisor& operator=(const basic_supervisor&) = delete;
    ~basic_supervisor() { close(); }

    /// The executor given at construction (or the context's).
    executor_type get_executor() const noexcept { return executor_; }

    /// Runs incarnations until the policy stops or stop() is called; completes
    /// with the report.
    template <class Token = ::asio::default_completion_token_t<executor_type>>
    auto async_run(Token&& token = {}) {
        return ::asio::async_initiate<Token, void(std::error_code, SupervisorReport)>(
            [](auto handler, std::shared_ptr<detail::SupervisorCore> core) {
                auto slot = ::asio::get_associated_cancellation_slot(handler);
                core->async_run(detail::make_completion<std::error_code, SupervisorReport>(
                                    std::move(handler), core->io_executor()),
                                slot);
            },
            token, core_);
    }

    /// Ends supervision promptly (any thread; see above).
    void stop() noexcept {
        if (core_) {
            core_->stop();
        }
    }

private:
    void close() noexcept {
        if (core_) {
            core_->close();
            core_.reset();
        }
    }

    executor_type executor_;
    std::shared_ptr<detail::SupervisorCore> core_;
};

using Supervisor = basic_supervisor<>;

} // namespace processkit::asio
