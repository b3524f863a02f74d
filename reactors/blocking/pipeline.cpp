// The blocking pipeline: every stage is a RunDriver of one reactor, all in
// one ProcessGroup; this file adds the inter-stage pipes, the pipeline-wide
// timeout, cancel and teardown. The blame rules are the core's.
#include "processkit/blocking/pipeline.hpp"

#include "processkit/blocking/reactor.hpp"
#include "processkit/os/unique_fd.hpp"
#include "processkit/reactor/run_driver.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include <vector>

namespace processkit {
namespace {

Error os_error(const std::string& program, const char* what) {
    const int err = errno;
    return Error(ErrorKind::Io, program, std::string(what) + ": " + std::strerror(err))
        .with_os_error(err);
}

/// Both ends blocking (each belongs to a child) and close-on-exec, so no
/// other child, of ours or of another thread, inherits them.
os::Pipe make_inter_stage_pipe(const std::string& program) {
    std::array<int, 2> fds{};
    if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
        throw os_error(program, "cannot create the pipe to the next stage");
    }
    os::Pipe p{os::UniqueFd(os::above_stdio(fds[0])), os::UniqueFd(os::above_stdio(fds[1]))};
    if (!p.read || !p.write) {
        throw os_error(program, "cannot create the pipe to the next stage");
    }
    return p;
}

/// An eventfd that becomes readable when stop is requested on the token.
class CancelWake {
public:
    explicit CancelWake(const std::stop_token& token) {
        if (!token.stop_possible()) {
            return;
        }
        fd_.reset(os::above_stdio(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)));
        if (!fd_) {
            throw os_error({}, "cannot create an eventfd for cancellation");
        }
        callback_.emplace(token, Notify{fd_.get()});
    }
    /// -1 when the run cannot be cancelled.
    int fd() const { return fd_.get(); }
    bool requested() const {
        std::uint64_t count = 0;
        return fd_ && ::read(fd_.get(), &count, sizeof count) == sizeof count;
    }

private:
    struct Notify {
        int fd;
        void operator()() const noexcept {
            const std::uint64_t one = 1;
            (void)!::write(fd, &one, sizeof one);
        }
    };
    os::UniqueFd fd_; // declared first: outlives the callback that writes it
    std::optional<std::stop_callback<Notify>> callback_;
};

/// The stage's Command as the driver runs it: the pipe ends replace its
/// stdin (after the first) and stdout (before the last).
Command stage_command(const Pipeline& pipeline, std::size_t i) {
    Command c = pipeline.stages()[i].command;
    if (i > 0) {
        c.stdin_inherit();
    }
    if (i + 1 < pipeline.size()) {
        c.stdout_mode(StdioMode::Inherit);
    }
    return c;
}

class PipelineRun {
public:
    PipelineRun(const Pipeline& pipeline, const PipelineOptions& options)
        : pipeline_(pipeline)
        , group_(options.group)
        , drivers_(pipeline.size())
        , stages_(pipeline.size())
        , seen_(pipeline.size(), false)
        , exited_before_teardown_(pipeline.size(), false)
        , cancel_(options.stop) {
        for (std::size_t i = 0; i < stages_.size(); ++i) {
            stages_[i].checked = pipeline.stages()[i].checked;
            stages_[i].result.program = pipeline.stages()[i].command.program();
            stages_[i].result.ok_codes = pipeline.stages()[i].command.ok_codes();
        }
    }

    PipelineResult run() {
        started_ = Clock::now();
        if (pipeline_.timeout()) {
            deadline_ = started_ + *pipeline_.timeout();
        }
        spawn_stages(started_);
        while (!all_seen()) {
            if (!result_waiting()) {
                wait();
            }
            const TimePoint now = Clock::now();
            collect_finished(now);
            if (cancel_pending_ && cancel_.requested()) {
                cancel_pending_ = false;
                on_cancel(now);
            }
            on_time(now);
        }
        PipelineResult r;
        r.stages = std::move(stages_);
        r.stopped_by = stopped_by_;
        r.duration = Clock::now() - started_;
        r.programs = pipeline_.programs();
        r.pipe_signal = SIGPIPE;
        return r;
    }

private:
    void spawn_stages(TimePoint now) {
        os::UniqueFd upstream; // the read end of the previous stage's stdout
        for (std::size_t i = 0; i < drivers_.size(); ++i) {
            const Command command = stage_command(pipeline_, i);
            os::Pipe downstream;
            if (i + 1 < drivers_.size()) {
                downstream = make_inter_stage_pipe(command.program());
            }
            reactor::RunDriver::Options o;
            o.shared_group = &group_;
            o.stdio_redirect.stdin_fd = upstream.get();
            o.stdio_redirect.stdout_fd = downstream.write.get();
            drivers_[i] = std::make_unique<reactor::RunDriver>(command, std::move(o), reactor_);
            drivers_[i]->start(now);
            // The children have their copies: ours must go, or no reader
            // would ever see end of file nor a writer SIGPIPE.
            upstream = std::move(downstream.read);
            downstream.write.reset();
            const auto& result = drivers_[i]->result();
            if (result && result->outcome.kind == Outcome::Kind::SpawnFailed) {
                seen_[i] = true;
                stages_[i].result = *drivers_[i]->take_result();
                begin_teardown(PipelineStop::StageFailed, now, true);
                return;
            }
            stages_[i].started = true;
        }
    }

    bool all_seen() const {
        for (std::size_t i = 0; i < drivers_.size(); ++i) {
            if (drivers_[i] && !seen_[i]) {
                return false;
            }
        }
        return true;
    }

    /// A stage finished (e.g. while the teardown caught up) but its result
    /// was not taken yet.
    bool result_waiting() const {
        for (std::size_t i = 0; i < drivers_.size(); ++i) {
            if (drivers_[i] && !seen_[i] && drivers_[i]->finished()) {
                return true;
            }
        }
        return false;
    }

    void collect_finished(TimePoint now) {
        const std::size_t n = drivers_.size();
        for (std::size_t i = 0; i < n; ++i) {
            if (!drivers_[i] || seen_[i] || !drivers_[i]->finished()) {
                continue;
            }
            seen_[i] = true;
            stages_[i].result = *drivers_[i]->take_result();
            stages_[i].ended_in_teardown = tearing_down_ && !exited_before_teardown_[i];
            if (!tearing_down_ && stage_really_failed(stages_[i], i + 1 == n, SIGPIPE)) {
                begin_teardown(PipelineStop::StageFailed, now, false);
            }
        }
    }

    void on_cancel(TimePoint now) {
        if (!tearing_down_) {
            begin_teardown(PipelineStop::Cancelled, now, false);
        } else {
            kill_at_ = now; // already stopping: do not wait for the grace
        }
    }

    void on_time(TimePoint now) {
        if (!tearing_down_ && deadline_ && now >= *deadline_) {
            begin_teardown(PipelineStop::TimedOut, now, false);
        }
        if (kill_at_ && now >= *kill_at_) {
            kill_at_.reset();
            group_.kill_all();
        }
    }

    void begin_teardown(PipelineStop why, TimePoint now, bool kill_now) {
        if (tearing_down_) {
            return;
        }
        // A stage that already exited by itself is judged on its own status,
        // even if the reactor has not delivered all of its end yet: catch up
        // on what is ready, then note who is already gone.
        reactor_.run_once(now);
        for (std::size_t i = 0; i < drivers_.size(); ++i) {
            exited_before_teardown_[i] =
                drivers_[i] && (drivers_[i]->finished() || drivers_[i]->child_exited());
        }
        tearing_down_ = true;
        stopped_by_ = why;
        if (kill_now || pipeline_.grace() <= Duration::zero()) {
            group_.kill_all();
            return;
        }
        group_.signal(pipeline_.timeout_signal());
        kill_at_ = now + pipeline_.grace();
    }

    /// Blocks until a descriptor of a stage is ready, a cancel comes, or the
    /// next deadline (a driver's, the timeout, the kill after the grace).
    void wait() {
        std::optional<TimePoint> wake = reactor_.next_deadline();
        for (const auto& at : {tearing_down_ ? std::nullopt : deadline_, kill_at_}) {
            if (at && (!wake || *at < *wake)) {
                wake = at;
            }
        }
        std::array<pollfd, 2> fds{{{reactor_.fd(), POLLIN, 0}, {cancel_.fd(), POLLIN, 0}}};
        const nfds_t count = cancel_pending_ && cancel_.fd() >= 0 ? 2 : 1;
        if (::poll(fds.data(), count, blocking::poll_timeout_ms(wake)) < 0 && errno != EINTR) {
            throw os_error({}, "poll failed");
        }
        reactor_.run_once(Clock::now()); // dispatch what is ready, without waiting
    }

    const Pipeline& pipeline_;
    // Destroyed in reverse order: the drivers (killing and reaping their
    // children) before the reactor they are registered with, the group last.
    ProcessGroup group_;
    blocking::Reactor reactor_;
    std::vector<std::unique_ptr<reactor::RunDriver>> drivers_; ///< null: never started
    std::vector<StageResult> stages_;
    std::vector<bool> seen_; ///< the stage's result was taken
    std::vector<bool> exited_before_teardown_;
    CancelWake cancel_;
    bool cancel_pending_ = true; ///< still listening for a cancel
    bool tearing_down_ = false;
    PipelineStop stopped_by_ = PipelineStop::None;
    TimePoint started_{};
    std::optional<TimePoint> deadline_;
    std::optional<TimePoint> kill_at_;
};

PipelineResult run_to_end(const Pipeline& pipeline, const PipelineOptions& options) {
    if (auto invalid = pipeline.validate()) {
        throw *invalid;
    }
    return PipelineRun(pipeline, options).run();
}

} // namespace

PipelineResult output_string(const Pipeline& pipeline, const PipelineOptions& options) {
    return run_to_end(pipeline, options);
}

PipelineResult output_bytes(const Pipeline& pipeline, const PipelineOptions& options) {
    return run_to_end(pipeline, options);
}

std::string run(const Pipeline& pipeline, const PipelineOptions& options) {
    auto answer = run_answer(run_to_end(pipeline, options));
    if (answer.error) {
        throw *answer.error;
    }
    return std::move(*answer.value);
}

int exit_code(const Pipeline& pipeline, const PipelineOptions& options) {
    auto answer = exit_code_answer(run_to_end(pipeline, options));
    if (answer.error) {
        throw *answer.error;
    }
    return *answer.value;
}

bool probe(const Pipeline& pipeline, const PipelineOptions& options) {
    auto answer = probe_answer(run_to_end(probe_pipeline(pipeline), options));
    if (answer.error) {
        throw *answer.error;
    }
    return *answer.value;
}

} // namespace processkit
