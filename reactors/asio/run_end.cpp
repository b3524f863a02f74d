// The Asio run's operations completing: lines, events, writes and closes as
// the run produces them; the result once it is over (for an owning operation
// that was cancelled, once its tree is reported empty, within a bound the
// core's TerminationMachine keeps).
#include "processkit/asio/detail/run.hpp"
#include "processkit/asio/error.hpp"
#include "processkit/core/error_code.hpp"

#include <algorithm>
#include <asio/dispatch.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <csignal>

namespace processkit::asio::detail {
namespace {

/// A cancelled owning operation completes once its tree is reported empty,
/// or after this long if something in it cannot die.
constexpr Duration tree_wait_bound = std::chrono::seconds(5);
/// How often a process-group tree (no notification) is looked at meanwhile.
constexpr Duration tree_poll = std::chrono::milliseconds(10);

} // namespace

// --- completing operations ---------------------------------------------------

std::error_code Run::result_code(const ResultOp& op) const {
    if (op.on_cancel == OnCancel::StopRun && stop_requested_) {
        return ::asio::error::operation_aborted;
    }
    if (result_ && result_->error) {
        return make_error_code(result_->error->kind());
    }
    return {};
}

void Run::after_event() {
    if (abandoned_ || letting_go_.load()) {
        // Anything that arrived after the owner let go, including the end of
        // a run that abandon()'s own kill brought about before the strand got
        // to abandon_on_strand(): aborted, as destroying a Process promises.
        abort_all_ops();
        return;
    }
    if (!watcher_.armed() || !driver_) {
        return;
    }
    sample_profiles(Clock::now()); // a due profile sample (the timer may have fired for it)
    step_ready_ops();              // before lines are popped: a probe sees them first
    auto& lines = driver_->stdout_lines();
    while (!line_ops_.empty() && !lines.empty()) {
        auto op = std::move(line_ops_.front());
        line_ops_.pop_front();
        std::string line = std::move(lines.front());
        lines.pop_front();
        ++lines_popped_;
        op.completion.release()->complete({}, std::move(line));
    }
    auto& events = driver_->events();
    while (!event_ops_.empty() && !events.empty()) {
        auto op = std::move(event_ops_.front());
        event_ops_.pop_front();
        auto event = std::move(events.front());
        events.pop_front();
        op.completion.release()->complete({}, std::move(event));
    }
    const auto written = driver_->stdin_bytes_written();
    while (!write_ops_.empty() && write_ops_.front().written_when_done <= written) {
        auto op = std::move(write_ops_.front());
        write_ops_.pop_front();
        op.completion.release()->complete({}, op.size);
    }
    if (driver_->stdin_broken() || !driver_->stdin_open()) {
        // What is still queued will never be written.
        const std::error_code ec =
            driver_->stdin_broken() ? ::asio::error::broken_pipe : ::asio::error::operation_aborted;
        for (auto& op : std::exchange(write_ops_, {})) {
            op.completion.release()->complete(ec, 0);
        }
        for (auto& op : std::exchange(close_ops_, {})) {
            op.completion.release()->complete({});
        }
    }
    if (driver_->finished()) {
        finish_ops();
        return;
    }
    watcher_.reschedule(); // a profile sampled or a probe stepped: their deadlines moved
}

void Run::finish_ops() {
    if (letting_go_.load()) {
        abort_all_ops(); // the owner let go while the tree was being waited for
        return;
    }
    if (!result_) {
        result_ = driver_->result();
        forget_kill_handles();
        watcher_.stop_timer();
    }
    // Lines still queued are delivered first; then the end.
    for (auto& op : std::exchange(line_ops_, {})) {
        op.completion.release()->complete(::asio::error::eof, {});
    }
    for (auto& op : std::exchange(event_ops_, {})) {
        op.completion.release()->complete(::asio::error::eof, {});
    }
    for (auto& op : std::exchange(profile_ops_, {})) {
        op.completion.release()->complete({}, op.builder.finish(*result_));
    }
    if (stop_requested_ && tree_ && !tree_gone()) {
        wait_for_tree(); // the tree's SIGKILL is on its way: complete once it is gone
        return;
    }
    tree_.reset();
    for (auto& op : std::exchange(result_ops_, {})) {
        const auto ec = result_code(op);
        op.completion.release()->complete(ec, *result_);
    }
}

bool Run::tree_gone() noexcept {
    try {
        return tree_->empty();
    } catch (...) {
        return true; // the group cannot be read: nothing left to wait for
    }
}

void Run::wait_for_tree() {
    const TimePoint now = Clock::now();
    if (!tree_stop_) {
        // Killed already (by the driver, at the run's end): the core bounds
        // the wait for the kernel to report the tree empty, in case
        // something in it cannot die.
        tree_stop_.emplace(tree_wait_bound);
        tree_stop_->kill(now);
        while (tree_stop_->poll_action()) {
            try {
                tree_->kill_all(); // again: cheap, and covers a late fork
            } catch (...) {
            }
        }
#if !defined(_WIN32) // a job's emptiness is looked at again shortly (tree_poll)
        if (const int fd = tree_->events_fd(); fd >= 0) {
            std::error_code ec;
            tree_events_.emplace(strand_, fd, HandleWait::Kind::Priority, ec);
            if (ec) {
                tree_events_.reset();
            }
        }
#endif
    }
    if (tree_gone()) {
        tree_stop_->emptied();
    }
    tree_stop_->tick(now);
    if (tree_stop_->done()) {
        tree_timer_.cancel();
        if (tree_events_) {
            tree_events_->release(); // the group's descriptor: cancels the wait
            tree_events_.reset();
        }
        tree_.reset();
        finish_ops();
        return;
    }
    // cgroup.events says when the tree empties; a process group tells
    // nobody, so /proc is looked at again shortly.
    TimePoint wake = *tree_stop_->next_deadline();
    if (!tree_events_) {
        wake = std::min(wake, now + tree_poll);
    } else if (!tree_events_armed_) {
        tree_events_armed_ = true;
        tree_events_->async_wait([self = shared_from_this()](std::error_code ec) {
            self->tree_events_armed_ = false;
            if (ec != ::asio::error::operation_aborted) {
                self->on_tree_event();
            }
        });
    }
    tree_timer_.expires_at(wake);
    tree_timer_.async_wait([self = shared_from_this()](std::error_code ec) {
        if (ec != ::asio::error::operation_aborted) {
            self->on_tree_event();
        }
    });
}

void Run::on_tree_event() {
    if (tree_ && tree_stop_ && !tree_stop_->done()) {
        wait_for_tree();
    }
}

void Run::abort_all_ops() {
    const std::error_code aborted = ::asio::error::operation_aborted;
    for (auto& op : std::exchange(result_ops_, {})) {
        op.completion.release()->complete(aborted, {});
    }
    for (auto& op : std::exchange(line_ops_, {})) {
        op.completion.release()->complete(aborted, {});
    }
    for (auto& op : std::exchange(event_ops_, {})) {
        op.completion.release()->complete(aborted, {});
    }
    for (auto& op : std::exchange(write_ops_, {})) {
        op.completion.release()->complete(aborted, 0);
    }
    for (auto& op : std::exchange(close_ops_, {})) {
        op.completion.release()->complete(aborted);
    }
    for (auto& op : std::exchange(profile_ops_, {})) {
        op.completion.release()->complete(aborted, {});
    }
    for (auto& op : std::exchange(ready_ops_, {})) {
        op.completion.release()->complete(aborted);
    }
}

} // namespace processkit::asio::detail
