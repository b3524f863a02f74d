// The Asio run: how a RunDriver's descriptors and deadline become
// stream_descriptor waits and one timer on a strand, and how the operations
// waiting on the run are completed. No decision about the child is taken
// here: the core decides, the driver applies.
#include "processkit/asio/detail/run.hpp"

#include "processkit/asio/error.hpp"
#include "processkit/core/error_code.hpp"

#include <algorithm>
#include <asio/dispatch.hpp>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <csignal>

namespace processkit::asio::detail {
namespace {

/// Removes and returns the operation with `id` from `ops`, if it is there.
template <class Ops>
auto take_op(Ops& ops, std::uint64_t id) -> std::optional<typename Ops::value_type> {
    auto it = std::find_if(ops.begin(), ops.end(), [&](const auto& op) { return op.id == id; });
    if (it == ops.end()) {
        return std::nullopt;
    }
    auto op = std::move(*it);
    ops.erase(it);
    return op;
}

} // namespace

std::shared_ptr<Run> Run::start(Executor io, const Command& command, ProcessGroup* group,
                                const StartOptions& options, Owner owner) {
    auto run = std::make_shared<Run>(Private{}, std::move(io), command, group, options, owner);
    run->driver_->start(Clock::now());
    if (const auto& r = run->driver_->result();
        r && r->outcome.kind == Outcome::Kind::SpawnFailed) {
        run->spawn_error_ = r->error;
    }
    run->pid_ = run->driver_->pid();
    run->started_at_ = run->driver_->started_at().value_or(Clock::now());
    if (owner == Owner::Object && !run->driver_->finished()) {
        // Only an object can be destroyed from another thread than the
        // strand's (abandon()); an operation's run never needs these.
        std::lock_guard lock(run->kill_mutex_);
        run->kill_group_ = run->driver_->private_group();
        run->kill_child_ = run->driver_->child_signaller();
    }
    if (owner == Owner::Operation) {
        run->tree_ = run->driver_->private_group();
    }
    run->watcher_.keep_alive(run);
    ShutdownRegistry::enroll(run->io_, run);
    // Handlers may only start once construction is over: arm on the strand.
    ::asio::post(run->strand_, [run] { run->arm_all(); });
    return run;
}

Run::Run(Private, Executor io, const Command& command, ProcessGroup* group,
         const StartOptions& options, Owner owner)
    : io_(std::move(io))
    , strand_(::asio::make_strand(io_))
    , watcher_(
          strand_, [this] { after_event(); }, [this] { return own_deadline(); })
    , tree_timer_(strand_)
    , options_(options) {
    driver::RunDriver::Options o;
    o.shared_group = group;
    o.queue_stdout_lines = options.line_reader;
    o.queue_events = options.event_reader;
    o.run.sample_every = options.sample_every;
    // An operation's group never reaches the caller, so nobody reads its CPU time.
    o.private_group_cpu_time = owner == Owner::Object;
    driver_.emplace(command, std::move(o), watcher_);
}

Run::~Run() {
    // The driver first: it unregisters (and, unfinished, kills) while the
    // descriptors it talks to still exist.
    driver_.reset();
    watcher_.release_all();
    if (tree_events_) {
        tree_events_->release(); // the group's descriptor, not ours
    }
    if (orphan_watch_) {
        orphan_watch_->release();
    }
    orphan_.reset(); // reaps a killed child: only when the io_context went first
}

// --- waiting ---------------------------------------------------------------------

void Run::arm_all() {
    watcher_.arm_all();
    after_event();
}

std::optional<TimePoint> Run::own_deadline() const {
    std::optional<TimePoint> next;
    for (const auto& p : profile_ops_) {
        if (const auto d = p.sampler.next_deadline(); d && (!next || *d < *next)) {
            next = d;
        }
    }
    for (const auto& r : ready_ops_) {
        if (const auto d = r.wait.next_deadline(); d && (!next || *d < *next)) {
            next = d;
        }
    }
    return next;
}

void Run::sample_profiles(TimePoint now) {
    for (auto& p : profile_ops_) {
        // A failed read ends that profile's series (counted); the run goes on.
        if (auto step = sample_if_due(p.sampler, driver_ ? driver_->group() : nullptr, now);
            step.kind != SampleStep::Kind::NotDue) {
            p.builder.add_tick(step.stats);
        }
    }
}

// --- operations --------------------------------------------------------------

void Run::async_result(std::uint64_t id, ResultCompletion c, OnCancel on_cancel) {
    on_strand([this, id, c = std::move(c), on_cancel]() mutable {
        result_ops_.push_back({id, std::move(c), on_cancel});
        after_event();
    });
}

void Run::async_read_line(std::uint64_t id, LineCompletion c) {
    on_strand([this, id, c = std::move(c)]() mutable {
        if (!options_.line_reader) {
            c.release()->complete(make_error_code(errc::not_enabled), {});
            return;
        }
        line_ops_.push_back({id, std::move(c)});
        after_event();
    });
}

void Run::async_read_event(std::uint64_t id, EventCompletion c) {
    on_strand([this, id, c = std::move(c)]() mutable {
        if (!options_.event_reader) {
            c.release()->complete(make_error_code(errc::not_enabled), {});
            return;
        }
        event_ops_.push_back({id, std::move(c)});
        after_event();
    });
}

void Run::async_write(std::uint64_t id, std::string bytes, SizeCompletion c) {
    on_strand([this, id, bytes = std::move(bytes), c = std::move(c)]() mutable {
        const std::size_t size = bytes.size();
        if (!driver_ || driver_->stdin_broken()) {
            c.release()->complete(::asio::error::broken_pipe, 0);
            return;
        }
        if (!driver_->stdin_writable()) {
            c.release()->complete(make_error_code(ErrorKind::StdinFailed), 0);
            return;
        }
        if (size == 0) {
            c.release()->complete({}, 0);
            return;
        }
        driver_->write_stdin(std::move(bytes), Clock::now());
        write_ops_.push_back({id, driver_->stdin_bytes_queued(), size, std::move(c)});
        after_event();
    });
}

void Run::async_close_stdin(std::uint64_t id, VoidCompletion c) {
    on_strand([this, id, c = std::move(c)]() mutable {
        if (driver_) {
            driver_->close_stdin(Clock::now());
        }
        close_ops_.push_back({id, std::move(c)});
        after_event();
    });
}

void Run::async_profile(std::uint64_t id, Duration every, ProfileCompletion c) {
    on_strand([this, id, every, c = std::move(c)]() mutable {
        profile_ops_.push_back({id, SamplerMachine(every, Clock::now()), {}, std::move(c)});
        after_event();
        if (!profile_ops_.empty()) {
            watcher_.reschedule();
        }
    });
}

void Run::terminate() {
    on_strand([this] {
        if (driver_) {
            driver_->terminate(Clock::now(), Signal::term());
            after_event();
        }
    });
}

void Run::kill() {
    on_strand([this] {
        if (driver_) {
            driver_->kill(Clock::now());
            after_event();
        }
    });
}

void Run::request_cancel(std::uint64_t id, ::asio::cancellation_type type) {
    on_strand([this, id, type] { cancel_op(id, type); });
}

void Run::cancel_op(std::uint64_t id, ::asio::cancellation_type type) {
    const std::error_code aborted = ::asio::error::operation_aborted;
    if (auto it = std::find_if(result_ops_.begin(), result_ops_.end(),
                               [&](const ResultOp& op) { return op.id == id; });
        it != result_ops_.end()) {
        if (it->on_cancel == OnCancel::StopWaiting) {
            auto op = std::move(*it);
            result_ops_.erase(it);
            op.completion.release()->complete(aborted, {});
            return;
        }
        // The operation owns the child: stop the run; it completes (with
        // operation_aborted) once the tree is gone.
        stop_requested_ = true;
        if (driver_ && !driver_->finished()) {
            const auto now = Clock::now();
            if ((type & ::asio::cancellation_type::terminal) != ::asio::cancellation_type::none) {
                driver_->kill(now);
            } else if ((type & ::asio::cancellation_type::partial) !=
                       ::asio::cancellation_type::none) {
                driver_->cancel(now);
            } else {
                driver_->terminate(now, Signal::interrupt());
            }
        }
        after_event();
        return;
    }
    if (auto op = take_op(line_ops_, id)) {
        op->completion.release()->complete(aborted, {});
    } else if (auto ev = take_op(event_ops_, id)) {
        ev->completion.release()->complete(aborted, {});
    } else if (auto p = take_op(profile_ops_, id)) {
        p->completion.release()->complete(aborted, {});
        watcher_.reschedule();
    } else if (auto cl = take_op(close_ops_, id)) {
        cl->completion.release()->complete(aborted);
    } else if (auto r = take_op(ready_ops_, id)) {
        r->completion.release()->complete(aborted);
        watcher_.reschedule();
    } else if (auto w = take_op(write_ops_, id)) {
        // Part of it may be in the pipe already: the stream is no longer
        // coherent, so stdin is closed (total cancellation is not offered).
        if ((type & (::asio::cancellation_type::terminal | ::asio::cancellation_type::partial)) ==
            ::asio::cancellation_type::none) {
            write_ops_.push_front(std::move(*w));
            return;
        }
        w->completion.release()->complete(aborted, 0);
        if (driver_) {
            driver_->close_stdin(Clock::now(), /*discard_queued=*/true);
        }
        after_event();
    }
}

} // namespace processkit::asio::detail
