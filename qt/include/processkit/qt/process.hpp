#pragma once
// processkit::qt::Process: one run at a time on the Qt event loop, the way
// QProcess is used, but inside a container of its own (the whole tree dies
// with the run or with the object) and with live resource figures (A2, R3).
//
//   processkit::qt::Process p(processkit::Command("make").arg("-j2"));
//   p.setStatsInterval(std::chrono::milliseconds(500));
//   QObject::connect(&p, &Process::lineReady, ...);   // every line of both streams
//   QObject::connect(&p, &Process::finished, ...);    // exactly once per start()
//   p.start();
//
// Signals, in the order a run emits them (docs/qt.md has the details):
//   stateChanged(Starting)                 synchronously, inside start()
//   stateChanged(Running), started()       from the event loop, once spawned
//   lineReady(channel, line)*              each line of either stream, in arrival order
//   statsSampled(stats)*                   first at once, then one per interval (G9)
//   errorOccurred(error)?                  WriteError while running; FailedToStart,
//                                          Crashed, Timedout or ReadError at the end
//   stateChanged(Finished), finished(result)
// With a readiness wait (watchReadiness): ready() or notReady(error) once,
// among the above (ready() right after the lineReady of a matching line).
// With a retry policy (setRetryPolicy), each failed attempt that is retried
// emits retrying(attempt, error, delayMs), stateChanged(Starting) and, for the
// next attempt, stateChanged(Running), started(), ... again; the errorOccurred
// at the end and finished come from the final attempt only.
// Every signal but the first is emitted from the event loop, never inside a
// call of yours (start(), kill(), write(), ...), so a slot may call any of
// them. finished() is emitted exactly once per start(): also when the start
// failed (after errorOccurred(FailedToStart)), and also when the object is
// destroyed during the run — then from the destructor, with a Cancelled
// result, as KJob and QProcess do (and nothing else is emitted then).
//
// Destruction never blocks: an unfinished run's tree is killed at once and
// the child is reaped by the event loop when its pidfd says it is gone.
//
// Thread-safety: a QObject like any other. Use it from the thread it lives in
// (moveToThread() before start() works); signals may be connected to objects
// of any thread (queued connections carry the registered value types). The
// Command's own line handlers and tee sinks run inside the event loop's
// processing of the run: they must not call this object.

#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/retry_policy.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/driver/readiness_probe.hpp"
#include "processkit/qt/export.hpp"
#include "processkit/qt/metatypes.hpp"

#include <QtCore/QByteArray>
#include <QtCore/QObject>
#include <QtCore/QString>
#include <QtCore/QStringList>
#include <chrono>
#include <memory>
#include <optional>

namespace processkit {
class ProcessGroup;
}

namespace processkit::qt {

class ProcessPrivate;
class SupervisorPrivate;

/// One run at a time on the Qt event loop, used like QProcess: configure,
/// start(), then follow the signals. The whole tree runs in a container of
/// its own and dies with the run or with the object.
class PROCESSKIT_QT_EXPORT Process : public QObject {
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)
    Q_PROPERTY(qint64 pid READ pid NOTIFY stateChanged)
    Q_PROPERTY(QString mechanism READ mechanism NOTIFY stateChanged)
    Q_PROPERTY(qint64 elapsed READ elapsed NOTIFY stateChanged)
    Q_PROPERTY(int exitCode READ exitCode NOTIFY stateChanged)
    Q_PROPERTY(QString errorString READ errorString NOTIFY errorOccurred)
    Q_PROPERTY(int attempt READ attempt NOTIFY stateChanged)

public:
    /// NotRunning until the first start(); Starting from start() until the
    /// run is announced (started()) or its failure is; Finished once
    /// finished() is emitted. start() may be called again when NotRunning or
    /// Finished.
    enum State { NotRunning, Starting, Running, Finished };
    Q_ENUM(State)
    /// Which stream a line came from.
    enum Channel { StandardOutput, StandardError };
    Q_ENUM(Channel)
    /// QProcess::ProcessError's kinds (see docs/qt.md for the mapping).
    enum ProcessError { FailedToStart, Crashed, Timedout, ReadError, WriteError, UnknownError };
    Q_ENUM(ProcessError)

    /// A Process without a command: set one with setCommand() before start().
    explicit Process(QObject* parent = nullptr);
    /// A Process that runs `command` on start().
    explicit Process(const processkit::Command& command, QObject* parent = nullptr);
    /// Running: kills the tree at once (never blocks) and emits finished()
    /// with a Cancelled result if it was not emitted yet.
    ~Process() override;

    // --- configuration, used by the next start() ---
    /// The command the next start() runs.
    void setCommand(const processkit::Command& command);
    /// The command set so far (empty if none: start() then ends the run with
    /// an InvalidArgument error).
    const std::optional<processkit::Command>& command() const;
    /// Run inside this shared group (it must outlive the run): terminate()
    /// and kill() then reach the direct child only, as for every run in a
    /// shared group. nullptr (the default): a private group per run, so the
    /// whole tree is killed when the run ends or the object goes.
    void setGroup(processkit::ProcessGroup* group);
    /// The shared group set by setGroup(), or nullptr.
    processkit::ProcessGroup* group() const;
    /// statsSampled() every `every` while the direct child runs; zero or
    /// negative (the default): no sampling.
    void setStatsInterval(std::chrono::milliseconds every);
    /// The interval set by setStatsInterval() (zero by default).
    std::chrono::milliseconds statsInterval() const;
    /// Retries (C7): each attempt whose failure (ProcessResult::failure())
    /// the core's RetryMachine deems retryable is followed, after the
    /// backoff delay it decides, by a fresh attempt in a fresh private group;
    /// retrying() announces each. finished() comes once, with the final
    /// attempt's result. terminate()/kill() during an attempt make it the
    /// last (a cancel is never retried); during the backoff they end the run
    /// at once (a Cancelled result). std::nullopt (the default): one attempt,
    /// exactly as without this call. Throws Error (InvalidArgument, naming the
    /// command) if the policy is invalid (RetryPolicy::validate()).
    void setRetryPolicy(std::optional<processkit::RetryPolicy> policy);
    /// The policy set by setRetryPolicy() (std::nullopt by default).
    const std::optional<processkit::RetryPolicy>& retryPolicy() const;

    // --- the current (or last) run ---
    /// The run's state (see State).
    State state() const;
    /// The direct child's pid once spawned (0 before, or if the start failed).
    qint64 pid() const;
    /// "cgroup_v2" or "process_group": how the tree is contained (empty
    /// before the first spawn).
    QString mechanism() const;
    /// Milliseconds since the spawn (live while running; the run's duration
    /// once finished; 0 before). NOTIFY is stateChanged: poll it for a clock.
    qint64 elapsed() const;
    /// The exit code once finished, or -1 (not finished, killed, timed out).
    int exitCode() const;
    /// The kind of the last errorOccurred() (UnknownError if none since start()).
    ProcessError error() const;
    /// The message of the last errorOccurred() (empty if none since start()).
    QString errorString() const;
    /// The Error of the last errorOccurred(), if it carried one (empty if
    /// none since start()).
    std::optional<processkit::Error> lastError() const;
    /// The result of the run, once finished() was emitted.
    std::optional<processkit::ProcessResult> result() const;
    /// True while write() can queue bytes (Command::stdin_interactive(), not
    /// closed, not broken, run not over).
    bool isWritable() const;
    /// The attempt in progress (or the last one), counted from 1 per start();
    /// 0 before the first start().
    int attempt() const;

    /// Readiness (R6): watches the current attempt until `probe` passes
    /// (ready()) or fails (notReady(error), an Error of kind NotReady naming
    /// the program and the probe and ending with the last stderr line): at
    /// `deadline`, when the child exits first, or (a line probe) when stdout
    /// closes first. Both are emitted from the event loop, never inside this
    /// call. A failed probe never kills the child. A line probe sees the
    /// stdout lines not yet delivered by lineReady when it is called, without
    /// consuming them (lineReady still delivers every one). Port and custom
    /// probes check on the event loop at the probe's interval (a port waits
    /// at most 1 ms per check; a custom check must be quick). Refused with
    /// notReady(InvalidArgument) when no run is in progress, a wait is
    /// already in progress, the deadline is negative, or a line probe's
    /// stdout is not captured.
    void watchReadiness(const processkit::Readiness& probe, std::chrono::milliseconds deadline);
    /// True from watchReadiness() until its ready() / notReady() is queued.
    bool isWatchingReadiness() const;

public Q_SLOTS:
    /// Spawns the command at once (synchronously; the spawn does not grow
    /// with the parent's memory). Failures are reported by signals from the
    /// event loop, never thrown. Ignored (with a warning) while a run is in
    /// progress.
    void start();
    /// Graceful stop: the command's timeout signal (TERM by default) to the
    /// tree, then SIGKILL after the command's grace.
    void terminate();
    /// SIGKILL to the tree now.
    void kill();
    /// Closes the child's stdin once what was written before is in the pipe.
    void closeWriteChannel();
    /// Queues bytes for the child's stdin without blocking. False if stdin is
    /// not writable (see isWritable()); a child that closed its stdin is
    /// reported by errorOccurred(WriteError).
    bool write(const QByteArray& data);

Q_SIGNALS:
    /// The state changed to `state` (Starting inside start(); the others
    /// from the event loop).
    void stateChanged(processkit::qt::Process::State state, QPrivateSignal);
    /// The child was spawned (right after stateChanged(Running)).
    void started(QPrivateSignal);
    /// One line, decoded per the command's encoding, without its terminator.
    void lineReady(processkit::qt::Process::Channel channel, const QString& line, QPrivateSignal);
    /// A sample of the tree's resource use (setStatsInterval(); G9).
    void statsSampled(const processkit::ProcessGroupStats& stats, QPrivateSignal);
    /// The run failed: WriteError while running; FailedToStart, Crashed,
    /// Timedout, ReadError or UnknownError (e.g. cancelled) at the end.
    /// error(), errorString() and lastError() describe it.
    void errorOccurred(processkit::qt::Process::ProcessError error, QPrivateSignal);
    /// Exactly once per start().
    void finished(const processkit::ProcessResult& result, QPrivateSignal);
    /// The readiness probe of watchReadiness() passed.
    void ready(QPrivateSignal);
    /// The readiness probe of watchReadiness() failed (or was refused).
    void notReady(const processkit::Error& error, QPrivateSignal);
    /// Attempt `attempt` (1-based) failed with `error`; the next starts in
    /// `delayMs` milliseconds (setRetryPolicy).
    void retrying(int attempt, const processkit::Error& error, qint64 delayMs, QPrivateSignal);

private:
    friend class ProcessPrivate;
    friend class SupervisorPrivate; // stops an incarnation as cancelled (cancel_now)
    std::unique_ptr<ProcessPrivate> d_;
};

/// A Command from Qt strings: `program` (a bare name is looked up on PATH)
/// and its arguments, never through a shell.
PROCESSKIT_QT_EXPORT processkit::Command command(const QString& program,
                                                 const QStringList& arguments = {});

} // namespace processkit::qt
