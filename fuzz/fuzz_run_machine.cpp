// Drives the run machine with fuzzer-chosen inputs, as a reactor would (time
// only moves forward, a passed deadline is ticked before anything else, OS
// events only where the OS could produce them), and checks its invariants
// after every step:
//   - at most one Finished, and no action after it;
//   - buffered bytes within the line cap and the buffer policy's limit;
//   - no deadline in the past (and none at or before now after a Tick);
//   - a kill only after a signal plus the grace, or when the policy is an
//     immediate kill (zero grace, a caller's Kill), or once the child exited;
//   - no signal after the child exited; liveness: the run finishes once the
//     world has exited and closed its pipes, or at the drain deadline;
//   - a shadow machine fed the same inputs with RunOptions::batch_lines the
//     other way delivers the same lines and finishes with the same output
//     and counters (batches, and the buffer's deferred lines, change nothing).
#include "processkit/core/capture_store.hpp"
#include "processkit/core/run_machine.hpp"
#include "processkit/core/utf8.hpp"

#include <cstdio>
#include <cstdlib>
#include <fuzzer/FuzzedDataProvider.h>
#include <memory>
#include <string>
#include <vector>

using namespace processkit;
using std::chrono::milliseconds;

namespace {

[[noreturn]] void fail(const char* what) {
    std::fprintf(stderr, "invariant violated: %s\n", what);
    std::abort();
}

void check(bool ok, const char* what) {
    if (!ok) {
        fail(what);
    }
}

BufferPolicy pick_policy(FuzzedDataProvider& in) {
    using Mode = BufferPolicy::Mode;
    const auto mode =
        in.PickValueInArray({Mode::Unbounded, Mode::KeepOldest, Mode::KeepNewest, Mode::Fail});
    return BufferPolicy{mode, in.ConsumeIntegralInRange<std::size_t>(0, 64),
                        in.ConsumeIntegralInRange<std::size_t>(0, 8)};
}

struct World {
    Command command{"fuzzed"};
    RunOptions options;
    TimePoint now = TimePoint{} + std::chrono::hours(1);
    bool spawn_requested = false;
    bool spawned = false;
    bool exited = false;
    bool stream_open[2] = {false, false};
    bool sample_in_flight = false;
    bool write_pending = false;
    bool user_kill = false;
    bool stop_requested = false; // Cancel or Terminate fed
    std::optional<TimePoint> signalled_at;
    int finished = 0;
    unsigned long lines_delivered = 0;
    // Every delivered line, per stream, and the result: the machine's and
    // its shadow's (batch_lines the other way).
    std::vector<std::string> lines[2];
    std::vector<std::string> shadow_lines[2];
    std::optional<ProcessResult> result;
    std::optional<ProcessResult> shadow_result;
    RunMachine* shadow = nullptr;
};

/// Appends the lines of a DeliverLine to `out`, checking each: one whole
/// decoded line, or with batch_lines several, each ended by '\n'.
void collect_lines(const action::DeliverLine& l, bool batched, const World& w,
                   std::vector<std::string>* out) {
    const auto check_line = [&](std::string_view line) {
        // Recycled storage must never leak an older line's bytes: each line
        // is whole and decoded.
        check(line.find_first_of("\r\n") == std::string_view::npos, "terminator in a line");
        check(w.command.encoding() != Encoding::Utf8 || is_valid_utf8(line),
              "line text not valid UTF-8");
        out[static_cast<std::size_t>(l.stream)].emplace_back(line);
        return true;
    };
    if (!batched) {
        check_line(l.text);
        return;
    }
    check(!l.text.empty() && l.text.back() == '\n', "a batch not ended by '\\n'");
    const std::size_t before = out[static_cast<std::size_t>(l.stream)].size();
    for_each_batched_line(l.text, check_line);
    check(!l.cut || out[static_cast<std::size_t>(l.stream)].size() == before + 1,
          "a cut line not delivered alone");
}

void drain_shadow(World& w) {
    while (auto* a = w.shadow->next_action()) {
        if (auto* l = std::get_if<action::DeliverLine>(a)) {
            collect_lines(*l, !w.options.batch_lines, w, w.shadow_lines);
            w.shadow->recycle_line_text(std::move(l->text));
        } else if (auto* f = std::get_if<action::Finished>(a)) {
            w.shadow_result = f->result;
        }
    }
}

bool timeout_due(const RunMachine& m, const World& w) {
    return w.command.timeout() && m.spawned_at() && w.now >= *m.spawned_at() + *w.command.timeout();
}

void drain_actions(RunMachine& m, World& w, bool after_tick) {
    while (auto a = m.poll_action()) {
        check(w.finished == 0, "action after Finished");
        if (std::holds_alternative<action::Finished>(*a)) {
            ++w.finished;
            const auto& r = std::get<action::Finished>(*a).result;
            w.result = r;
            check(!(r.timed_out && r.cancelled), "both timed out and cancelled");
            check(r.duration >= Duration::zero(), "negative duration");
        } else if (std::holds_alternative<action::Spawn>(*a)) {
            check(!w.spawn_requested, "two spawns");
            w.spawn_requested = true;
        } else if (auto* l = std::get_if<action::DeliverLine>(&*a)) {
            collect_lines(*l, w.options.batch_lines, w, w.lines);
            if (++w.lines_delivered % 2 == 0) { // recycled storage: every other one
                m.recycle_line_text(std::move(l->text));
            }
        } else if (std::holds_alternative<action::SampleStats>(*a)) {
            check(!w.sample_in_flight, "overlapping samples");
            w.sample_in_flight = true;
        } else if (std::holds_alternative<action::WriteStdin>(*a)) {
            w.write_pending = true;
        } else if (std::holds_alternative<action::CloseStdin>(*a)) {
            w.write_pending = false; // the reactor drops whatever is still queued
        } else if (std::holds_alternative<action::SendSignal>(*a)) {
            check(w.spawned && !w.exited, "signal without a live child");
            w.signalled_at = w.now;
        } else if (std::holds_alternative<action::Kill>(*a)) {
            check(w.spawned, "kill before spawn");
            const bool after_grace = w.signalled_at && w.now >= *w.signalled_at + w.command.grace();
            const bool stopping = w.stop_requested || timeout_due(m, w);
            const bool immediate =
                w.user_kill || (w.command.grace() <= Duration::zero() && stopping);
            check(w.exited || after_grace || immediate, "kill before terminate + grace");
        }
    }
    if (auto d = m.next_deadline()) {
        check(*d >= w.now, "deadline in the past");
        check(!after_tick || *d > w.now, "deadline not after now after a tick");
    }
    for (Stream s : {Stream::Stdout, Stream::Stderr}) {
        const auto& p = w.command.policy(s);
        std::size_t cap = w.command.max_line_bytes();
        if (p.bounded() && p.max_bytes != 0) {
            cap += p.max_bytes;
        }
        if (!p.bounded() || p.max_bytes == 0) {
            continue; // unbounded storage: nothing to check but the line cap
        }
        check(m.buffered_bytes(s) <= cap, "buffered bytes beyond the cap");
    }
}

void feed(RunMachine& m, World& w, const Input& in) {
    const bool is_tick = std::holds_alternative<input::Tick>(in);
    if (std::getenv("PK_FUZZ_TRACE")) {
        std::fprintf(
            stderr, "t=%lld input#%zu deadline=%lld\n",
            static_cast<long long>(w.now.time_since_epoch().count() / 1000000), in.index(),
            static_cast<long long>(
                m.next_deadline() ? m.next_deadline()->time_since_epoch().count() / 1000000 : -1));
    }
    m.handle(w.now, in);
    drain_actions(m, w, is_tick);
    if (w.shadow != nullptr) {
        w.shadow->handle(w.now, in);
        drain_shadow(w);
    }
}

void advance(RunMachine& m, World& w, Duration by) {
    w.now += by;
    if (auto d = m.next_deadline(); d && *d <= w.now) {
        feed(m, w, input::Tick{}); // a late reactor ticks first
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider in(data, size);
    World w;
    if (in.ConsumeBool()) {
        w.command.timeout(milliseconds(in.ConsumeIntegralInRange<int>(0, 5000)));
    }
    w.command.grace(milliseconds(in.ConsumeIntegralInRange<int>(0, 3000)));
    w.command.drain_timeout(milliseconds(in.ConsumeIntegralInRange<int>(0, 2000)));
    w.command.max_line_bytes(in.ConsumeIntegralInRange<std::size_t>(1, 64));
    w.command.stdout_policy(pick_policy(in));
    w.command.stderr_policy(pick_policy(in));
    switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0:
        break;
    case 1:
        w.command.stdin_bytes(in.ConsumeRandomLengthString(16));
        break;
    default:
        w.command.stdin_interactive();
        break;
    }
    for (Stream s : {Stream::Stdout, Stream::Stderr}) {
        const auto mode =
            in.PickValueInArray({StdioMode::Capture, StdioMode::Tee, StdioMode::Discard});
        if (mode == StdioMode::Tee) {
            (s == Stream::Stdout ? w.command.stdout_tee([](std::string_view) {})
                                 : w.command.stderr_tee([](std::string_view) {}));
        } else {
            (s == Stream::Stdout ? w.command.stdout_mode(mode) : w.command.stderr_mode(mode));
        }
        w.options.deliver_lines[static_cast<std::size_t>(s)] = in.ConsumeBool();
    }
    w.options.owns_group = in.ConsumeBool();
    if (in.ConsumeBool()) {
        w.options.sample_every = milliseconds(in.ConsumeIntegralInRange<int>(0, 500));
    }
    if (in.ConsumeBool()) { // unbounded captures kept raw in a store (raw capture)
        w.options.capture_store = [] { return std::make_unique<StringCaptureStore>(); };
    }

    w.options.batch_lines = in.ConsumeBool();
    RunMachine m(w.command, w.options);
    RunOptions shadow_options = w.options;
    shadow_options.batch_lines = !w.options.batch_lines;
    RunMachine shadow(w.command, shadow_options);
    w.shadow = &shadow;
    for (int step = 0; step < 200 && in.remaining_bytes() > 0 && w.finished == 0; ++step) {
        if (in.ConsumeBool()) {
            advance(m, w, milliseconds(in.ConsumeIntegralInRange<int>(0, 1500)));
        }
        const int choice = in.ConsumeIntegralInRange(0, 15);
        if (!w.spawn_requested && m.phase() == RunMachine::Phase::Idle && choice < 12) {
            feed(m, w, input::Start{});
            continue;
        }
        if (w.spawn_requested && !w.spawned && choice < 10) {
            if (in.ConsumeIntegralInRange(0, 7) == 0) {
                feed(m, w,
                     input::SpawnFailed{Error(ErrorKind::NotFound, "fuzzed", "no such file")});
            } else {
                w.spawned = true;
                for (Stream s : {Stream::Stdout, Stream::Stderr}) {
                    const auto mode = w.command.mode(s);
                    w.stream_open[static_cast<std::size_t>(s)] =
                        mode == StdioMode::Capture || mode == StdioMode::Tee;
                }
                feed(m, w, input::Spawned{});
            }
            continue;
        }
        const Stream s = in.ConsumeBool() ? Stream::Stdout : Stream::Stderr;
        const auto si = static_cast<std::size_t>(s);
        switch (choice) {
        case 0:
        case 1:
        case 2:
            if (w.spawned && w.stream_open[si]) {
                const std::string bytes = in.ConsumeRandomLengthString(48);
                feed(m, w, input::Output{s, bytes});
            }
            break;
        case 3:
            if (w.spawned && w.stream_open[si]) {
                w.stream_open[si] = false;
                feed(m, w, input::OutputClosed{s});
            }
            break;
        case 4:
            if (w.spawned && !w.exited) {
                w.exited = true;
                const auto status = in.ConsumeBool()
                                        ? ExitStatus::exited(in.ConsumeIntegral<std::uint8_t>())
                                        : ExitStatus::signalled(in.ConsumeIntegralInRange(1, 64));
                feed(m, w, input::Exited{status, std::nullopt, std::nullopt});
            }
            break;
        case 5:
            if (w.exited) {
                feed(m, w, input::GroupEmpty{});
            }
            break;
        case 6:
            if (w.sample_in_flight) {
                w.sample_in_flight = false;
                if (in.ConsumeIntegralInRange(0, 4) == 0) {
                    feed(m, w, input::StatsFailed{});
                } else {
                    feed(m, w,
                         input::StatsSampled{{in.ConsumeIntegralInRange<std::size_t>(0, 9),
                                              milliseconds(in.ConsumeIntegral<std::uint16_t>()),
                                              in.ConsumeIntegral<std::uint32_t>(),
                                              in.ConsumeIntegral<std::uint32_t>()}});
                }
            }
            break;
        case 7:
            feed(m, w, input::Tick{});
            break;
        case 8:
            w.stop_requested = true;
            feed(m, w, input::Cancel{});
            break;
        case 9:
            w.stop_requested = true;
            feed(m, w, input::Terminate{});
            break;
        case 10:
            w.user_kill = true;
            feed(m, w, input::Kill{});
            break;
        case 11:
            feed(m, w, input::WriteStdin{in.ConsumeRandomLengthString(8)});
            break;
        case 12: {
            const bool discard = in.ConsumeBool();
            feed(m, w, input::CloseStdin{discard});
            break;
        }
        case 13:
            if (w.write_pending && w.spawned) {
                w.write_pending = false;
                feed(m, w,
                     in.ConsumeBool() ? Input{input::StdinDrained{}} : Input{input::StdinBroken{}});
            }
            break;
        case 14:
            feed(m, w, input::HandlerFailed{s});
            break;
        default:
            break;
        }
    }

    // Liveness: let the world end the run and require exactly one Finished.
    if (w.finished == 0 && m.phase() != RunMachine::Phase::Idle) {
        if (w.spawn_requested && !w.spawned) {
            w.spawned = true;
            feed(m, w, input::Spawned{});
            for (Stream s : {Stream::Stdout, Stream::Stderr}) {
                const auto mode = w.command.mode(s);
                w.stream_open[static_cast<std::size_t>(s)] =
                    mode == StdioMode::Capture || mode == StdioMode::Tee;
            }
        }
        if (w.finished == 0 && !w.exited) {
            w.exited = true;
            feed(m, w, input::Exited{ExitStatus::exited(0), std::nullopt, std::nullopt});
        }
        if (w.finished == 0 && in.ConsumeBool()) {
            for (std::size_t i = 0; i < 2 && w.finished == 0; ++i) {
                if (w.stream_open[i]) {
                    w.stream_open[i] = false;
                    feed(m, w, input::OutputClosed{static_cast<Stream>(i)});
                }
            }
            check(w.finished == 1, "no Finished after exit and end of output");
        } else if (w.finished == 0) {
            // Nothing closes the pipes: the drain bound must end the run.
            for (int i = 0; i < 8 && w.finished == 0; ++i) {
                if (auto d = m.next_deadline()) {
                    w.now = std::max(w.now, *d);
                }
                if (w.sample_in_flight) {
                    w.sample_in_flight = false;
                    feed(m, w, input::StatsSampled{});
                }
                feed(m, w, input::Tick{});
            }
            check(w.finished == 1, "the drain bound did not end the run");
        }
    }
    check(w.finished <= 1, "more than one Finished");
    for (std::size_t i = 0; i < 2; ++i) {
        check(w.lines[i] == w.shadow_lines[i], "batched lines differ from single ones");
    }
    check(w.result.has_value() == w.shadow_result.has_value(), "only one machine finished");
    if (w.result) {
        check(w.result->stdout_bytes == w.shadow_result->stdout_bytes &&
                  w.result->stderr_bytes == w.shadow_result->stderr_bytes,
              "batching changed the captured bytes");
        check(w.result->stdout_counters == w.shadow_result->stdout_counters &&
                  w.result->stderr_counters == w.shadow_result->stderr_counters,
              "batching changed the counters");
    }
    return 0;
}
