// A group's stats series on an Asio strand: the SamplerMachine decides when,
// one timer waits, ProcessGroup::stats() reads.
#include "processkit/asio/detail/sampler_core.hpp"

#include "processkit/asio/error.hpp"

#include <asio/error.hpp>
#include <asio/post.hpp>

namespace processkit::asio::detail {

SamplerCore::SamplerCore(::asio::any_io_executor io, ProcessGroup& group, Duration every)
    : io_(std::move(io))
    , strand_(::asio::make_strand(io_))
    , timer_(strand_)
    , group_(&group)
    , machine_(every, Clock::now()) {}

SamplerCore::~SamplerCore() = default;

void SamplerCore::async_next(std::uint64_t id, StatsCompletion c) {
    ::asio::post(strand_, [self = shared_from_this(), id, c = std::move(c)]() mutable {
        if (self->closed_) {
            c.release()->complete(::asio::error::operation_aborted, {});
        } else if (self->machine_.ended()) {
            c.release()->complete(make_error_code(errc::end_of_series), {});
        } else if (self->pending_) {
            c.release()->complete(make_error_code(errc::already_waiting), {});
        } else {
            self->pending_id_ = id;
            self->pending_ = std::move(c);
            self->try_sample();
        }
    });
}

void SamplerCore::request_cancel(std::uint64_t id, ::asio::cancellation_type) {
    ::asio::post(strand_, [self = shared_from_this(), id] {
        if (self->pending_ && self->pending_id_ == id) {
            ++self->timer_serial_;
            self->timer_.cancel();
            self->pending_id_.reset();
            self->pending_.release()->complete(::asio::error::operation_aborted, {});
        }
    });
}

void SamplerCore::close() {
    {
        const std::lock_guard lock(group_mutex_);
        group_ = nullptr;
    }
    ::asio::post(strand_, [self = shared_from_this()] {
        self->closed_ = true;
        ++self->timer_serial_;
        self->timer_.cancel();
        if (self->pending_) {
            self->pending_id_.reset();
            self->pending_.release()->complete(::asio::error::operation_aborted, {});
        }
    });
}

void SamplerCore::drop_pending() noexcept {
    pending_id_.reset();
    pending_.reset(); // destroys the handler without calling it
}

void SamplerCore::try_sample() {
    if (!pending_) {
        return;
    }
    SampleStep step;
    {
        const std::lock_guard lock(group_mutex_);
        if (group_ == nullptr) {
            closed_ = true; // close() ran; its posted handler completes pending_
            return;
        }
        step = sample_if_due(machine_, group_, Clock::now());
    }
    if (step.kind == SampleStep::Kind::NotDue) {
        arm_timer();
        return;
    }
    pending_id_.reset();
    auto c = std::move(pending_);
    if (step.kind == SampleStep::Kind::Ended) { // G9: the series ends for good
        c.release()->complete(make_error_code(errc::end_of_series), {});
        return;
    }
    c.release()->complete({}, *step.stats);
}

void SamplerCore::arm_timer() {
    const auto due = machine_.next_deadline();
    if (!due) {
        return;
    }
    timer_.expires_at(*due);
    timer_.async_wait([self = shared_from_this(), serial = ++timer_serial_](std::error_code ec) {
        if (ec != ::asio::error::operation_aborted && serial == self->timer_serial_) {
            self->try_sample();
        }
    });
}

} // namespace processkit::asio::detail
