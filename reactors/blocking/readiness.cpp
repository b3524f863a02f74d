// RunningProcess::wait_ready: the I/O around the core's ReadinessMachine.
#include "processkit/blocking/readiness.hpp"

#include <algorithm>

namespace processkit {

namespace {

void require_usable(const driver::RunDriver& driver, const Readiness& probe, Duration deadline) {
    const auto& program = driver.command().program();
    if (deadline < Duration::zero()) {
        throw Error(ErrorKind::InvalidArgument, program, "wait_ready: negative deadline");
    }
    if (probe.kind() != ProbeKind::Line) {
        return;
    }
    const auto mode = driver.command().mode(Stream::Stdout);
    if (mode != StdioMode::Capture && mode != StdioMode::Tee) {
        throw Error(ErrorKind::InvalidArgument, program,
                    "wait_ready: a line probe needs stdout captured (Capture or Tee mode)");
    }
    if (!driver.queues_stdout_lines()) {
        throw Error(ErrorKind::InvalidArgument, program,
                    "wait_ready: a line probe needs StartOptions::line_reader");
    }
}

bool run_check(const Readiness& probe, TimePoint now, TimePoint deadline) {
    if (probe.kind() == ProbeKind::Custom) {
        return probe.custom_check()();
    }
    // A connect on loopback completes at once; never wait past the deadline.
    const Duration budget = std::clamp<Duration>(
        deadline - now, ReadinessMachine::min_poll_interval, probe.poll_interval());
    return os::tcp_port_accepts(probe.tcp_port(), probe.address(), budget);
}

/// What the wait has seen of the run so far; a change wakes the wait up.
struct Seen {
    std::size_t lines = 0;
    bool exited = false;
    bool stdout_open = true;
    bool finished = false;
    friend bool operator==(const Seen&, const Seen&) = default;
};

Seen look(driver::RunDriver& driver) {
    return {driver.stdout_lines().size(), driver.exit_status().has_value() || driver.finished(),
            driver.output_open(Stream::Stdout), driver.finished()};
}

std::string stderr_tail(const driver::RunDriver& driver) {
    if (const auto& r = driver.result()) {
        return r->stderr_text();
    }
    return driver.stderr_tail();
}

} // namespace

void RunningProcess::wait_ready(const Readiness& probe, Duration deadline) {
    auto& d = driver();
    require_usable(d, probe, deadline);
    const TimePoint start = Clock::now();
    ReadinessMachine machine(probe.kind(), start, deadline, probe.poll_interval());
    const auto& lines = d.stdout_lines(); // not popped while we wait
    std::size_t scanned = 0;
    for (;;) {
        // A late wake-up past `until` returns without dispatching: take in
        // what is pending (an exit racing end of file) before deciding.
        dispatch_pending();
        const Seen seen = look(d);
        TimePoint now = Clock::now();
        if (probe.kind() == ProbeKind::Line) {
            for (; scanned < lines.size() && !machine.done(); ++scanned) {
                if (probe.line_predicate()(lines[scanned])) {
                    machine.on_line_matched(now);
                }
            }
        }
        if (seen.exited) {
            machine.on_child_exited(now, d.exit_status());
        }
        if (!seen.stdout_open) {
            machine.on_stdout_closed(now);
        }
        if (machine.check_due(now)) {
            const bool ok = run_check(probe, now, machine.deadline_at());
            now = Clock::now();
            machine.on_check_result(now, ok);
        }
        machine.on_time(now);
        if (machine.done()) {
            break;
        }
        run_until([&] { return look(d) != seen; }, machine.next_deadline());
    }
    const auto& verdict = *machine.verdict();
    if (!verdict.ready()) {
        throw not_ready_error(d.command().program(), probe.kind(), probe.target(), verdict,
                              deadline, stderr_tail(d));
    }
}

} // namespace processkit
