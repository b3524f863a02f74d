#pragma once
// PipelineMachine: one run of a Pipeline (P1) as a sans-IO state machine.
// The stages themselves are runs (each a RunMachine the reactor drives); this
// machine decides what happens between them: the order of the spawns, the
// pipeline-wide timeout, when the teardown begins and who is blamed.
//
//   state     | input                          | what it does
//   ----------+--------------------------------+---------------------------------------------
//   Idle      | Start                          | SpawnStage 0; arm the timeout → Spawning
//   Spawning  | StageSpawned i (last: → Running)| SpawnStage i+1
//             | StageSpawnFailed i             | no more spawns; teardown (kill at once)
//   any       | StageExited i                  | note it (a stage gone before a teardown is
//             |                                | judged on its own status)
//             | StageFinished i, really failed | teardown (StageFailed), unless one runs
//             | Tick at the timeout            | teardown (TimedOut)
//             | Cancel                         | teardown (Cancelled); during one: kill now
//   teardown  | (begins)                       | CollectExits; wait for ExitsCollected
//             | ExitsCollected                 | the TerminationMachine: SignalAll (the
//             |                                | pipeline's timeout signal), KillAll after the
//             |                                | grace (at once for a spawn failure, zero grace)
//   any       | Abandon                        | KillAll; Finished at once: the stages still
//             |                                | running are reported cancelled, in teardown
//   any       | every started stage finished   | Finished (exactly once), then nothing
//
// Blame (core/pipeline.hpp) is computed from the stage results; a stage is
// marked ended_in_teardown when it finished after the teardown began and had
// not exited before it (CollectExits lets the reactor report the exits it has
// not dispatched yet, so simultaneous failures are blamed in stage order).
//
// Inputs that contradict the protocol (a stage spawned twice, out of order, a
// stage finished twice) throw std::logic_error; anything after Finished is
// ignored.
//
// Thread-safety: none. One machine is driven from one thread at a time.

#include "processkit/core/export.hpp"
#include "processkit/core/pipeline.hpp"
#include "processkit/core/termination.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

namespace processkit {

namespace pipeline_input {
/// Begin: arm the timeout and ask for stage 0's spawn.
struct Start {};
/// The answer to SpawnStage: the stage's child is running.
struct StageSpawned {
    /// The stage's index (0-based).
    std::size_t stage;
};
/// The answer to SpawnStage: the stage could not be started. No later stage
/// is spawned and the teardown kills the rest at once.
struct StageSpawnFailed {
    /// The stage's index (0-based).
    std::size_t stage;
    ProcessResult result; ///< its error says why
};
/// The stage's direct child was reaped.
struct StageExited {
    /// The stage's index (0-based).
    std::size_t stage;
};
struct ExitsCollected {}; ///< every exit already known was reported (after CollectExits)
/// The stage's run is over.
struct StageFinished {
    /// The stage's index (0-based).
    std::size_t stage;
    /// The stage's result (its run's action::Finished).
    ProcessResult result;
};
/// The caller cancels: the teardown begins, reported as Cancelled; a second
/// Cancel during it kills at once.
struct Cancel {};
/// A deadline may have passed.
struct Tick {};
/// The owner lets go (destroyed mid-run): everything is killed at once and
/// the run finishes now, without waiting for the stages' ends.
struct Abandon {};
} // namespace pipeline_input

/// Everything the reactor can tell a PipelineMachine.
using PipelineInput =
    std::variant<pipeline_input::Start, pipeline_input::StageSpawned,
                 pipeline_input::StageSpawnFailed, pipeline_input::StageExited,
                 pipeline_input::ExitsCollected, pipeline_input::StageFinished,
                 pipeline_input::Cancel, pipeline_input::Tick, pipeline_input::Abandon>;

namespace pipeline_action {
/// Spawn a stage; answer with StageSpawned or StageSpawnFailed.
struct SpawnStage {
    /// The stage's index (0-based).
    std::size_t stage;
};
struct CollectExits {}; ///< report StageExited for exits not yet reported, then ExitsCollected
/// Send a signal to every process of the pipeline.
struct SignalAll {
    /// The signal to send.
    Signal signal;
};
/// Kill every process of the pipeline at once.
struct KillAll {};
/// The pipeline's run is over; produced exactly once, and nothing after it.
struct Finished {
    /// The pipeline's result.
    PipelineResult result;
};
} // namespace pipeline_action

/// Everything a PipelineMachine can ask of its reactor.
using PipelineAction =
    std::variant<pipeline_action::SpawnStage, pipeline_action::CollectExits,
                 pipeline_action::SignalAll, pipeline_action::KillAll, pipeline_action::Finished>;

/// One run of a Pipeline as a sans-IO state machine (P1, A1): inputs in
/// through handle(), actions out through poll_action(). Each stage is itself
/// a run the reactor drives; the transition table is at the top of
/// pipeline_machine.hpp.
class PROCESSKIT_CORE_EXPORT PipelineMachine {
public:
    /// Idle: before Start; Spawning: stages are spawned one after another;
    /// Running: no more spawns (all done, or one failed); Finished: the
    /// Finished action was produced.
    enum class Phase : std::uint8_t { Idle, Spawning, Running, Finished };

    /// `pipeline` must be valid (Pipeline::validate()); `pipe_signal` is the
    /// host's SIGPIPE number, for the blame rules.
    explicit PipelineMachine(const Pipeline& pipeline, int pipe_signal = default_pipe_signal);

    /// Feeds one input that happened at `now`. Ignored once finished; an
    /// input that contradicts the protocol throws std::logic_error.
    void handle(TimePoint now, const PipelineInput& in);
    /// The next action to apply, in the order produced; empty when none is
    /// queued.
    [[nodiscard]] std::optional<PipelineAction> poll_action();
    /// When to feed the next Tick: the timeout (until a teardown begins) or
    /// the teardown's next deadline; empty if none or once finished.
    std::optional<TimePoint> next_deadline() const;

    /// The current phase.
    Phase phase() const { return phase_; }
    /// True once the Finished action was produced.
    bool finished() const { return phase_ == Phase::Finished; }
    /// True once a teardown began (stopped_by() is not None).
    bool tearing_down() const { return stopped_by_ != PipelineStop::None; }
    /// Why the teardown began; None if it has not.
    PipelineStop stopped_by() const { return stopped_by_; }
    /// The number of stages.
    std::size_t size() const { return stages_.size(); }

private:
    void on(TimePoint, const pipeline_input::Start&);
    void on(TimePoint, const pipeline_input::StageSpawned&);
    void on(TimePoint, const pipeline_input::StageSpawnFailed&);
    void on(TimePoint, const pipeline_input::StageExited&);
    void on(TimePoint, const pipeline_input::ExitsCollected&);
    void on(TimePoint, const pipeline_input::StageFinished&);
    void on(TimePoint, const pipeline_input::Cancel&);
    void on(TimePoint, const pipeline_input::Tick&);
    void on(TimePoint, const pipeline_input::Abandon&);

    void check_stage(std::size_t stage, const char* what) const;
    void begin_teardown(TimePoint now, PipelineStop why, bool kill_at_once);
    void apply_termination();
    bool any_stage_running() const;
    void finish_if_done(TimePoint now);
    // Built in place from the alternative: moving a whole temporary variant
    // made g++ 12 warn (-Wmaybe-uninitialized, a known false positive).
    template <class A>
    void push(A&& a) {
        actions_.emplace_back(std::forward<A>(a));
    }

    // Configuration.
    std::optional<Duration> timeout_;
    Duration grace_;
    Signal timeout_signal_;
    std::string programs_;
    int pipe_signal_;

    // State.
    Phase phase_ = Phase::Idle;
    std::vector<StageResult> stages_;
    std::vector<bool> finished_;
    std::vector<bool> exited_;
    std::vector<bool> exited_before_teardown_;
    std::size_t spawning_ = 0; ///< the stage whose spawn is pending (Spawning)
    TimePoint started_{};
    std::optional<TimePoint> timeout_at_;
    PipelineStop stopped_by_ = PipelineStop::None;
    bool kill_at_once_ = false;
    bool collecting_ = false; ///< CollectExits is out, ExitsCollected not yet in
    TerminationMachine termination_;
    std::vector<PipelineAction> actions_;
    std::size_t next_action_ = 0;
};

} // namespace processkit
