#pragma once
// RunMachine: the lifecycle of one run as a sans-IO state machine (A1).
//
// The reactor calls handle(now, input) whenever something happens, then
// drains poll_action() until it returns nothing, then waits until
// next_deadline() (feeding input::Tick when it passes) or the next event.
//
//   Idle --Start--> Spawning --Spawned--> Running --(exit + streams closed)--> Finished
//                       \--SpawnFailed / invalid command-------------------> Finished
//
// While Running: a timeout or Cancel starts the run's TerminationMachine
// (termination.hpp): the timeout signal to the tree (to the child in a shared
// group), the kill when the grace is over; a zero grace kills at once. After the direct child
// exits, output is drained for at most the drain timeout, then the tree is killed and the partial
// output kept. When the run finishes, whatever is left in a private group is
// killed. Exactly one Finished action is produced, and nothing after it.
//
// Inputs the reactor can legitimately race with the end (late output, timer
// ticks, caller requests) are ignored once Finished; inputs that contradict
// the protocol (output before Spawned, two exits...) throw std::logic_error.
//
// Thread-safety: none. One machine is driven from one thread at a time.

#include "processkit/core/capture_store.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/export.hpp"
#include "processkit/core/line_splitter.hpp"
#include "processkit/core/output_buffer.hpp"
#include "processkit/core/profile_builder.hpp"
#include "processkit/core/run_events.hpp"
#include "processkit/core/sampler.hpp"
#include "processkit/core/termination.hpp"
#include "processkit/core/timers.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace processkit {

/// How a reactor runs a RunMachine, beyond what the Command says: who owns
/// the group, which streams' lines are delivered, and stats sampling.
struct RunOptions {
    /// True: the run has its own group, so signals and kills reach the whole
    /// tree. False: the run shares a group, and only the direct child is
    /// signalled (the tree belongs to the group's owner).
    bool owns_group = true;
    /// Emit DeliverLine for each stream. Defaults to "has a line handler".
    std::optional<bool> deliver_lines[2];
    /// Sample the group's stats every interval (profile, statsSampled).
    std::optional<Duration> sample_every;
    /// One DeliverLine per read instead of one per line: its text holds
    /// every line of the read, each followed by '\n' (a delivered line never
    /// contains '\n'), and a cut line is delivered alone with `cut` set.
    /// for_each_batched_line() splits it again. For drivers that apply
    /// thousands of lines a second: an action per line costs more than the
    /// line. Off by default, so that each DeliverLine is one line.
    bool batch_lines = false;
    /// Where an unbounded capture keeps its bytes (one store per captured
    /// stream); empty: the buffers' own blocks. The reactors pass the OS
    /// layer's page stores (os::page_capture_stores()).
    CaptureStoreFactory capture_store{};
};

/// Calls `f(line)` for each line of a DeliverLine's text made with
/// RunOptions::batch_lines (each line followed by '\n'), in order, as views
/// into `text`. Stops early, returning false, when `f` returns false.
template <class F>
bool for_each_batched_line(std::string_view text, F&& f) {
    while (!text.empty()) {
        const std::size_t end = text.find('\n');
        const std::size_t length = end == std::string_view::npos ? text.size() : end;
        if (!f(text.substr(0, length))) {
            return false;
        }
        text.remove_prefix(std::min(text.size(), length + 1));
    }
    return true;
}

/// What the run machine needs of a Command: a small value, taken once (the
/// Command itself, with its callbacks and environment, stays with the
/// reactor's driver).
struct PROCESSKIT_CORE_EXPORT RunConfig {
    /// The program, for the result and its messages.
    std::string program;
    std::optional<Error> invalid; ///< Command::validate()'s verdict
    /// What happens to each stream, indexed by Stream; only Capture and Tee
    /// streams are read (and expect Output).
    std::array<StdioMode, 2> modes{};
    /// What each stream's capture keeps, indexed by Stream (C9).
    std::array<BufferPolicy, 2> policies{};
    /// Whether each stream has a line handler, indexed by Stream: the default
    /// of RunOptions::deliver_lines.
    std::array<bool, 2> has_line_handler{};
    /// Longest line kept whole, in bytes (0 counts as 1); longer lines are
    /// cut into pieces.
    std::size_t max_line_bytes = 0;
    /// How DeliverLine text is decoded (C10); copied to the result.
    Encoding encoding = Encoding::Utf8;
    /// Exit codes counted as success; copied to the result.
    std::vector<int> ok_codes;
    /// Measured from Spawned; empty: no timeout (C6).
    std::optional<Duration> timeout;
    /// Time between the stop signal and the kill; zero or negative: the
    /// kill at once, without the signal.
    Duration grace{0};
    /// The signal sent at the timeout and on a Cancel.
    Signal timeout_signal = Signal::term();
    /// How long output is still read after the direct child exited; then the
    /// run finishes with the output read so far, marked output_incomplete (R5).
    Duration drain_timeout{0};
    /// Where stdin comes from. The machine writes stdin only for Bytes
    /// (stdin_bytes, then closes it) and Interactive (the caller's writes).
    StdinSource::Kind stdin_kind = StdinSource::Kind::Empty;
    std::string stdin_bytes; ///< Kind::Bytes only

    /// Takes what the machine needs from `command`, with its validate()
    /// verdict in `invalid`.
    static RunConfig of(const Command& command);
    /// The same, but stdin bytes (StdinSource::Kind::Bytes) are moved out of
    /// `command` instead of copied: it keeps the kind, with no data. For a
    /// driver that holds its own copy of the Command, so that a large stdin
    /// is not held twice.
    static RunConfig taking_stdin(Command& command);
};

/// The lifecycle of one run as a sans-IO state machine (A1): inputs in
/// through handle(), actions out through poll_action(). The protocol is
/// described at the top of run_machine.hpp.
class PROCESSKIT_CORE_EXPORT RunMachine {
public:
    /// Idle: before Start; Spawning: a Spawn is out, not yet answered;
    /// Running: the child was spawned; Finished: the Finished action was
    /// produced.
    enum class Phase : std::uint8_t { Idle, Spawning, Running, Finished };

    /// A machine for one run, in phase Idle.
    RunMachine(RunConfig config, RunOptions options = {});
    /// The same, with RunConfig::of(command).
    RunMachine(const Command& command, RunOptions options = {})
        : RunMachine(RunConfig::of(command), options) {}

    /// Feeds one input that happened at `now`. Ignored once finished; an
    /// input that contradicts the protocol (Start twice, Output before
    /// Spawned...) throws std::logic_error.
    void handle(TimePoint now, const Input& in);
    /// The next action to apply, in the order produced; empty when none is
    /// queued.
    [[nodiscard]] std::optional<Action> poll_action();
    /// The same, applied in place: the next action, or nullptr when none is
    /// queued. The action is taken (the next call returns the one after
    /// it); the pointer stays valid until the next call to next_action(),
    /// poll_action() or handle(). Saves a move per action, which counts
    /// when every line is one.
    [[nodiscard]] Action* next_action();
    /// The earliest time at which a Tick would do something.
    std::optional<TimePoint> next_deadline() const;

    /// The current phase.
    Phase phase() const { return phase_; }
    /// True once the Finished action was produced.
    bool finished() const { return phase_ == Phase::Finished; }
    /// True once the direct child was reaped (input::Exited).
    bool exited() const { return exit_.has_value(); }
    /// Output figures so far (live line counts for RunningProcess).
    const StreamCounters& counters(Stream s) const { return buffers_[idx(s)].counters(); }
    /// Bytes held by the splitter and buffer of a stream (fuzz invariant).
    std::size_t buffered_bytes(Stream s) const;
    /// True while the caller may still write to an interactive stdin.
    bool stdin_writable() const;
    /// Where a driver may read stream `s`'s next bytes (at least `bytes`
    /// of room) straight into the capture store, for a stream captured whole
    /// with no line handler (raw capture, see OutputBuffer). The driver then
    /// feeds input::Output whose bytes start there, before anything else is
    /// fed; the machine keeps them where they are. Empty: read into a buffer
    /// of the driver's own and feed that, as always.
    std::span<char> output_target(Stream s, std::size_t bytes);
    /// The `now` of input::Spawned; empty before it.
    std::optional<TimePoint> spawned_at() const { return spawned_at_; }
    /// Optional: hands back the text of a DeliverLine the driver is done
    /// with, so that the next line is decoded into its storage rather than a
    /// new allocation (a line handler then costs no allocation per line).
    void recycle_line_text(std::string&& text) noexcept;

private:
    enum class StdinState : std::uint8_t { None, Open, Closed };
    class LineTaker; // passes a stream's lines to take_line

    static constexpr std::size_t idx(Stream s) { return static_cast<std::size_t>(s); }
    Target target() const { return owns_group_ ? Target::Tree : Target::Child; }

    void on(TimePoint, const input::Start&);
    void on(TimePoint, const input::Spawned&);
    void on(TimePoint, const input::SpawnFailed&);
    void on(TimePoint, const input::Output&);
    void on(TimePoint, const input::OutputClosed&);
    void on(TimePoint, const input::StdinDrained&);
    void on(TimePoint, const input::StdinBroken&);
    void on(TimePoint, const input::Exited&);
    void on(TimePoint, const input::GroupEmpty&);
    void on(TimePoint, const input::StatsSampled&);
    void on(TimePoint, const input::StatsFailed&);
    void on(TimePoint, const input::Tick&);
    void on(TimePoint, const input::Cancel&);
    void on(TimePoint, const input::Terminate&);
    void on(TimePoint, const input::Kill&);
    void on(TimePoint, const input::WriteStdin&);
    void on(TimePoint, const input::CloseStdin&);
    void on(TimePoint, const input::HandlerFailed&);

    void require_running(const char* what) const;
    void begin_termination(TimePoint now, Signal signal);
    void kill_now(TimePoint now);
    /// Turns the termination machine's actions into the run's: after the
    /// direct child exited, a kill is for the rest of the tree.
    void apply_termination();
    /// `ascii`: `content` is known to be ASCII, so decoding is a copy.
    void take_line(Stream s, std::string_view content, LineEnding ending, bool cut,
                   std::string* owned, bool ascii);
    void close_stdin_when_drained();
    void sample_if_due(TimePoint now);
    void finish_if_done(TimePoint now);
    void finish(TimePoint now);
    void finish_without_child(Outcome outcome, std::optional<Error> error);
    /// Queues an action, built in place (no variant move: a line's action
    /// is queued once per line).
    template <class A>
    void push(A&& a) {
        actions_.emplace_back(std::forward<A>(a));
    }
    /// `content` decoded per config_.encoding, in recycled storage if any.
    std::string decode_line(std::string_view content, bool ascii);
    /// batch_lines: appends `content`, decoded, and '\n' to the stream's batch.
    void batch_line(Stream s, std::string_view content, bool ascii);
    /// batch_lines: the stream's batch, in a spare's storage if it was empty.
    std::string& open_batch(Stream s);
    /// batch_lines: appends `lines` (each already followed by '\n') as they are.
    void batch_text(Stream s, std::string_view lines);
    /// batch_lines: queues the stream's batch as one DeliverLine, if any.
    void flush_batch(Stream s);

    // Configuration, taken from the Command at construction.
    RunConfig config_;
    bool owns_group_;
    std::array<bool, 2> deliver_lines_{};
    std::array<bool, 2> raw_capture_{}; // bytes to the store as they come, lines counted
    bool batch_lines_ = false;
    std::optional<Duration> sample_every_;

    // State.
    Phase phase_ = Phase::Idle;
    std::optional<TimePoint> spawned_at_;
    std::array<bool, 2> stream_open_{};
    std::array<LineSplitter, 2> splitters_;
    std::array<OutputBuffer, 2> buffers_;
    StdinState stdin_ = StdinState::None;
    bool stdin_close_requested_ = false;
    bool stdin_write_pending_ = false;
    bool stdin_broken_ = false;
    std::optional<input::Exited> exit_;
    bool group_empty_ = false;
    TerminationMachine termination_; // signal → grace → kill of the run's target
    bool timed_out_ = false;
    bool cancelled_ = false;
    bool output_incomplete_ = false;
    std::optional<Signal> pending_stop_; // a Cancel/Terminate that came while spawning
    bool pending_kill_ = false;
    std::optional<SamplerMachine> sampler_;
    ProfileBuilder profile_; // the one merge rule of samples and reaped figures
    TimerTable timers_;
    // Polled from next_action_ on; cleared once drained, keeping its capacity,
    // so queuing an action does not allocate.
    std::vector<Action> actions_;
    std::size_t next_action_ = 0;
    // Delivered lines' storage, back for reuse: one read's lines are all
    // queued before the first is applied, so one spare would not do.
    std::vector<std::string> spare_lines_;
    std::size_t spare_line_bytes_ = 0;
    // batch_lines: the lines of the read being handled, and one batch's
    // storage back for reuse.
    std::array<std::string, 2> batches_;
    std::string spare_batch_;
};

} // namespace processkit
