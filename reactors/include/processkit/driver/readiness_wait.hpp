#pragma once
// One readiness wait (R6) over a RunDriver's run, stepped the same way by
// every reactor: the probe, the core's ReadinessMachine, and the one routine
// that feeds the machine what the run shows (stdout lines, the child's exit,
// stdout's end, the time) and runs the port or custom check it asks for.
// A reactor only decides when to call step() — after every change of the
// run and when next_deadline() is reached — and how to report the verdict.
//
// Used by all three reactors: blocking (RunningProcess::wait_ready), Asio
// (async_wait_ready) and Qt (Process::watchReadiness).
//
// Thread-safety: none; a wait belongs to the reactor of its run.

#include "processkit/driver/readiness_probe.hpp"
#include "processkit/driver/run_driver.hpp"

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace processkit::driver {

/// What a readiness wait sees of a run.
struct RunSight {
    bool exited = false; ///< the direct child exited (or the run is over)
    /// How the direct child ended, once reaped.
    std::optional<ExitStatus> exit_status;
    /// The stdout pipe is still open.
    bool stdout_open = true;
};

/// What `driver` shows now.
inline RunSight sight_of(const RunDriver& driver) {
    return {driver.exit_status().has_value() || driver.finished(), driver.exit_status(),
            driver.output_open(Stream::Stdout)};
}

/// InvalidArgument naming `command`'s program if the probe cannot be used on
/// a run of `command`: a negative deadline, or a line probe without stdout
/// captured (Capture or Tee). `verb` starts the message ("wait_ready").
inline std::optional<Error> readiness_unusable(const Command& command, const Readiness& probe,
                                               Duration deadline,
                                               std::string_view verb = "readiness") {
    if (deadline < Duration::zero()) {
        return Error(ErrorKind::InvalidArgument, command.program(),
                     std::string(verb) + ": negative deadline");
    }
    const auto mode = command.mode(Stream::Stdout);
    if (probe.kind() == ProbeKind::Line && mode != StdioMode::Capture && mode != StdioMode::Tee) {
        return Error(ErrorKind::InvalidArgument, command.program(),
                     std::string(verb) +
                         ": a line probe needs stdout captured (Capture or Tee mode)");
    }
    return std::nullopt;
}

/// One readiness wait over a run: a reactor feeds it lines (on_line) and
/// calls step() after each change of the run and at next_deadline(), until
/// done(); then reports verdict() (or error() if it failed).
class ReadinessWait {
public:
    /// A wait for `probe` that started at `start` and fails `deadline` later.
    ReadinessWait(Readiness probe, TimePoint start, Duration deadline)
        : probe_(std::move(probe))
        , machine_(probe_.kind(), start, deadline, probe_.poll_interval())
        , deadline_(deadline) {}

    /// A stdout line of the run (decoded, without terminator), in order.
    /// True if it decided the wait (a line probe's predicate held).
    bool on_line(std::string_view line, TimePoint now) {
        if (!machine_.done() && probe_.kind() == ProbeKind::Line && probe_.line_predicate()(line)) {
            machine_.on_line_matched(now);
        }
        return machine_.done();
    }

    /// Feeds what the run shows and the time, and runs a port or custom
    /// check if one is due (a port is given at most `check_budget`, clamped
    /// to the time left and the poll interval). A custom check's exception
    /// propagates (the wait stays undecided). True once decided.
    bool step(const RunSight& run, TimePoint now, Duration check_budget) {
        if (machine_.done()) {
            return true;
        }
        if (run.exited) {
            machine_.on_child_exited(now, run.exit_status);
        }
        if (!run.stdout_open) {
            machine_.on_stdout_closed(now);
        }
        if (machine_.check_due(now)) {
            const bool ok = check(now, check_budget);
            now = Clock::now();
            machine_.on_check_result(now, ok);
        }
        machine_.on_time(now);
        return machine_.done();
    }

    /// When step() must run at the latest (next check, the deadline, the end
    /// of exit_settle); empty once decided.
    std::optional<TimePoint> next_deadline() const { return machine_.next_deadline(); }
    /// True once the wait is decided (ready or failed).
    bool done() const { return machine_.done(); }
    /// The verdict once decided; empty before.
    const std::optional<ReadinessVerdict>& verdict() const { return machine_.verdict(); }
    /// The probe waited for.
    const Readiness& probe() const { return probe_; }
    /// The core state machine that decides the wait.
    const ReadinessMachine& machine() const { return machine_; }

    /// The NotReady error of a failed verdict (not_ready_error).
    Error error(const std::string& program, std::string stderr_text) const {
        ReadinessVerdict v;
        if (machine_.verdict()) {
            v = *machine_.verdict();
        } else {
            v.kind = ReadinessVerdict::Kind::DeadlinePassed;
        }
        return not_ready_error(program, probe_.kind(), probe_.target(), v, deadline_,
                               std::move(stderr_text));
    }

private:
    bool check(TimePoint now, Duration budget) const {
        if (probe_.kind() == ProbeKind::Custom) {
            return probe_.custom_check()();
        }
        const Duration left = machine_.deadline_at() - now;
        const Duration b = std::clamp<Duration>(
            std::min(budget, left), ReadinessMachine::min_poll_interval,
            std::max(probe_.poll_interval(), ReadinessMachine::min_poll_interval));
        return os::tcp_port_accepts(probe_.tcp_port(), probe_.address(), b);
    }

    Readiness probe_;
    ReadinessMachine machine_;
    Duration deadline_;
};

} // namespace processkit::driver
