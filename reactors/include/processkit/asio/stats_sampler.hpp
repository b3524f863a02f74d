#pragma once
// processkit::asio::StatsSampler: a ProcessGroup's stats as a series (G9).
//
//   async_next   void(std::error_code, ProcessGroupStats)
//
// The first async_next completes at once; later ones at the next tick of the
// interval's grid (ticks missed while nobody waited are skipped, not
// replayed). The first sample that cannot be read (the group is gone, or its
// files cannot be read) completes with errc::end_of_series, and so does every
// async_next after it. One async_next at a time (another one completes with
// errc::already_waiting). Cancellation: all types; the pending async_next
// completes with operation_aborted and the series goes on.
//
// Thread-safety: like an Asio I/O object (one thread or strand at a time);
// the group must outlive the sampler object (not its pending operations):
// destroying the sampler detaches it from the group at once — a sample
// already queued never reads the group afterwards — and completes a pending
// async_next with operation_aborted.

#include "processkit/asio/detail/sampler_core.hpp"
#include "processkit/asio/error.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/execution_context.hpp>
#include <memory>
#include <type_traits>
#include <utility>

namespace processkit::asio {

/// A ProcessGroup's stats as a series on an Asio executor (G9): each
/// async_next completes with one sample. Use the alias StatsSampler for
/// `asio::any_io_executor`.
template <class Executor = ::asio::any_io_executor>
class basic_stats_sampler {
public:
    /// The I/O object's executor type.
    using executor_type = Executor;
    /// The same sampler type on another executor type (Asio convention).
    template <class Other>
    struct rebind_executor {
        /// `basic_stats_sampler<Other>`.
        using other = basic_stats_sampler<Other>;
    };

    /// Samples `group` every `every` (at least 1 ms), on a grid that starts
    /// now. `group` must outlive the sampler object.
    basic_stats_sampler(const executor_type& ex, ProcessGroup& group, Duration every)
        : executor_(ex)
        , core_(std::make_shared<detail::SamplerCore>(ex, group, every)) {
        detail::ShutdownRegistry::enroll(core_->io_executor(), core_);
    }
    /// As above, on `context.get_executor()`.
    template <class ExecutionContext>
    requires std::is_convertible_v<ExecutionContext&, ::asio::execution_context&>
    basic_stats_sampler(ExecutionContext& context, ProcessGroup& group, Duration every)
        : basic_stats_sampler(context.get_executor(), group, every) {}

    /// Takes over the series; the moved-from object may only be destroyed
    /// or assigned to.
    basic_stats_sampler(basic_stats_sampler&&) noexcept = default;
    /// Takes over the series; the one held before is closed as by the
    /// destructor (its pending async_next completes with operation_aborted).
    basic_stats_sampler& operator=(basic_stats_sampler&& other) noexcept {
        if (this != &other) {
            close();
            executor_ = std::move(other.executor_);
            core_ = std::move(other.core_);
        }
        return *this;
    }
    ~basic_stats_sampler() { close(); }

    /// The executor given at construction (or the context's).
    executor_type get_executor() const noexcept { return executor_; }

    /// The next sample: at once the first time, then at the next tick of the
    /// grid. errc::end_of_series once a sample cannot be read,
    /// errc::already_waiting while another async_next is pending.
    template <class Token = ::asio::default_completion_token_t<executor_type>>
    auto async_next(Token&& token = {}) {
        return ::asio::async_initiate<Token, void(std::error_code, ProcessGroupStats)>(
            [](auto handler, std::shared_ptr<detail::SamplerCore> core) {
                const auto id = core->next_op_id();
                auto slot = ::asio::get_associated_cancellation_slot(handler);
                if (slot.is_connected()) {
                    slot.template emplace<detail::CancelNext>(detail::CancelNext{core, id});
                }
                core->async_next(id, detail::make_completion<std::error_code, ProcessGroupStats>(
                                         std::move(handler), core->io_executor()));
            },
            token, core_);
    }

private:
    void close() noexcept {
        if (core_) {
            try {
                core_->close();
            } catch (...) {
            }
            core_.reset();
        }
    }

    executor_type executor_;
    std::shared_ptr<detail::SamplerCore> core_;
};

using StatsSampler = basic_stats_sampler<>;

} // namespace processkit::asio
