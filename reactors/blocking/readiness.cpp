// RunningProcess::wait_ready: the I/O around the core's ReadinessMachine.
#include "processkit/blocking/readiness.hpp"

#include "processkit/driver/readiness_wait.hpp"

#include <algorithm>

namespace processkit {

namespace {

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
    if (auto unusable = driver::readiness_unusable(d.command(), probe, deadline, "wait_ready")) {
        throw *unusable;
    }
    if (probe.kind() == ProbeKind::Line && !d.queues_stdout_lines()) {
        throw Error(ErrorKind::InvalidArgument, d.command().program(),
                    "wait_ready: a line probe needs StartOptions::line_reader");
    }
    driver::ReadinessWait wait(probe, Clock::now(), deadline);
    const auto& lines = d.stdout_lines(); // not popped while we wait
    std::size_t scanned = 0;
    for (;;) {
        // A late wake-up past `until` returns without dispatching: take in
        // what is pending (an exit racing end of file) before deciding.
        dispatch_pending();
        const Seen seen = look(d);
        const TimePoint now = Clock::now();
        for (; scanned < lines.size() && !wait.done(); ++scanned) {
            wait.on_line(lines[scanned], now);
        }
        // A port check may wait up to the poll interval: this thread blocks anyway.
        if (wait.step(driver::sight_of(d), now, probe.poll_interval())) {
            break;
        }
        run_until([&] { return look(d) != seen; }, wait.next_deadline());
    }
    if (!wait.verdict()->ready()) {
        throw wait.error(d.command().program(), stderr_tail(d));
    }
}

} // namespace processkit
