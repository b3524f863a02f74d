#pragma once
// RunDriver: one run, wired to the OS. It owns the core's RunMachine, the
// child, its pipes and (for a private run) its ProcessGroup, and it is the
// one place where the core's actions are applied — the blocking, Asio and Qt
// reactors share it and differ only in how they wait. A reactor tells it what
// happened (on_* calls, with the time it read), and it tells the reactor what
// to watch through the Watcher.
//
// Thread-safety: none. A driver belongs to one reactor, used from one
// thread at a time.

#include "processkit/core/lazy_deque.hpp"
#include "processkit/core/run_machine.hpp"
#include "processkit/driver/export.hpp"
#include "processkit/driver/user_callbacks.hpp"
#include "processkit/driver/watcher.hpp"
#include "processkit/os/process_group.hpp"
#include "processkit/os/spawn.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <utility>

namespace processkit::driver {

/// One line of output as a reader sees it.
struct OutputEvent {
    /// The stream the line came from.
    Stream stream;
    std::string text; ///< decoded, without its terminator
    friend bool operator==(const OutputEvent&, const OutputEvent&) = default;
};

/// One run wired to the OS, shared by the blocking, Asio and Qt reactors: the
/// reactor reports what happened (start, on_ready, on_deadline, caller
/// requests) and the driver registers what to wait for through a Watcher.
class PROCESSKIT_DRIVER_EXPORT RunDriver {
public:
    /// How the driver runs its command, besides the Command itself.
    struct Options {
        /// The run machine's options. owns_group is set from shared_group;
        /// when a queue below is on, stdout lines are delivered (and, with
        /// queue_events, stderr lines too).
        RunOptions run;
        /// Run inside this group (signals reach the child only); nullptr: a
        /// private group per run, killed when the run ends.
        ProcessGroup* shared_group = nullptr;
        /// Keep stdout lines in stdout_lines() for a pull reader.
        bool queue_stdout_lines = false;
        /// Keep lines of both streams in events(), in arrival order, for an
        /// event reader.
        bool queue_events = false;
        /// Called on the reactor's thread with each stats sample (sampling
        /// is on when run.sample_every is set).
        std::function<void(const ProcessGroupStats&)> on_stats;
        /// The child's stdin/stdout from these descriptors (pipeline stages).
        os::StdioRedirect stdio_redirect;
        /// Someone may ask the private group for its CPU time (through
        /// private_group()). Off for runs whose group never leaves the
        /// library; sampling (run.sample_every) measures it regardless.
        bool private_group_cpu_time = true;
    };

    /// Prepares the run; nothing is spawned before start(). `watcher` must
    /// outlive the driver (the destructor still unregisters through it).
    RunDriver(Command command, Options options, Watcher& watcher);
    RunDriver(const RunDriver&) = delete;
    RunDriver& operator=(const RunDriver&) = delete;
    /// Unfinished: kills the child (and its private group) without waiting.
    ~RunDriver();

    /// Starts the run: spawns the child (in a private group unless
    /// Options::shared_group) and watches its pipes and exit. A spawn failure
    /// is not thrown: the run finishes with it in the result.
    void start(TimePoint now);
    /// `fd`, registered as `role`, is ready: reads output, writes queued
    /// stdin, reaps the exited child or checks the group is empty. Ignored
    /// once the run has finished.
    void on_ready(os::NativeHandle fd, FdRole role, TimePoint now);
    /// next_deadline() has passed: the run acts on what is due (timeout,
    /// end of grace or drain, stats sample).
    void on_deadline(TimePoint now);
    /// Checks, without waiting, whether the child exited though its pidfd
    /// was not dispatched yet (a pipeline's teardown judges who was gone).
    void poll_child(TimePoint now);
    /// Gives up the run: the command's timeout signal, a kill after its
    /// grace; the result says cancelled (a cancel beats a timeout). If the
    /// child already exited, the run ends without waiting for the drain.
    void cancel(TimePoint now);
    /// Graceful stop: `signal` to the tree (to the child only in a shared
    /// group), a kill after the command's grace.
    void terminate(TimePoint now, Signal signal);
    /// Kills at once: the tree (the child only in a shared group).
    void kill(TimePoint now);
    /// Interactive stdin. False if stdin is not (or no longer) writable.
    bool write_stdin(std::string bytes, TimePoint now);
    /// Closes stdin once what was written is in the pipe, or at once dropping
    /// the queued rest (discard_queued: a cancelled write).
    void close_stdin(TimePoint now, bool discard_queued = false);

    /// True while a result is held: from the run's end until take_result().
    bool finished() const { return result_.has_value(); }
    /// The direct child was seen to exit (its output may still be draining).
    bool child_exited() const { return machine_.exited(); }
    /// The result once the run has finished; empty before and after
    /// take_result().
    const std::optional<ProcessResult>& result() const { return result_; }
    /// Moves the result out (finished() is false afterwards).
    std::optional<ProcessResult> take_result() { return std::exchange(result_, std::nullopt); }
    /// When on_deadline() is next needed (nullopt: no deadline).
    std::optional<TimePoint> next_deadline() const { return machine_.next_deadline(); }
    /// The direct child's process id (-1 before it was spawned).
    pid_t pid() const { return pid_; }
    /// When the child was spawned (empty before).
    std::optional<TimePoint> started_at() const { return machine_.spawned_at(); }
    /// Output figures of stream `s` so far (bytes, lines, drops).
    const StreamCounters& counters(Stream s) const { return machine_.counters(s); }
    /// True while queued stdin bytes are waiting for the pipe.
    bool stdin_pending() const { return !stdin_queue_.empty(); }
    /// A write to the stdin pipe failed (the child closed its end).
    bool stdin_broken() const { return stdin_broken_; }
    /// write_stdin() may still be called (interactive stdin open, not broken).
    bool stdin_writable() const { return machine_.stdin_writable() && !stdin_broken_; }
    /// Bytes of interactive stdin accepted by write_stdin.
    std::uint64_t stdin_bytes_queued() const { return stdin_queued_total_; }
    /// Bytes of interactive stdin written to the pipe.
    std::uint64_t stdin_bytes_written() const { return stdin_written_total_; }
    /// The stdin pipe is still open (not closed, not broken, run not over).
    bool stdin_open() const { return process_ && process_->stdin_pipe; }
    /// The group the run is in (nullptr before spawn, after the run ended).
    ProcessGroup* group() { return shared_ ? shared_ : own_group_.get(); }
    /// The run's private group, shared so another thread may kill it while the
    /// driver runs (ProcessGroup is thread-safe); null for a shared group.
    std::shared_ptr<ProcessGroup> private_group() const { return own_group_; }
    /// A handle to signal the child from another thread (empty before spawn
    /// or once it was reaped).
    os::ChildSignaller child_signaller() const {
        return process_ ? process_->child.signaller() : os::ChildSignaller{};
    }

    /// Gives up the run: kills the tree (its private group) and the child at
    /// once, unregisters every descriptor and hands over the child unreaped,
    /// so the caller can reap it without blocking (destroying the Child reaps
    /// it, blocking briefly). The driver is inert afterwards: no result.
    std::optional<os::Child> abandon() noexcept;

    /// The queued stdout lines (Options::queue_stdout_lines); a pull reader
    /// pops them from the front.
    LazyDeque<std::string>& stdout_lines() { return stdout_lines_; }
    /// The queued lines of both streams (Options::queue_events), oldest first.
    LazyDeque<OutputEvent>& events() { return events_; }

    // For readiness probes (blocking/readiness.hpp).
    /// The command being run. A Bytes stdin's data was handed to the machine
    /// (RunConfig::taking_stdin), so this copy keeps its kind but no bytes.
    const Command& command() const { return command_; }
    /// Options::queue_stdout_lines: whether a line probe can see stdout lines.
    bool queues_stdout_lines() const { return options_.queue_stdout_lines; }
    /// The stream's pipe is still open (not captured, or at its end: false).
    bool output_open(Stream s) const {
        return process_ && (s == Stream::Stdout ? process_->stdout_pipe : process_->stderr_pipe);
    }
    /// How the direct child ended, once it was reaped (before the run finishes).
    const std::optional<ExitStatus>& exit_status() const { return exit_status_; }
    /// How many of the last stderr bytes stderr_tail() keeps, for error
    /// messages while the run goes on.
    static constexpr std::size_t stderr_tail_bytes = 4096;
    /// The last bytes read from stderr (at most stderr_tail_bytes).
    const std::string& stderr_tail() const { return stderr_tail_; }

private:
    void feed(TimePoint now, Input in);
    void apply(TimePoint now, Action& a);
    void spawn(TimePoint now);
    void read_stream(Stream s, TimePoint now);
    void remember_stderr(std::string_view bytes);
    void flush_stdin(TimePoint now);
    void close_fd(os::ParentPipe& pipe, FdRole role);
    void release_everything() noexcept;

    Command command_;
    Options options_;
    Watcher& watcher_;
    RunMachine machine_;
    ProcessGroup* shared_;
    std::shared_ptr<ProcessGroup> own_group_;
    std::optional<os::SpawnedProcess> process_;
    pid_t pid_ = -1;
    LazyDeque<std::string> stdin_queue_;
    std::size_t stdin_offset_ = 0; ///< bytes of stdin_queue_.front() already written
    bool stdin_broken_ = false;
    std::uint64_t stdin_queued_total_ = 0;
    std::uint64_t stdin_written_total_ = 0;
    HandlerFailures handler_failed_{};
    bool stdin_watched_ = false;
    bool group_watched_ = false;
    bool widened_[2] = {false, false}; ///< per output Stream: widen_for_bulk() done
    bool stdin_widened_ = false;       ///< widen_for_bulk() done for stdin
    LazyDeque<Input> inputs_;
    bool feeding_ = false;
    std::optional<TimePoint> last_deadline_;
    std::optional<ProcessResult> result_;
    LazyDeque<std::string> stdout_lines_;
    LazyDeque<OutputEvent> events_;
    std::optional<ExitStatus> exit_status_;
    std::string stderr_tail_;
};

} // namespace processkit::driver
