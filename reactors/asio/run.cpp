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

::asio::posix::descriptor_base::wait_type wait_type_of(driver::FdRole role) {
    switch (role) {
    case driver::FdRole::Stdin:
        return ::asio::posix::descriptor_base::wait_write;
    case driver::FdRole::Group:
        return ::asio::posix::descriptor_base::wait_error; // POLLPRI on cgroup.events
    default:
        return ::asio::posix::descriptor_base::wait_read;
    }
}

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
    auto run = std::make_shared<Run>(Private{}, std::move(io), command, group, options);
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
    ShutdownRegistry::enroll(run->io_, run);
    // Handlers may only start once construction is over: arm on the strand.
    ::asio::post(run->strand_, [run] { run->arm_all(); });
    return run;
}

Run::Run(Private, Executor io, const Command& command, ProcessGroup* group,
         const StartOptions& options)
    : io_(std::move(io))
    , strand_(::asio::make_strand(io_))
    , timer_(strand_)
    , options_(options) {
    driver::RunDriver::Options o;
    o.shared_group = group;
    o.queue_stdout_lines = options.line_reader;
    o.queue_events = options.event_reader;
    o.run.sample_every = options.sample_every;
    driver_.emplace(command, std::move(o), *this);
}

Run::~Run() {
    // The driver first: it unregisters (and, unfinished, kills) while the
    // descriptors it talks to still exist.
    driver_.reset();
    for (auto& [fd, w] : watches_) {
        w->descriptor.release(); // the driver owned the descriptor, not us
    }
    if (orphan_watch_) {
        orphan_watch_->release();
    }
    orphan_.reset(); // reaps a killed child: only when the io_context went first
}

template <class F>
void Run::on_strand(F&& f) {
    ::asio::post(strand_, [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
}

// --- descriptors and timer ---------------------------------------------------

void Run::arm_all() {
    armed_ = true;
    for (auto& [fd, w] : watches_) {
        arm(*w);
    }
    reschedule_timer(); // a deadline reported by start(), before we could arm
    after_event();
}

void Run::watch(driver::RunDriver&, int fd, driver::FdRole role) {
    auto w =
        std::make_unique<Watch>(Watch{::asio::posix::stream_descriptor(strand_), role, ++serial_});
    std::error_code ec;
    w->descriptor.assign(fd, ec);
    if (ec) {
        // epoll refuses only descriptors that cannot be waited on; nothing
        // the driver gives us is one. Keep the run going on the others.
        return;
    }
    auto& ref = *w;
    watches_[fd] = std::move(w);
    if (armed_) {
        arm(ref);
    }
}

void Run::unwatch(driver::RunDriver&, int fd, driver::FdRole) {
    auto it = watches_.find(fd);
    if (it == watches_.end()) {
        return;
    }
    it->second->descriptor.release(); // cancels its wait; the driver closes the fd
    watches_.erase(it);
}

void Run::arm(Watch& w) {
    const int fd = w.descriptor.native_handle();
    w.descriptor.async_wait(wait_type_of(w.role),
                            [self = shared_from_this(), fd, serial = w.serial](std::error_code ec) {
                                self->on_watch_ready(fd, serial, ec);
                            });
}

void Run::on_watch_ready(int fd, std::uint64_t serial, std::error_code ec) {
    auto it = watches_.find(fd);
    if (it == watches_.end() || it->second->serial != serial ||
        ec == ::asio::error::operation_aborted) {
        return; // unwatched meanwhile (and maybe the number reused)
    }
    const auto role = it->second->role;
    if (driver_) {
        driver_->on_ready(fd, role, Clock::now());
    }
    // Still watched (same registration)? Then wait again.
    it = watches_.find(fd);
    if (it != watches_.end() && it->second->serial == serial) {
        arm(*it->second);
    }
    after_event();
}

void Run::deadline_changed(driver::RunDriver&, std::optional<TimePoint> at) {
    driver_deadline_ = at;
    if (armed_) {
        reschedule_timer();
    }
}

void Run::reschedule_timer() {
    std::optional<TimePoint> next = driver_deadline_;
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
    if (next == timer_at_) {
        return;
    }
    timer_at_ = next;
    ++timer_serial_;
    if (!next) {
        timer_.cancel();
        return;
    }
    timer_.expires_at(*next); // cancels the wait in flight
    timer_.async_wait([self = shared_from_this(), serial = timer_serial_](std::error_code ec) {
        self->on_timer(serial, ec);
    });
}

void Run::on_timer(std::uint64_t serial, std::error_code ec) {
    if (serial != timer_serial_ || ec == ::asio::error::operation_aborted) {
        return;
    }
    timer_at_.reset();
    const auto now = Clock::now();
    if (driver_ && driver_deadline_ && *driver_deadline_ <= now) {
        driver_deadline_.reset(); // the driver reports its next one
        driver_->on_deadline(now);
    }
    sample_profiles(now);
    after_event();
    reschedule_timer();
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
            reschedule_timer();
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
        reschedule_timer();
    } else if (auto cl = take_op(close_ops_, id)) {
        cl->completion.release()->complete(aborted);
    } else if (auto r = take_op(ready_ops_, id)) {
        r->completion.release()->complete(aborted);
        reschedule_timer();
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

// --- completing operations ---------------------------------------------------

std::error_code Run::result_code(const ResultOp& op) const {
    if (op.on_cancel == OnCancel::StopRun && stop_requested_) {
        return ::asio::error::operation_aborted;
    }
    if (result_ && result_->error) {
        return make_error_code(result_->error->kind());
    }
    return {};
}

void Run::after_event() {
    if (abandoned_) {
        abort_all_ops(); // anything that arrived after the owner let go
        return;
    }
    if (!armed_ || !driver_) {
        return;
    }
    step_ready_ops(); // before lines are popped: a probe sees them first
    auto& lines = driver_->stdout_lines();
    while (!line_ops_.empty() && !lines.empty()) {
        auto op = std::move(line_ops_.front());
        line_ops_.pop_front();
        std::string line = std::move(lines.front());
        lines.pop_front();
        ++lines_popped_;
        op.completion.release()->complete({}, std::move(line));
    }
    auto& events = driver_->events();
    while (!event_ops_.empty() && !events.empty()) {
        auto op = std::move(event_ops_.front());
        event_ops_.pop_front();
        auto event = std::move(events.front());
        events.pop_front();
        op.completion.release()->complete({}, std::move(event));
    }
    const auto written = driver_->stdin_bytes_written();
    while (!write_ops_.empty() && write_ops_.front().written_when_done <= written) {
        auto op = std::move(write_ops_.front());
        write_ops_.pop_front();
        op.completion.release()->complete({}, op.size);
    }
    if (driver_->stdin_broken() || !driver_->stdin_open()) {
        // What is still queued will never be written.
        const std::error_code ec =
            driver_->stdin_broken() ? ::asio::error::broken_pipe : ::asio::error::operation_aborted;
        for (auto& op : std::exchange(write_ops_, {})) {
            op.completion.release()->complete(ec, 0);
        }
        for (auto& op : std::exchange(close_ops_, {})) {
            op.completion.release()->complete({});
        }
    }
    if (driver_->finished()) {
        finish_ops();
    }
}

void Run::finish_ops() {
    if (!result_) {
        result_ = driver_->result();
        forget_kill_handles();
        timer_at_.reset();
        ++timer_serial_;
        timer_.cancel();
    }
    // Lines still queued are delivered first; then the end.
    for (auto& op : std::exchange(line_ops_, {})) {
        op.completion.release()->complete(::asio::error::eof, {});
    }
    for (auto& op : std::exchange(event_ops_, {})) {
        op.completion.release()->complete(::asio::error::eof, {});
    }
    for (auto& op : std::exchange(profile_ops_, {})) {
        op.completion.release()->complete({}, op.builder.finish(*result_));
    }
    if (stop_requested_ && tree_ && !tree_gone()) {
        wait_for_tree(); // the tree's SIGKILL is on its way: complete once it is gone
        return;
    }
    tree_.reset();
    for (auto& op : std::exchange(result_ops_, {})) {
        const auto ec = result_code(op);
        op.completion.release()->complete(ec, *result_);
    }
}

bool Run::tree_gone() noexcept {
    try {
        return tree_->empty();
    } catch (...) {
        return true; // the group cannot be read: nothing left to wait for
    }
}

void Run::wait_for_tree() {
    // Killed already (by the driver, at the run's end): a short poll, bounded
    // in case something in the tree cannot die.
    constexpr auto poll = std::chrono::milliseconds(5);
    constexpr auto bound = std::chrono::seconds(5);
    const auto now = Clock::now();
    if (!tree_wait_until_) {
        tree_wait_until_ = now + bound;
    }
    if (tree_waiting_) {
        return;
    }
    if (now >= *tree_wait_until_) {
        tree_.reset();
        finish_ops();
        return;
    }
    tree_waiting_ = true;
    timer_.expires_after(poll);
    timer_.async_wait([self = shared_from_this(), serial = ++timer_serial_](std::error_code ec) {
        if (ec == ::asio::error::operation_aborted || serial != self->timer_serial_) {
            return;
        }
        self->tree_waiting_ = false;
        self->finish_ops();
    });
}

void Run::abort_all_ops() {
    const std::error_code aborted = ::asio::error::operation_aborted;
    for (auto& op : std::exchange(result_ops_, {})) {
        op.completion.release()->complete(aborted, {});
    }
    for (auto& op : std::exchange(line_ops_, {})) {
        op.completion.release()->complete(aborted, {});
    }
    for (auto& op : std::exchange(event_ops_, {})) {
        op.completion.release()->complete(aborted, {});
    }
    for (auto& op : std::exchange(write_ops_, {})) {
        op.completion.release()->complete(aborted, 0);
    }
    for (auto& op : std::exchange(close_ops_, {})) {
        op.completion.release()->complete(aborted);
    }
    for (auto& op : std::exchange(profile_ops_, {})) {
        op.completion.release()->complete(aborted, {});
    }
    for (auto& op : std::exchange(ready_ops_, {})) {
        op.completion.release()->complete(aborted);
    }
}

// --- letting go ----------------------------------------------------------------

void Run::drop_pending() noexcept {
    // Moved out first: destroying a handler may destroy the Process that
    // owns this run (the registry keeps the run itself alive meanwhile).
    [[maybe_unused]] auto results = std::exchange(result_ops_, {});
    [[maybe_unused]] auto lines = std::exchange(line_ops_, {});
    [[maybe_unused]] auto events = std::exchange(event_ops_, {});
    [[maybe_unused]] auto writes = std::exchange(write_ops_, {});
    [[maybe_unused]] auto closes = std::exchange(close_ops_, {});
    [[maybe_unused]] auto profiles = std::exchange(profile_ops_, {});
    [[maybe_unused]] auto readies = std::exchange(ready_ops_, {});
}

void ShutdownRegistry::add(std::weak_ptr<DropsOnShutdown> object) {
    std::lock_guard lock(mutex_);
    if (objects_.size() >= prune_at_) {
        std::erase_if(objects_, [](const auto& o) { return o.expired(); });
        prune_at_ = std::max<std::size_t>(64, objects_.size() * 2);
    }
    objects_.push_back(std::move(object));
}

void ShutdownRegistry::shutdown() {
    for (;;) {
        std::vector<std::weak_ptr<DropsOnShutdown>> objects;
        {
            std::lock_guard lock(mutex_);
            objects.swap(objects_);
        }
        if (objects.empty()) {
            return;
        }
        for (auto& o : objects) {
            if (auto alive = o.lock()) {
                alive->drop_pending();
            }
        }
    }
}

void Run::forget_kill_handles() noexcept {
    std::lock_guard lock(kill_mutex_);
    kill_child_ = {};
    kill_group_.reset();
}

void Run::abandon() {
    {
        // Now, from the caller's thread: the strand may be busy elsewhere.
        std::lock_guard lock(kill_mutex_);
        if (kill_group_) {
            try {
                kill_group_->kill_all();
            } catch (...) {
            }
        }
        kill_child_.signal(SIGKILL);
    }
    on_strand([this] { abandon_on_strand(); });
}

void Run::abandon_on_strand() {
    if (abandoned_) {
        return;
    }
    abandoned_ = true;
    abort_all_ops();
    ++timer_serial_;
    timer_.cancel();
    if (driver_) {
        if (auto child = driver_->abandon()) {
            orphan_ = std::move(child);
        }
    }
    forget_kill_handles();
    if (orphan_) {
        orphan_watch_.emplace(strand_);
        std::error_code ec;
        orphan_watch_->assign(orphan_->pidfd(), ec);
        if (ec) {
            orphan_watch_.reset();
            orphan_.reset(); // cannot wait for it: reap now (it is SIGKILLed)
            return;
        }
        reap_orphan();
    }
}

void Run::reap_orphan() {
    if (!orphan_ || orphan_->try_wait()) {
        if (orphan_watch_) {
            orphan_watch_->release();
            orphan_watch_.reset();
        }
        orphan_.reset();
        return;
    }
    orphan_watch_->async_wait(::asio::posix::descriptor_base::wait_read,
                              [self = shared_from_this()](std::error_code ec) {
                                  if (ec != ::asio::error::operation_aborted) {
                                      self->reap_orphan();
                                  }
                              });
}

} // namespace processkit::asio::detail
