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
namespace {

/// One port or custom check. A loopback connect completes (or is refused)
/// at once, so the port probe waits at most min_poll_interval (1 ms) on the
/// strand: a port still pending then counts as not accepting yet.
bool run_check(const Readiness& probe) {
    if (probe.kind() == ProbeKind::Custom) {
        return probe.custom_check()();
    }
    return os::tcp_port_accepts(probe.tcp_port(), probe.address(),
                                ReadinessMachine::min_poll_interval);
}

} // namespace

void Run::async_wait_ready(std::uint64_t id, Readiness probe, Duration deadline, VoidCompletion c) {
    // (on_strand() is private to run.cpp: the same post, spelled out.)
    ::asio::post(strand_, [this, self = shared_from_this(), id, probe = std::move(probe), deadline,
                           c = std::move(c)]() mutable {
        if (const auto ec = ready_usable(probe, deadline)) {
            c.release()->complete(ec);
            return;
        }
        ReadinessMachine machine(probe.kind(), Clock::now(), deadline, probe.poll_interval());
        ready_ops_.push_back({id, std::move(probe), machine, lines_popped_, std::move(c)});
        after_event();
        reschedule_timer();
    });
}

std::error_code Run::ready_usable(const Readiness& probe, Duration deadline) const {
    if (deadline < Duration::zero() || !driver_) {
        return make_error_code(ErrorKind::InvalidArgument);
    }
    if (probe.kind() != ProbeKind::Line) {
        return {};
    }
    const auto mode = driver_->command().mode(Stream::Stdout);
    if (mode != StdioMode::Capture && mode != StdioMode::Tee) {
        return make_error_code(ErrorKind::InvalidArgument);
    }
    if (!options_.line_reader) {
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
        const auto& verdict = op.machine.verdict();
        op.completion.release()->complete(
            verdict && verdict->ready() ? std::error_code{} : make_error_code(ErrorKind::NotReady));
    }
    if (!driver_->finished()) {
        reschedule_timer();
    }
}

/// Returns true once `op` is decided (a verdict, or a check that threw).
bool Run::step_ready(ReadyOp& op) {
    auto& machine = op.machine;
    TimePoint now = Clock::now();
    if (op.probe.kind() == ProbeKind::Line) {
        const auto& lines = driver_->stdout_lines();
        const std::uint64_t end = lines_popped_ + lines.size();
        // Lines popped by async_read_line before the probe saw them were seen
        // by an earlier step (steps run before lines are popped).
        op.lines_scanned = std::max(op.lines_scanned, lines_popped_);
        for (; op.lines_scanned < end && !machine.done(); ++op.lines_scanned) {
            if (op.probe.line_predicate()(lines[op.lines_scanned - lines_popped_])) {
                machine.on_line_matched(now);
            }
        }
    }
    if (driver_->exit_status().has_value() || driver_->finished()) {
        machine.on_child_exited(now, driver_->exit_status());
    }
    if (!driver_->output_open(Stream::Stdout)) {
        machine.on_stdout_closed(now);
    }
    if (machine.check_due(now)) {
        bool ok = false;
        try {
            ok = run_check(op.probe);
        } catch (...) {
            // A throwing check (or a probe that cannot run) ends the wait
            // with NotReady, as a failed verdict would.
            return true;
        }
        now = Clock::now();
        machine.on_check_result(now, ok);
    }
    machine.on_time(now);
    return machine.done();
}

} // namespace processkit::asio::detail
