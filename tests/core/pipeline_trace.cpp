#include "pipeline_trace.hpp"

#include "processkit/core/pipeline_machine.hpp"
#include "trace_format.hpp"

#include <sstream>
#include <stdexcept>

namespace processkit::testing {
namespace {

using std::chrono::milliseconds;

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string piece;
    std::istringstream in(s);
    while (std::getline(in, piece, sep)) {
        out.push_back(piece);
    }
    return out;
}

/// "config stages=a,b unchecked=0 ok1=0,1 timeout=1000 grace=500 signal=TERM"
Pipeline pipeline_of(const std::vector<std::string>& w) {
    Pipeline p;
    const auto programs = split(value_of(w, "stages"), ',');
    for (std::size_t i = 0; i < programs.size(); ++i) {
        Command c(programs[i]);
        if (auto v = value_of(w, "ok" + std::to_string(i)); !v.empty()) {
            std::vector<int> codes;
            for (const auto& code : split(v, ',')) {
                codes.push_back(static_cast<int>(number(code)));
            }
            c.ok_codes(codes);
        }
        if (i == 0) {
            p = Pipeline(c);
        } else {
            p.add(c);
        }
    }
    if (auto v = value_of(w, "unchecked"); !v.empty()) {
        for (const auto& i : split(v, ',')) {
            p.checked(static_cast<std::size_t>(number(i)), false);
        }
    }
    if (auto v = value_of(w, "timeout"); !v.empty()) {
        p.timeout(milliseconds(number(v)));
    }
    if (auto v = value_of(w, "grace"); !v.empty()) {
        p.grace(milliseconds(number(v)));
    }
    if (auto v = value_of(w, "signal"); !v.empty()) {
        p.timeout_signal(*Signal::parse(v));
    }
    return p;
}

ProcessResult stage_result(const Pipeline& p, std::size_t stage, const std::vector<std::string>& w,
                           std::size_t at) {
    ProcessResult r;
    r.program = p.stages()[stage].command.program();
    r.ok_codes = p.stages()[stage].command.ok_codes();
    const std::string& how = w.at(at);
    const int value = static_cast<int>(number(w.at(at + 1)));
    if (how == "exit") {
        r.status = ExitStatus::exited(value);
        r.outcome = Outcome::exited(value);
    } else if (how == "signal") {
        r.status = ExitStatus::signalled(value);
        r.outcome = Outcome::signalled(value);
    } else {
        throw std::runtime_error("pipeline trace: exit or signal expected, not " + how);
    }
    return r;
}

PipelineInput parse(const Pipeline& p, const std::vector<std::string>& w) {
    const std::string& verb = w.at(0);
    auto stage = [&] { return static_cast<std::size_t>(number(w.at(1))); };
    if (verb == "start") {
        return pipeline_input::Start{};
    }
    if (verb == "spawned") {
        return pipeline_input::StageSpawned{stage()};
    }
    if (verb == "spawn-failed") {
        ProcessResult r;
        r.program = p.stages()[stage()].command.program();
        r.outcome = Outcome::spawn_failed();
        r.error = Error(ErrorKind::NotFound, r.program, "no such program");
        return pipeline_input::StageSpawnFailed{stage(), r};
    }
    if (verb == "exited") {
        return pipeline_input::StageExited{stage()};
    }
    if (verb == "collected") {
        return pipeline_input::ExitsCollected{};
    }
    if (verb == "finished") {
        return pipeline_input::StageFinished{stage(), stage_result(p, stage(), w, 2)};
    }
    if (verb == "cancel") {
        return pipeline_input::Cancel{};
    }
    if (verb == "tick") {
        return pipeline_input::Tick{};
    }
    if (verb == "abandon") {
        return pipeline_input::Abandon{};
    }
    throw std::runtime_error("pipeline trace: unknown input " + verb);
}

std::string_view stop_name(PipelineStop s) {
    switch (s) {
    case PipelineStop::None:
        return "none";
    case PipelineStop::StageFailed:
        return "stage_failed";
    case PipelineStop::TimedOut:
        return "timed_out";
    case PipelineStop::Cancelled:
        return "cancelled";
    }
    return "?";
}

std::string describe(const PipelineAction& a) {
    struct Visitor {
        std::string operator()(const pipeline_action::SpawnStage& s) const {
            return "spawn " + std::to_string(s.stage);
        }
        std::string operator()(const pipeline_action::CollectExits&) const {
            return "collect-exits";
        }
        std::string operator()(const pipeline_action::SignalAll& s) const {
            return "signal all " + s.signal.to_string();
        }
        std::string operator()(const pipeline_action::KillAll&) const { return "kill all"; }
        std::string operator()(const pipeline_action::Finished& f) const {
            const PipelineResult& r = f.result;
            std::string d = "finished stopped_by=" + std::string(stop_name(r.stopped_by));
            const auto blamed = r.failed_stage();
            d += " blame=" + (blamed ? std::to_string(*blamed) : std::string("-"));
            d += " outcome=" + quote(r.outcome().to_string());
            d += " duration=" +
                 std::to_string(std::chrono::duration_cast<milliseconds>(r.duration).count()) +
                 "ms";
            for (std::size_t i = 0; i < r.stages.size(); ++i) {
                const StageResult& s = r.stages[i];
                d += " s" + std::to_string(i) + "=";
                if (!s.started) {
                    d += s.result.error ? "spawn-failed" : "not-started";
                    continue;
                }
                d += s.result.status ? s.result.status->to_string() : s.result.outcome.to_string();
                d += s.ended_in_teardown ? ",teardown" : "";
                d += s.checked ? "" : ",unchecked";
            }
            return d;
        }
    };
    return std::visit(Visitor{}, a);
}

} // namespace

std::string run_pipeline_trace(std::string_view script) {
    const auto epoch = TimePoint{} + std::chrono::hours(1);
    Pipeline pipeline;
    std::optional<PipelineMachine> machine;
    std::string out;
    std::istringstream in{std::string(script)};
    for (std::string line; std::getline(in, line);) {
        if (line.empty() || line[0] != '@') {
            if (line.rfind("config", 0) == 0) {
                const auto w = words(line);
                pipeline = pipeline_of(w);
                out += line + '\n';
            }
            continue;
        }
        if (!machine) {
            machine.emplace(pipeline, 13);
        }
        auto w = words(line);
        TimePoint now;
        if (w[0] == "@next") {
            auto d = machine->next_deadline();
            if (!d) {
                throw std::runtime_error("pipeline trace: @next with no deadline armed");
            }
            now = *d;
        } else {
            now = epoch + milliseconds(number(w[0].substr(1)));
        }
        w.erase(w.begin());
        machine->handle(now, parse(pipeline, w));
        out += line + '\n';
        while (auto a = machine->poll_action()) {
            out += "  -> " + describe(*a) + '\n';
        }
        auto d = machine->next_deadline();
        out += "  deadline " +
               (d ? std::to_string(std::chrono::duration_cast<milliseconds>(*d - epoch).count())
                  : std::string("none")) +
               '\n';
    }
    return out;
}

} // namespace processkit::testing
