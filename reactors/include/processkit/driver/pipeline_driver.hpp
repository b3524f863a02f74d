#pragma once
// PipelineDriver: one run of a Pipeline, wired to the OS, shared by every
// reactor. It owns the core's PipelineMachine, the pipeline's ProcessGroup,
// the pipes between the stages and one RunDriver per stage, and it is the one
// place where the pipeline machine's actions are applied. A reactor watches
// the stage drivers' descriptors and deadlines (through its Watcher, as for
// any run) and, after each dispatch, calls update(); it also waits for
// next_deadline(), the pipeline's own (timeout, grace), and calls
// on_deadline() when it passes.
//
// Thread-safety: none; a driver belongs to one reactor, used from one thread
// at a time.

#include "processkit/core/pipeline_machine.hpp"
#include "processkit/driver/export.hpp"
#include "processkit/driver/run_driver.hpp"
#include "processkit/driver/watcher.hpp"
#include "processkit/os/process_group.hpp"

#include <memory>
#include <optional>
#include <vector>

namespace processkit::driver {

/// One run of a Pipeline wired to the OS, shared by every reactor: it spawns
/// the stages (one RunDriver each, joined by pipes) in the pipeline's group
/// and applies the core's PipelineMachine.
class PROCESSKIT_DRIVER_EXPORT PipelineDriver {
public:
    /// Throws Error: the pipeline's InvalidArgument (Pipeline::validate()),
    /// or what creating its group throws.
    /// `queue_events`: each stage's driver queues its lines (RunDriver::events()).
    PipelineDriver(Pipeline pipeline, const GroupOptions& group, Watcher& watcher,
                   bool queue_events = false);
    PipelineDriver(const PipelineDriver&) = delete;
    PipelineDriver& operator=(const PipelineDriver&) = delete;
    /// Unfinished: kills every stage (the whole group) without waiting.
    ~PipelineDriver();

    /// Starts the run by spawning the stages. A stage that fails to spawn is
    /// not thrown: it is reported in the result.
    void start(TimePoint now);
    /// Collects what the stage drivers report after the reactor dispatched
    /// their events (a stage exited, a stage finished).
    void update(TimePoint now);
    /// The pipeline's own deadline passed.
    void on_deadline(TimePoint now);
    /// Ends the run as Cancelled (a second cancel kills at once).
    void cancel(TimePoint now);
    /// The owner lets go: everything is killed now and the run finishes at
    /// once (the stages still running are reported cancelled).
    void abandon(TimePoint now);

    /// True while a result is held: from the run's end until take_result().
    bool finished() const { return result_.has_value(); }
    /// The result once the run has finished; empty before and after
    /// take_result().
    const std::optional<PipelineResult>& result() const { return result_; }
    /// Moves the result out (finished() is false afterwards).
    std::optional<PipelineResult> take_result() { return std::exchange(result_, std::nullopt); }
    /// The pipeline's own deadline (the stage drivers report theirs through
    /// the Watcher).
    std::optional<TimePoint> next_deadline() const { return machine_.next_deadline(); }
    /// The pipeline's own group, holding every stage.
    ProcessGroup& group() { return *group_; }
    /// Stage `i`'s driver (nullptr: not spawned), e.g. for its queued lines.
    RunDriver* stage(std::size_t i) { return i < stages_.size() ? stages_[i].get() : nullptr; }
    /// The pipeline being run.
    const Pipeline& pipeline() const { return pipeline_; }

private:
    void feed(TimePoint now, std::optional<PipelineInput> in);
    void apply(TimePoint now, PipelineAction& a);
    void spawn_stage(TimePoint now, std::size_t i);
    void collect_exits(TimePoint now);
    void report_stages();

    Pipeline pipeline_;
    Watcher& watcher_;
    bool queue_events_;
    PipelineMachine machine_;
    // Destroyed in reverse order: the stage drivers (killing their children)
    // before the group, which kills the rest.
    std::unique_ptr<ProcessGroup> group_;
    std::vector<std::unique_ptr<RunDriver>> stages_; ///< null: not spawned
    std::vector<bool> exit_reported_;
    std::vector<bool> end_reported_;
    decltype(os::Pipe::read) upstream_; ///< the read end of the last spawned stage's stdout
    std::vector<PipelineInput> inputs_;
    bool feeding_ = false;
    std::optional<PipelineResult> result_;
};

} // namespace processkit::driver
