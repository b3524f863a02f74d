#pragma once
// The state of a StatsSampler (stats_sampler.hpp), on a strand of its own.

#include "processkit/asio/detail/completion.hpp"
#include "processkit/asio/detail/shutdown_registry.hpp"
#include "processkit/asio/export.hpp"
#include "processkit/core/sampler.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/os/process_group.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <system_error>

namespace processkit::asio::detail {

using StatsCompletion = CompletionPtr<std::error_code, ProcessGroupStats>;

class PROCESSKIT_ASIO_EXPORT SamplerCore : public DropsOnShutdown,
                                           public std::enable_shared_from_this<SamplerCore> {
public:
    SamplerCore(::asio::any_io_executor io, ProcessGroup& group, Duration every);
    ~SamplerCore();

    const ::asio::any_io_executor& io_executor() const { return io_; }
    std::uint64_t next_op_id() { return next_op_id_.fetch_add(1) + 1; }
    // Any thread: post to the strand.
    void async_next(std::uint64_t id, StatsCompletion c);
    void request_cancel(std::uint64_t id, ::asio::cancellation_type type);
    /// Any thread. Detaches the group at once (the caller may destroy it right
    /// after), then completes a pending async_next on the strand.
    void close();
    /// DropsOnShutdown: the pending handler is destroyed, never called.
    void drop_pending() noexcept override;

private:
    void try_sample();
    void arm_timer();

    ::asio::any_io_executor io_;
    ::asio::strand<::asio::any_io_executor> strand_;
    ::asio::steady_timer timer_;
    // Guarded by group_mutex_: close() clears it synchronously, so a sample
    // already queued on the strand never reads a group its owner destroyed.
    std::mutex group_mutex_;
    ProcessGroup* group_;
    SamplerMachine machine_;
    std::optional<std::uint64_t> pending_id_;
    StatsCompletion pending_;
    std::uint64_t timer_serial_ = 0;
    bool closed_ = false;
    std::atomic<std::uint64_t> next_op_id_{0};
};

struct CancelNext {
    std::weak_ptr<SamplerCore> core;
    std::uint64_t id;
    void operator()(::asio::cancellation_type type) const {
        if (auto c = core.lock()) {
            c->request_cancel(id, type);
        }
    }
};

} // namespace processkit::asio::detail
