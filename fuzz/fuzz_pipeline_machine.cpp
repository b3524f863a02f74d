// Drives the pipeline machine with fuzzer-chosen inputs, as a reactor would
// (time only moves forward, a passed deadline is ticked first, stage events
// only for stages that can produce them, CollectExits answered at once), and
// checks its invariants after every step:
//   - exactly one Finished, and no action after it; liveness: once every
//     started stage finished (and no collection is pending), it is there;
//   - stages spawn once each, in order, and none after the teardown began;
//   - blame only on a stage that really failed: it failed to spawn, or it is
//     checked, its status was not accepted, it is not a SIGPIPE victim before
//     the last stage, and it had exited before the teardown began; none on a
//     timeout or cancel;
//   - at most one signal; no kill before the signal plus the grace unless
//     the kill is immediate (spawn failure, zero grace, a cancel during a
//     teardown);
//   - Abandon finishes at once;
//   - no deadline in the past.
#include "processkit/core/pipeline_machine.hpp"

#include <cstdio>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>

using namespace processkit;
using std::chrono::milliseconds;

namespace {

constexpr int pipe_signal = 13;

void check(bool ok, const char* what) {
    if (!ok) {
        std::fprintf(stderr, "invariant violated: %s\n", what);
        std::abort();
    }
}

enum class StageState : std::uint8_t { NotSpawned, Running, Exited, Finished, SpawnFailed };

struct World {
    Pipeline pipeline;
    TimePoint now = TimePoint{} + std::chrono::hours(1);
    std::vector<StageState> stages;
    std::vector<bool> exit_reported;
    std::vector<bool> exited_before_teardown;
    std::vector<ProcessResult> fed;
    std::vector<bool> finished_in_teardown; ///< its end came after the collection
    std::optional<std::size_t> spawn_pending;
    std::size_t next_spawn = 0;
    bool collect_pending = false;
    bool teardown_began = false;
    bool spawn_failed = false;
    int cancels = 0;
    bool abandoned = false;
    bool escalated = false; ///< a cancel came while a teardown ran: kill at once
    int signals = 0;
    std::optional<TimePoint> signalled_at;
    int finished = 0;
    std::optional<PipelineResult> result;
};

bool running(const World& w, std::size_t i) {
    return w.stages[i] == StageState::Running || w.stages[i] == StageState::Exited;
}

void check_result(const World& w, const PipelineResult& r) {
    check(r.stages.size() == w.stages.size(), "a result per stage");
    if (r.stopped_by == PipelineStop::TimedOut || r.stopped_by == PipelineStop::Cancelled) {
        check(!r.failed_stage(), "blame on a timeout or cancel");
    }
    const auto blamed = r.failed_stage();
    if (!blamed) {
        return;
    }
    const std::size_t i = *blamed;
    if (w.stages[i] == StageState::SpawnFailed) {
        return;
    }
    check(w.stages[i] == StageState::Finished, "blame on a stage that did not end");
    check(w.pipeline.stages()[i].checked, "blame on an unchecked stage");
    const ProcessResult& fed = w.fed[i];
    check(!fed.success(), "blame on a stage whose status was accepted");
    const bool sigpipe =
        fed.outcome.kind == Outcome::Kind::Signalled && fed.outcome.value == pipe_signal;
    check(!sigpipe || i + 1 == w.stages.size(), "blame on a SIGPIPE victim");
    check(!w.finished_in_teardown[i] || w.exited_before_teardown[i],
          "blame on a stage that ended in the teardown");
}

void drain(PipelineMachine& m, World& w, bool after_tick) {
    while (auto a = m.poll_action()) {
        check(w.finished == 0, "action after Finished");
        if (auto* s = std::get_if<pipeline_action::SpawnStage>(&*a)) {
            check(!w.spawn_pending, "two spawns at once");
            check(s->stage == w.next_spawn, "spawns out of order");
            check(!w.teardown_began, "a spawn after the teardown began");
            w.spawn_pending = s->stage;
            ++w.next_spawn;
        } else if (std::holds_alternative<pipeline_action::CollectExits>(*a)) {
            check(!w.collect_pending, "two collections at once");
            w.collect_pending = true;
            w.teardown_began = true;
        } else if (std::holds_alternative<pipeline_action::SignalAll>(*a)) {
            ++w.signals;
            check(w.signals == 1, "more than one signal");
            w.signalled_at = w.now;
        } else if (std::holds_alternative<pipeline_action::KillAll>(*a)) {
            const bool after_grace =
                w.signalled_at && w.now >= *w.signalled_at + w.pipeline.grace();
            const bool immediate = w.spawn_failed || w.pipeline.grace() <= Duration::zero() ||
                                   w.escalated || w.abandoned;
            check(after_grace || immediate, "kill before signal + grace");
        } else if (auto* f = std::get_if<pipeline_action::Finished>(&*a)) {
            ++w.finished;
            check_result(w, f->result);
            check(f->result.duration >= Duration::zero(), "negative duration");
        }
    }
    if (auto d = m.next_deadline()) {
        check(*d >= w.now, "deadline in the past");
        check(!after_tick || *d > w.now, "deadline not after now after a tick");
    }
}

void feed(PipelineMachine& m, World& w, const PipelineInput& in) {
    m.handle(w.now, in);
    drain(m, w, std::holds_alternative<pipeline_input::Tick>(in));
}

// The reactor answers CollectExits: it may first report exits it had seen but
// not dispatched; what had exited by then is what the signal cannot blame on.
void collect_exits(PipelineMachine& m, World& w, FuzzedDataProvider& in) {
    for (std::size_t i = 0; i < w.stages.size(); ++i) {
        if (w.stages[i] == StageState::Exited && !w.exit_reported[i] && in.ConsumeBool()) {
            w.exit_reported[i] = true;
            feed(m, w, pipeline_input::StageExited{i});
        }
    }
    w.collect_pending = false;
    for (std::size_t i = 0; i < w.stages.size(); ++i) {
        w.exited_before_teardown[i] = w.stages[i] == StageState::Exited && w.exit_reported[i];
    }
    feed(m, w, pipeline_input::ExitsCollected{});
}

ProcessResult pick_result(FuzzedDataProvider& in, const Command& c) {
    ProcessResult r;
    r.program = c.program();
    r.ok_codes = c.ok_codes();
    if (in.ConsumeBool()) {
        const int code = in.ConsumeIntegralInRange<int>(0, 3);
        r.status = ExitStatus::exited(code);
        r.outcome = Outcome::exited(code);
    } else {
        const int sig = in.PickValueInArray({9, 13, 15, 2});
        r.status = ExitStatus::signalled(sig);
        r.outcome = Outcome::signalled(sig);
    }
    return r;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    World w;
    const std::size_t n = in.ConsumeIntegralInRange<std::size_t>(1, 4);
    for (std::size_t i = 0; i < n; ++i) {
        Command c("stage" + std::to_string(i));
        if (in.ConsumeBool()) {
            c.ok_codes({0, 1});
        }
        if (i == 0) {
            w.pipeline = Pipeline(c);
        } else {
            w.pipeline.add(c);
        }
        if (in.ConsumeIntegralInRange<int>(0, 3) == 0) {
            w.pipeline.checked(i, false);
        }
    }
    if (in.ConsumeBool()) {
        w.pipeline.timeout(milliseconds(in.ConsumeIntegralInRange<int>(0, 3000)));
    }
    w.pipeline.grace(milliseconds(in.ConsumeIntegralInRange<int>(0, 2000)));
    w.stages.assign(n, StageState::NotSpawned);
    w.exit_reported.assign(n, false);
    w.exited_before_teardown.assign(n, false);
    w.fed.resize(n);
    w.finished_in_teardown.assign(n, false);

    PipelineMachine m(w.pipeline, pipe_signal);
    if (in.ConsumeIntegralInRange<int>(0, 15) == 0) {
        ++w.cancels;
        feed(m, w, pipeline_input::Cancel{}); // before the start
    } else {
        feed(m, w, pipeline_input::Start{});
    }
    for (int steps = 0; steps < 200 && w.finished == 0; ++steps) {
        if (w.spawn_pending) { // the reactor answers a spawn at once
            const std::size_t i = *w.spawn_pending;
            w.spawn_pending.reset();
            if (in.ConsumeIntegralInRange<int>(0, 7) == 0) {
                w.stages[i] = StageState::SpawnFailed;
                w.spawn_failed = true;
                ProcessResult r;
                r.program = w.pipeline.stages()[i].command.program();
                r.outcome = Outcome::spawn_failed();
                r.error = Error(ErrorKind::NotFound, r.program, "fuzzed");
                feed(m, w, pipeline_input::StageSpawnFailed{i, r});
            } else {
                w.stages[i] = StageState::Running;
                feed(m, w, pipeline_input::StageSpawned{i});
            }
            continue;
        }
        if (w.collect_pending) { // and a collection too
            collect_exits(m, w, in);
            continue;
        }
        if (in.remaining_bytes() == 0) {
            break;
        }
        std::vector<std::size_t> live;
        for (std::size_t i = 0; i < n; ++i) {
            if (running(w, i)) {
                live.push_back(i);
            }
        }
        switch (in.ConsumeIntegralInRange<int>(0, 5)) {
        case 0: { // time passes
            w.now += milliseconds(in.ConsumeIntegralInRange<int>(0, 1500));
            if (auto d = m.next_deadline(); d && *d <= w.now) {
                feed(m, w, pipeline_input::Tick{});
            }
            break;
        }
        case 1: // a stage's child exits (its end is not dispatched yet)
            if (!live.empty()) {
                const std::size_t i =
                    live[in.ConsumeIntegralInRange<std::size_t>(0, live.size() - 1)];
                if (w.stages[i] == StageState::Running) {
                    w.stages[i] = StageState::Exited;
                    if (in.ConsumeBool()) {
                        w.exit_reported[i] = true;
                        feed(m, w, pipeline_input::StageExited{i});
                    }
                }
            }
            break;
        case 2:
        case 3: // a stage's run ends
            if (!live.empty()) {
                const std::size_t i =
                    live[in.ConsumeIntegralInRange<std::size_t>(0, live.size() - 1)];
                w.fed[i] = pick_result(in, w.pipeline.stages()[i].command);
                w.stages[i] = StageState::Finished;
                w.finished_in_teardown[i] = w.teardown_began && !w.collect_pending;
                feed(m, w, pipeline_input::StageFinished{i, w.fed[i]});
            }
            break;
        case 5: // the owner lets go: finished at once
            if (in.ConsumeIntegralInRange<int>(0, 3) == 0) {
                w.abandoned = true;
                feed(m, w, pipeline_input::Abandon{});
                check(w.finished == 1, "no Finished right after Abandon");
            }
            break;
        case 4:
            ++w.cancels;
            w.escalated = w.escalated || m.tearing_down(); // a cancel during a teardown
            feed(m, w, pipeline_input::Cancel{});
            break;
        }
    }
    // Liveness: the world ends every started stage; then the pipeline ends.
    for (int round = 0; round < 16 && w.finished == 0; ++round) {
        if (w.spawn_pending) {
            const std::size_t i = *w.spawn_pending;
            w.spawn_pending.reset();
            w.stages[i] = StageState::Running;
            feed(m, w, pipeline_input::StageSpawned{i});
        }
        if (w.collect_pending) {
            collect_exits(m, w, in);
        }
        for (std::size_t i = 0; i < n; ++i) {
            if (running(w, i)) {
                w.fed[i] = pick_result(in, w.pipeline.stages()[i].command);
                w.stages[i] = StageState::Finished;
                w.finished_in_teardown[i] = w.teardown_began && !w.collect_pending;
                feed(m, w, pipeline_input::StageFinished{i, w.fed[i]});
            }
        }
        if (w.collect_pending) {
            collect_exits(m, w, in);
        }
    }
    check(w.finished == 1, "no Finished once every stage ended");
    return 0;
}
