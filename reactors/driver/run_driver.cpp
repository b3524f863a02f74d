// The one routine that applies the core's actions to the OS, shared by every
// reactor. Decisions stay in the core: this file only does what an action says
// and reports what happened.
#include "processkit/driver/run_driver.hpp"

#include "processkit/os/capture_memory.hpp"
#include "processkit/os/stream_io.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace processkit::driver {
namespace {

/// Read in large pieces; a few per wake-up so one flooding child cannot
/// starve the other runs of a reactor.
constexpr std::size_t read_chunk = 256 * 1024;
constexpr int reads_per_wakeup = 8;

} // namespace

RunDriver::RunDriver(Command command, Options options, Watcher& watcher)
    : command_(std::move(command))
    , options_(std::move(options))
    , watcher_(watcher)
    , machine_(RunConfig::taking_stdin(command_), // command_ is our own copy
               [&] {
                   RunOptions run = options_.run;
                   run.batch_lines = true; // split again in apply()
                   run.owns_group = options_.shared_group == nullptr;
                   if (!run.capture_store) {
                       run.capture_store = os::page_capture_stores(); // one touch per byte
                   }
                   if (options_.queue_stdout_lines || options_.queue_events) {
                       run.deliver_lines[0] = true;
                       run.deliver_lines[1] =
                           run.deliver_lines[1].value_or(false) || options_.queue_events;
                   }
                   return run;
               }())
    , shared_(options_.shared_group) {}

RunDriver::~RunDriver() {
    release_everything();
}

void RunDriver::release_everything() noexcept {
    // Child's destructor reaps a killed child (briefly blocking).
    (void)abandon();
}

std::optional<os::Child> RunDriver::abandon() noexcept {
    std::optional<os::Child> child;
    if (process_) {
        // Unregister before the descriptors close (a reactor must never keep
        // a registration for a number the kernel may hand out again).
        close_fd(process_->stdout_pipe, FdRole::Stdout);
        close_fd(process_->stderr_pipe, FdRole::Stderr);
        close_fd(process_->stdin_pipe, FdRole::Stdin);
        if (!process_->child.reaped()) {
            watcher_.unwatch(*this, os::watch_handle(process_->child), FdRole::Child);
        }
        if (!process_->child.reaped()) {
            if (own_group_) {
                try {
                    own_group_->kill_all();
                } catch (...) {
                }
            }
            process_->child.kill();
            child = std::move(process_->child);
        }
    }
#if !defined(_WIN32)
    if (group_watched_ && own_group_) {
        watcher_.unwatch(*this, own_group_->events_fd(), FdRole::Group);
        group_watched_ = false;
    }
#endif
    last_deadline_.reset();
    watcher_.deadline_changed(*this, std::nullopt);
    process_.reset();
    own_group_.reset();
    return child;
}

void RunDriver::close_fd(os::ParentPipe& pipe, FdRole role) {
    if (pipe) {
        if (role != FdRole::Stdin || stdin_watched_) {
            watcher_.unwatch(*this, os::watch_handle(pipe), role);
        }
        if (role == FdRole::Stdin) {
            stdin_watched_ = false;
        }
        pipe.reset();
    }
}

void RunDriver::start(TimePoint now) {
    feed(now, input::Start{});
}

void RunDriver::feed(TimePoint now, Input in) {
    if (feeding_) {
        inputs_.push_back(std::move(in)); // applied by the loop below, in order
        return;
    }
    feeding_ = true;
    for (;;) {
        machine_.handle(now, in);
        // In place: apply() never reaches handle() (inputs it causes are
        // queued above), so the action stays where it is while applied.
        while (Action* a = machine_.next_action()) {
            apply(now, *a);
        }
        if (inputs_.empty()) {
            break;
        }
        in = std::move(inputs_.front());
        inputs_.pop_front();
    }
    // Inputs queue up only while an action is applied (a spawn, a kill): rare,
    // so an idle run does not keep the queue's memory.
    inputs_.clear();
    feeding_ = false;
    if (auto d = machine_.next_deadline(); d != last_deadline_) {
        last_deadline_ = d;
        watcher_.deadline_changed(*this, d);
    }
}

void RunDriver::apply(TimePoint now, Action& a) {
    if (auto* w = std::get_if<action::WriteStdin>(&a)) {
        stdin_queued_total_ += w->bytes.size();
        stdin_queue_.push_back(std::move(w->bytes));
        flush_stdin(now);
    } else if (std::holds_alternative<action::CloseStdin>(a)) {
        stdin_queue_.clear();
        stdin_offset_ = 0;
        if (process_) {
            close_fd(process_->stdin_pipe, FdRole::Stdin);
        }
    } else if (auto* s = std::get_if<action::SendSignal>(&a)) {
        if (s->target == Target::Tree && group()) {
            group()->signal(s->signal);
        } else if (process_) {
            process_->child.send(s->signal);
        }
    } else if (auto* k = std::get_if<action::Kill>(&a)) {
        if (k->target == Target::Tree && own_group_) {
            own_group_->kill_all();
        } else if (process_) {
            process_->child.kill();
        }
    } else if (std::holds_alternative<action::SampleStats>(a)) {
        std::optional<ProcessGroupStats> stats;
        try {
            if (group()) {
                stats = group()->stats();
            }
        } catch (const Error&) {
            // The container is gone: the series ends (G9).
        }
        feed(now, stats ? Input{input::StatsSampled{*stats}} : Input{input::StatsFailed{}});
    } else if (auto* t = std::get_if<action::Tee>(&a)) {
        call_tee_sink(command_, *t);
    } else if (auto* l = std::get_if<action::DeliverLine>(&a)) {
        // One action per read (RunOptions::batch_lines), one call per line.
        const Stream stream = l->stream;
        const bool queue_line = options_.queue_stdout_lines && stream == Stream::Stdout;
        for_each_batched_line(l->text, [&](std::string_view line) {
            if (call_line_handler(command_, stream, line, handler_failed_)) {
                feed(now, input::HandlerFailed{stream});
            }
            if (options_.queue_events) {
                events_.push_back({stream, std::string(line)});
            }
            if (queue_line) {
                stdout_lines_.push_back(std::string(line));
            }
            return true;
        });
        machine_.recycle_line_text(std::move(l->text));
    } else if (auto* st = std::get_if<action::DeliverStats>(&a)) {
        if (options_.on_stats) {
            options_.on_stats(st->stats);
        }
    } else if (std::holds_alternative<action::Spawn>(a)) {
        spawn(now);
    } else if (auto* f = std::get_if<action::Finished>(&a)) {
        result_ = std::move(f->result);
        release_everything();
    }
}

void RunDriver::spawn(TimePoint now) {
    try {
        if (!shared_) {
            GroupOptions group_options;
            group_options.measure_cpu_time =
                options_.private_group_cpu_time || options_.run.sample_every.has_value();
            own_group_ = std::make_shared<ProcessGroup>(std::move(group_options));
        }
        process_.emplace(group()->spawn(command_, options_.stdio_redirect));
    } catch (const Error& e) {
        own_group_.reset();
        feed(now, input::SpawnFailed{e});
        return;
    }
    pid_ = process_->child.pid();
    if (process_->stdout_pipe) {
        watcher_.watch(*this, os::watch_handle(process_->stdout_pipe), FdRole::Stdout);
    }
    if (process_->stderr_pipe) {
        watcher_.watch(*this, os::watch_handle(process_->stderr_pipe), FdRole::Stderr);
    }
    watcher_.watch(*this, os::watch_handle(process_->child), FdRole::Child);
    // The group's emptiness is looked at once the child has exited (see
    // on_ready), and its events watched only if something outlived the child.
    feed(now, input::Spawned{});
}

void RunDriver::on_ready(os::NativeHandle fd, FdRole role, TimePoint now) {
    if (!process_ || finished()) {
        return;
    }
    switch (role) {
    case FdRole::Stdout:
    case FdRole::Stderr: {
        const Stream s = role == FdRole::Stdout ? Stream::Stdout : Stream::Stderr;
        if (fd ==
            os::watch_handle(s == Stream::Stdout ? process_->stdout_pipe : process_->stderr_pipe)) {
            read_stream(s, now);
        }
        break;
    }
    case FdRole::Stdin:
        flush_stdin(now);
        break;
    case FdRole::Child:
        if (auto exit = process_->child.try_wait()) {
            watcher_.unwatch(*this, os::watch_handle(process_->child), FdRole::Child);
            exit_status_ = exit->status;
#if !defined(_WIN32)
            // A private group is nearly always empty once its child is gone:
            // one read of cgroup.events says so, told before the exit so that
            // a run ending with it kills nothing. Only leftovers (a daemon,
            // a grandchild holding a pipe) are watched until they are gone.
            // (Windows: the job's emptiness is not needed; the run ends with
            // the child's exit and its pipes' end of file.)
            const bool watchable = own_group_ && own_group_->events_fd() >= 0;
            const bool leftovers = watchable && !own_group_->empty();
            if (watchable && !leftovers) {
                feed(now, input::GroupEmpty{});
            }
#endif
            feed(now, input::Exited{exit->status, exit->cpu_time, exit->peak_memory_bytes});
#if !defined(_WIN32)
            if (leftovers && process_ && !finished() && !group_watched_) {
                // cgroup.events was read just now: a change from here on,
                // even before the watch is added, makes it readable (POLLPRI).
                watcher_.watch(*this, own_group_->events_fd(), FdRole::Group);
                group_watched_ = true;
            }
#endif
        }
        break;
    case FdRole::Group:
#if !defined(_WIN32)
        if (own_group_ && own_group_->empty()) {
            if (group_watched_) {
                watcher_.unwatch(*this, own_group_->events_fd(), FdRole::Group);
                group_watched_ = false;
            }
            feed(now, input::GroupEmpty{});
        }
#endif
        break;
    }
}

void RunDriver::read_stream(Stream s, TimePoint now) {
    static thread_local std::string buffer(read_chunk, '\0');
    for (int i = 0; i < reads_per_wakeup && process_; ++i) {
        auto& pipe = s == Stream::Stdout ? process_->stdout_pipe : process_->stderr_pipe;
        if (!pipe) {
            return;
        }
        // Straight into the capture store where the machine offers room
        // (raw capture): the bytes are then never copied in user space. Not
        // while feeding: a queued input could move the store first.
        const std::span<char> target =
            feeding_ ? std::span<char>() : machine_.output_target(s, read_chunk);
        char* const into = target.empty() ? buffer.data() : target.data();
        const std::size_t room =
            target.empty() ? buffer.size() : std::min(target.size(), read_chunk);
        const ssize_t n = os::read_some(pipe, into, room);
        if (n == -EAGAIN) {
            return;
        }
        if (n <= 0) {
            // End of file (or a read error, which ends the stream the same way).
            close_fd(pipe, s == Stream::Stdout ? FdRole::Stdout : FdRole::Stderr);
            feed(now, input::OutputClosed{s});
            return;
        }
        bool& widened = widened_[static_cast<std::size_t>(s)];
        if (!widened && static_cast<std::size_t>(n) >= os::bulk_read_bytes) {
            widened = true; // once: a stream that filled its pipe carries bulk output
            os::widen_for_bulk(pipe);
        }
        const std::string_view bytes(into, static_cast<std::size_t>(n));
        if (s == Stream::Stderr) {
            remember_stderr(bytes);
        }
        feed(now, input::Output{s, bytes});
        if (static_cast<std::size_t>(n) < room) {
            return; // drained for now
        }
    }
}

void RunDriver::remember_stderr(std::string_view bytes) {
    if (bytes.size() >= stderr_tail_bytes) {
        stderr_tail_.assign(bytes.substr(bytes.size() - stderr_tail_bytes));
        return;
    }
    const std::size_t keep = std::min(stderr_tail_.size(), stderr_tail_bytes - bytes.size());
    stderr_tail_.erase(0, stderr_tail_.size() - keep);
    stderr_tail_ += bytes;
}

void RunDriver::flush_stdin(TimePoint now) {
    if (!process_ || !process_->stdin_pipe) {
        stdin_queue_.clear();
        return;
    }
    while (!stdin_queue_.empty()) {
        const std::string& front = stdin_queue_.front();
        const ssize_t n = os::write_some(process_->stdin_pipe, front.data() + stdin_offset_,
                                         front.size() - stdin_offset_);
        if (n == -EAGAIN) {
            if (!stdin_widened_) {
                // Once: input that fills the pipe is bulk input (as for output).
                stdin_widened_ = true;
                os::widen_for_bulk(process_->stdin_pipe);
                continue; // room again where the pipe grew
            }
            if (!stdin_watched_) {
                watcher_.watch(*this, os::watch_handle(process_->stdin_pipe), FdRole::Stdin);
                stdin_watched_ = true;
            }
            return;
        }
        if (n < 0) {
            stdin_broken_ = true;
            stdin_queue_.clear();
            stdin_offset_ = 0;
            feed(now, input::StdinBroken{});
            return;
        }
        stdin_offset_ += static_cast<std::size_t>(n);
        stdin_written_total_ += static_cast<std::uint64_t>(n);
        if (stdin_offset_ == front.size()) {
            stdin_queue_.pop_front();
            stdin_offset_ = 0;
        }
    }
    if (stdin_watched_) {
        watcher_.unwatch(*this, os::watch_handle(process_->stdin_pipe), FdRole::Stdin);
        stdin_watched_ = false;
    }
    feed(now, input::StdinDrained{});
}

void RunDriver::on_deadline(TimePoint now) {
    last_deadline_.reset(); // the reactor dropped it; whatever comes next is news
    feed(now, input::Tick{});
}
void RunDriver::poll_child(TimePoint now) {
    if (process_ && !process_->child.reaped() && !machine_.exited()) {
        on_ready(os::watch_handle(process_->child), FdRole::Child, now);
    }
}

void RunDriver::cancel(TimePoint now) {
    feed(now, input::Cancel{});
}
void RunDriver::terminate(TimePoint now, Signal signal) {
    feed(now, input::Terminate{signal});
}
void RunDriver::kill(TimePoint now) {
    feed(now, input::Kill{});
}

bool RunDriver::write_stdin(std::string bytes, TimePoint now) {
    if (!stdin_writable()) {
        return false;
    }
    feed(now, input::WriteStdin{std::move(bytes)});
    return !stdin_broken_;
}

void RunDriver::close_stdin(TimePoint now, bool discard_queued) {
    feed(now, input::CloseStdin{discard_queued});
}

} // namespace processkit::driver
