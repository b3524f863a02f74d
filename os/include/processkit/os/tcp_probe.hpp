#pragma once
// One TCP connection attempt to a loopback port, for readiness probes (R6).
// The decision of when to try again lives in the core (ReadinessMachine).
//
// Thread-safety: a free function; calls from several threads are independent.

#include "processkit/core/time.hpp"
#include "processkit/os/export.hpp"

#include <cstdint>

namespace processkit::os {

enum class LoopbackAddress : std::uint8_t {
    V4, ///< 127.0.0.1
    V6, ///< ::1
};

/// Tries a non-blocking connect() to the loopback `port` and waits at most
/// `timeout` for it to complete. True if the port accepted (the connection
/// is closed at once); false if it was refused, unreachable or still pending
/// at the timeout. Throws processkit::Error (Io) only when the probe itself
/// cannot run (no socket could be created).
PROCESSKIT_OS_EXPORT bool tcp_port_accepts(std::uint16_t port, LoopbackAddress address,
                                           Duration timeout);

} // namespace processkit::os
