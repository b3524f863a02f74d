#pragma once
// What starting a process prepares besides the run itself; shared by the
// blocking RunningProcess, the Asio Process and the Qt Process.
//
// Thread-safety: a plain value type.

#include "processkit/core/time.hpp"

#include <optional>

namespace processkit {

/// Options for a started process beyond its Command: which line readers to
/// queue for and whether to sample stats. Taken by the blocking start() and
/// the Asio process.
struct StartOptions {
    /// Queue stdout lines for a pull reader (next_line / async_read_line).
    /// Unread lines stay in memory until read or until the object goes.
    bool line_reader = true;
    /// Queue lines of both streams, in arrival order, for a merged reader
    /// (next_event / async_read_event).
    bool event_reader = false;
    /// Sample the tree's stats during the run (the result's profile).
    std::optional<Duration> sample_every;
};

} // namespace processkit
