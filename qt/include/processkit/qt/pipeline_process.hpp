#pragma once
// processkit::qt::PipelineProcess: a Pipeline (`a | b | c`, no shell) run on
// the Qt event loop, the way Process runs one command. The stages run in one
// ProcessGroup of their own joined by OS pipes; spawn order, teardown and
// blame are the core's PipelineMachine, as for the blocking and Asio verbs
// (docs/pipelines.md).
//
//   processkit::qt::PipelineProcess p(Command("ps").arg("ax") | Command("grep").arg("sshd"));
//   QObject::connect(&p, &PipelineProcess::finished, ...);   // exactly once per start()
//   p.start();
//
// Signals, in the order a run emits them:
//   stateChanged(Running), started()        once every stage was spawned
//   lineReady(stage, channel, line)*        the last stage's stdout lines and
//                                           every stage's stderr lines, in arrival order
//   errorOccurred(error)?                   the pipeline could not run, or failed
//                                           (the Error result.failure() gives)
//   stateChanged(Finished), finished(result)
// Every signal is emitted from the event loop, never inside a call of yours.
// finished() is emitted exactly once per start(): also when the pipeline is
// invalid or its group cannot be made (then the result has no stages), and
// also when the object is destroyed during the run — then from the
// destructor, with the stages still running reported cancelled (and nothing
// else is emitted then).
//
// Destruction never blocks: the whole group is killed at once.
//
// Thread-safety: a QObject like any other; use it from the thread it lives in.

#include "processkit/core/pipeline.hpp"
#include "processkit/os/process_group.hpp"
#include "processkit/qt/export.hpp"
#include "processkit/qt/metatypes.hpp"
#include "processkit/qt/process.hpp"

#include <QtCore/QObject>
#include <QtCore/QString>
#include <memory>
#include <optional>

namespace processkit::qt {

class PipelineProcessPrivate;

/// A Pipeline run on the Qt event loop, the way Process runs one command:
/// setPipeline() (or the constructor), start(), then follow the signals.
class PROCESSKIT_QT_EXPORT PipelineProcess : public QObject {
    Q_OBJECT
    Q_PROPERTY(State state READ state NOTIFY stateChanged)

public:
    /// NotRunning before the first run; Running from started(); Finished
    /// once finished() is emitted (a run that cannot start goes straight
    /// there).
    enum State { NotRunning, Running, Finished };
    Q_ENUM(State)

    /// A PipelineProcess without a pipeline: set one with setPipeline()
    /// before start().
    explicit PipelineProcess(QObject* parent = nullptr);
    /// A PipelineProcess that runs `pipeline` on start().
    explicit PipelineProcess(const processkit::Pipeline& pipeline, QObject* parent = nullptr);
    /// Running: kills every stage at once (never blocks) and emits finished().
    ~PipelineProcess() override;

    // --- configuration, used by the next start() ---
    /// The pipeline the next start() runs.
    void setPipeline(const processkit::Pipeline& pipeline);
    /// The pipeline set so far (empty if none: start() then ends the run
    /// with an InvalidArgument error).
    const std::optional<processkit::Pipeline>& pipeline() const;
    /// The pipeline's group (e.g. to require a mechanism or set limits).
    void setGroupOptions(const processkit::GroupOptions& options);

    // --- the current (or last) run ---
    /// The run's state (see State).
    State state() const;
    /// Once finished() was emitted.
    std::optional<processkit::PipelineResult> result() const;

public Q_SLOTS:
    /// Spawns every stage at once (synchronously). Failures are reported by
    /// signals from the event loop, never thrown. Ignored (with a warning)
    /// while a run is in progress.
    void start();
    /// Graceful stop: the pipeline's timeout signal to every stage, SIGKILL
    /// after its grace; the result is Cancelled. A second call kills at once.
    void cancel();
    /// SIGKILL to every stage now; the result is Cancelled.
    void kill();

Q_SIGNALS:
    /// The state changed to `state`.
    void stateChanged(processkit::qt::PipelineProcess::State state, QPrivateSignal);
    /// The run began: right after stateChanged(Running), before any
    /// lineReady().
    void started(QPrivateSignal);
    /// One line of stage `stage` (0-based), decoded per its command's encoding.
    void lineReady(int stage, processkit::qt::Process::Channel channel, const QString& line,
                   QPrivateSignal);
    /// The pipeline could not run (invalid, or its group could not be made)
    /// or failed: the Error result.failure() gives. Not emitted for a
    /// cancelled run.
    void errorOccurred(const processkit::Error& error, QPrivateSignal);
    /// Exactly once per start().
    void finished(const processkit::PipelineResult& result, QPrivateSignal);

private:
    friend class PipelineProcessPrivate;
    std::unique_ptr<PipelineProcessPrivate> d_;
};

} // namespace processkit::qt
