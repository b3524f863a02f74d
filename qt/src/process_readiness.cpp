// Process::watchReadiness: a readiness wait (R6) on the current attempt.
// The stepping is the driver layer's ReadinessWait (the core's
// ReadinessMachine inside); this file only says when to step it — after
// every driver call, for every stdout line as it is drained, when the one
// timer reaches the wait's next deadline — and queues ready() / notReady()
// with the other signals, so they are emitted from the event loop in order
// (ready() right after the lineReady() of the matching line).
#include "process_p.hpp"

#include <QtCore/QDebug>
#include <algorithm>
#include <exception>
#include <iterator>

namespace processkit::qt {

void Process::watchReadiness(const processkit::Readiness& probe,
                             std::chrono::milliseconds deadline) {
    d_->watch_readiness(probe, deadline);
}

bool Process::isWatchingReadiness() const {
    return d_->wait.has_value();
}

void ProcessPrivate::watch_readiness(const Readiness& probe, std::chrono::milliseconds within) {
    if (destroying || in_driver) {
        qWarning("processkit::qt::Process::watchReadiness: not allowed here (from the command's "
                 "own handlers or during destruction)");
        return;
    }
    const auto refuse = [this](Error e) {
        pending.push_back(item::NotReady{std::move(e)});
        post_flush();
    };
    if (!run_active || !command) {
        refuse(Error(ErrorKind::InvalidArgument, program(), "watchReadiness: no run in progress"));
        return;
    }
    if (wait) {
        refuse(Error(ErrorKind::InvalidArgument, program(),
                     "watchReadiness: a readiness wait is already in progress"));
        return;
    }
    if (auto e = driver::readiness_unusable(*command, probe, within)) {
        refuse(std::move(*e));
        return;
    }
    const TimePoint now = Clock::now();
    wait.emplace(probe, now, within);
    // Lines drained but not emitted yet are still to come for the caller:
    // the wait sees them too, and ready() follows the matching one.
    if (probe.kind() == ProbeKind::Line) {
        for (auto it = pending.begin(); it != pending.end(); ++it) {
            const auto* line = std::get_if<item::Line>(&*it);
            if (line != nullptr && line->channel == Process::StandardOutput &&
                wait->on_line(line->text.toStdString(), now)) {
                pending.insert(std::next(it), item::Ready{});
                wait.reset();
                post_flush();
                return;
            }
        }
    }
    // A run that is already over (its finished() still to come): decided at
    // once, and announced before finished().
    const bool over = final_result.has_value();
    step_readiness(now);
    if (over && !pending.empty() && !wait) {
        auto verdict = std::move(pending.back());
        pending.pop_back();
        auto at = std::find_if(pending.begin(), pending.end(), [](const Pending& p) {
            return std::holds_alternative<item::Finish>(p);
        });
        if (at != pending.begin() && at != pending.end() &&
            std::holds_alternative<item::Failure>(*std::prev(at))) {
            --at;
        }
        pending.insert(at, std::move(verdict));
    }
    rearm_timer();
    post_flush();
}

void ProcessPrivate::readiness_line(const std::string& line, TimePoint now) {
    if (wait && wait->on_line(line, now)) {
        pending.push_back(item::Ready{});
        wait.reset();
        rearm_timer();
    }
}

driver::RunSight ProcessPrivate::sight() const {
    if (driver && !final_result && !backing_off) {
        return driver::sight_of(*driver);
    }
    // The attempt is over (the run, or the attempt before a retry).
    driver::RunSight s;
    s.exited = true;
    s.stdout_open = false;
    if (final_result) {
        s.exit_status = final_result->status;
    } else if (last_attempt) {
        s.exit_status = last_attempt->status;
    }
    return s;
}

std::string ProcessPrivate::stderr_text() const {
    if (final_result) {
        return final_result->stderr_text();
    }
    if (last_attempt) {
        return last_attempt->stderr_text();
    }
    if (driver && driver->result()) {
        return driver->result()->stderr_text();
    }
    return driver ? driver->stderr_tail() : std::string();
}

void ProcessPrivate::step_readiness(TimePoint now) {
    if (!wait) {
        return;
    }
    try {
        // A port check waits at most 1 ms on the event loop: loopback
        // connects complete (or are refused) at once.
        if (!wait->step(sight(), now, ReadinessMachine::min_poll_interval)) {
            rearm_timer();
            return;
        }
    } catch (const std::exception& e) {
        pending.push_back(
            item::NotReady{Error(ErrorKind::NotReady, program(),
                                 std::string("the readiness check threw: ") + e.what())});
        wait.reset();
        rearm_timer();
        return;
    } catch (...) {
        pending.push_back(
            item::NotReady{Error(ErrorKind::NotReady, program(), "the readiness check threw")});
        wait.reset();
        rearm_timer();
        return;
    }
    if (wait->verdict()->ready()) {
        pending.push_back(item::Ready{});
    } else {
        pending.push_back(item::NotReady{wait->error(program(), stderr_text())});
    }
    wait.reset();
    rearm_timer();
}

} // namespace processkit::qt
