#pragma once
// What a readiness probe (R6) waits for: a stdout line, a loopback TCP port
// that accepts, or a custom check. A value shared by the blocking API
// (RunningProcess::wait_ready) and the Asio adapter (async_wait_ready); the
// decision logic is the core's ReadinessMachine.
//
// Thread-safety: Readiness is a value; copying it copies its callables.

#include "processkit/core/readiness.hpp"
#include "processkit/driver/export.hpp"
#include "processkit/os/tcp_probe.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace processkit {

/// What a readiness probe (R6) waits for, made by line(), line_containing(),
/// port() or check() and passed to RunningProcess::wait_ready, the Asio
/// async_wait_ready or the Qt Process::watchReadiness.
class PROCESSKIT_DRIVER_EXPORT Readiness {
public:
    /// True for a stdout line (decoded, without terminator) that shows the
    /// child is ready.
    using LinePredicate = std::function<bool(std::string_view)>;
    /// A custom check: true once the child is ready.
    using Check = std::function<bool()>;

    /// A stdout line (decoded, without terminator) for which `predicate`
    /// holds. `description` completes "no stdout line ..." in messages.
    static Readiness line(LinePredicate predicate,
                          std::string description = "matching the predicate");
    /// A stdout line containing `text`.
    static Readiness line_containing(std::string text);
    /// A TCP port on 127.0.0.1 (or ::1) that accepts a connection. Port 0 is
    /// an InvalidArgument error.
    static Readiness port(std::uint16_t port,
                          os::LoopbackAddress address = os::LoopbackAddress::V4);
    /// A callable returning true once the child is ready; `name` is used in
    /// messages ("... did not pass within 2s").
    static Readiness check(Check check, std::string name = "the custom check");

    /// How often port and custom probes check (clamped to at least 1 ms).
    Readiness& poll_every(Duration interval);

    /// Line, Port or Custom, after the factory that made the probe.
    ProbeKind kind() const { return kind_; }
    /// What is awaited, as messages name it: "port 8080", "containing \"READY\"".
    const std::string& target() const { return target_; }
    /// How often port and custom probes check (default 50 ms).
    Duration poll_interval() const { return poll_interval_; }
    /// A line probe's predicate (empty for other kinds).
    const LinePredicate& line_predicate() const { return predicate_; }
    /// A custom probe's callable (empty for other kinds).
    const Check& custom_check() const { return check_; }
    /// A port probe's port (0 for other kinds).
    std::uint16_t tcp_port() const { return port_; }
    /// The loopback address a port probe connects to (V4 unless given).
    os::LoopbackAddress address() const { return address_; }

private:
    Readiness(ProbeKind kind, std::string target);

    ProbeKind kind_;
    std::string target_;
    Duration poll_interval_ = ReadinessMachine::default_poll_interval;
    LinePredicate predicate_;
    Check check_;
    std::uint16_t port_ = 0;
    os::LoopbackAddress address_ = os::LoopbackAddress::V4;
};

} // namespace processkit
