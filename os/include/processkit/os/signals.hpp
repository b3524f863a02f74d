#pragma once

#include "processkit/core/signal.hpp"

namespace processkit::os {

/// The platform's number for a signal (a raw signal is passed through).
int to_native(Signal s) noexcept;

} // namespace processkit::os
