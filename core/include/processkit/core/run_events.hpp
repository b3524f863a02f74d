#pragma once
// The vocabulary of the run machine: inputs (what happened) and actions (what
// the reactor must do). Small structs in variants; every input is handled
// together with the `now` the reactor read from its clock.
//
// Thread-safety: plain values.

#include "processkit/core/error.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/signal.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/core/stream.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace processkit {

namespace input {
struct Start {};   ///< begin the run (the machine asks for a spawn)
struct Spawned {}; ///< the child is running
/// The child could not be started.
struct SpawnFailed {
    /// Why the spawn failed; it becomes the result's error.
    Error error;
};
/// Bytes read from a captured stream.
struct Output {
    /// The stream read; it must be captured and still open (else
    /// std::logic_error).
    Stream stream;
    std::string_view bytes; ///< only read during handle(); copied if kept
};
/// End of file on a captured stream.
struct OutputClosed {
    /// The stream that closed; it must still be open (else std::logic_error).
    Stream stream;
};
struct StdinDrained {}; ///< every WriteStdin so far has been written
struct StdinBroken {};  ///< the child closed its end (EPIPE)
/// The direct child was reaped.
struct Exited {
    /// How it ended: exit code or signal.
    ExitStatus status;
    std::optional<Duration> cpu_time;               ///< its rusage, if known
    std::optional<std::uint64_t> peak_memory_bytes; ///< its max RSS, if known
};
struct GroupEmpty {}; ///< no process is left in the run's group
/// The answer to action::SampleStats: the group's figures.
struct StatsSampled {
    /// The figures the group reported.
    ProcessGroupStats stats;
};
struct StatsFailed {}; ///< the group could not report; ends the series
struct Tick {};        ///< a deadline may have passed
struct Cancel {};      ///< caller gives up: signal, grace, kill; reported as cancelled
/// Graceful stop requested (Qt's terminate()).
struct Terminate {
    /// The signal sent first; the kill follows after RunConfig::grace.
    Signal signal = Signal::term();
};
struct Kill {}; ///< immediate kill requested
/// Caller writes to an interactive stdin; ignored when stdin is not writable
/// (RunMachine::stdin_writable()) or `bytes` is empty.
struct WriteStdin {
    /// The bytes to write.
    std::string bytes;
};
/// Caller closes an interactive stdin.
struct CloseStdin {
    /// false: close once everything written so far is in the pipe; true:
    /// close now and drop what is still queued (a cancelled write).
    bool discard_queued = false;
};
/// A line handler threw: stop delivering that stream's lines (C8).
struct HandlerFailed {
    /// The stream whose handler threw.
    Stream stream;
};
} // namespace input

/// Everything the reactor can tell a RunMachine.
using Input = std::variant<input::Start, input::Spawned, input::SpawnFailed, input::Output,
                           input::OutputClosed, input::StdinDrained, input::StdinBroken,
                           input::Exited, input::GroupEmpty, input::StatsSampled,
                           input::StatsFailed, input::Tick, input::Cancel, input::Terminate,
                           input::Kill, input::WriteStdin, input::CloseStdin, input::HandlerFailed>;

/// Whom a signal or kill reaches: the whole tree (a run's private group) or
/// only the direct child (a run inside a shared group).
enum class Target : std::uint8_t { Tree, Child };

namespace action {
/// Spawn the child; answer with Spawned or SpawnFailed.
struct Spawn {};
/// Queue these bytes for the child's stdin; report StdinDrained when written.
struct WriteStdin {
    /// The bytes to queue.
    std::string bytes;
};
/// Close the child's stdin, dropping anything still queued.
struct CloseStdin {};
/// Send a signal.
struct SendSignal {
    /// Whom it reaches.
    Target target;
    /// The signal to send.
    Signal signal;
};
/// Kill at once, without a grace.
struct Kill {
    /// Whom it reaches.
    Target target;
};
struct SampleStats {}; ///< answer with StatsSampled or StatsFailed
/// Pass these raw bytes to the stream's tee sink (StdioMode::Tee).
struct Tee {
    /// The stream they were read from.
    Stream stream;
    /// The bytes as read, undecoded.
    std::string bytes;
};
/// One decoded line for the stream's handler/reader.
struct DeliverLine {
    /// The stream it was read from.
    Stream stream;
    /// The line decoded per RunConfig::encoding, without terminator.
    std::string text;
    bool cut = false; ///< the line hit max_line_bytes and continues
};
/// Hand a stats sample to the caller (the machine already counted it in the
/// run's profile).
struct DeliverStats {
    /// The sample, as given in input::StatsSampled.
    ProcessGroupStats stats;
};
/// The run is over; always the last action, produced exactly once.
struct Finished {
    /// The run's result.
    ProcessResult result;
};
} // namespace action

/// Everything a RunMachine can ask of its reactor.
using Action = std::variant<action::Spawn, action::WriteStdin, action::CloseStdin,
                            action::SendSignal, action::Kill, action::SampleStats, action::Tee,
                            action::DeliverLine, action::DeliverStats, action::Finished>;

} // namespace processkit
