#include "processkit/blocking/running_process.hpp"

#include "processkit/blocking/reactor.hpp"
#include "processkit/blocking/wait_ready.hpp"
#include "processkit/core/profile_builder.hpp"
#include "processkit/core/sampler.hpp"

#include <algorithm>

namespace processkit {

struct RunningProcess::State {
    // The reactor outlives the driver: the driver unregisters in its destructor.
    blocking::Reactor reactor;
    std::unique_ptr<driver::RunDriver> driver;
    bool events_enabled = false;

    void run_until_finished() {
        reactor.run_until([&] { return driver->finished(); });
    }
};

RunningProcess start_process(const Command& command, ProcessGroup* group,
                             const StartOptions& options) {
    auto state = std::make_unique<RunningProcess::State>();
    driver::RunDriver::Options o;
    o.shared_group = group;
    o.queue_stdout_lines = options.line_reader;
    o.queue_events = options.event_reader;
    o.run.sample_every = options.sample_every;
    state->events_enabled = options.event_reader;
    state->driver = std::make_unique<driver::RunDriver>(command, std::move(o), state->reactor);
    state->driver->start(Clock::now());
    if (state->driver->finished()) {
        const auto& r = *state->driver->result();
        if (r.outcome.kind == Outcome::Kind::SpawnFailed && r.error) {
            throw *r.error;
        }
    }
    return RunningProcess(std::move(state));
}

RunningProcess::RunningProcess(std::unique_ptr<State> state)
    : state_(std::move(state)) {}
RunningProcess::RunningProcess(RunningProcess&&) noexcept = default;
RunningProcess& RunningProcess::operator=(RunningProcess&&) noexcept = default;
RunningProcess::~RunningProcess() = default; // the driver kills an unfinished tree

pid_t RunningProcess::pid() const {
    return state_->driver->pid();
}

TimePoint RunningProcess::started_at() const {
    return state_->driver->started_at().value_or(TimePoint{});
}

Duration RunningProcess::elapsed() const {
    if (const auto& r = state_->driver->result()) {
        return r->duration;
    }
    return Clock::now() - started_at();
}

std::uint64_t RunningProcess::line_count(Stream s) const {
    if (const auto& r = state_->driver->result()) {
        return (s == Stream::Stdout ? r->stdout_counters : r->stderr_counters).total_lines;
    }
    return state_->driver->counters(s).total_lines;
}

bool RunningProcess::finished() const {
    return state_->driver->finished();
}

Outcome RunningProcess::wait() {
    state_->run_until_finished();
    return state_->driver->result()->outcome;
}

std::optional<Outcome> RunningProcess::wait_for(Duration timeout) {
    const auto until = Clock::now() + timeout;
    if (!state_->reactor.run_until([&] { return state_->driver->finished(); }, until)) {
        return std::nullopt;
    }
    return state_->driver->result()->outcome;
}

const ProcessResult& RunningProcess::result() {
    state_->run_until_finished();
    return *state_->driver->result();
}

void RunningProcess::kill() {
    state_->driver->kill(Clock::now());
}

void RunningProcess::terminate() {
    state_->driver->terminate(Clock::now(), Signal::term());
}

std::optional<std::string> RunningProcess::next_line() {
    auto& lines = state_->driver->stdout_lines();
    state_->reactor.run_until([&] { return !lines.empty() || state_->driver->finished(); });
    if (lines.empty()) {
        return std::nullopt;
    }
    std::string line = std::move(lines.front());
    lines.pop_front();
    return line;
}

std::optional<OutputEvent> RunningProcess::next_event() {
    if (!state_->events_enabled) {
        throw Error(ErrorKind::InvalidArgument, state_->driver->command().program(),
                    "next_event() needs StartOptions::event_reader when the process is started");
    }
    auto& events = state_->driver->events();
    state_->reactor.run_until([&] { return !events.empty() || state_->driver->finished(); });
    if (events.empty()) {
        return std::nullopt;
    }
    OutputEvent e = std::move(events.front());
    events.pop_front();
    return e;
}

driver::RunDriver& RunningProcess::driver() {
    return *state_->driver;
}

bool RunningProcess::run_until(const std::function<bool()>& done, std::optional<TimePoint> until) {
    return state_->reactor.run_until(done, until);
}

void RunningProcess::dispatch_pending() {
    state_->reactor.run_once(Clock::now());
}

void RunningProcess::require_stdin_ok(const char* what) {
    if (state_->driver->stdin_broken()) {
        // E1: name the program; the child's last stderr line often says why.
        throw Error(ErrorKind::StdinFailed, state_->driver->command().program(),
                    std::string(what) + ": the child closed its stdin (broken pipe)")
            .with_output({}, state_->driver->stderr_tail());
    }
}

void RunningProcess::write(std::string_view bytes) {
    require_stdin_ok("write");
    if (bytes.empty()) {
        return;
    }
    if (!state_->driver->write_stdin(std::string(bytes), Clock::now())) {
        require_stdin_ok("write");
        throw Error(ErrorKind::StdinFailed, state_->driver->command().program(),
                    "write: stdin is not open for writing (use Command::stdin_interactive(), and "
                    "do not write after close_stdin() or after the run ended)");
    }
}

void RunningProcess::write_line(std::string_view line) {
    std::string with_newline(line);
    with_newline += '\n';
    write(with_newline);
}

void RunningProcess::flush() {
    state_->reactor.run_until([&] {
        return !state_->driver->stdin_pending() || state_->driver->stdin_broken() ||
               state_->driver->finished();
    });
    require_stdin_ok("flush");
}

void RunningProcess::close_stdin() {
    state_->driver->close_stdin(Clock::now());
}

std::optional<Duration> RunningProcess::cpu_time() {
    if (const auto& r = state_->driver->result()) {
        return r->profile.cpu_time;
    }
    try {
        if (auto* g = state_->driver->group()) {
            return g->stats().total_cpu_time;
        }
    } catch (const Error&) {
    }
    return std::nullopt;
}

std::optional<std::uint64_t> RunningProcess::peak_memory_bytes() {
    if (const auto& r = state_->driver->result()) {
        return r->profile.peak_memory_bytes;
    }
    try {
        if (auto* g = state_->driver->group()) {
            const auto s = g->stats();
            return s.peak_memory_bytes ? s.peak_memory_bytes : s.memory_bytes;
        }
    } catch (const Error&) {
    }
    return std::nullopt;
}

RunProfile RunningProcess::profile(Duration every) {
    ProfileBuilder profile;
    SamplerMachine sampler(every, Clock::now());
    auto& driver = *state_->driver;
    while (!driver.finished()) {
        state_->reactor.run_until([&] { return driver.finished(); }, sampler.next_deadline());
        if (driver.finished()) {
            continue;
        }
        // A failed read ends the series (counted as a tick); the run goes on.
        if (auto step = sample_if_due(sampler, driver.group(), Clock::now());
            step.kind != SampleStep::Kind::NotDue) {
            profile.add_tick(step.stats);
        }
    }
    return profile.finish(*driver.result());
}

} // namespace processkit

namespace processkit {

std::size_t wait_any(std::vector<RunningProcess*> processes) {
    if (processes.empty()) {
        throw Error(ErrorKind::InvalidArgument, {}, "wait_any needs at least one process");
    }
    for (;;) {
        std::vector<os::NativeHandle> handles;
        std::optional<TimePoint> earliest;
        for (std::size_t i = 0; i < processes.size(); ++i) {
            auto& state = *processes[i]->state_;
            if (state.driver->finished()) {
                return i;
            }
            handles.push_back(state.reactor.fd());
            if (auto d = state.reactor.next_deadline(); d && (!earliest || *d < *earliest)) {
                earliest = d;
            }
        }
        const std::vector<bool> ready = blocking::wait_ready(handles, earliest);
        // Each reactor whose epoll is ready, or whose deadline passed,
        // dispatches without blocking.
        for (std::size_t i = 0; i < processes.size(); ++i) {
            auto& state = *processes[i]->state_;
            const auto d = state.reactor.next_deadline();
            if (ready[i] || (d && *d <= Clock::now())) {
                state.reactor.run_once(Clock::now());
            }
        }
    }
}

} // namespace processkit
