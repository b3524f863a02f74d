#pragma once
// ScriptedRun: one scripted child driven through the core's RunMachine, the
// way RunDriver drives a real one — the script plays the OS side (output,
// exit, death on a signal) and this class applies the machine's actions.
//
// Time: a virtual clock, the real steady clock plus a skew. Delays between
// chunks are waited in real time; a timeout reply or Reply::taking() moves the
// skew forward instead of waiting.
//
// Thread-safety: none; one thread at a time.

#include "processkit/core/run_machine.hpp"
#include "processkit/driver/run_driver.hpp"
#include "processkit/testing/reply.hpp"

#include <deque>
#include <functional>
#include <optional>
#include <string>

namespace processkit::scripted {

class ScriptedRun {
public:
    ScriptedRun(Command command, Reply reply, bool queue_stdout_lines, bool queue_events);

    void start();
    bool finished() const { return result_.has_value(); }
    const std::optional<ProcessResult>& result() const { return result_; }
    /// Plays the script until `done()` or the real time `until`; returns done().
    /// Throws Error if it would wait forever (a hanging script, no timeout).
    bool run_until(const std::function<bool()>& done, std::optional<TimePoint> until = {});
    void kill();
    void terminate();

    std::deque<std::string>& stdout_lines() { return stdout_lines_; }
    std::deque<driver::OutputEvent>& events() { return events_; }

private:
    /// Virtual now: frozen at a jump target until the script next waits, so a
    /// jump gives exact durations.
    TimePoint now() const { return frozen_ ? *frozen_ : Clock::now() + skew_; }
    void advance_to(TimePoint virtual_time);
    void advance_through(TimePoint virtual_time);
    void feed(Input in);
    void apply(Action& a);
    void play_due_chunks();
    void play_end();
    void child_ends(ExitStatus status);
    std::optional<TimePoint> next_wakeup() const;

    Command command_;
    Reply reply_;
    bool queue_stdout_lines_;
    bool queue_events_;
    RunMachine machine_;
    Duration skew_{0};
    std::optional<TimePoint> frozen_;
    bool child_alive_ = false;
    std::size_t next_chunk_ = 0;
    bool end_played_ = false;
    TimePoint next_chunk_at_{};
    TimePoint spawned_at_{};
    driver::HandlerFailures handler_failed_{};
    std::deque<Input> inputs_;
    bool feeding_ = false;
    std::optional<ProcessResult> result_;
    std::deque<std::string> stdout_lines_;
    std::deque<driver::OutputEvent> events_;
};

} // namespace processkit::scripted
