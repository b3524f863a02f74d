// Applies the pipeline machine's actions: spawning the stages joined by
// pipes, signalling and killing the group, collecting the stages' ends. The
// decisions are the core's (core/pipeline_machine.hpp).
#include "processkit/driver/pipeline_driver.hpp"

#if !defined(_WIN32)
#include <signal.h>
#endif

namespace processkit::driver {
namespace {

#if defined(_WIN32)
// No signals: a writer whose reader left fails with its own exit code, so no
// stage is ever killed by "the pipe signal" (docs/pipelines.md); the number
// only has to be one no Windows exit looks like.
constexpr int pipe_signal = 13;
#else
constexpr int pipe_signal = SIGPIPE;
#endif

const Pipeline& validated(const Pipeline& pipeline) {
    if (auto invalid = pipeline.validate()) {
        throw *invalid;
    }
    return pipeline;
}

/// The stage's Command as its driver runs it: the pipe ends replace its
/// stdin (after the first) and stdout (before the last).
Command stage_command(const Pipeline& pipeline, std::size_t i) {
    Command c = pipeline.stages()[i].command;
    if (i > 0) {
        c.stdin_inherit();
    }
    if (i + 1 < pipeline.size()) {
        c.stdout_mode(StdioMode::Inherit);
    }
    return c;
}

} // namespace

PipelineDriver::PipelineDriver(Pipeline pipeline, const GroupOptions& group, Watcher& watcher,
                               bool queue_events)
    : pipeline_(std::move(pipeline))
    , watcher_(watcher)
    , queue_events_(queue_events)
    , machine_(validated(pipeline_), pipe_signal)
    , group_(std::make_unique<ProcessGroup>(group))
    , stages_(pipeline_.size())
    , exit_reported_(pipeline_.size(), false)
    , end_reported_(pipeline_.size(), false) {}

PipelineDriver::~PipelineDriver() {
    stages_.clear(); // each unfinished stage is killed and reaped by its driver
    try {
        group_->kill_all();
    } catch (...) {
        // The group is gone already: nothing left to kill.
    }
}

void PipelineDriver::start(TimePoint now) {
    feed(now, pipeline_input::Start{});
}

void PipelineDriver::update(TimePoint now) {
    report_stages();
    if (!inputs_.empty()) {
        feed(now, std::nullopt);
    }
}

void PipelineDriver::on_deadline(TimePoint now) {
    feed(now, pipeline_input::Tick{});
}

void PipelineDriver::cancel(TimePoint now) {
    feed(now, pipeline_input::Cancel{});
}

void PipelineDriver::abandon(TimePoint now) {
    feed(now, pipeline_input::Abandon{});
}

void PipelineDriver::report_stages() {
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        RunDriver* stage = stages_[i].get();
        if (!stage || end_reported_[i]) {
            continue;
        }
        if (stage->finished()) {
            end_reported_[i] = exit_reported_[i] = true;
            inputs_.emplace_back(pipeline_input::StageFinished{i, *stage->take_result()});
        } else if (!exit_reported_[i] && stage->child_exited()) {
            exit_reported_[i] = true;
            inputs_.emplace_back(pipeline_input::StageExited{i});
        }
    }
}

void PipelineDriver::feed(TimePoint now, std::optional<PipelineInput> in) {
    if (in) {
        inputs_.push_back(std::move(*in));
    }
    if (feeding_) {
        return; // applied by the loop below, in order
    }
    feeding_ = true;
    while (!inputs_.empty()) {
        PipelineInput next = std::move(inputs_.front());
        inputs_.erase(inputs_.begin());
        machine_.handle(now, next);
        while (auto a = machine_.poll_action()) {
            apply(now, *a);
        }
    }
    feeding_ = false;
}

void PipelineDriver::apply(TimePoint now, PipelineAction& a) {
    if (auto* s = std::get_if<pipeline_action::SpawnStage>(&a)) {
        spawn_stage(now, s->stage);
    } else if (std::holds_alternative<pipeline_action::CollectExits>(a)) {
        collect_exits(now);
    } else if (auto* sig = std::get_if<pipeline_action::SignalAll>(&a)) {
        try {
            group_->signal(sig->signal);
        } catch (const Error&) {
            // Nothing left to signal.
        }
    } else if (std::holds_alternative<pipeline_action::KillAll>(a)) {
        try {
            group_->kill_all();
        } catch (const Error&) {
        }
    } else if (auto* f = std::get_if<pipeline_action::Finished>(&a)) {
        result_ = std::move(f->result);
        upstream_.reset();
    }
}

void PipelineDriver::spawn_stage(TimePoint now, std::size_t i) {
    const Command command = stage_command(pipeline_, i);
    os::Pipe downstream;
    try {
        if (i + 1 < pipeline_.size()) {
            downstream = os::make_stage_pipe(command.program());
        }
    } catch (const Error& e) {
        ProcessResult failed;
        failed.program = command.program();
        failed.outcome = Outcome::spawn_failed();
        failed.error = e;
        upstream_.reset();
        feed(now, pipeline_input::StageSpawnFailed{i, std::move(failed)});
        return;
    }
    RunDriver::Options o;
    o.shared_group = group_.get();
#if defined(_WIN32)
    o.stdio_redirect.stdin_handle = upstream_.get();
    o.stdio_redirect.stdout_handle = downstream.write.get();
#else
    o.stdio_redirect.stdin_fd = upstream_.get();
    o.stdio_redirect.stdout_fd = downstream.write.get();
#endif
    o.queue_events = queue_events_;
    stages_[i] = std::make_unique<RunDriver>(command, std::move(o), watcher_);
    stages_[i]->start(now);
    // The children have their copies: ours must go, or no reader would ever
    // see end of file nor a writer SIGPIPE.
    upstream_ = std::move(downstream.read);
    downstream.write.reset();
    if (const auto& r = stages_[i]->result(); r && r->outcome.kind == Outcome::Kind::SpawnFailed) {
        end_reported_[i] = exit_reported_[i] = true;
        upstream_.reset();
        feed(now, pipeline_input::StageSpawnFailed{i, *stages_[i]->take_result()});
        return;
    }
    feed(now, pipeline_input::StageSpawned{i});
}

void PipelineDriver::collect_exits(TimePoint now) {
    // A stage that already exited by itself is judged on its own status,
    // even if the reactor has not dispatched its end yet.
    for (auto& stage : stages_) {
        if (stage && !stage->finished()) {
            stage->poll_child(now);
        }
    }
    report_stages();
    feed(now, pipeline_input::ExitsCollected{});
}

} // namespace processkit::driver
