#pragma once
// One run driven by Asio: the shared RunDriver, its descriptors as
// stream_descriptors, one steady_timer, and the operations waiting on it.
// Everything but start(), the accessors and kill_now() runs on the run's own
// strand, so the io_context may have any number of threads.
//
// Lifetime: owned by shared_ptr; every armed wait holds a reference, so a run
// lives until its last handler completed or was destroyed with its io_context
// (which then kills the tree, as destroying the RunDriver does).

#include "processkit/asio/detail/completion.hpp"
#include "processkit/asio/detail/handle_wait.hpp"
#include "processkit/asio/detail/shutdown_registry.hpp"
#include "processkit/asio/detail/strand_watcher.hpp"
#include "processkit/asio/export.hpp"
#include "processkit/core/lazy_deque.hpp"
#include "processkit/core/profile_builder.hpp"
#include "processkit/core/readiness.hpp"
#include "processkit/core/sampler.hpp"
#include "processkit/core/termination.hpp"
#include "processkit/driver/readiness_probe.hpp"
#include "processkit/driver/readiness_wait.hpp"
#include "processkit/driver/run_driver.hpp"
#include "processkit/driver/start_options.hpp"
#include "processkit/os/child.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_type.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <system_error>
#include <unordered_map>
#include <vector>

namespace processkit::asio::detail {

using ResultCompletion = CompletionPtr<std::error_code, ProcessResult>;
using LineCompletion = CompletionPtr<std::error_code, std::string>;
using EventCompletion = CompletionPtr<std::error_code, driver::OutputEvent>;
using SizeCompletion = CompletionPtr<std::error_code, std::size_t>;
using VoidCompletion = CompletionPtr<std::error_code>;
using ProfileCompletion = CompletionPtr<std::error_code, RunProfile>;

/// What cancelling an operation does (see process.hpp for each operation).
enum class OnCancel {
    StopWaiting, ///< a pure wait: complete with operation_aborted, the child runs on
    StopRun,     ///< the operation owns the child: terminal → kill, partial → cancel
                 ///< (timeout signal, grace, kill), total → SIGINT, grace, kill
    CloseStdin,  ///< a write: stdin is closed (what was written is unknown)
};

class PROCESSKIT_ASIO_EXPORT Run final : public DropsOnShutdown,
                                         public std::enable_shared_from_this<Run> {
public:
    using Executor = ::asio::any_io_executor;
    struct Private {}; // make_shared needs a public constructor

    /// Who holds the run: an object (Process) that may let go with abandon(),
    /// or an operation that keeps it until it completes.
    enum class Owner { Object, Operation };

    /// Spawns at once, from the calling thread (before any handler of the run
    /// can run); its descriptors are armed on the strand afterwards. A spawn
    /// failure is not thrown: the run is then finished with that result.
    static std::shared_ptr<Run> start(Executor io, const Command& command, ProcessGroup* group,
                                      const StartOptions& options, Owner owner);
    Run(Private, Executor io, const Command& command, ProcessGroup* group,
        const StartOptions& options, Owner owner);
    Run(const Run&) = delete;
    Run& operator=(const Run&) = delete;
    ~Run() override;

    // Immutable once start() returned: any thread.
    const Executor& io_executor() const { return io_; }
    pid_t pid() const { return pid_; }
    TimePoint started_at() const { return started_at_; }
    /// The spawn failure, if start() failed (then the run is already over).
    const std::optional<Error>& spawn_error() const { return spawn_error_; }
    std::uint64_t next_op_id() { return next_op_id_.fetch_add(1) + 1; }

    // Any thread: each posts its work to the run's strand.
    void async_result(std::uint64_t id, ResultCompletion c, OnCancel on_cancel);
    void async_read_line(std::uint64_t id, LineCompletion c);
    void async_read_event(std::uint64_t id, EventCompletion c);
    void async_write(std::uint64_t id, std::string bytes, SizeCompletion c);
    void async_close_stdin(std::uint64_t id, VoidCompletion c);
    void async_profile(std::uint64_t id, Duration every, ProfileCompletion c);
    void async_wait_ready(std::uint64_t id, Readiness probe, Duration deadline, VoidCompletion c);
    void terminate();
    void kill();
    /// From a cancellation slot (the emitter's thread).
    void request_cancel(std::uint64_t id, ::asio::cancellation_type type);
    /// The owner let go: the tree is killed now (any thread, never blocks),
    /// pending operations complete with operation_aborted, and the child is
    /// reaped asynchronously when it is gone.
    void abandon();

    // DropsOnShutdown (the context is being destroyed; no handler runs)
    void drop_pending() noexcept override;

private:
    struct ResultOp {
        std::uint64_t id;
        ResultCompletion completion;
        OnCancel on_cancel;
    };
    struct LineOp {
        std::uint64_t id;
        LineCompletion completion;
    };
    struct EventOp {
        std::uint64_t id;
        EventCompletion completion;
    };
    struct WriteOp {
        std::uint64_t id;
        std::uint64_t written_when_done; ///< driver's written-byte count that completes it
        std::size_t size;
        SizeCompletion completion;
    };
    struct CloseOp {
        std::uint64_t id;
        VoidCompletion completion;
    };
    struct ProfileOp {
        std::uint64_t id;
        SamplerMachine sampler;
        ProfileBuilder builder;
        ProfileCompletion completion;
    };

    struct ReadyOp {
        std::uint64_t id;
        driver::ReadinessWait wait;  ///< the probe and the core's machine, stepped
        std::uint64_t lines_scanned; ///< counted like lines_popped_
        VoidCompletion completion;
    };

    template <class F>
    void on_strand(F&& f);
    void arm_all();
    /// The earliest deadline of the profiles and readiness waits.
    std::optional<TimePoint> own_deadline() const;
    void sample_profiles(TimePoint now);
    std::error_code ready_usable(const Readiness& probe, Duration deadline) const;
    /// Feeds every pending readiness probe what happened; completes the decided ones.
    void step_ready_ops();
    bool step_ready(ReadyOp& op);
    void after_event();
    void finish_ops();
    bool tree_gone() noexcept;
    void wait_for_tree();
    void on_tree_event();
    void cancel_op(std::uint64_t id, ::asio::cancellation_type type);
    void abort_all_ops();
    void abandon_on_strand();
    void reap_orphan();
    void forget_kill_handles() noexcept;
    std::error_code result_code(const ResultOp& op) const;

    Executor io_;
    ::asio::strand<Executor> strand_;
    StrandWatcher watcher_;

    std::vector<ResultOp> result_ops_;
    LazyDeque<LineOp> line_ops_;
    LazyDeque<EventOp> event_ops_;
    LazyDeque<WriteOp> write_ops_;
    std::vector<CloseOp> close_ops_;
    std::vector<ProfileOp> profile_ops_;
    std::vector<ReadyOp> ready_ops_;
    std::uint64_t lines_popped_ = 0; ///< stdout lines handed to async_read_line so far
    bool stop_requested_ = false;    ///< an owning operation was cancelled
    /// An operation's private group, kept past the driver's end: a cancelled
    /// owning operation completes only once the tree is gone (the run's end
    /// may come with the tree's SIGKILL still on its way).
    std::shared_ptr<ProcessGroup> tree_;
    /// The bounded wait for that tree to be reported empty (the core's
    /// decision); cgroup.events wakes it, else a short timer.
    std::optional<TerminationMachine> tree_stop_;
    ::asio::steady_timer tree_timer_;
    std::optional<HandleWait> tree_events_;
    bool tree_events_armed_ = false;
    bool abandoned_ = false;
    /// Set by abandon() on the owner's thread before it kills the tree: the
    /// strand may see that kill end the run before abandon_on_strand() runs,
    /// and must then abort the operations, not complete them.
    std::atomic<bool> letting_go_{false};
    StartOptions options_;
    std::optional<ProcessResult> result_; ///< kept for operations started after the end

    std::optional<driver::RunDriver> driver_; ///< after the descriptors: unwatches on destruction
    std::optional<os::Child> orphan_; ///< killed by abandon(), reaped when its pidfd says so
    std::optional<HandleWait> orphan_watch_;

    pid_t pid_ = -1;
    TimePoint started_at_{};
    std::optional<Error> spawn_error_;
    std::atomic<std::uint64_t> next_op_id_{0};

    // kill_now() from any thread: copies that stay valid whatever the strand does.
    std::mutex kill_mutex_;
    os::ChildSignaller kill_child_;
    std::shared_ptr<ProcessGroup> kill_group_;
};

template <class F>
void Run::on_strand(F&& f) {
    ::asio::post(strand_, [self = shared_from_this(), f = std::forward<F>(f)]() mutable { f(); });
}

/// Cancellation handler installed in an operation's slot.
struct CancelRequest {
    std::weak_ptr<Run> run;
    std::uint64_t id;
    void operator()(::asio::cancellation_type type) const {
        if (auto r = run.lock()) {
            r->request_cancel(id, type);
        }
    }
};

/// Installs a CancelRequest in the handler's slot, if it has one.
template <class Handler>
void connect_cancellation(Handler& handler, const std::shared_ptr<Run>& run, std::uint64_t id) {
    auto slot = ::asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) {
        slot.template emplace<CancelRequest>(CancelRequest{run, id});
    }
}

} // namespace processkit::asio::detail
