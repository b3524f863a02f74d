// The run of a pipeline: every decision between its stages is in this file.
#include "processkit/core/pipeline_machine.hpp"

#include <stdexcept>
#include <string>

namespace processkit {

PipelineMachine::PipelineMachine(const Pipeline& pipeline, int pipe_signal)
    : timeout_(pipeline.timeout())
    , grace_(pipeline.grace())
    , timeout_signal_(pipeline.timeout_signal())
    , programs_(pipeline.programs())
    , pipe_signal_(pipe_signal)
    , stages_(pipeline.size())
    , finished_(pipeline.size(), false)
    , exited_(pipeline.size(), false)
    , exited_before_teardown_(pipeline.size(), false) {
    if (pipeline.size() == 0) {
        throw std::logic_error("PipelineMachine: a pipeline needs at least one stage");
    }
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        const Command& c = pipeline.stages()[i].command;
        stages_[i].checked = pipeline.stages()[i].checked;
        stages_[i].result.program = c.program();
        stages_[i].result.encoding = c.encoding();
        stages_[i].result.ok_codes = c.ok_codes();
    }
}

void PipelineMachine::handle(TimePoint now, const PipelineInput& in) {
    if (phase_ == Phase::Finished) {
        return;
    }
    std::visit([&](const auto& event) { on(now, event); }, in);
}

std::optional<PipelineAction> PipelineMachine::poll_action() {
    if (next_action_ == actions_.size()) {
        return std::nullopt;
    }
    PipelineAction a = std::move(actions_[next_action_++]);
    if (next_action_ == actions_.size()) {
        actions_.clear();
        next_action_ = 0;
    }
    return a;
}

std::optional<TimePoint> PipelineMachine::next_deadline() const {
    if (phase_ == Phase::Finished) {
        return std::nullopt;
    }
    std::optional<TimePoint> next = tearing_down() ? std::nullopt : timeout_at_;
    if (auto t = termination_.next_deadline(); t && (!next || *t < *next)) {
        next = t;
    }
    return next;
}

void PipelineMachine::check_stage(std::size_t stage, const char* what) const {
    if (stage >= stages_.size()) {
        throw std::logic_error(std::string("PipelineMachine: ") + what + " for stage " +
                               std::to_string(stage) + " of " + std::to_string(stages_.size()));
    }
}

// --- spawning ----------------------------------------------------------------

void PipelineMachine::on(TimePoint now, const pipeline_input::Start&) {
    if (phase_ != Phase::Idle) {
        throw std::logic_error("PipelineMachine: Start given twice");
    }
    started_ = now;
    if (timeout_) {
        timeout_at_ = now + *timeout_;
    }
    phase_ = Phase::Spawning;
    spawning_ = 0;
    push(pipeline_action::SpawnStage{0});
}

void PipelineMachine::on(TimePoint now, const pipeline_input::StageSpawned& s) {
    check_stage(s.stage, "StageSpawned");
    if (phase_ != Phase::Spawning || s.stage != spawning_) {
        throw std::logic_error("PipelineMachine: StageSpawned without its SpawnStage");
    }
    stages_[s.stage].started = true;
    if (termination_.killed()) {
        push(pipeline_action::KillAll{}); // the teardown's kill went out before it existed
    }
    if (!tearing_down() && s.stage + 1 < stages_.size()) {
        spawning_ = s.stage + 1;
        push(pipeline_action::SpawnStage{spawning_});
        return;
    }
    phase_ = Phase::Running;
    finish_if_done(now);
}

void PipelineMachine::on(TimePoint now, const pipeline_input::StageSpawnFailed& f) {
    check_stage(f.stage, "StageSpawnFailed");
    if (phase_ != Phase::Spawning || f.stage != spawning_) {
        throw std::logic_error("PipelineMachine: StageSpawnFailed without its SpawnStage");
    }
    stages_[f.stage].result = f.result;
    stages_[f.stage].started = false;
    finished_[f.stage] = true;
    phase_ = Phase::Running; // no later stage starts
    begin_teardown(now, PipelineStop::StageFailed, /*kill_at_once=*/true);
    finish_if_done(now);
}

// --- stages ending -----------------------------------------------------------

void PipelineMachine::on(TimePoint, const pipeline_input::StageExited& e) {
    check_stage(e.stage, "StageExited");
    if (!stages_[e.stage].started) {
        throw std::logic_error("PipelineMachine: StageExited for a stage never spawned");
    }
    exited_[e.stage] = true;
}

void PipelineMachine::on(TimePoint now, const pipeline_input::StageFinished& f) {
    check_stage(f.stage, "StageFinished");
    if (!stages_[f.stage].started || finished_[f.stage]) {
        throw std::logic_error("PipelineMachine: StageFinished for a stage not running");
    }
    finished_[f.stage] = true;
    exited_[f.stage] = true;
    StageResult& stage = stages_[f.stage];
    stage.result = f.result;
    // Ended after the teardown's signal went out, and was not gone before it.
    stage.ended_in_teardown = tearing_down() && !collecting_ && !exited_before_teardown_[f.stage];
    if (!tearing_down() &&
        stage_really_failed(stage, f.stage + 1 == stages_.size(), pipe_signal_)) {
        begin_teardown(now, PipelineStop::StageFailed, false);
    }
    finish_if_done(now);
}

// --- stopping ----------------------------------------------------------------

void PipelineMachine::on(TimePoint now, const pipeline_input::Cancel&) {
    if (phase_ == Phase::Idle) {
        stopped_by_ = PipelineStop::Cancelled;
        started_ = now;
        finish_if_done(now);
        return;
    }
    if (!tearing_down()) {
        begin_teardown(now, PipelineStop::Cancelled, false);
    } else if (!collecting_) {
        termination_.kill(now); // asked again: no more patience
        apply_termination();
    } else {
        kill_at_once_ = true;
    }
    finish_if_done(now);
}

void PipelineMachine::on(TimePoint now, const pipeline_input::Tick&) {
    if (!tearing_down() && timeout_at_ && *timeout_at_ <= now) {
        begin_teardown(now, PipelineStop::TimedOut, false);
    }
    termination_.tick(now);
    apply_termination();
}

void PipelineMachine::on(TimePoint now, const pipeline_input::Abandon&) {
    if (stopped_by_ == PipelineStop::None) {
        stopped_by_ = PipelineStop::Cancelled;
    }
    if (phase_ == Phase::Idle) {
        started_ = now;
    }
    if (any_stage_running()) {
        push(pipeline_action::KillAll{});
    }
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        if (stages_[i].started && !finished_[i]) {
            finished_[i] = true;
            stages_[i].ended_in_teardown = true;
            stages_[i].result.outcome = Outcome::cancelled();
            stages_[i].result.cancelled = true;
        }
    }
    phase_ = Phase::Running; // a pending spawn is never answered now
    collecting_ = false;
    finish_if_done(now);
}

void PipelineMachine::begin_teardown(TimePoint, PipelineStop why, bool kill_at_once) {
    if (tearing_down()) {
        return;
    }
    stopped_by_ = why;
    kill_at_once_ = kill_at_once || grace_ <= Duration::zero();
    if (!any_stage_running()) {
        return; // nothing to stop: the pipeline ends as it is
    }
    collecting_ = true;
    push(pipeline_action::CollectExits{});
}

void PipelineMachine::on(TimePoint now, const pipeline_input::ExitsCollected&) {
    if (!collecting_) {
        throw std::logic_error("PipelineMachine: ExitsCollected without CollectExits");
    }
    collecting_ = false;
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        exited_before_teardown_[i] = exited_[i];
    }
    if (kill_at_once_) {
        termination_.kill(now);
    } else {
        termination_.stop(now, timeout_signal_, grace_);
    }
    apply_termination();
    finish_if_done(now);
}

void PipelineMachine::apply_termination() {
    while (auto a = termination_.poll_action()) {
        if (a->kind == TerminationAction::Kind::Signal) {
            push(pipeline_action::SignalAll{a->signal});
        } else {
            push(pipeline_action::KillAll{});
        }
    }
}

// --- finishing ---------------------------------------------------------------

bool PipelineMachine::any_stage_running() const {
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        if (stages_[i].started && !finished_[i]) {
            return true;
        }
    }
    return phase_ == Phase::Spawning;
}

void PipelineMachine::finish_if_done(TimePoint now) {
    if (phase_ == Phase::Finished || collecting_ || any_stage_running()) {
        return;
    }
    PipelineResult r;
    r.stages = std::move(stages_);
    r.stopped_by = stopped_by_;
    r.duration = now - started_;
    r.programs = programs_;
    r.pipe_signal = pipe_signal_;
    phase_ = Phase::Finished;
    timeout_at_.reset();
    push(pipeline_action::Finished{std::move(r)});
}

} // namespace processkit
