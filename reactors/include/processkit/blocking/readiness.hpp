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
// Readiness itself lives in processkit/driver/readiness_probe.hpp.

#include "processkit/blocking/running_process.hpp"
#include "processkit/driver/readiness_probe.hpp"
