#pragma once
// Calling the user's code that a Command carries (tee sinks, line handlers)
// for the core's Tee and DeliverLine actions, with the rules every reactor
// must share (C8): a throwing sink loses its copy only; a throwing line
// handler is not called again for that stream and the capture goes on.
// Used by the RunDriver and by processkit::testing's scripted runs.

#include "processkit/core/command.hpp"
#include "processkit/core/run_events.hpp"
#include "processkit/driver/export.hpp"

#include <array>
#include <string_view>

namespace processkit::driver {

/// Per-stream "this handler threw" flags, indexed by Stream.
using HandlerFailures = std::array<bool, 2>;

/// Calls the stream's tee sink, if any. Never throws.
PROCESSKIT_DRIVER_EXPORT void call_tee_sink(const Command& command,
                                            const action::Tee& tee) noexcept;

/// Calls the stream's line handler unless it threw before. Returns true if
/// it threw just now: the caller then feeds input::HandlerFailed (lines of
/// the same chunk are already queued as actions, so they are skipped too).
[[nodiscard]] PROCESSKIT_DRIVER_EXPORT bool
call_line_handler(const Command& command, const action::DeliverLine& line, HandlerFailures& failed);
/// The same for one line of a batch (RunOptions::batch_lines).
[[nodiscard]] PROCESSKIT_DRIVER_EXPORT bool call_line_handler(const Command& command, Stream stream,
                                                              std::string_view line,
                                                              HandlerFailures& failed);

} // namespace processkit::driver
