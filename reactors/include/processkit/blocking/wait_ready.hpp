#pragma once
// Waiting on several reactors (and a cancel token) at once: the one place
// the blocking layer calls poll() — or, on Windows, WaitForMultipleObjects.
#include "processkit/blocking/export.hpp"
#include "processkit/core/time.hpp"
#include "processkit/os/stream_io.hpp"

#include <optional>
#include <vector>

namespace processkit::blocking {

/// Waits until one of `handles` is readable (Windows: signalled) or
/// `deadline` passes (never: no deadline). Returns which are ready. On
/// Windows a reactor's wake event resets when it is seen, so every handle is
/// reported as possibly ready after a wake; callers dispatch without
/// blocking, which finds nothing to do where nothing was ready.
PROCESSKIT_BLOCKING_EXPORT std::vector<bool>
wait_ready(const std::vector<os::NativeHandle>& handles, std::optional<TimePoint> deadline);

} // namespace processkit::blocking
