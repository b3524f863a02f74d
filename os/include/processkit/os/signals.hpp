#pragma once

#include "processkit/core/signal.hpp"
#include "processkit/os/export.hpp"

namespace processkit::os {

/// The platform's number for a signal (a raw signal is passed through).
PROCESSKIT_OS_EXPORT int to_native(Signal s) noexcept;

} // namespace processkit::os
