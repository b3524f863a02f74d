#include "processkit/blocking/supervisor.hpp"

#include "processkit/driver/jitter_source.hpp"

#include <utility>

namespace processkit {

Supervisor::Supervisor(Command command, SupervisorPolicy policy)
    : command_(std::move(command))
    , policy_(std::move(policy)) {
    if (auto e = policy_.validate()) {
        throw Error(e->kind(), command_.program(), e->detail()); // named after the command (E1)
    }
    if (policy_.capture_lines > 0) {
        command_.buffer_policy(BufferPolicy::keep_newest_lines(policy_.capture_lines));
    }
}

void Supervisor::stop() noexcept {
    stop_.cancel();
}

SupervisorReport Supervisor::run() {
    if (ran_) {
        throw Error(ErrorKind::InvalidArgument, command_.program(),
                    "Supervisor::run() called twice; create a new Supervisor");
    }
    ran_ = true;
    SupervisorMachine machine(policy_, detail::jitter_source(policy_.jitter_seed));
    SupervisorReport report;
    for (;;) {
        if (stop_.cancelled()) {
            report.reason = machine.on_stop_requested().reason;
            break;
        }
        if (report.incarnations > 0) {
            ++report.restarts;
        }
        ProcessResult result = output_string(command_, stop_, CancelStop::Kill);
        ++report.incarnations;
        const SupervisorDecision decision = stop_.cancelled()
                                                ? machine.on_stop_requested()
                                                : machine.on_ended(Clock::now(), result);
        report.last_result = std::move(result);
        if (policy_.on_decision) {
            policy_.on_decision(*report.last_result, decision);
        }
        if (decision.kind == SupervisorDecision::Kind::Stop) {
            report.reason = decision.reason;
            break;
        }
        if (!stop_.sleep_until(decision.at)) {
            report.reason = machine.on_stop_requested().reason;
            break;
        }
    }
    report.storm_pauses = machine.storm_pauses();
    return report;
}

SupervisorReport supervise(const Command& command, SupervisorPolicy policy) {
    return Supervisor(command, std::move(policy)).run();
}

} // namespace processkit
