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

#include "processkit/core/run_machine.hpp"
#include "processkit/driver/export.hpp"
#include "processkit/driver/user_callbacks.hpp"
#include "processkit/driver/watcher.hpp"
#include "processkit/os/process_group.hpp"
#include "processkit/os/spawn.hpp"

#include <cstdint>
#include <deque>
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
    Stream stream;
    std::string text; ///< decoded, without its terminator
    friend bool operator==(const OutputEvent&, const OutputEvent&) = default;
};

class PROCESSKIT_DRIVER_EXPORT RunDriver {
public:
    struct Options {
        RunOptions run;
        /// Run inside this group (signals reach the child only); nullptr: a
        /// private group per run, killed when the run ends.
        ProcessGroup* shared_group = nullptr;
        /// Keep stdout lines for a pull reader / all lines for an event reader.
        bool queue_stdout_lines = false;
        bool queue_events = false;
        std::function<void(const ProcessGroupStats&)> on_stats;
        /// The child's stdin/stdout from these descriptors (pipeline stages).
        os::StdioRedirect stdio_redirect;
    };

    RunDriver(Command command, Options options, Watcher& watcher);
    RunDriver(const RunDriver&) = delete;
    RunDriver& operator=(const RunDriver&) = delete;
    /// Unfinished: kills the child (and its private group) without waiting.
    ~RunDriver();

    void start(TimePoint now);
    void on_ready(os::NativeHandle fd, FdRole role, TimePoint now);
    void on_deadline(TimePoint now);
    /// Checks, without waiting, whether the child exited though its pidfd
    /// was not dispatched yet (a pipeline's teardown judges who was gone).
    void poll_child(TimePoint now);
    void cancel(TimePoint now);
    void terminate(TimePoint now, Signal signal);
    void kill(TimePoint now);
    /// Interactive stdin. False if stdin is not (or no longer) writable.
    bool write_stdin(std::string bytes, TimePoint now);
    /// Closes stdin once what was written is in the pipe, or at once dropping
    /// the queued rest (discard_queued: a cancelled write).
    void close_stdin(TimePoint now, bool discard_queued = false);

    bool finished() const { return result_.has_value(); }
    /// The direct child was seen to exit (its output may still be draining).
    bool child_exited() const { return machine_.exited(); }
    const std::optional<ProcessResult>& result() const { return result_; }
    std::optional<ProcessResult> take_result() { return std::exchange(result_, std::nullopt); }
    std::optional<TimePoint> next_deadline() const { return machine_.next_deadline(); }
    pid_t pid() const { return pid_; }
    std::optional<TimePoint> started_at() const { return machine_.spawned_at(); }
    const StreamCounters& counters(Stream s) const { return machine_.counters(s); }
    /// True while queued stdin bytes are waiting for the pipe.
    bool stdin_pending() const { return !stdin_queue_.empty(); }
    bool stdin_broken() const { return stdin_broken_; }
    bool stdin_writable() const { return machine_.stdin_writable() && !stdin_broken_; }
    /// Bytes of interactive stdin accepted by write_stdin / written to the pipe.
    std::uint64_t stdin_bytes_queued() const { return stdin_queued_total_; }
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

    std::deque<std::string>& stdout_lines() { return stdout_lines_; }
    std::deque<OutputEvent>& events() { return events_; }

    // For readiness probes (blocking/readiness.hpp).
    const Command& command() const { return command_; }
    bool queues_stdout_lines() const { return options_.queue_stdout_lines; }
    /// The stream's pipe is still open (not captured, or at its end: false).
    bool output_open(Stream s) const {
        return process_ && (s == Stream::Stdout ? process_->stdout_pipe : process_->stderr_pipe);
    }
    /// How the direct child ended, once it was reaped (before the run finishes).
    const std::optional<ExitStatus>& exit_status() const { return exit_status_; }
    /// The last bytes read from stderr (at most stderr_tail_bytes), for
    /// error messages while the run goes on.
    static constexpr std::size_t stderr_tail_bytes = 4096;
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
    std::deque<std::string> stdin_queue_;
    std::size_t stdin_offset_ = 0; ///< bytes of stdin_queue_.front() already written
    bool stdin_broken_ = false;
    std::uint64_t stdin_queued_total_ = 0;
    std::uint64_t stdin_written_total_ = 0;
    HandlerFailures handler_failed_{};
    bool stdin_watched_ = false;
    bool group_watched_ = false;
    std::deque<Input> inputs_;
    bool feeding_ = false;
    std::optional<TimePoint> last_deadline_;
    std::optional<ProcessResult> result_;
    std::deque<std::string> stdout_lines_;
    std::deque<OutputEvent> events_;
    std::optional<ExitStatus> exit_status_;
    std::string stderr_tail_;
};

} // namespace processkit::driver
