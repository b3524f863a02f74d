#pragma once
// RunningProcess: a started run, driven by blocking calls (R3).
//
// Thread-safety: none. A RunningProcess may be moved to and used from
// another thread, but not used from two threads at once. Destroying it
// before it finished kills the whole tree (its private group) at once.

#include "processkit/blocking/export.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/driver/run_driver.hpp"
#include "processkit/driver/start_options.hpp"

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace processkit {

using driver::OutputEvent;
class Readiness;
class RunningProcess;
/// Implementation of start() (api.hpp); shared group may be null.
PROCESSKIT_BLOCKING_EXPORT RunningProcess start_process(const Command& command, ProcessGroup* group,
                                                        const StartOptions& options);

/// A started run (R3), returned by start(): wait for it, read its output
/// line by line, write to its stdin, stop it, sample it. Move-only.
class PROCESSKIT_BLOCKING_EXPORT RunningProcess {
public:
    /// Takes over the run; the moved-from object may only be destroyed or
    /// assigned to.
    RunningProcess(RunningProcess&&) noexcept;
    /// Takes over the run; an unfinished run held before is killed, as by
    /// the destructor.
    RunningProcess& operator=(RunningProcess&&) noexcept;
    ~RunningProcess();

    /// The direct child's process id.
    pid_t pid() const;
    /// When the child was spawned.
    TimePoint started_at() const;
    /// Time since the spawn; once finished, the run's duration.
    Duration elapsed() const;
    /// Lines seen so far on a stream (live).
    std::uint64_t line_count(Stream s) const;
    /// True once the run has finished (result() no longer waits).
    bool finished() const;

    /// Blocks until the run has finished (child reaped, output drained).
    Outcome wait();
    /// Waits at most `timeout`; empty if the run has not finished by then.
    std::optional<Outcome> wait_for(Duration timeout);
    /// The full result; waits first if needed.
    const ProcessResult& result();
    /// Kills the whole tree now (the result then says signalled).
    void kill();
    /// Graceful stop: the command's timeout signal, then kill after its grace.
    void terminate();

    /// Pull reader: the next stdout line, blocking; empty at the end of
    /// output. Lines are queued from the start until read (they are also in
    /// the result, per the buffer policy).
    std::optional<std::string> next_line();
    /// Merged reader: the next line of either stream, in arrival order. Needs
    /// StartOptions::event_reader (else Error InvalidArgument).
    std::optional<OutputEvent> next_event();

    /// Interactive stdin (Command::stdin_interactive()). Writing is queued and
    /// flushed without blocking the run; flush() waits until it is written.
    /// A child that closed its stdin is reported by an Error (StdinFailed),
    /// never by SIGPIPE.
    void write(std::string_view bytes);
    /// Writes `line` followed by a newline.
    void write_line(std::string_view line);
    /// Blocks until the queued bytes are written or the run ended; throws
    /// Error (StdinFailed) if the child closed its stdin.
    void flush();
    /// Closes stdin once the queued bytes are written; the child then reads
    /// end of file.
    void close_stdin();

    /// CPU time of the tree so far (its private group's accounting).
    std::optional<Duration> cpu_time();
    /// Peak (or, without a kernel peak, current) memory of the tree.
    std::optional<std::uint64_t> peak_memory_bytes();
    /// Runs to the end sampling the tree every `every` (first sample at once)
    /// and returns the summary (R4).
    RunProfile profile(Duration every);

    /// Blocks until `probe` (blocking/readiness.hpp) finds the child ready,
    /// at most `deadline` (R6). Throws Error NotReady at the deadline, or at
    /// once when the child exits (or, for a line probe, closes stdout) first.
    /// Never kills the child; lines read by a line probe stay queued.
    void wait_ready(const Readiness& probe, Duration deadline);

private:
    struct State;
    friend RunningProcess start_process(const Command&, ProcessGroup*, const StartOptions&);
    friend std::size_t wait_any(std::vector<RunningProcess*> processes);
    explicit RunningProcess(std::unique_ptr<State> state);
    void require_stdin_ok(const char* what);
    // For wait_ready (readiness.cpp): the driver, the loop until done() or
    // `until`, and a dispatch of what is pending without blocking.
    driver::RunDriver& driver();
    bool run_until(const std::function<bool()>& done, std::optional<TimePoint> until);
    void dispatch_pending();
    std::unique_ptr<State> state_;
};

} // namespace processkit
