// The Qt run: how a RunDriver's descriptors and deadline become
// notifiers (handle_notifier.hpp) and one QTimer, and how what the run produces becomes
// signals. No decision about the child is taken here: the core decides, the
// driver applies, this file waits and reports. (Readiness waits and retries
// are in process_readiness.cpp and process_retry.cpp; the state is in
// process_p.hpp.)
//
// Signals are never emitted while the driver is on the stack: what a driver
// call produced is queued (`pending`) and emitted after it returned — at
// once when the call came from the event loop (a notifier, the timer), from
// a posted call when it came from one of the public slots. A slot may thus
// call kill(), write(), start() or deleteLater() (even `delete`) freely.
#include "process_p.hpp"
#include "processkit/core/mechanism.hpp"
#include "processkit/os/process_group.hpp"
#include "reaper.hpp"

#include <QtCore/QDebug>
#include <QtCore/QPointer>
#include <algorithm>
#include <climits>
#include <exception>
#include <utility>

namespace processkit::qt {

namespace {

QString to_qstring(const std::string& s) {
    return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size()));
}

} // namespace

// --- Watcher -------------------------------------------------------------------

void ProcessPrivate::watch(driver::RunDriver&, os::NativeHandle fd, driver::FdRole role) {
    auto* n = make_notifier(fd, role, q);
    const std::uint64_t s = ++serial;
    QObject::connect(n, &HandleNotifier::activated, q,
                     [this, fd, role, s] { on_ready(fd, role, s); });
    watches[fd] = Watch{n, role, s};
}

void ProcessPrivate::unwatch(driver::RunDriver&, os::NativeHandle fd, driver::FdRole) {
    auto it = watches.find(fd);
    if (it == watches.end()) {
        return;
    }
    HandleNotifier* n = it->second.notifier;
    watches.erase(it);
    // Unregistered now, before the driver closes the number.
    n->setEnabled(false);
    if (n == active_notifier) {
        n->disconnect(q);
        n->deleteLater(); // we are inside its activation
        active_notifier = nullptr;
    } else {
        delete n;
    }
}

void ProcessPrivate::deadline_changed(driver::RunDriver&, std::optional<TimePoint> at) {
    deadline = at;
    rearm_timer();
}

void ProcessPrivate::rearm_timer() {
    // One timer for the driver's deadline, the readiness wait's and the
    // end of a retry backoff: the earliest of them.
    std::optional<TimePoint> at = deadline;
    const auto earliest = [&at](const std::optional<TimePoint>& t) {
        if (t && (!at || *t < *at)) {
            at = t;
        }
    };
    if (wait) {
        earliest(wait->next_deadline());
    }
    earliest(retry_at);
    if (!at) {
        timer->stop();
        return;
    }
    const auto wait_for = std::chrono::ceil<std::chrono::milliseconds>(*at - Clock::now());
    const auto ms = std::clamp<std::chrono::milliseconds::rep>(wait_for.count(), 0, INT_MAX);
    timer->start(std::chrono::milliseconds(ms));
}

// --- driving -------------------------------------------------------------------

void ProcessPrivate::launch() {
    driver::RunDriver::Options o;
    o.shared_group = group;
    o.queue_events = true; // lines of both streams, in arrival order
    if (stats_every.count() > 0) {
        o.run.sample_every = stats_every;
    }
    o.on_stats = [this](const ProcessGroupStats& s) {
        drain_lines(); // lines read before this sample come first
        pending.push_back(item::Stats{s});
    };
    call_driver([&] {
        driver = std::make_unique<driver::RunDriver>(*command, std::move(o), *this);
        driver->start(Clock::now());
    });
    if (driver) {
        pid = driver->pid() > 0 ? driver->pid() : 0;
        started_at = driver->started_at();
        if (ProcessGroup* g = driver->group()) {
            mechanism = QString::fromLatin1(to_string(g->mechanism()).data());
        }
        if (started_at) {
            // First: the spawn already produced the first stats sample (G9).
            pending.push_front(item::Announce{});
        }
    }
    after_driver();
    post_flush();
}

void ProcessPrivate::drain_lines() {
    if (!driver) {
        return;
    }
    auto& events = driver->events();
    while (!events.empty()) {
        auto& e = events.front();
        pending.push_back(item::Line{e.stream == Stream::Stdout ? Process::StandardOutput
                                                                : Process::StandardError,
                                     to_qstring(e.text)});
        if (wait && e.stream == Stream::Stdout) {
            readiness_line(e.text, Clock::now()); // ready() right after its line
        }
        events.pop_front();
    }
}

void ProcessPrivate::after_driver() {
    if (!driver || final_result || backing_off) {
        return;
    }
    drain_lines();
    if (wait) {
        step_readiness(Clock::now()); // before the result is taken: the run's end decides it
    }
    if (!write_error_reported && driver->stdin_broken()) {
        write_error_reported = true;
        pending.push_back(item::Failure{
            Process::WriteError, Error(ErrorKind::StdinFailed, program(),
                                       "the child closed its stdin before taking all of it")});
    }
    if (auto r = driver->take_result()) {
        if (retry && retry_after(*r)) {
            return; // another attempt after the backoff
        }
        final_result = std::move(r);
        deadline.reset();
        timer->stop();
        if (wait) {
            step_readiness(Clock::now()); // the run is over: a wait still open ends now
        }
        queue_end(*final_result);
    }
}

void ProcessPrivate::queue_end(const ProcessResult& r) {
    std::optional<Process::ProcessError> kind;
    std::optional<Error> error = r.failure();
    switch (r.outcome.kind) {
    case Outcome::Kind::SpawnFailed:
        kind = Process::FailedToStart;
        break;
    case Outcome::Kind::Signalled:
        kind = Process::Crashed;
        break;
    case Outcome::Kind::TimedOut:
        kind = Process::Timedout;
        break;
    case Outcome::Kind::Cancelled:
        kind = Process::UnknownError;
        break;
    case Outcome::Kind::Exited:
        if (r.error) {
            // A Fail buffer policy overflowed (OutputTooLarge): reading failed.
            kind = r.error->kind() == ErrorKind::OutputTooLarge ? Process::ReadError
                                                                : Process::UnknownError;
        } else if (r.stdin_broken && !write_error_reported) {
            kind = Process::WriteError;
            error = Error(ErrorKind::StdinFailed, r.program,
                          "the child closed its stdin before taking all of it");
        }
        break;
    }
    if (kind) {
        pending.push_back(item::Failure{*kind, std::move(error)});
    }
    pending.push_back(item::Finish{});
}

void ProcessPrivate::on_ready(os::NativeHandle fd, driver::FdRole role, std::uint64_t s) {
    auto it = watches.find(fd);
    if (it == watches.end() || it->second.serial != s || !driver) {
        return; // unwatched meanwhile
    }
    active_notifier = it->second.notifier;
    call_driver([&] { driver->on_ready(fd, role, Clock::now()); });
    active_notifier = nullptr;
    after_driver();
    flush();
}

void ProcessPrivate::on_timer() {
    // Whatever is not due yet is re-armed (Qt's millisecond timer may be early).
    const auto now = Clock::now();
    if (driver && deadline && *deadline <= now) {
        deadline.reset(); // the driver reports its next one
        call_driver([&] { driver->on_deadline(now); });
        after_driver();
    }
    if (wait) {
        step_readiness(Clock::now());
    }
    if (retry_at && *retry_at <= Clock::now()) {
        next_attempt();
    }
    rearm_timer();
    flush();
}

// --- when things go wrong or the owner goes -------------------------------------

ProcessResult ProcessPrivate::abandon_run(ErrorKind kind, const std::string& detail) noexcept {
    ProcessResult r;
    try {
        r.program = program();
        r.outcome = started_at ? Outcome::cancelled() : Outcome::spawn_failed();
        r.cancelled = started_at.has_value();
        if (command) {
            r.encoding = command->encoding();
            r.ok_codes = command->ok_codes();
        }
        if (started_at) {
            r.duration = Clock::now() - *started_at;
        }
        r.error = Error(kind, r.program, detail);
    } catch (...) {
    }
    if (driver) {
        r.stdout_counters = driver->counters(Stream::Stdout);
        r.stderr_counters = driver->counters(Stream::Stderr);
        if (auto child = driver->abandon()) {
            detail::reap_later(std::move(*child));
        }
    }
    return r;
}

void ProcessPrivate::fail_run(const char* what) noexcept {
    // Not an outcome of the child: a failure of this process (out of memory,
    // an OS call the driver could not survive). Kill the tree, report it.
    if (final_result) {
        return;
    }
    try {
        final_result = abandon_run(ErrorKind::Io, what);
        deadline.reset();
        if (wait) {
            step_readiness(Clock::now()); // the run is over: decided now
        }
        timer->stop();
        pending.push_back(item::Failure{started_at ? Process::UnknownError : Process::FailedToStart,
                                        final_result->error});
        pending.push_back(item::Finish{});
    } catch (...) {
    }
}

void ProcessPrivate::teardown() noexcept {
    if (driver) {
        if (!final_result) {
            if (auto child = driver->abandon()) {
                detail::reap_later(std::move(*child));
            }
        }
        driver.reset();
    }
    for (auto& [fd, w] : watches) {
        delete w.notifier;
    }
    watches.clear();
    timer->stop();
}

// --- emitting --------------------------------------------------------------------

void ProcessPrivate::post_flush() {
    if (flushing || flush_posted || pending.empty()) {
        return;
    }
    flush_posted = true;
    QMetaObject::invokeMethod(
        q,
        [this] {
            flush_posted = false;
            flush();
        },
        Qt::QueuedConnection);
}

void ProcessPrivate::flush() {
    if (flushing || destroying) {
        return; // the loop below picks up what was added
    }
    flushing = true;
    while (!pending.empty()) {
        Pending p = std::move(pending.front());
        pending.pop_front();
        if (!emit_item(p)) {
            return; // destroyed by a slot: touch nothing
        }
    }
    flushing = false;
}

void ProcessPrivate::set_error(Process::ProcessError kind, std::optional<Error> error) {
    last_error_kind = kind;
    last_error = std::move(error);
    last_error_string = last_error ? to_qstring(last_error->message()) : QString();
}

bool ProcessPrivate::emit_item(Pending& p) {
    QPointer<Process> self(q);
    if (std::holds_alternative<item::Announce>(p)) {
        state = Process::Running;
        Q_EMIT q->stateChanged(state, Process::QPrivateSignal());
        if (!self || destroying) {
            return false;
        }
        Q_EMIT q->started(Process::QPrivateSignal());
    } else if (auto* l = std::get_if<item::Line>(&p)) {
        Q_EMIT q->lineReady(l->channel, l->text, Process::QPrivateSignal());
    } else if (auto* s = std::get_if<item::Stats>(&p)) {
        Q_EMIT q->statsSampled(s->stats, Process::QPrivateSignal());
    } else if (auto* f = std::get_if<item::Failure>(&p)) {
        set_error(f->kind, std::move(f->error));
        Q_EMIT q->errorOccurred(f->kind, Process::QPrivateSignal());
    } else if (std::holds_alternative<item::Ready>(p)) {
        Q_EMIT q->ready(Process::QPrivateSignal());
    } else if (auto* n = std::get_if<item::NotReady>(&p)) {
        Q_EMIT q->notReady(n->error, Process::QPrivateSignal());
    } else if (auto* rt = std::get_if<item::Retrying>(&p)) {
        if (retry_policy && retry_policy->on_retry) {
            retry_policy->on_retry(static_cast<std::uint32_t>(rt->attempt), rt->error, rt->delay);
        }
        const auto ms = std::chrono::ceil<std::chrono::milliseconds>(rt->delay).count();
        Q_EMIT q->retrying(rt->attempt, rt->error, static_cast<qint64>(ms),
                           Process::QPrivateSignal());
        if (!self || destroying) {
            return false;
        }
        if (backing_off) {             // (not ended by a kill() from the slot above)
            state = Process::Starting; // until the next attempt is announced
            Q_EMIT q->stateChanged(state, Process::QPrivateSignal());
        }
    } else if (std::holds_alternative<item::Finish>(p)) {
        state = Process::Finished;
        Q_EMIT q->stateChanged(state, Process::QPrivateSignal());
        if (!self || destroying) {
            return false; // the destructor emitted finished() with final_result
        }
        run_active = false;
        finish_emitted = true;
        const ProcessResult r = *final_result; // a slot may start the next run
        Q_EMIT q->finished(r, Process::QPrivateSignal());
    }
    return self && !destroying;
}

} // namespace processkit::qt
