// The run lifecycle. Every state change of a run happens in this file.
#include "processkit/core/run_machine.hpp"

#include "processkit/core/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <utility>

namespace processkit {
namespace {

constexpr std::array<Stream, 2> streams{Stream::Stdout, Stream::Stderr};

bool is_captured(StdioMode m) {
    return m == StdioMode::Capture || m == StdioMode::Tee;
}

/// The recycled line strings a run keeps, in bytes of capacity: enough for
/// the lines of a typical read, and never a long line's memory pinned for the
/// rest of the run.
constexpr std::size_t max_spare_line_bytes = 64 * 1024;
constexpr std::size_t max_spare_lines = 512;
/// The largest batch of lines (RunOptions::batch_lines) kept for reuse.
constexpr std::size_t max_spare_batch_bytes = 4 * 1024 * 1024;

} // namespace

class RunMachine::LineTaker final : public LineSink {
public:
    /// `ascii_chunk`: bytes known to be all ASCII (the read being split, when
    /// it is), so that a line lying within them is decoded by a copy.
    LineTaker(RunMachine& machine, Stream stream, std::string_view ascii_chunk = {})
        : machine_(machine)
        , stream_(stream)
        , ascii_chunk_(ascii_chunk)
        , batch_(machine.batch_lines_ && machine.deliver_lines_[idx(stream)]) {}

    void on_line(std::string_view content, LineEnding ending, bool cut,
                 std::string* owned) override {
        const bool ascii = within_ascii_chunk(content);
        if (batch_ && ascii && ending == LineEnding::Lf && !cut && owned == nullptr) {
            // A batch is its lines each followed by '\n': for ASCII lines
            // ended by LF that is the read's own bytes, so consecutive ones
            // join the batch as one copy rather than a copy per line.
            if (content.data() != run_end_) {
                flush_run();
                run_begin_ = content.data();
            }
            run_end_ = content.data() + content.size() + 1; // its LF, in the chunk too
            machine_.buffers_[idx(stream_)].push_until_settled(content, ending);
            return;
        }
        flush_run(); // the batch keeps the lines' order
        machine_.take_line(stream_, content, ending, cut, owned, ascii);
    }
    bool takes_lf_runs() const override { return batch_ && !ascii_chunk_.empty(); }
    void on_lf_run(std::string_view run, std::size_t lines) override {
        if (!within_ascii_chunk(run)) {
            LineSink::on_lf_run(run, lines); // never, as runs are views of the chunk
            return;
        }
        // The batch takes the run's bytes as they are (see on_line), and the
        // buffer notes the run at once: a few newest lines at most.
        if (run.data() != run_end_) {
            flush_run();
            run_begin_ = run.data();
        }
        run_end_ = run.data() + run.size();
        machine_.buffers_[idx(stream_)].push_run_until_settled(run, lines);
    }
    void on_counted_line(std::size_t content_bytes, LineEnding ending, bool) override {
        machine_.buffers_[idx(stream_)].count_line(content_bytes, ending);
    }

    /// Appends the run of lines noted so far to the stream's batch: called
    /// once the read is split (never from a destructor, as it allocates).
    void flush_run() {
        if (run_begin_ != run_end_) {
            machine_.batch_text(stream_, std::string_view(run_begin_, static_cast<std::size_t>(
                                                                          run_end_ - run_begin_)));
            run_begin_ = run_end_ = nullptr;
        }
    }

private:
    /// Compared as addresses: a line carried over from an earlier read lies
    /// outside this one and is checked as it is decoded.
    bool within_ascii_chunk(std::string_view content) const {
        const auto at = reinterpret_cast<std::uintptr_t>(content.data());
        const auto begin = reinterpret_cast<std::uintptr_t>(ascii_chunk_.data());
        return !ascii_chunk_.empty() && at >= begin && at - begin <= ascii_chunk_.size() &&
               content.size() <= ascii_chunk_.size() - (at - begin);
    }

    RunMachine& machine_;
    Stream stream_;
    std::string_view ascii_chunk_;
    bool batch_;
    const char* run_begin_ = nullptr; ///< lines in ascii_chunk_ not yet in the batch
    const char* run_end_ = nullptr;
};

RunConfig RunConfig::of(const Command& command) {
    RunConfig c;
    c.program = command.program();
    c.invalid = command.validate();
    for (Stream s : streams) {
        const auto i = static_cast<std::size_t>(s);
        c.modes[i] = command.mode(s);
        c.policies[i] = command.policy(s);
        c.has_line_handler[i] = static_cast<bool>(command.line_handler(s));
    }
    c.max_line_bytes = command.max_line_bytes();
    c.encoding = command.encoding();
    c.ok_codes = command.ok_codes();
    c.timeout = command.timeout();
    c.grace = command.grace();
    c.timeout_signal = command.timeout_signal();
    c.drain_timeout = command.drain_timeout();
    c.stdin_kind = command.stdin_source().kind;
    if (c.stdin_kind == StdinSource::Kind::Bytes) {
        c.stdin_bytes = command.stdin_source().data;
    }
    return c;
}

RunConfig RunConfig::taking_stdin(Command& command) {
    if (command.stdin_.kind != StdinSource::Kind::Bytes) {
        return of(command);
    }
    std::string bytes = std::move(command.stdin_.data);
    command.stdin_.data.clear(); // a moved-from string is only "valid but unspecified"
    RunConfig c = of(command);
    c.stdin_bytes = std::move(bytes);
    return c;
}

namespace {

/// A captured stream's buffer, in a store of the reactor's when it gave a
/// factory (only an unbounded capture uses one; others need no store made).
OutputBuffer buffer_for(const RunConfig& config, const RunOptions& options, Stream s) {
    const auto i = static_cast<std::size_t>(s);
    const BufferPolicy& policy = config.policies[i];
    const bool captured =
        config.modes[i] == StdioMode::Capture || config.modes[i] == StdioMode::Tee;
    if (!options.capture_store || policy.bounded() || !captured) {
        return OutputBuffer(policy);
    }
    return OutputBuffer(policy, options.capture_store());
}

} // namespace

RunMachine::RunMachine(RunConfig config, RunOptions options)
    : config_(std::move(config))
    , owns_group_(options.owns_group)
    , batch_lines_(options.batch_lines)
    , sample_every_(options.sample_every)
    , splitters_{LineSplitter(std::max<std::size_t>(config_.max_line_bytes, 1)),
                 LineSplitter(std::max<std::size_t>(config_.max_line_bytes, 1))}
    , buffers_{buffer_for(config_, options, Stream::Stdout),
               buffer_for(config_, options, Stream::Stderr)} {
    for (Stream s : streams) {
        const auto i = idx(s);
        deliver_lines_[i] = options.deliver_lines[i].value_or(config_.has_line_handler[i]);
        // Nobody takes the lines one by one: the bytes go to the store as
        // they come and the splitter only marks where lines end.
        raw_capture_[i] = buffers_[i].takes_raw_bytes() && !deliver_lines_[i];
        if (raw_capture_[i]) {
            splitters_[i] = LineSplitter(std::max<std::size_t>(config_.max_line_bytes, 1),
                                         LineSplitter::Content::Counted);
        }
    }
}

void RunMachine::handle(TimePoint now, const Input& in) {
    if (phase_ == Phase::Finished) {
        return; // nothing after Finished; late events and requests are moot
    }
    std::visit([&](const auto& event) { on(now, event); }, in);
}

std::optional<Action> RunMachine::poll_action() {
    if (next_action_ == actions_.size()) {
        return std::nullopt;
    }
    // Moved straight into the result: one variant move per action.
    std::optional<Action> a(std::in_place, std::move(actions_[next_action_++]));
    if (next_action_ == actions_.size()) {
        actions_.clear();
        next_action_ = 0;
    }
    return a;
}

Action* RunMachine::next_action() {
    if (next_action_ == actions_.size()) {
        // Cleared only now: the caller may still be applying the last one.
        actions_.clear();
        next_action_ = 0;
        return nullptr;
    }
    return &actions_[next_action_++];
}

std::optional<TimePoint> RunMachine::next_deadline() const {
    if (phase_ == Phase::Finished) {
        return std::nullopt;
    }
    auto next = timers_.next();
    if (auto t = termination_.next_deadline(); t && (!next || *t < *next)) {
        next = t;
    }
    if (sampler_ && !exit_) { // sampling stops when the direct child exits
        if (auto s = sampler_->next_deadline(); s && (!next || *s < *next)) {
            next = s;
        }
    }
    return next;
}

std::size_t RunMachine::buffered_bytes(Stream s) const {
    return splitters_[idx(s)].pending_bytes() + buffers_[idx(s)].stored_bytes();
}

bool RunMachine::stdin_writable() const {
    return phase_ == Phase::Running && stdin_ == StdinState::Open && !stdin_close_requested_ &&
           config_.stdin_kind == StdinSource::Kind::Interactive;
}

void RunMachine::require_running(const char* what) const {
    if (phase_ != Phase::Running) {
        throw std::logic_error(std::string("RunMachine: ") + what +
                               " before the child was spawned");
    }
}

// --- lifecycle -------------------------------------------------------------

void RunMachine::on(TimePoint, const input::Start&) {
    if (phase_ != Phase::Idle) {
        throw std::logic_error("RunMachine: Start given twice");
    }
    if (config_.invalid) {
        finish_without_child(Outcome::spawn_failed(), config_.invalid);
        return;
    }
    phase_ = Phase::Spawning;
    push(action::Spawn{});
}

void RunMachine::on(TimePoint now, const input::Spawned&) {
    if (phase_ != Phase::Spawning) {
        throw std::logic_error("RunMachine: Spawned without a pending spawn");
    }
    phase_ = Phase::Running;
    spawned_at_ = now;
    for (Stream s : streams) {
        stream_open_[idx(s)] = is_captured(config_.modes[idx(s)]);
    }
    if (auto t = config_.timeout) {
        timers_.arm(TimerId::Timeout, now + *t);
    }
    if (config_.stdin_kind == StdinSource::Kind::Bytes) {
        stdin_ = StdinState::Open;
        stdin_close_requested_ = true;
        if (!config_.stdin_bytes.empty()) {
            stdin_write_pending_ = true;
            push(action::WriteStdin{std::move(config_.stdin_bytes)}); // given once
        }
        close_stdin_when_drained();
    } else if (config_.stdin_kind == StdinSource::Kind::Interactive) {
        stdin_ = StdinState::Open;
    }
    if (sample_every_) {
        sampler_.emplace(*sample_every_, now);
        sample_if_due(now);
    }
    // A stop requested while spawning applies now that there is a child.
    if (pending_kill_) {
        kill_now(now);
    } else if (pending_stop_) {
        begin_termination(now, *pending_stop_);
    }
}

void RunMachine::on(TimePoint, const input::SpawnFailed& e) {
    if (phase_ != Phase::Spawning) {
        throw std::logic_error("RunMachine: SpawnFailed without a pending spawn");
    }
    finish_without_child(Outcome::spawn_failed(), e.error);
}

void RunMachine::on(TimePoint now, const input::Exited& e) {
    require_running("Exited");
    if (exit_) {
        throw std::logic_error("RunMachine: Exited given twice");
    }
    exit_ = e;
    // The direct child is gone: nothing left for the timeout to stop. During
    // a stop in a group of the run's own, what the child left behind keeps
    // only the rest of the grace (C6): the termination machine's grace runs
    // on and kills the tree when it ends. In a shared group only the child was signalled,
    // so nothing is left for the grace.
    timers_.disarm(TimerId::Timeout);
    if (!owns_group_) {
        termination_.emptied(); // the child was the target: nothing left to stop
    }
    if (stream_open_[0] || stream_open_[1]) {
        // A grandchild may hold the pipe open: drain for a bounded time only.
        timers_.arm(TimerId::Drain, now + config_.drain_timeout);
    }
    if (stdin_ == StdinState::Open) {
        stdin_ = StdinState::Closed;
        push(action::CloseStdin{});
    }
    finish_if_done(now);
}

void RunMachine::on(TimePoint, const input::GroupEmpty&) {
    group_empty_ = true;
}

void RunMachine::on(TimePoint now, const input::Tick&) {
    if (timers_.due(TimerId::Timeout, now)) {
        timers_.disarm(TimerId::Timeout);
        timed_out_ = true;
        begin_termination(now, config_.timeout_signal);
    }
    termination_.tick(now);
    apply_termination();
    if (timers_.due(TimerId::Drain, now)) {
        timers_.disarm(TimerId::Drain);
        output_incomplete_ = true;
        finish(now);
        return;
    }
    sample_if_due(now);
}

// --- stopping ----------------------------------------------------------------

void RunMachine::begin_termination(TimePoint now, Signal signal) {
    if (phase_ != Phase::Running || exit_) {
        return; // nothing to stop yet, or the child is gone already
    }
    termination_.stop(now, signal, config_.grace); // never extends a running grace
    apply_termination();
}

void RunMachine::kill_now(TimePoint now) {
    if (!exit_) {
        termination_.kill(now);
        apply_termination();
    }
}

void RunMachine::apply_termination() {
    while (auto a = termination_.poll_action()) {
        if (a->kind == TerminationAction::Kind::Signal) {
            push(action::SendSignal{target(), a->signal});
        } else {
            // After the child exited in a stop, the grace ran on for the
            // rest of its tree (C6): that is what dies now.
            push(action::Kill{exit_ ? Target::Tree : target()});
        }
    }
}

void RunMachine::on(TimePoint now, const input::Cancel&) {
    cancelled_ = true; // a cancel beats a timeout, even one already firing
    timers_.disarm(TimerId::Timeout);
    switch (phase_) {
    case Phase::Idle:
        finish_without_child(Outcome::cancelled(), std::nullopt);
        return;
    case Phase::Spawning:
        pending_stop_ = config_.timeout_signal;
        return;
    case Phase::Running:
        if (exit_) {
            finish(now); // only draining is left: stop waiting for it
        } else {
            begin_termination(now, config_.timeout_signal);
        }
        return;
    case Phase::Finished:
        return;
    }
}

void RunMachine::on(TimePoint now, const input::Terminate& t) {
    if (phase_ == Phase::Idle) {
        finish_without_child(Outcome::cancelled(), std::nullopt);
    } else if (phase_ == Phase::Spawning) {
        pending_stop_ = t.signal;
    } else {
        begin_termination(now, t.signal);
    }
}

void RunMachine::on(TimePoint now, const input::Kill&) {
    if (phase_ == Phase::Idle) {
        finish_without_child(Outcome::cancelled(), std::nullopt);
    } else if (phase_ == Phase::Spawning) {
        pending_kill_ = true;
    } else if (!exit_) {
        kill_now(now);
    } else if (owns_group_ && !group_empty_) {
        // The child is gone; kill what still holds the pipes so the run ends.
        termination_.kill(now);
        apply_termination();
    }
}

// --- output ------------------------------------------------------------------

void RunMachine::on(TimePoint, const input::Output& o) {
    require_running("Output");
    const auto i = idx(o.stream);
    if (!stream_open_[i]) {
        throw std::logic_error("RunMachine: Output on a stream that is not open");
    }
    if (config_.modes[idx(o.stream)] == StdioMode::Tee && !o.bytes.empty()) {
        push(action::Tee{o.stream, std::string(o.bytes)});
    }
    if (raw_capture_[i]) {
        buffers_[i].append_raw(o.bytes); // in place when read into output_target()
    }
    // One pass over the read decides whether its lines need decoding at all
    // (output is overwhelmingly ASCII): cheaper than a check per line.
    const bool ascii =
        deliver_lines_[i] && config_.encoding != Encoding::Latin1 && is_ascii(o.bytes);
    LineTaker taker(*this, o.stream, ascii ? o.bytes : std::string_view());
    splitters_[i].feed(o.bytes, taker);
    taker.flush_run();
    buffers_[i].settle(); // before o.bytes, which its noted lines view, goes away
    flush_batch(o.stream);
}

std::span<char> RunMachine::output_target(Stream s, std::size_t bytes) {
    const auto i = idx(s);
    if (!raw_capture_[i] || phase_ == Phase::Finished || !stream_open_[i]) {
        return {};
    }
    return buffers_[i].writable_tail(bytes);
}

void RunMachine::on(TimePoint now, const input::OutputClosed& c) {
    require_running("OutputClosed");
    const auto i = idx(c.stream);
    if (!stream_open_[i]) {
        throw std::logic_error("RunMachine: OutputClosed on a stream that is not open");
    }
    stream_open_[i] = false;
    LineTaker taker(*this, c.stream);
    splitters_[i].finish(taker);
    flush_batch(c.stream);
    finish_if_done(now);
}

void RunMachine::take_line(Stream s, std::string_view content, LineEnding ending, bool cut,
                           std::string* owned, bool ascii) {
    const auto i = idx(s);
    if (deliver_lines_[i]) {
        if (!batch_lines_) {
            push(action::DeliverLine{s, decode_line(content, ascii), cut});
        } else if (!cut) {
            batch_line(s, content, ascii);
        } else {
            // A cut line goes alone, so that `cut` names exactly one line.
            flush_batch(s);
            batch_line(s, content, ascii);
            push(action::DeliverLine{s, std::exchange(batches_[i], {}), true});
        }
    }
    if (owned == nullptr && !cut) {
        // A view of the read's bytes (LineSink): copied only if still kept
        // when on(Output) settles the buffer.
        buffers_[i].push_until_settled(content, ending);
    } else {
        buffers_[i].push(content, ending, owned); // may move from `owned`: last use of `content`
    }
}

std::string RunMachine::decode_line(std::string_view content, bool ascii) {
    if (config_.encoding == Encoding::Latin1) {
        return decode_latin1(content);
    }
    std::string text;
    if (!spare_lines_.empty()) {
        text = std::move(spare_lines_.back());
        spare_lines_.pop_back();
        spare_line_bytes_ -= text.capacity();
        text.clear();
    } else if (spare_lines_.capacity() < max_spare_lines) {
        // More lines are in flight than spares: room for more next time
        // (recycle_line_text() only fills the room it has, without throwing).
        spare_lines_.reserve(
            std::min(max_spare_lines, std::max<std::size_t>(8, 2 * spare_lines_.capacity())));
    }
    text.reserve(content.size()); // lossy decoding only grows an invalid line
    if (ascii) {
        text.append(content);
    } else {
        append_utf8_lossy(content, text);
    }
    return text;
}

void RunMachine::batch_line(Stream s, std::string_view content, bool ascii) {
    std::string& batch = open_batch(s);
    if (ascii) {
        batch.append(content);
    } else if (config_.encoding == Encoding::Latin1) {
        append_latin1(content, batch);
    } else {
        append_utf8_lossy(content, batch);
    }
    batch.push_back('\n');
}

std::string& RunMachine::open_batch(Stream s) {
    std::string& batch = batches_[idx(s)];
    if (batch.empty() && spare_batch_.capacity() > batch.capacity()) {
        batch.swap(spare_batch_); // the storage of a batch applied before
        batch.clear();
    }
    return batch;
}

void RunMachine::batch_text(Stream s, std::string_view lines) {
    open_batch(s).append(lines);
}

void RunMachine::flush_batch(Stream s) {
    std::string& batch = batches_[idx(s)];
    if (!batch.empty()) {
        push(action::DeliverLine{s, std::exchange(batch, {}), false});
    }
}

void RunMachine::recycle_line_text(std::string&& text) noexcept {
    if (batch_lines_) {
        // One batch per read: keeping the largest one recent reads needed
        // (at most max_spare_batch_bytes) makes the next one free.
        if (text.capacity() > spare_batch_.capacity() && text.capacity() <= max_spare_batch_bytes) {
            spare_batch_ = std::move(text);
        }
        return;
    }
    const std::size_t bytes = text.capacity();
    if (bytes > std::string().capacity() && spare_line_bytes_ + bytes <= max_spare_line_bytes &&
        spare_lines_.size() < spare_lines_.capacity()) {
        spare_lines_.push_back(std::move(text)); // cannot throw: no regrowth
        spare_line_bytes_ += bytes;
    }
}

void RunMachine::on(TimePoint, const input::HandlerFailed& h) {
    deliver_lines_[idx(h.stream)] = false;
}

// --- stdin -------------------------------------------------------------------

void RunMachine::on(TimePoint, const input::WriteStdin& w) {
    if (!stdin_writable() || w.bytes.empty()) {
        return; // the reactor reports the refusal to its caller
    }
    stdin_write_pending_ = true;
    push(action::WriteStdin{w.bytes});
}

void RunMachine::on(TimePoint, const input::CloseStdin& c) {
    if (stdin_ != StdinState::Open) {
        return;
    }
    stdin_close_requested_ = true;
    if (c.discard_queued) {
        stdin_write_pending_ = false; // the reactor drops its queue on CloseStdin
    }
    close_stdin_when_drained();
}

void RunMachine::on(TimePoint, const input::StdinDrained&) {
    stdin_write_pending_ = false;
    close_stdin_when_drained();
}

void RunMachine::on(TimePoint, const input::StdinBroken&) {
    stdin_broken_ = true;
    stdin_write_pending_ = false;
    if (stdin_ == StdinState::Open) {
        stdin_ = StdinState::Closed;
        push(action::CloseStdin{});
    }
}

void RunMachine::close_stdin_when_drained() {
    if (stdin_ == StdinState::Open && stdin_close_requested_ && !stdin_write_pending_) {
        stdin_ = StdinState::Closed;
        push(action::CloseStdin{});
    }
}

// --- stats -------------------------------------------------------------------

void RunMachine::sample_if_due(TimePoint now) {
    if (sampler_ && !exit_ && sampler_->on_tick(now)) {
        push(action::SampleStats{}); // counted in the profile when answered
    }
}

void RunMachine::on(TimePoint now, const input::StatsSampled& s) {
    if (!sampler_ || !sampler_->in_flight()) {
        throw std::logic_error("RunMachine: StatsSampled without a SampleStats");
    }
    sampler_->on_sampled(now);
    profile_.add_tick(s.stats);
    push(action::DeliverStats{s.stats});
}

void RunMachine::on(TimePoint, const input::StatsFailed&) {
    if (!sampler_ || !sampler_->in_flight()) {
        throw std::logic_error("RunMachine: StatsFailed without a SampleStats");
    }
    sampler_->on_failed();
    profile_.add_tick(std::nullopt);
}

// --- finishing ---------------------------------------------------------------

void RunMachine::finish_if_done(TimePoint now) {
    if (exit_ && !stream_open_[0] && !stream_open_[1]) {
        finish(now);
    }
}

void RunMachine::finish(TimePoint now) {
    // Whatever is left in a private group dies with the run (leftover
    // daemons, or the grandchild that held a pipe past the drain bound).
    if (owns_group_ && !group_empty_ && !termination_.killed()) {
        push(action::Kill{Target::Tree});
    }
    ProcessResult r;
    r.program = config_.program;
    r.encoding = config_.encoding;
    r.ok_codes = config_.ok_codes;
    r.duration = spawned_at_ ? now - *spawned_at_ : Duration::zero();
    r.timed_out = timed_out_ && !cancelled_;
    r.cancelled = cancelled_;
    r.output_incomplete = output_incomplete_;
    r.stdin_broken = stdin_broken_;
    if (exit_) {
        r.status = exit_->status;
    }
    if (cancelled_) {
        r.outcome = Outcome::cancelled();
    } else if (timed_out_) {
        r.outcome = Outcome::timed_out();
    } else if (exit_ && exit_->status.is_signalled()) {
        r.outcome = Outcome::signalled(*exit_->status.signal());
    } else if (exit_) {
        r.outcome = Outcome::exited(*exit_->status.code());
    } else {
        r.outcome = Outcome::cancelled(); // abandoned before the child was reaped
    }
    for (Stream s : streams) {
        auto& buffer = buffers_[idx(s)];
        (s == Stream::Stdout ? r.stdout_bytes : r.stderr_bytes) = buffer.take_bytes();
        (s == Stream::Stdout ? r.stdout_counters : r.stderr_counters) = buffer.counters();
        if (buffer.counters().overflowed && !r.error) {
            r.error = Error(ErrorKind::OutputTooLarge, r.program,
                            std::string(to_string(s)) + " passed the buffer policy's limit");
        }
    }
    r.profile = profile_.finish(
        r.duration,
        r.outcome.kind == Outcome::Kind::Exited ? std::optional<int>(r.outcome.value)
                                                : std::nullopt,
        exit_ ? exit_->cpu_time : std::nullopt, exit_ ? exit_->peak_memory_bytes : std::nullopt);
    phase_ = Phase::Finished;
    timers_.clear();
    sampler_.reset();
    push(action::Finished{std::move(r)});
}

void RunMachine::finish_without_child(Outcome outcome, std::optional<Error> error) {
    ProcessResult r;
    r.program = config_.program;
    r.encoding = config_.encoding;
    r.ok_codes = config_.ok_codes;
    r.outcome = outcome;
    r.cancelled = outcome.kind == Outcome::Kind::Cancelled;
    r.error = std::move(error);
    phase_ = Phase::Finished;
    timers_.clear();
    push(action::Finished{std::move(r)});
}

} // namespace processkit
