// processkit::qt::Process's public face: construction and destruction, the
// configuration and state accessors, and the slots. Each slot hands its
// request to the driver (through ProcessPrivate) and queues what it produced;
// the signals are emitted from the event loop (process.cpp).
#include "process_p.hpp"
#include "processkit/core/mechanism.hpp"
#include "processkit/os/process_group.hpp"

#include <QtCore/QDebug>
#include <QtCore/QPointer>
#include <utility>

namespace processkit::qt {

// --- Process -----------------------------------------------------------------------

Process::Process(QObject* parent)
    : QObject(parent)
    , d_(std::make_unique<ProcessPrivate>(this)) {
    registerMetaTypes();
}

Process::Process(const processkit::Command& command, QObject* parent)
    : Process(parent) {
    d_->command = command;
}

Process::~Process() {
    d_->destroying = true;
    std::optional<ProcessResult> last;
    if (d_->run_active && !d_->finish_emitted) {
        if (d_->final_result) {
            last = std::move(d_->final_result);
        } else {
            last = d_->abandon_run(ErrorKind::Cancelled,
                                   "the Process was destroyed while its run was in progress");
        }
    }
    d_->pending.clear();
    d_->teardown();
    if (last) {
        // KJob's rule: finished exactly once, also when the job goes away.
        d_->state = Finished;
        d_->run_active = false;
        d_->finish_emitted = true;
        d_->final_result = last;
        try {
            Q_EMIT finished(*last, QPrivateSignal());
        } catch (...) {
            // A slot threw: nothing can be done about it in a destructor.
        }
    }
}

void Process::setCommand(const processkit::Command& command) {
    d_->command = command;
}
const std::optional<processkit::Command>& Process::command() const {
    return d_->command;
}
void Process::setGroup(processkit::ProcessGroup* group) {
    d_->group = group;
}
processkit::ProcessGroup* Process::group() const {
    return d_->group;
}
void Process::setStatsInterval(std::chrono::milliseconds every) {
    d_->stats_every = every;
}
std::chrono::milliseconds Process::statsInterval() const {
    return d_->stats_every;
}

Process::State Process::state() const {
    return d_->state;
}
qint64 Process::pid() const {
    return d_->pid;
}
QString Process::mechanism() const {
    return d_->mechanism;
}

qint64 Process::elapsed() const {
    if (d_->state == Finished && d_->final_result) {
        return std::chrono::duration_cast<std::chrono::milliseconds>(d_->final_result->duration)
            .count();
    }
    if (!d_->started_at) {
        return 0;
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *d_->started_at)
        .count();
}

int Process::exitCode() const {
    if (d_->state != Finished || !d_->final_result) {
        return -1;
    }
    return d_->final_result->exit_code().value_or(-1);
}

Process::ProcessError Process::error() const {
    return d_->last_error_kind;
}
QString Process::errorString() const {
    return d_->last_error_string;
}
std::optional<processkit::Error> Process::lastError() const {
    return d_->last_error;
}
std::optional<processkit::ProcessResult> Process::result() const {
    if (d_->state != Finished) {
        return std::nullopt;
    }
    return d_->final_result;
}

bool Process::isWritable() const {
    return d_->driver && !d_->final_result && !d_->backing_off && d_->driver->stdin_writable();
}

void Process::start() {
    if (d_->destroying || d_->in_driver) {
        qWarning("processkit::qt::Process::start: not allowed here (from the command's own "
                 "handlers or during destruction)");
        return;
    }
    if (d_->run_active) {
        // Also while finished() is still to be emitted.
        qWarning("processkit::qt::Process::start: a run is already in progress");
        return;
    }
    // A new run: forget the last one (its driver is finished and inert).
    d_->driver.reset();
    d_->pending.clear();
    d_->final_result.reset();
    d_->started_at.reset();
    d_->pid = 0;
    d_->write_error_reported = false;
    d_->wait.reset();
    d_->begin_attempts();
    d_->finish_emitted = false;
    d_->run_active = true;
    d_->set_error(UnknownError, std::nullopt);
    d_->state = Starting;
    QPointer<Process> self(this);
    Q_EMIT stateChanged(Starting, QPrivateSignal());
    if (!self || d_->destroying) {
        return;
    }
    if (!d_->command) {
        d_->final_result = d_->abandon_run(ErrorKind::InvalidArgument, "no command was set");
        d_->queue_end(*d_->final_result);
        d_->post_flush();
        return;
    }
    d_->launch();
}

void Process::terminate() {
    if (!d_->driver || d_->final_result || d_->in_driver || d_->destroying) {
        return;
    }
    if (d_->cancel_attempts()) {
        return; // it was in its backoff: over now
    }
    const Signal s = d_->command ? d_->command->timeout_signal() : Signal::term();
    d_->call_driver([&] { d_->driver->terminate(Clock::now(), s); });
    d_->after_driver();
    d_->post_flush();
}

void Process::kill() {
    if (!d_->driver || d_->final_result || d_->destroying) {
        return;
    }
    if (d_->cancel_attempts()) {
        return; // it was in its backoff: over now
    }
    // From a command's handler (in_driver) too: the driver queues it.
    if (d_->in_driver) {
        d_->driver->kill(Clock::now());
        return;
    }
    d_->call_driver([&] { d_->driver->kill(Clock::now()); });
    d_->after_driver();
    d_->post_flush();
}

void ProcessPrivate::cancel_now() {
    if (!driver || final_result || backing_off || in_driver || destroying) {
        return;
    }
    call_driver([&] {
        driver->cancel(Clock::now());
        if (!driver->finished()) {
            driver->kill(Clock::now());
        }
    });
    after_driver();
    post_flush();
}

void Process::closeWriteChannel() {
    if (!d_->driver || d_->final_result || d_->backing_off || d_->in_driver || d_->destroying) {
        return;
    }
    d_->call_driver([&] { d_->driver->close_stdin(Clock::now()); });
    d_->after_driver();
    d_->post_flush();
}

bool Process::write(const QByteArray& data) {
    if (!isWritable() || d_->in_driver || d_->destroying) {
        return false;
    }
    if (data.isEmpty()) {
        return true;
    }
    bool ok = false;
    d_->call_driver([&] {
        ok = d_->driver->write_stdin(
            std::string(data.constData(), static_cast<std::size_t>(data.size())), Clock::now());
    });
    d_->after_driver();
    d_->post_flush();
    return ok;
}

processkit::Command command(const QString& program, const QStringList& arguments) {
    processkit::Command c(program.toStdString());
    for (const QString& a : arguments) {
        c.arg(a.toStdString());
    }
    return c;
}

} // namespace processkit::qt
