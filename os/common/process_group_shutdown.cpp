// ProcessGroup::shutdown, the same on every platform: the core's
// TerminationMachine decides (TERM, the kill when the timeout is over, then
// at most a second for the tree to be reported empty); this blocking call
// carries out its actions and waits in between through wait_for_change()
// (cgroup.events or a short sleep on Linux, the job's port on Windows).
#include "processkit/core/termination.hpp"
#include "processkit/os/process_group.hpp"

#include <algorithm>

namespace processkit {

bool ProcessGroup::shutdown(Duration timeout) {
    if (suspended()) {
        resume(); // a frozen tree could not act on the signal
    }
    TerminationMachine stop(std::chrono::seconds(1));
    stop.stop(Clock::now(), Signal::term(), std::max(timeout, Duration(1))); // TERM comes first
    for (;;) {
        while (auto a = stop.poll_action()) {
            if (a->kind == TerminationAction::Kind::Signal) {
                try {
                    signal(a->signal);
                } catch (const Error&) {
                    // Nothing can receive it (Windows: no console to share);
                    // the kill at the timeout still comes.
                }
            } else if (escalates_to_kill()) {
                kill_all();
            } else {
                return false; // the survivors are the caller's to deal with
            }
        }
        if (empty()) {
            stop.emptied();
        }
        if (stop.done()) {
            return stop.ending() == TerminationMachine::Ending::EmptiedBeforeKill;
        }
        const auto next = stop.next_deadline(); // set until done: the grace, then the wait
        wait_for_change(std::max(next ? *next - Clock::now() : Duration::zero(), Duration::zero()));
        stop.tick(Clock::now());
    }
}

} // namespace processkit
