#include "run_command.hpp"

#include "failure.hpp"
#include "guard_watch.hpp"
#include "json_result.hpp"
#include "live_status.hpp"
#include "output_file.hpp"
#include "processkit/blocking/reactor.hpp"
#include "processkit/core/profile_builder.hpp"
#include "processkit/core/termination.hpp"
#include "processkit/driver/run_driver.hpp"
#include "processkit/os/process_group.hpp"
#include "profile_report.hpp"
#include "report.hpp"
#include "run_platform.hpp"
#include "stdin_source.hpp"
#include "stop_signals.hpp"
#include "svg_plot.hpp"

#include <algorithm>
#include <cstdio>
#include <memory>

namespace pk {
namespace {

using namespace std::chrono_literals;
using processkit::Clock;
using processkit::Duration;
using processkit::TimePoint;

std::optional<OutputFile> open_output(const std::optional<std::string>& path,
                                      const std::string& option) {
    if (!path) {
        return std::nullopt;
    }
    return OutputFile::open(*path, option);
}

/// The two streams --json keeps, each within its cap (S3).
struct Captures {
    OutputCapture out;
    OutputCapture err;
};

/// S6: said once, before PROGRAM runs, never silently.
void warn_if_unprotected(const processkit::ProcessGroup& group) {
    if (group.owner_death_protected()) {
        return;
    }
    const std::string why = guard_error();
    std::fprintf(stderr,
                 "pk: warning: if pk is killed, PROGRAM's tree will outlive it: the owner-death "
                 "guard is not running%s%s (see pk doctor; --require-guard makes this an error)\n",
                 why.empty() ? "" : ": ", why.c_str());
}

processkit::ProcessGroup make_group(const RunRequest& o) {
    processkit::GroupOptions go;
    go.require = o.mechanism;
    go.limits = o.limits;
    go.require_owner_death_protection = o.require_guard;
    try {
        return processkit::ProcessGroup(go);
    } catch (const processkit::Error& e) {
        std::string what = e.detail().empty() ? e.message() : e.detail();
        if (o.require_guard && e.kind() == processkit::ErrorKind::Unsupported && !guard_alive()) {
            throw Failure(exit_pk_failed, "--require-guard: " + what);
        }
        if (e.kind() == processkit::ErrorKind::ResourceLimit) {
            throw Failure(exit_pk_failed, "cannot enforce the requested limits: " + what);
        }
        if (o.mechanism) {
            throw Failure(exit_pk_failed,
                          "--mechanism " + mechanism_name(*o.mechanism) + ": " + what);
        }
        throw Failure(exit_pk_failed, "cannot create a process group: " + what);
    }
}

processkit::Command make_command(const RunRequest& o, Captures& captures) {
    processkit::Command c(o.program);
    c.args(o.args);
    if (o.cwd) {
        c.cwd(*o.cwd);
    }
    if (o.env_clear) {
        c.env_clear();
    }
    for (const auto& name : o.unset) {
        c.env_remove(name);
    }
    for (const auto& [name, value] : o.env) {
        c.env(name, value);
    }
    // --stdin FILE is opened by pk and handed over as a redirect (it must
    // stay Inherit here); otherwise PROGRAM reads pk's own stdin.
    c.stdin_inherit();
    if (o.json) {
        // pk keeps the output itself, in OutputCaptures fed as it is read:
        // compact chunks whatever the line lengths. The core's own buffer is
        // reduced to one byte and its unfinished line to 64 KiB.
        c.stdout_tee([&out = captures.out](std::string_view b) { out.append(b); });
        c.stderr_tee([&err = captures.err](std::string_view b) { err.append(b); });
        c.buffer_policy(processkit::BufferPolicy::keep_oldest_bytes(1));
        c.max_line_bytes(64 * 1024);
    } else {
        // The child writes straight to pk's descriptors: byte for byte, as it comes.
        c.stdout_mode(processkit::StdioMode::Inherit);
        c.stderr_mode(processkit::StdioMode::Inherit);
    }
    c.no_timeout(); // pk enforces --timeout itself, on the whole tree
    return c;
}

/// A PROGRAM that could not be started: 127 not found, 126 not executable,
/// 125 for everything that is pk's side (the working directory; --stdin is
/// opened by pk before the spawn).
[[noreturn]] void throw_spawn_failure(const processkit::Error& e, const RunRequest& o) {
    const bool about_input = !e.path().empty() && o.cwd && e.path() == *o.cwd;
    int status = exit_pk_failed;
    if (!about_input && e.kind() == processkit::ErrorKind::NotFound) {
        status = exit_not_found;
    } else if (!about_input && e.kind() == processkit::ErrorKind::PermissionDenied) {
        status = exit_not_executable;
    }
    throw Failure(status, e.message());
}

std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
    if (!a) {
        return b;
    }
    if (!b) {
        return a;
    }
    return std::min(*a, *b);
}

std::int64_t to_ms(Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// How the run is being stopped: by --timeout or by a signal pk received.
/// The decisions (signal, grace, kill; a running grace never extended) are
/// the core's TerminationMachine; pk adds its own rules: a second signal
/// received kills at once, and a signal received during --timeout's grace is
/// passed on to the tree.
class Stopper {
public:
    Stopper(processkit::ProcessGroup& group, Duration grace)
        : group_(group)
        , grace_(grace) {}

    void timeout(processkit::Signal s, TimePoint now) {
        if (!stopping()) {
            timed_out_ = true;
            machine_.stop(now, s, grace_);
            apply();
        }
    }
    void received(int signal_number, TimePoint now) {
        if (received_) {
            machine_.kill(now); // asked twice: no more patience
            apply();
            return;
        }
        const bool already_stopping = stopping(); // by --timeout: keep its grace
        received_ = signal_number;
        if (already_stopping) {
            signal(processkit::Signal::number(signal_number));
        } else {
            machine_.stop(now, processkit::Signal::number(signal_number), grace_);
            apply();
        }
    }
    /// The kill, once the grace has passed.
    void tick(TimePoint now) {
        machine_.tick(now);
        apply();
    }
    /// Whatever is left dies with the run (not a stop: the end of pk's run).
    void kill_rest() {
        try {
            group_.kill_all();
        } catch (const processkit::Error&) {
            // The group is gone: nothing left to kill.
        }
    }

    bool stopping() const { return timed_out_ || received_; }
    bool timed_out() const { return timed_out_; }
    std::optional<int> received() const { return received_; }
    /// When the grace ends (while one runs).
    std::optional<TimePoint> kill_at() const { return machine_.kill_at(); }

private:
    void apply() {
        while (auto a = machine_.poll_action()) {
            if (a->kind == processkit::TerminationAction::Kind::Kill) {
                kill_rest();
            } else {
                signal(a->signal);
            }
        }
    }
    void signal(processkit::Signal s) {
        try {
            group_.signal(s);
        } catch (const processkit::Error&) {
        }
    }

    processkit::ProcessGroup& group_;
    Duration grace_;
    processkit::TerminationMachine machine_;
    bool timed_out_ = false;
    std::optional<int> received_;
};

/// After PROGRAM exited during a stop: give the rest of the tree until the
/// end of the grace to finish, then kill it. The status line goes on (its
/// relay at its own pace: what the tree writes waits in the pseudo-terminal).
void wait_for_tree(processkit::ProcessGroup& group, Stopper& stopper, StopSignals& signals,
                   LiveStatus& status) {
    while (stopper.kill_at() && !group.empty()) {
        const TimePoint now = Clock::now();
        stopper.tick(now);
        if (!stopper.kill_at()) {
            break;
        }
        status.pump(now, true);
        wait_for_signal_or_empty(group, signals,
                                 earliest(stopper.kill_at(), status.next_draw()).value_or(now));
        while (auto n = signals.take()) {
            stopper.received(*n, Clock::now());
        }
    }
}

} // namespace

int run_command(const RunRequest& o) {
    check_cwd(o.cwd);
    std::optional<OutputFile> json_out;
    if (o.json) {
        json_out.emplace(OutputFile::standard_output());
    }
    std::optional<OutputFile> stats_out = open_output(o.stats_out, "--stats-out");
    std::optional<OutputFile> plot = open_output(o.plot, "--plot");
    StopSignals signals; // before anything that waits, so INT/TERM/HUP end the wait
    StdinSource stdin_source;
    if (o.stdin_file) {
        stdin_source = open_stdin_source(*o.stdin_file, signals);
        if (stdin_source.stopped_by) {
            return 128 + *stdin_source.stopped_by; // nothing was started
        }
    }
    processkit::ProcessGroup group = make_group(o);
    warn_if_unprotected(group);

    RunReport report;
    report.program = o.program;
    report.args = o.args;
    report.mechanism = mechanism_name(group.mechanism());
    report.sample_every = o.sample_every;
    Captures captures{OutputCapture(o.output_cap(), o.keeps_tail()),
                      OutputCapture(o.output_cap(), o.keeps_tail())};
    LiveStatus status(o, group.mechanism() == processkit::Mechanism::ProcessGroup);

    TimePoint started = Clock::now();
    processkit::blocking::Reactor reactor;
    // Samples and the final reading of the tree's accounting feed the report,
    // the status line and the files; with none of them asked for, pk reads no
    // cgroup statistics at all (a plain `pk run` is started often, as a
    // wrapper, so its start and end are kept lean).
    const bool wants_stats = o.json || o.profile || stats_out || plot || status.active();
    processkit::driver::RunDriver::Options driver_options;
    if (wants_stats) {
        driver_options.run.sample_every = o.sample_every;
    }
    driver_options.shared_group = &group;
    driver_options.on_stats = [&](const processkit::ProcessGroupStats& st) {
        Sample s;
        s.t_ms = to_ms(Clock::now() - started);
        s.active_process_count = st.active_process_count;
        if (st.total_cpu_time) {
            s.cpu_ms = to_ms(*st.total_cpu_time);
        }
        s.memory_bytes = st.memory_bytes;
        // Running figures only: the samples themselves are not kept (S3).
        status.add_sample(s);
        ++report.samples;
        report.max_processes = std::max(report.max_processes.value_or(0), s.active_process_count);
        if (plot) {
            report.chart.add(s); // bounded by decimation
        }
        if (stats_out) {
            stats_out->write(sample_json(s) + "\n");
            stats_out->flush();
        }
    };
#if defined(_WIN32)
    driver_options.stdio_redirect.stdin_handle = stdin_source.fd.get(); // null without --stdin
#else
    driver_options.stdio_redirect.stdin_fd = stdin_source.fd.get(); // -1 without --stdin
#endif
    status.route_output(driver_options.stdio_redirect);
    processkit::driver::RunDriver driver(make_command(o, captures), std::move(driver_options),
                                         reactor);
    Stopper stopper(group, o.grace);

    started = Clock::now();
    try {
        driver.start(started);
    } catch (...) {
        status.spawned();
        throw;
    }
    status.spawned();
    status.started(started);
    stdin_source.fd.reset(); // PROGRAM has its own copy; pk keeps no reader of a FIFO
    const std::optional<TimePoint> timeout_at =
        o.timeout ? std::optional<TimePoint>(started + *o.timeout) : std::nullopt;
    GuardWatch guard_watch(group, started, [&status](std::string_view m) { status.say(m); });
    while (!driver.finished()) {
        TimePoint now = Clock::now();
        auto wake = earliest(earliest(reactor.next_deadline(), stopper.kill_at()),
                             guard_watch.next_check());
        if (!stopper.stopping()) {
            wake = earliest(wake, timeout_at);
        }
        status.wait({reactor.fd(), signals.fd()}, wake);
        now = Clock::now();
        while (auto n = signals.take()) {
            stopper.received(*n, now);
        }
        if (timeout_at && now >= *timeout_at) {
            stopper.timeout(o.signal, now);
        }
        stopper.tick(now);
        guard_watch.tick(now);
        reactor.run_once(now); // dispatches what is ready without waiting
        status.pump(now, stopper.stopping());
    }
    processkit::ProcessResult result = *driver.take_result();
    if (result.outcome.kind == processkit::Outcome::Kind::SpawnFailed) {
        if (result.error) {
            throw_spawn_failure(*result.error, o);
        }
        throw Failure(exit_pk_failed, "cannot start '" + o.program + "'");
    }
    wait_for_tree(group, stopper, signals, status);

    // The tree's own accounting covers members that already exited
    // (cgroup cpu.stat); the samples stopped when PROGRAM exited.
    std::optional<processkit::ProcessGroupStats> final_stats;
    try {
        if (wants_stats) {
            final_stats = group.stats();
        }
    } catch (const processkit::Error&) {
    }
    stopper.kill_rest(); // whatever PROGRAM left behind dies with the run
    // Everything the tree wrote reaches the terminal before the line goes
    // and before anything else pk prints.
    status.finish(signals.fd());

    report.exit_code = result.exit_code();
    report.signal = result.status ? result.status->signal() : std::nullopt;
    report.timed_out = stopper.timed_out();
    report.duration_ms = to_ms(result.duration);
    // The final reading of the tree's accounting, merged by the one rule
    // (ProfileBuilder) with what the run saw: never below either.
    processkit::ProfileBuilder totals;
    if (final_stats) {
        totals.add_tick(final_stats);
    }
    const processkit::RunProfile merged = totals.finish(result);
    if (merged.cpu_time) {
        report.cpu_ms = to_ms(*merged.cpu_time);
    }
    report.peak_memory_bytes = merged.peak_memory_bytes;
    if (o.json) {
        report.stdout_output = std::move(captures.out);
        report.stderr_output = std::move(captures.err);
    }

    if (o.profile) {
        std::fputs(profile_text(report).c_str(), stderr);
    }
    // A file that could not be written fails the run (125) before the JSON
    // result is printed: with --json, a failure prints no JSON object.
    if (stats_out) {
        stats_out->close();
    }
    if (plot) {
        plot->write(svg_plot(report));
        plot->close();
    }
    if (json_out) {
        write_result_json(report, [&](std::string_view piece) { json_out->write(piece); });
        json_out->write("\n");
        json_out->close();
    }

    if (const std::optional<int> received = stopper.received(); received.has_value()) {
        return 128 + received.value_or(0);
    }
    if (stopper.timed_out()) {
        return exit_timeout;
    }
    if (report.signal) {
        return 128 + *report.signal;
    }
    if (report.exit_code) {
        return *report.exit_code;
    }
    throw Failure(exit_pk_failed, "lost track of '" + o.program + "' before it exited");
}

} // namespace pk
