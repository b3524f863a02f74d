#include "processkit/core/pipeline.hpp"

namespace processkit {
namespace {

std::string stage_name(std::size_t index) {
    return "stage " + std::to_string(index + 1);
}

Error invalid(const std::string& program, std::size_t index, const std::string& what) {
    return Error(ErrorKind::InvalidArgument, program, stage_name(index) + ": " + what);
}

bool died_of_broken_pipe(const Outcome& o, int pipe_signal) {
    return (o.kind == Outcome::Kind::Signalled && o.value == pipe_signal) ||
           (o.kind == Outcome::Kind::Exited && o.value == 128 + pipe_signal);
}

} // namespace

Pipeline::Pipeline(Command first) {
    add(std::move(first));
}

Pipeline& Pipeline::add(Command next) {
    stages_.push_back({std::move(next), true});
    return *this;
}

Pipeline& Pipeline::add_unchecked(Command next) {
    stages_.push_back({std::move(next), false});
    return *this;
}

Pipeline& Pipeline::checked(std::size_t index, bool on) {
    if (index >= stages_.size()) {
        throw Error(ErrorKind::InvalidArgument, programs(),
                    "no " + stage_name(index) + " in a pipeline of " +
                        std::to_string(stages_.size()) + " stages");
    }
    stages_[index].checked = on;
    return *this;
}

Pipeline& Pipeline::timeout(Duration d) {
    timeout_ = d;
    return *this;
}

Pipeline& Pipeline::no_timeout() {
    timeout_.reset();
    return *this;
}

Pipeline& Pipeline::grace(Duration d) {
    grace_ = d;
    return *this;
}

Pipeline& Pipeline::timeout_signal(Signal s) {
    timeout_signal_ = s;
    return *this;
}

std::string Pipeline::programs() const {
    std::string out;
    for (const auto& s : stages_) {
        if (!out.empty()) {
            out += " | ";
        }
        out += s.command.program();
    }
    return out;
}

std::string Pipeline::command_line() const {
    std::string out;
    for (const auto& s : stages_) {
        if (!out.empty()) {
            out += " | ";
        }
        out += s.command.command_line();
    }
    return out;
}

std::optional<Error> Pipeline::validate() const {
    if (stages_.empty()) {
        return Error(ErrorKind::InvalidArgument, {}, "a pipeline needs at least one stage");
    }
    if ((timeout_ && *timeout_ < Duration::zero()) || grace_ < Duration::zero()) {
        return Error(ErrorKind::InvalidArgument, programs(),
                     "the pipeline's timeout and grace must not be negative");
    }
    for (std::size_t i = 0; i < stages_.size(); ++i) {
        const Command& c = stages_[i].command;
        if (auto e = c.validate()) {
            return invalid(e->program(), i, e->detail());
        }
        if (c.timeout()) {
            return invalid(c.program(), i,
                           "a stage has no timeout of its own; set it on the Pipeline");
        }
        if (c.stdin_source().kind == StdinSource::Kind::Interactive) {
            return invalid(c.program(), i, "interactive stdin is not available in a pipeline");
        }
        if (i > 0 && c.stdin_source().kind != StdinSource::Kind::Empty) {
            return invalid(c.program(), i,
                           "its stdin is the previous stage's stdout; leave its stdin unset");
        }
        if (i + 1 < stages_.size() && c.mode(Stream::Stdout) != StdioMode::Capture) {
            return invalid(c.program(), i,
                           "its stdout feeds the next stage; leave its stdout mode unset");
        }
    }
    return std::nullopt;
}

Pipeline operator|(Command a, Command b) {
    Pipeline p(std::move(a));
    p.add(std::move(b));
    return p;
}

Pipeline operator|(Pipeline p, Command next) {
    p.add(std::move(next));
    return p;
}

bool stage_really_failed(const StageResult& stage, bool is_last, int pipe_signal) {
    if (!stage.started) {
        return stage.result.error.has_value(); // a spawn failure is always reported
    }
    if (!stage.checked || stage.ended_in_teardown || stage.result.success()) {
        return false;
    }
    return is_last || !died_of_broken_pipe(stage.result.outcome, pipe_signal);
}

std::optional<std::size_t> blame_stage(const std::vector<StageResult>& stages, int pipe_signal) {
    for (std::size_t i = 0; i < stages.size(); ++i) {
        if (stage_really_failed(stages[i], i + 1 == stages.size(), pipe_signal)) {
            return i;
        }
    }
    return std::nullopt;
}

const std::string& PipelineResult::stdout_bytes() const {
    static const std::string none;
    return stages.empty() ? none : stages.back().result.stdout_bytes;
}

std::string PipelineResult::stdout_text() const {
    return stages.empty() ? std::string{} : stages.back().result.stdout_text();
}

std::optional<std::size_t> PipelineResult::failed_stage() const {
    if (stopped_by == PipelineStop::Cancelled || stopped_by == PipelineStop::TimedOut) {
        return std::nullopt;
    }
    return blame_stage(stages, pipe_signal);
}

Outcome PipelineResult::outcome() const {
    if (cancelled()) {
        return Outcome::cancelled();
    }
    if (timed_out()) {
        return Outcome::timed_out();
    }
    if (auto i = failed_stage()) {
        return stages[*i].result.outcome;
    }
    return stages.empty() ? Outcome::spawn_failed() : stages.back().result.outcome;
}

namespace {

/// The stderr of the last stage, in stage order, that wrote a non-empty line:
/// what a timeout or cancel message ends with (E1).
std::string last_stage_stderr(const std::vector<StageResult>& stages) {
    for (auto it = stages.rbegin(); it != stages.rend(); ++it) {
        std::string text = it->result.stderr_text();
        if (!last_line_of(text).empty()) {
            return text;
        }
    }
    return {};
}

} // namespace

std::optional<Error> PipelineResult::failure() const {
    if (cancelled()) {
        return Error(ErrorKind::Cancelled, programs, "the pipeline was cancelled")
            .with_output(stdout_text(), last_stage_stderr(stages));
    }
    if (timed_out()) {
        return Error(ErrorKind::Timeout, programs, "the pipeline's timeout fired")
            .with_output(stdout_text(), last_stage_stderr(stages));
    }
    const auto i = failed_stage();
    if (!i) {
        return std::nullopt;
    }
    const ProcessResult& r = stages[*i].result;
    if (!stages[*i].started) {
        return r.error; // the typed spawn error (NotFound...), as spawn gave it
    }
    const std::optional<Error> own = r.failure();
    if (!own) {
        return std::nullopt;
    }
    Error e(own->kind(), r.program,
            stage_name(*i) + " of " + std::to_string(stages.size()) + ": " + own->detail());
    if (own->exit_code()) {
        e = e.with_exit_code(*own->exit_code());
    }
    if (own->signal_number()) {
        e = e.with_signal(*own->signal_number());
    }
    return e.with_output(r.stdout_text(), r.stderr_text());
}

const PipelineResult& PipelineResult::ensure_success() const {
    if (auto e = failure()) {
        throw *e;
    }
    return *this;
}

Answer<std::string> run_answer(const PipelineResult& result) {
    if (auto e = result.failure()) {
        return Answer<std::string>::failed(std::move(*e));
    }
    return Answer<std::string>::ok(trim_end(result.stdout_text()));
}

Answer<int> exit_code_answer(const PipelineResult& result) {
    const auto i = result.failed_stage();
    if (result.cancelled() || result.timed_out() || result.stages.empty() ||
        (i && !result.stages[*i].started)) {
        return Answer<int>::failed(result.failure().value_or(
            Error(ErrorKind::InvalidArgument, {}, "a pipeline needs at least one stage")));
    }
    const ProcessResult& r = result.stages[i ? *i : result.stages.size() - 1].result;
    if (r.error || r.outcome.kind != Outcome::Kind::Exited) {
        auto e = i ? result.failure() : r.failure();
        return Answer<int>::failed(e.value_or(
            Error(ErrorKind::SpawnFailed, r.program, "the stage did not exit by itself")));
    }
    return Answer<int>::ok(r.outcome.value);
}

Pipeline probe_pipeline(const Pipeline& pipeline) {
    Pipeline p;
    for (std::size_t i = 0; i < pipeline.size(); ++i) {
        Pipeline::Stage stage = pipeline.stages()[i];
        if (i + 1 == pipeline.size()) {
            stage.command.ok_codes({0, 1});
        }
        if (stage.checked) {
            p.add(std::move(stage.command));
        } else {
            p.add_unchecked(std::move(stage.command));
        }
    }
    if (pipeline.timeout()) {
        p.timeout(*pipeline.timeout());
    }
    return p.grace(pipeline.grace()).timeout_signal(pipeline.timeout_signal());
}

Answer<bool> probe_answer(const PipelineResult& result) {
    if (auto e = result.failure()) {
        return Answer<bool>::failed(std::move(*e));
    }
    if (result.stages.empty()) {
        return Answer<bool>::failed(
            Error(ErrorKind::InvalidArgument, {}, "a pipeline needs at least one stage"));
    }
    // An unchecked last stage may still have ended otherwise: the single
    // command's rule then names what it did.
    return probe_answer(result.stages.back().result);
}

} // namespace processkit
