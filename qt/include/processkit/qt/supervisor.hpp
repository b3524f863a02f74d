#pragma once
// processkit::qt::Supervisor: keeps a command running on the Qt event loop
// (P2), the blocking Supervisor's semantics as a QObject. Each incarnation
// is a run of a processkit::qt::Process in its own private group (nothing of
// one survives into the next), with its output bounded to the last
// `capture_lines` lines per stream. The restart decisions — policy, max
// restarts, backoff, stop predicate, storm guard — are the core's
// SupervisorMachine; this object only starts incarnations and waits the
// delays it is given (one QTimer).
//
//   processkit::SupervisorPolicy policy;
//   policy.restart = processkit::RestartPolicy::OnCrash;
//   policy.max_restarts = 5;
//   auto* s = new processkit::qt::Supervisor(processkit::Command("my-server"), policy, this);
//   connect(s, &Supervisor::finished, this, [](const processkit::SupervisorReport& r) { ... });
//   s->start();
//
// Signals, in order:
//   runningChanged(true)                   synchronously, inside start()
//   incarnationStarted(n)                  from the event loop, n = 1, 2, ...
//   lineReady(channel, line)*              the incarnation's lines
//   incarnationFinished(result)            its result (output bounded)
//   decided(decision)                      Restart / Pause (at, delay) or Stop (reason)
//   ... incarnationStarted(n + 1) after the delay, or:
//   runningChanged(false), finished(report)  exactly once per start()
// Every signal but the first is emitted from the event loop, never inside a
// call of yours, so a slot may call stop(), start() (from finished) or
// delete the Supervisor.
//
// stop() kills the current incarnation's tree at once (it still reports
// incarnationFinished and decided, with StopReason::StoppedByCaller) or cuts
// a pending backoff or cool-down short; finished() follows with
// StoppedByCaller. Destroying a running Supervisor kills the tree without
// blocking (the child is reaped by the event loop) and emits finished()
// from the destructor — once, and nothing else — with StoppedByCaller and
// the killed incarnation's Cancelled result as last_result.
//
// Thread-safety: a QObject like any other; use it from the thread it lives in.

#include "processkit/core/command.hpp"
#include "processkit/core/supervisor_policy.hpp"
#include "processkit/qt/export.hpp"
#include "processkit/qt/metatypes.hpp"
#include "processkit/qt/process.hpp"

#include <QtCore/QObject>
#include <memory>
#include <optional>

namespace processkit::qt {

class SupervisorPrivate;

/// Keeps a command running on the Qt event loop (P2): start() runs and
/// restarts incarnations as the SupervisorPolicy says, stop() ends it, and
/// finished() reports once per start().
class PROCESSKIT_QT_EXPORT Supervisor : public QObject {
    Q_OBJECT
    Q_PROPERTY(bool running READ isRunning NOTIFY runningChanged)
    Q_PROPERTY(int incarnation READ incarnation NOTIFY incarnationStarted)
    Q_PROPERTY(qint64 pid READ pid NOTIFY incarnationStarted)

public:
    /// Throws Error (InvalidArgument, naming the command's program) if the
    /// policy is invalid (SupervisorPolicy::validate()).
    Supervisor(const processkit::Command& command, const processkit::SupervisorPolicy& policy,
               QObject* parent = nullptr);
    /// Running: kills the tree at once (never blocks) and emits finished().
    ~Supervisor() override;

    /// The command as run (its buffer policy bounded by capture_lines).
    const processkit::Command& command() const;
    /// The policy given at construction.
    const processkit::SupervisorPolicy& policy() const;
    /// From start() until finished() is emitted.
    bool isRunning() const;
    /// The current (or last) incarnation's number, from 1; 0 before the first.
    int incarnation() const;
    /// The current incarnation's direct child (0 between incarnations).
    qint64 pid() const;
    /// The report of the last supervision, once finished() was emitted.
    std::optional<processkit::SupervisorReport> report() const;

public Q_SLOTS:
    /// Starts supervising (the first incarnation starts from the event
    /// loop). Ignored (with a warning) while running; after finished() it
    /// starts afresh (a new machine, a new report).
    void start();
    /// Ends supervision promptly (see above). Does nothing when not running.
    void stop();

Q_SIGNALS:
    /// isRunning() changed: true inside start(), false just before finished()
    /// (not emitted from the destructor).
    void runningChanged(bool running, QPrivateSignal);
    /// Incarnation `number` (from 1) was started; a failed spawn is reported
    /// by its incarnationFinished().
    void incarnationStarted(int number, QPrivateSignal);
    /// One line of the current incarnation, as Process::lineReady gives it.
    void lineReady(processkit::qt::Process::Channel channel, const QString& line, QPrivateSignal);
    /// The current incarnation ended with `result` (output bounded by
    /// capture_lines); decided() follows.
    void incarnationFinished(const processkit::ProcessResult& result, QPrivateSignal);
    /// The machine's decision after an incarnation (also policy.on_decision).
    void decided(const processkit::SupervisorDecision& decision, QPrivateSignal);
    /// Exactly once per start().
    void finished(const processkit::SupervisorReport& report, QPrivateSignal);

private:
    friend class SupervisorPrivate;
    std::unique_ptr<SupervisorPrivate> d_;
};

} // namespace processkit::qt
