// async_wait_ready on the Asio run: the I/O around the core's
// ReadinessMachine, stepped on the run's strand whenever the run changes and
// when the run's timer reaches the machine's next deadline.
#include "processkit/asio/detail/run.hpp"
#include "processkit/asio/error.hpp"
#include "processkit/core/error_code.hpp"

#include <algorithm>
#include <asio/post.hpp>
#include <exception>

namespace processkit::asio::detail {
void Run::async_wait_ready(std::uint64_t id, Readiness probe, Duration deadline, VoidCompletion c) {
    // (on_strand() is private to run.cpp: the same post, spelled out.)
    ::asio::post(strand_, [this, self = shared_from_this(), id, probe = std::move(probe), deadline,
                           c = std::move(c)]() mutable {
        if (const auto ec = ready_usable(probe, deadline)) {
            c.release()->complete(ec);
            return;
        }
        ready_ops_.push_back({id, driver::ReadinessWait(std::move(probe), Clock::now(), deadline),
                              lines_popped_, std::move(c)});
        after_event();
        watcher_.reschedule();
    });
}

std::error_code Run::ready_usable(const Readiness& probe, Duration deadline) const {
    if (!driver_) {
        return make_error_code(ErrorKind::InvalidArgument);
    }
    if (auto unusable = driver::readiness_unusable(driver_->command(), probe, deadline)) {
        return make_error_code(unusable->kind());
    }
    if (probe.kind() == ProbeKind::Line && !options_.line_reader) {
        return make_error_code(errc::not_enabled);
    }
    return {};
}

void Run::step_ready_ops() {
    if (ready_ops_.empty()) {
        return;
    }
    for (std::size_t i = 0; i < ready_ops_.size();) {
        if (!step_ready(ready_ops_[i])) {
            ++i;
            continue;
        }
        auto op = std::move(ready_ops_[i]);
        ready_ops_.erase(ready_ops_.begin() + static_cast<std::ptrdiff_t>(i));
        const auto& verdict = op.wait.verdict();
        op.completion.release()->complete(
            verdict && verdict->ready() ? std::error_code{} : make_error_code(ErrorKind::NotReady));
    }
    if (!driver_->finished()) {
        watcher_.reschedule();
    }
}

/// Returns true once `op` is decided (a verdict, or a check that threw).
bool Run::step_ready(ReadyOp& op) {
    const TimePoint now = Clock::now();
    const auto& lines = driver_->stdout_lines();
    const std::uint64_t end = lines_popped_ + lines.size();
    // Lines popped by async_read_line before the probe saw them were seen by
    // an earlier step (steps run before lines are popped).
    op.lines_scanned = std::max(op.lines_scanned, lines_popped_);
    for (; op.lines_scanned < end && !op.wait.done(); ++op.lines_scanned) {
        op.wait.on_line(lines[op.lines_scanned - lines_popped_], now);
    }
    try {
        // A loopback connect completes (or is refused) at once: a port check
        // waits at most 1 ms on the strand.
        return op.wait.step(driver::sight_of(*driver_), now, ReadinessMachine::min_poll_interval);
    } catch (...) {
        // A throwing check ends the wait with NotReady, as a failed verdict would.
        return true;
    }
}

} // namespace processkit::asio::detail
