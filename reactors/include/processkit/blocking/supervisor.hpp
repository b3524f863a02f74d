#pragma once
// Supervisor (P2): keeps a command running. Each incarnation runs to its end
// in its own private group (nothing of one survives into the next), with its
// output bounded to the last `capture_lines` lines per stream. The restart
// decisions — policy, max restarts, backoff, stop predicate, storm guard —
// are the core's SupervisorMachine (core/supervisor_policy.hpp); this layer
// runs incarnations and sleeps the delays it is given.
//
// Thread-safety: run() blocks the calling thread; stop() may be called from
// any thread, before or during run(). A Supervisor runs once.

#include "processkit/blocking/cancel_token.hpp"
#include "processkit/blocking/export.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/supervisor_policy.hpp"

namespace processkit {

/// Keeps a command running (P2): run() starts an incarnation, waits for its
/// end and restarts it as the SupervisorPolicy says; stop() ends it.
class PROCESSKIT_BLOCKING_EXPORT Supervisor {
public:
    /// Throws InvalidArgument if the policy is invalid.
    Supervisor(Command command, SupervisorPolicy policy);
    Supervisor(const Supervisor&) = delete;
    Supervisor& operator=(const Supervisor&) = delete;

    /// Runs incarnations until the policy stops or stop() is called, and
    /// returns the report. Throws InvalidArgument if called a second time.
    SupervisorReport run();
    /// Ends supervision promptly: the current incarnation's tree is killed
    /// at once, a pending backoff or cool-down is cut short, run() returns
    /// with StopReason::StoppedByCaller.
    void stop() noexcept;

private:
    Command command_;
    SupervisorPolicy policy_;
    CancelToken stop_;
    bool ran_ = false;
};

/// Supervisor(command, policy).run().
PROCESSKIT_BLOCKING_EXPORT SupervisorReport supervise(const Command& command,
                                                      SupervisorPolicy policy);

} // namespace processkit
