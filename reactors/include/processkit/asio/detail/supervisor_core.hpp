#pragma once
// The state of an Asio Supervisor (supervisor.hpp), on a strand of its own:
// the core's SupervisorMachine decides, async_output_string runs each
// incarnation, one steady_timer waits the delays.

#include "processkit/asio/detail/completion.hpp"
#include "processkit/asio/detail/shutdown_registry.hpp"
#include "processkit/asio/export.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/supervisor_policy.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <atomic>
#include <memory>
#include <optional>
#include <system_error>

namespace processkit::asio::detail {

using ReportCompletion = CompletionPtr<std::error_code, SupervisorReport>;

class PROCESSKIT_ASIO_EXPORT SupervisorCore : public DropsOnShutdown,
                                              public std::enable_shared_from_this<SupervisorCore> {
public:
    /// Throws InvalidArgument (named after the command) for an invalid policy.
    SupervisorCore(::asio::any_io_executor io, Command command, SupervisorPolicy policy);
    ~SupervisorCore() override;

    const ::asio::any_io_executor& io_executor() const { return io_; }

    /// Any thread. A second call completes with InvalidArgument.
    void async_run(ReportCompletion completion, ::asio::cancellation_slot slot);
    /// Any thread: ends supervision; the operation completes with no error.
    void stop() noexcept;
    /// From async_run's slot: stop(), but the operation completes with
    /// operation_aborted.
    void request_cancel() noexcept;
    /// The Supervisor is gone (any thread, never blocks): stop(), the
    /// operation completes with operation_aborted, no user callback runs again.
    void close() noexcept;
    /// DropsOnShutdown: the pending handler is destroyed, never called.
    void drop_pending() noexcept override;

private:
    void post_stop() noexcept;
    void begin();
    void start_incarnation();
    void incarnation_ended(std::error_code ec, ProcessResult result);
    void finish(StopReason reason);
    void on_stop();

    ::asio::any_io_executor io_;
    ::asio::strand<::asio::any_io_executor> strand_;
    ::asio::steady_timer timer_;
    Command command_;
    SupervisorPolicy policy_;
    SupervisorMachine machine_;
    SupervisorReport report_;
    ReportCompletion completion_;
    ::asio::cancellation_signal incarnation_cancel_;
    bool running_ = false; ///< an incarnation is in flight
    bool waiting_ = false; ///< the timer waits for the next one
    bool finished_ = false;

    std::atomic<bool> run_called_{false};
    std::atomic<bool> stop_requested_{false};
    std::atomic<bool> aborted_{false}; ///< slot cancellation or close()
    std::atomic<bool> closed_{false};
};

struct CancelSupervision {
    std::weak_ptr<SupervisorCore> core;
    void operator()(::asio::cancellation_type) const {
        if (auto c = core.lock()) {
            c->request_cancel();
        }
    }
};

} // namespace processkit::asio::detail
