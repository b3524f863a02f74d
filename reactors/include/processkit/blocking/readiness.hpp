#pragma once
// Readiness probes for a started process (R6): wait, within a deadline,
// until a stdout line matches, a loopback TCP port accepts, or a custom
// check passes.
//
//   auto server = processkit::start(Command("my-server").arg("--port=8080"));
//   server.wait_ready(Readiness::port(8080), std::chrono::seconds(2));
//   server.wait_ready(Readiness::line_containing("listening"), 5s);
//
// RunningProcess::wait_ready throws Error (NotReady) at the deadline, or at
// once when the child exits first (a line probe first reads what the child
// wrote before it exited) or a line probe sees stdout close (after
// ReadinessMachine::exit_settle, 50 ms, to report an exit that came with
// it). The message
// names the program and the probe and ends with the child's last stderr
// line. A failed probe never kills the child: the caller decides.
//
// While waiting, the run goes on as usual: output is drained, timeouts fire.
// Port and custom probes poll at an interval (default 50 ms) on the waiting
// thread; a custom check should return quickly (output waits in the pipe
// while it runs; an exception from it propagates out of wait_ready).
// A line probe looks at the stdout lines queued for next_line() (needs
// StartOptions::line_reader, the default): it does not consume them, so
// they are still read by next_line() and kept in the result. Lines read by
// next_line() before wait_ready are not seen by the probe.
//
// Thread-safety: Readiness is a value; copying it copies its callables.

#include "processkit/blocking/running_process.hpp"
#include "processkit/core/readiness.hpp"
#include "processkit/os/tcp_probe.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace processkit {

class Readiness {
public:
    using LinePredicate = std::function<bool(std::string_view)>;
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

    ProbeKind kind() const { return kind_; }
    /// What is awaited, as messages name it: "port 8080", "containing \"READY\"".
    const std::string& target() const { return target_; }
    Duration poll_interval() const { return poll_interval_; }
    const LinePredicate& line_predicate() const { return predicate_; }
    const Check& custom_check() const { return check_; }
    std::uint16_t tcp_port() const { return port_; }
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
