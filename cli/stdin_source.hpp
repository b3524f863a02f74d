#pragma once
// --stdin FILE, opened once, by pk, and interruptibly (S4). The descriptor
// opened here is the one PROGRAM reads: no second open that could block, and
// a FIFO's writer never sees its reader vanish (no SIGPIPE). A FIFO is opened
// without blocking and waited for, together with the stop signals, until a
// writer has written or come and gone.

#include "processkit/os/stream_io.hpp"
#include "stop_signals.hpp"

#include <optional>
#include <string>

namespace pk {

struct StdinSource {
#if defined(_WIN32)
    processkit::os::UniqueHandle fd; ///< the open file; empty if stopped
#else
    processkit::os::UniqueFd fd; ///< blocking, close-on-exec; empty if stopped
#endif
    std::optional<int> stopped_by; ///< a stop signal arrived while waiting
};

/// Opens `path` for reading. Throws Failure (125) naming --stdin and the
/// path when it cannot be read (missing, unreadable, a directory).
StdinSource open_stdin_source(const std::string& path, StopSignals& signals);

} // namespace pk
