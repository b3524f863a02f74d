// qt::Supervisor: incarnations are runs of one qt::Process (each run in a
// fresh private group); the core's SupervisorMachine decides after each one,
// and one QTimer waits the delay it gives. Nothing here decides.
#include "processkit/qt/supervisor.hpp"

#include "process_p.hpp"
#include "processkit/driver/jitter_source.hpp"

#include <QtCore/QDebug>
#include <QtCore/QPointer>
#include <QtCore/QTimer>
#include <algorithm>
#include <climits>
#include <utility>

namespace processkit::qt {

class SupervisorPrivate {
public:
    SupervisorPrivate(Supervisor* owner, Command c, SupervisorPolicy p)
        : q(owner)
        , command(std::move(c))
        , policy(std::move(p))
        , timer(new QTimer(owner))
        , process(new Process(owner)) {
        if (auto e = policy.validate()) {
            throw Error(e->kind(), command.program(), e->detail()); // named after the command (E1)
        }
        if (policy.capture_lines > 0) {
            command.buffer_policy(BufferPolicy::keep_newest_lines(policy.capture_lines));
        }
        process->setCommand(command);
        timer->setSingleShot(true);
        timer->setTimerType(Qt::PreciseTimer);
        QObject::connect(timer, &QTimer::timeout, q, [this] { on_timer(); });
        QObject::connect(process, &Process::lineReady, q,
                         [this](Process::Channel channel, const QString& line) {
                             Q_EMIT q->lineReady(channel, line, Supervisor::QPrivateSignal());
                         });
        QObject::connect(process, &Process::finished, q,
                         [this](const ProcessResult& r) { on_incarnation_finished(r); });
    }

    bool incarnation_running() const {
        return process->state() == Process::Starting || process->state() == Process::Running;
    }
    void arm(TimePoint at) {
        next_at = at;
        const auto wait = std::chrono::ceil<std::chrono::milliseconds>(at - Clock::now());
        timer->start(std::chrono::milliseconds(
            std::clamp<std::chrono::milliseconds::rep>(wait.count(), 0, INT_MAX)));
    }
    void cancel_incarnation() { process->d_->cancel_now(); }
    void on_timer();
    void on_incarnation_finished(const ProcessResult& r);
    void finish(StopReason reason);

    Supervisor* q;
    Command command;
    SupervisorPolicy policy;
    QTimer* timer;
    Process* process;
    std::optional<SupervisorMachine> machine;
    SupervisorReport report;
    std::optional<SupervisorReport> last_report;
    std::optional<TimePoint> next_at; ///< when the next incarnation starts
    int number = 0;
    bool running = false;
    bool stop_requested = false;
    bool destroying = false;
};

void SupervisorPrivate::on_timer() {
    if (!running || destroying) {
        return;
    }
    if (stop_requested) {
        finish(machine->on_stop_requested().reason);
        return;
    }
    if (next_at && *next_at > Clock::now()) {
        arm(*next_at); // Qt's millisecond timer was early
        return;
    }
    next_at.reset();
    if (number > 0) {
        ++report.restarts;
    }
    ++number;
    process->start(); // a failed spawn is reported by its finished()
    Q_EMIT q->incarnationStarted(number, Supervisor::QPrivateSignal());
}

void SupervisorPrivate::on_incarnation_finished(const ProcessResult& r) {
    if (!running || destroying) {
        return;
    }
    ++report.incarnations;
    const SupervisorDecision decision =
        stop_requested ? machine->on_stop_requested() : machine->on_ended(Clock::now(), r);
    report.last_result = r;
    if (policy.on_decision) {
        policy.on_decision(r, decision);
    }
    QPointer<Supervisor> self(q);
    Q_EMIT q->incarnationFinished(r, Supervisor::QPrivateSignal());
    if (!self || destroying || !running) {
        return;
    }
    Q_EMIT q->decided(decision, Supervisor::QPrivateSignal());
    if (!self || destroying || !running) {
        return;
    }
    if (decision.kind == SupervisorDecision::Kind::Stop) {
        finish(decision.reason);
    } else if (stop_requested) {
        arm(Clock::now()); // stop() from a slot above: finished() from the event loop
    } else {
        arm(decision.at);
    }
}

void SupervisorPrivate::finish(StopReason reason) {
    timer->stop();
    next_at.reset();
    report.reason = reason;
    report.storm_pauses = machine ? machine->storm_pauses() : 0;
    running = false;
    last_report = report;
    const SupervisorReport r = report; // a slot may start() again
    QPointer<Supervisor> self(q);
    if (!destroying) {
        Q_EMIT q->runningChanged(false, Supervisor::QPrivateSignal());
        if (!self || destroying) {
            return;
        }
    }
    Q_EMIT q->finished(r, Supervisor::QPrivateSignal());
}

Supervisor::Supervisor(const processkit::Command& command,
                       const processkit::SupervisorPolicy& policy, QObject* parent)
    : QObject(parent) {
    registerMetaTypes();
    d_ = std::make_unique<SupervisorPrivate>(this, command, policy);
}

Supervisor::~Supervisor() {
    if (!d_ || !d_->running) {
        return;
    }
    d_->destroying = true;
    d_->timer->stop();
    // The incarnation's Process kills its tree without blocking and emits
    // finished() from its destructor: that result is the last one.
    std::optional<ProcessResult> last;
    QObject::disconnect(d_->process, nullptr, this, nullptr);
    QObject::connect(d_->process, &Process::finished,
                     [&last](const ProcessResult& r) { last = r; });
    delete d_->process;
    d_->process = nullptr;
    if (last) {
        ++d_->report.incarnations;
        d_->report.last_result = std::move(last);
    }
    try {
        d_->finish(d_->machine->on_stop_requested().reason);
    } catch (...) {
        // A slot threw: nothing can be done about it in a destructor.
    }
}

const processkit::Command& Supervisor::command() const {
    return d_->command;
}
const processkit::SupervisorPolicy& Supervisor::policy() const {
    return d_->policy;
}
bool Supervisor::isRunning() const {
    return d_->running;
}
int Supervisor::incarnation() const {
    return d_->number;
}
qint64 Supervisor::pid() const {
    return d_->incarnation_running() ? d_->process->pid() : 0;
}
std::optional<processkit::SupervisorReport> Supervisor::report() const {
    return d_->last_report;
}

void Supervisor::start() {
    if (d_->running || d_->destroying) {
        qWarning("processkit::qt::Supervisor::start: already running");
        return;
    }
    d_->machine.emplace(d_->policy, detail::jitter_source(d_->policy.jitter_seed));
    d_->report = SupervisorReport{};
    d_->number = 0;
    d_->stop_requested = false;
    d_->running = true;
    d_->arm(Clock::now()); // the first incarnation, from the event loop
    Q_EMIT runningChanged(true, QPrivateSignal());
}

void Supervisor::stop() {
    if (!d_->running || d_->destroying || d_->stop_requested) {
        return;
    }
    d_->stop_requested = true;
    if (d_->incarnation_running()) {
        // Cancelled and killed at once (as the blocking Supervisor): its
        // finished() brings the StoppedByCaller decision.
        d_->cancel_incarnation();
    } else {
        d_->arm(Clock::now()); // cut the delay short: finished() from the event loop
    }
}

} // namespace processkit::qt
