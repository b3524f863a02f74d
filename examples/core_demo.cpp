// core_demo: the sans-IO core on its own. No process is started: the demo
// plays the part of the OS and of the clock, feeds the run machine what a
// child that ignores SIGTERM would produce, and prints every action the core
// asks for. It is the project's main job until the `pk` CLI lands.
#include "processkit/core/run_machine.hpp"

#include <iostream>
#include <string>

using namespace processkit;
using namespace std::chrono_literals;

namespace {

long long ms_since(TimePoint t0, TimePoint t) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(t - t0).count();
}

struct Printer {
    TimePoint t0;
    TimePoint now;
    bool sample_requested = false;

    void operator()(const action::Spawn&) const { say("spawn the child"); }
    void operator()(const action::WriteStdin& w) const {
        say("write " + std::to_string(w.bytes.size()) + " bytes to stdin");
    }
    void operator()(const action::CloseStdin&) const { say("close stdin"); }
    void operator()(const action::SendSignal& s) const {
        say("send SIG" + s.signal.to_string() +
            (s.target == Target::Tree ? " to the tree" : " to the child"));
    }
    void operator()(const action::Kill& k) const {
        say(k.target == Target::Tree ? "kill the tree" : "kill the child");
    }
    void operator()(const action::SampleStats&) {
        say("sample the group's stats");
        sample_requested = true;
    }
    void operator()(const action::Tee& t) const {
        say("tee " + std::to_string(t.bytes.size()) + " bytes");
    }
    void operator()(const action::DeliverLine& l) const {
        say(std::string(to_string(l.stream)) + " line: " + l.text);
    }
    void operator()(const action::DeliverStats& s) const {
        say("stats: " + std::to_string(s.stats.active_process_count) + " processes");
    }
    void operator()(const action::Finished& f) const {
        const auto& r = f.result;
        say("finished: " + r.outcome.to_string() + ", " +
            std::to_string(r.stdout_counters.total_lines) + " stdout lines, duration " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::milliseconds>(r.duration).count()) +
            " ms");
        if (auto e = r.failure()) {
            say("ensure_success() would throw: " + std::string(e->what()));
        }
    }
    void say(const std::string& s) const {
        std::cout << "  t=" << ms_since(t0, now) << "ms  " << s << '\n';
    }
};

} // namespace

int main() {
    Command cmd("stubborn-server");
    cmd.arg("--port").arg("8080").timeout(1s).grace(500ms).on_stdout_line([](std::string_view) {});
    std::cout << "run: " << cmd.command_line() << "  (timeout 1 s, grace 500 ms)\n";

    RunMachine machine(cmd, RunOptions{true, {}, 400ms});
    const TimePoint t0 = TimePoint{} + 1h;
    Printer print{t0, t0};
    auto feed = [&](TimePoint at, Input in) {
        print.now = at;
        machine.handle(at, std::move(in));
        while (auto a = machine.poll_action()) {
            std::visit(print, *a);
        }
    };

    feed(t0, input::Start{});
    feed(t0, input::Spawned{});
    auto answer_sample = [&](TimePoint at, ProcessGroupStats stats) {
        if (print.sample_requested) {
            print.sample_requested = false;
            feed(at, input::StatsSampled{stats});
        }
    };
    answer_sample(t0 + 1ms, {1, 0ms, std::nullopt, 1u << 20});
    feed(t0 + 100ms, input::Output{Stream::Stdout, "listening on 8080\nready"});
    // The clock jumps from deadline to deadline, as a reactor's timer would.
    while (!machine.exited()) {
        const auto at = *machine.next_deadline();
        feed(at, input::Tick{});
        if (machine.finished()) {
            break;
        }
        // The child ignores TERM; only the kill ends it.
        answer_sample(at + 1ms, {2, 120ms, std::nullopt, 3u << 20});
        if (at - t0 >= 1500ms) {
            feed(at + 2ms, input::Exited{ExitStatus::signalled(9), 130ms, 3u << 20});
        }
    }
    // The kill closed the pipes: the pending "ready" line is flushed at EOF.
    const auto eof_at = print.now + 1ms;
    feed(eof_at, input::OutputClosed{Stream::Stdout});
    feed(eof_at, input::OutputClosed{Stream::Stderr});
    return machine.finished() ? 0 : 1;
}
