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
#include <variant>
#include <vector>

namespace processkit {

namespace pipeline_input {
struct Start {};
struct StageSpawned {
    std::size_t stage;
};
struct StageSpawnFailed {
    std::size_t stage;
    ProcessResult result; ///< its error says why
};
struct StageExited { ///< the stage's direct child was reaped
    std::size_t stage;
};
struct ExitsCollected {}; ///< every exit already known was reported (after CollectExits)
struct StageFinished {    ///< the stage's run is over
    std::size_t stage;
    ProcessResult result;
};
struct Cancel {};
struct Tick {};
/// The owner lets go (destroyed mid-run): everything is killed at once and
/// the run finishes now, without waiting for the stages' ends.
struct Abandon {};
} // namespace pipeline_input

using PipelineInput =
    std::variant<pipeline_input::Start, pipeline_input::StageSpawned,
                 pipeline_input::StageSpawnFailed, pipeline_input::StageExited,
                 pipeline_input::ExitsCollected, pipeline_input::StageFinished,
                 pipeline_input::Cancel, pipeline_input::Tick, pipeline_input::Abandon>;

namespace pipeline_action {
struct SpawnStage { ///< answer with StageSpawned or StageSpawnFailed
    std::size_t stage;
};
struct CollectExits {}; ///< report StageExited for exits not yet reported, then ExitsCollected
struct SignalAll {      ///< the signal to every process of the pipeline
    Signal signal;
};
struct KillAll {};
struct Finished {
    PipelineResult result;
};
} // namespace pipeline_action

using PipelineAction =
    std::variant<pipeline_action::SpawnStage, pipeline_action::CollectExits,
                 pipeline_action::SignalAll, pipeline_action::KillAll, pipeline_action::Finished>;

class PROCESSKIT_CORE_EXPORT PipelineMachine {
public:
    enum class Phase : std::uint8_t { Idle, Spawning, Running, Finished };

    /// `pipeline` must be valid (Pipeline::validate()); `pipe_signal` is the
    /// host's SIGPIPE number, for the blame rules.
    explicit PipelineMachine(const Pipeline& pipeline, int pipe_signal = default_pipe_signal);

    void handle(TimePoint now, const PipelineInput& in);
    [[nodiscard]] std::optional<PipelineAction> poll_action();
    std::optional<TimePoint> next_deadline() const;

    Phase phase() const { return phase_; }
    bool finished() const { return phase_ == Phase::Finished; }
    bool tearing_down() const { return stopped_by_ != PipelineStop::None; }
    PipelineStop stopped_by() const { return stopped_by_; }
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
    void push(PipelineAction a) { actions_.push_back(std::move(a)); }

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
