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
struct Start {};     ///< begin the run (the machine asks for a spawn)
struct Spawned {};   ///< the child is running
struct SpawnFailed { ///< the child could not be started
    Error error;
};
struct Output { ///< bytes read from a captured stream
    Stream stream;
    std::string_view bytes; ///< only read during handle(); copied if kept
};
struct OutputClosed { ///< end of file on a captured stream
    Stream stream;
};
struct StdinDrained {}; ///< every WriteStdin so far has been written
struct StdinBroken {};  ///< the child closed its end (EPIPE)
struct Exited {         ///< the direct child was reaped
    ExitStatus status;
    std::optional<Duration> cpu_time;               ///< its rusage, if known
    std::optional<std::uint64_t> peak_memory_bytes; ///< its max RSS, if known
};
struct GroupEmpty {}; ///< no process is left in the run's group
struct StatsSampled {
    ProcessGroupStats stats;
};
struct StatsFailed {}; ///< the group could not report; ends the series
struct Tick {};        ///< a deadline may have passed
struct Cancel {};      ///< caller gives up: signal, grace, kill; reported as cancelled
struct Terminate {     ///< graceful stop requested (Qt's terminate())
    Signal signal = Signal::term();
};
struct Kill {};     ///< immediate kill requested
struct WriteStdin { ///< caller writes to an interactive stdin
    std::string bytes;
};
struct CloseStdin { ///< caller closes an interactive stdin
    /// false: close once everything written so far is in the pipe; true:
    /// close now and drop what is still queued (a cancelled write).
    bool discard_queued = false;
};
struct HandlerFailed { ///< a line handler threw: stop delivering that stream
    Stream stream;
};
} // namespace input

using Input = std::variant<input::Start, input::Spawned, input::SpawnFailed, input::Output,
                           input::OutputClosed, input::StdinDrained, input::StdinBroken,
                           input::Exited, input::GroupEmpty, input::StatsSampled,
                           input::StatsFailed, input::Tick, input::Cancel, input::Terminate,
                           input::Kill, input::WriteStdin, input::CloseStdin, input::HandlerFailed>;

/// Whom a signal or kill reaches: the whole tree (a run's private group) or
/// only the direct child (a run inside a shared group).
enum class Target : std::uint8_t { Tree, Child };

namespace action {
struct Spawn {};
struct WriteStdin { ///< queue these bytes; report StdinDrained when written
    std::string bytes;
};
struct CloseStdin {};
struct SendSignal {
    Target target;
    Signal signal;
};
struct Kill {
    Target target;
};
struct SampleStats {}; ///< answer with StatsSampled or StatsFailed
struct Tee {           ///< pass these raw bytes to the stream's tee sink
    Stream stream;
    std::string bytes;
};
struct DeliverLine { ///< one decoded line for the stream's handler/reader
    Stream stream;
    std::string text;
    bool cut = false; ///< the line hit max_line_bytes and continues
};
struct DeliverStats {
    ProcessGroupStats stats;
};
struct Finished {
    ProcessResult result;
};
} // namespace action

using Action = std::variant<action::Spawn, action::WriteStdin, action::CloseStdin,
                            action::SendSignal, action::Kill, action::SampleStats, action::Tee,
                            action::DeliverLine, action::DeliverStats, action::Finished>;

} // namespace processkit
