#include "scripted_run.hpp"

#include "processkit/os/signals.hpp"

#include <csignal>
#include <thread>

namespace processkit::scripted {
namespace {

bool is_captured(StdioMode m) {
    return m == StdioMode::Capture || m == StdioMode::Tee;
}

RunOptions run_options(bool queue_stdout_lines, bool queue_events) {
    RunOptions run;
    if (queue_stdout_lines || queue_events) {
        run.deliver_lines[0] = true;
        run.deliver_lines[1] = queue_events ? std::optional<bool>(true) : std::nullopt;
    }
    return run;
}

} // namespace

ScriptedRun::ScriptedRun(Command command, Reply reply, bool queue_stdout_lines, bool queue_events)
    : command_(std::move(command))
    , reply_(std::move(reply))
    , queue_stdout_lines_(queue_stdout_lines)
    , queue_events_(queue_events)
    , machine_(command_, run_options(queue_stdout_lines, queue_events)) {
    if (reply_.end() == Reply::End::TimeOut && !command_.timeout()) {
        throw Error(ErrorKind::InvalidArgument, command_.program(),
                    "a scripted timeout reply needs a Command with a timeout");
    }
}

void ScriptedRun::start() {
    feed(input::Start{});
}

void ScriptedRun::kill() {
    frozen_.reset();
    feed(input::Kill{});
}

void ScriptedRun::terminate() {
    frozen_.reset();
    feed(input::Terminate{Signal::term()});
}

bool ScriptedRun::run_until(const std::function<bool()>& done, std::optional<TimePoint> until) {
    for (;;) {
        frozen_.reset();
        play_due_chunks();
        if (done() || finished()) {
            return done();
        }
        auto wake = next_wakeup();
        if (until && (!wake || *until < *wake)) {
            if (Clock::now() >= *until) {
                return done();
            }
            wake = until;
        }
        if (!wake) {
            throw Error(ErrorKind::InvalidArgument, command_.program(),
                        "the scripted child never finishes and nothing would stop it: give the "
                        "Command a timeout, or kill() the started process");
        }
        std::this_thread::sleep_until(*wake);
    }
}

void ScriptedRun::advance_to(TimePoint virtual_time) {
    if (const auto ahead = virtual_time - now(); ahead > Duration::zero()) {
        skew_ += ahead;
        frozen_ = virtual_time;
    }
}

void ScriptedRun::advance_through(TimePoint virtual_time) {
    // Deadlines on the way (timeout, grace, sampling) fire as they would have.
    for (auto d = machine_.next_deadline(); child_alive_ && d && *d <= virtual_time;
         d = machine_.next_deadline()) {
        advance_to(*d);
        feed(input::Tick{});
    }
    if (child_alive_) {
        advance_to(virtual_time);
    }
}

std::optional<TimePoint> ScriptedRun::next_wakeup() const {
    std::optional<TimePoint> wake = machine_.next_deadline();
    if (child_alive_ && next_chunk_ < reply_.chunks().size() && (!wake || next_chunk_at_ < *wake)) {
        wake = next_chunk_at_;
    }
    if (wake) {
        return *wake - skew_; // real time
    }
    return std::nullopt;
}

void ScriptedRun::play_due_chunks() {
    // Whatever is due happens in time order: a deadline (timeout, grace)
    // before a chunk that was due later.
    const auto& chunks = reply_.chunks();
    for (;;) {
        const bool chunk_due =
            child_alive_ && next_chunk_ < chunks.size() && next_chunk_at_ <= now();
        const auto deadline = machine_.next_deadline();
        if (deadline && *deadline <= now() && (!chunk_due || *deadline <= next_chunk_at_)) {
            feed(input::Tick{});
            if (machine_.next_deadline() == deadline) {
                break; // nothing moved: wait for the next event
            }
            continue;
        }
        if (!chunk_due) {
            break;
        }
        const auto& chunk = chunks[next_chunk_];
        ++next_chunk_;
        if (next_chunk_ < chunks.size()) {
            next_chunk_at_ += chunks[next_chunk_].delay;
        }
        // A stream that is not captured (inherited, discarded) is not read.
        if (is_captured(command_.mode(chunk.stream)) && !chunk.bytes.empty()) {
            feed(input::Output{chunk.stream, chunk.bytes});
        }
    }
    if (child_alive_ && next_chunk_ == chunks.size() && !end_played_) {
        end_played_ = true;
        play_end();
    }
}

void ScriptedRun::play_end() {
    switch (reply_.end()) {
    case Reply::End::Exit:
    case Reply::End::Signal:
        if (reply_.duration()) {
            advance_through(spawned_at_ + *reply_.duration());
        }
        child_ends(reply_.end() == Reply::End::Exit ? ExitStatus::exited(reply_.value())
                                                    : ExitStatus::signalled(reply_.value()));
        return;
    case Reply::End::TimeOut:
        // Jump to each deadline (timeout, then grace if needed) until the
        // signal the child dies of has gone out.
        while (child_alive_) {
            const auto d = machine_.next_deadline();
            if (!d) {
                return;
            }
            advance_to(*d);
            feed(input::Tick{});
        }
        return;
    case Reply::End::Hang:
    case Reply::End::SpawnFailure:
        return;
    }
}

void ScriptedRun::child_ends(ExitStatus status) {
    if (!child_alive_) {
        return;
    }
    child_alive_ = false;
    for (Stream s : {Stream::Stdout, Stream::Stderr}) {
        if (is_captured(command_.mode(s))) {
            feed(input::OutputClosed{s});
        }
    }
    feed(input::GroupEmpty{});
    feed(input::Exited{status, std::nullopt, std::nullopt});
}

void ScriptedRun::feed(Input in) {
    inputs_.push_back(std::move(in));
    if (feeding_) {
        return; // applied by the loop below, in order
    }
    feeding_ = true;
    while (!inputs_.empty()) {
        Input next = std::move(inputs_.front());
        inputs_.pop_front();
        machine_.handle(now(), next);
        while (auto a = machine_.poll_action()) {
            apply(*a);
        }
    }
    feeding_ = false;
}

void ScriptedRun::apply(Action& a) {
    if (std::holds_alternative<action::Spawn>(a)) {
        if (reply_.end() == Reply::End::SpawnFailure) {
            feed(input::SpawnFailed{
                Error(reply_.spawn_error(), command_.program(), "scripted spawn failure")});
            return;
        }
        child_alive_ = true;
        spawned_at_ = now();
        frozen_ = spawned_at_; // the machine's spawn time is this one too
        next_chunk_at_ =
            spawned_at_ + (reply_.chunks().empty() ? Duration{0} : reply_.chunks()[0].delay);
        feed(input::Spawned{});
    } else if (auto* s = std::get_if<action::SendSignal>(&a)) {
        const auto name = s->signal.name();
        if (name != Signal::Name::Stop && name != Signal::Name::Cont) {
            child_ends(ExitStatus::signalled(os::to_native(s->signal)));
        }
    } else if (std::holds_alternative<action::Kill>(a)) {
        child_ends(ExitStatus::signalled(SIGKILL));
    } else if (std::holds_alternative<action::WriteStdin>(a)) {
        feed(input::StdinDrained{}); // the script takes whatever it is given
    } else if (std::holds_alternative<action::SampleStats>(a)) {
        feed(input::StatsFailed{}); // a script has no tree to measure
    } else if (auto* t = std::get_if<action::Tee>(&a)) {
        driver::call_tee_sink(command_, *t); // as for a real child
    } else if (auto* l = std::get_if<action::DeliverLine>(&a)) {
        if (driver::call_line_handler(command_, *l, handler_failed_)) {
            feed(input::HandlerFailed{l->stream});
        }
        if (queue_events_) {
            events_.push_back({l->stream, l->text});
        }
        if (queue_stdout_lines_ && l->stream == Stream::Stdout) {
            stdout_lines_.push_back(std::move(l->text));
        }
    } else if (auto* f = std::get_if<action::Finished>(&a)) {
        result_ = std::move(f->result);
    }
    // CloseStdin, DeliverStats: nothing to do for a script.
}

} // namespace processkit::scripted
