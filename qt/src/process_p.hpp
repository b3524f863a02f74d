#pragma once
// ProcessPrivate: the state behind processkit::qt::Process, shared by the
// files that implement it — process.cpp (the run: notifiers, timer,
// emitting), process_readiness.cpp (watchReadiness) and process_retry.cpp
// (attempts and backoff). Not installed.
//
// GCC 12 at -O2 reports members of the queued std::variant items as "maybe
// used uninitialized" when they are moved: a known false positive of GCC with
// std::variant (the alternative is always constructed before it is read).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include "handle_notifier.hpp"
#include "processkit/core/retry_policy.hpp"
#include "processkit/driver/readiness_wait.hpp"
#include "processkit/driver/run_driver.hpp"
#include "processkit/qt/process.hpp"

#include <QtCore/QTimer>
#include <cstdint>
#include <deque>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <variant>

namespace processkit::qt {

// --- what a run produced, waiting to be emitted --------------------------------

namespace item {
struct Announce {}; ///< stateChanged(Running), started()
struct Line {
    Process::Channel channel;
    QString text;
};
struct Stats {
    ProcessGroupStats stats;
};
struct Failure {
    Process::ProcessError kind;
    std::optional<Error> error;
};
struct Finish {}; ///< stateChanged(Finished), finished(final_result)
struct Ready {};  ///< ready()
struct NotReady { ///< notReady(error)
    Error error;
};
struct Retrying { ///< retrying(attempt, error, delay), stateChanged(Starting)
    int attempt;
    Error error;
    Duration delay;
};
} // namespace item
using Pending = std::variant<item::Announce, item::Line, item::Stats, item::Failure, item::Finish,
                             item::Ready, item::NotReady, item::Retrying>;

class ProcessPrivate final : public driver::Watcher {
public:
    explicit ProcessPrivate(Process* owner)
        : q(owner)
        , timer(new QTimer(owner)) {
        timer->setSingleShot(true);
        timer->setTimerType(Qt::PreciseTimer);
        QObject::connect(timer, &QTimer::timeout, q, [this] { on_timer(); });
    }
    ProcessPrivate(const ProcessPrivate&) = delete;
    ProcessPrivate& operator=(const ProcessPrivate&) = delete;
    ~ProcessPrivate() override = default;

    // driver::Watcher
    void watch(driver::RunDriver& driver, os::NativeHandle fd, driver::FdRole role) override;
    void unwatch(driver::RunDriver& driver, os::NativeHandle fd, driver::FdRole role) override;
    void deadline_changed(driver::RunDriver& driver, std::optional<TimePoint> at) override;

    void launch();
    template <class F>
    void call_driver(F&& f);
    void after_driver();
    void drain_lines();
    void queue_end(const ProcessResult& r);
    void fail_run(const char* what) noexcept;
    ProcessResult abandon_run(ErrorKind kind, const std::string& detail) noexcept;
    void teardown() noexcept;
    void on_ready(os::NativeHandle fd, driver::FdRole role, std::uint64_t serial);
    void on_timer();
    void rearm_timer();
    void post_flush();
    void flush();
    /// Emits one item; false if the object was destroyed by a slot.
    bool emit_item(Pending& p);
    void set_error(Process::ProcessError kind, std::optional<Error> error);
    std::string program() const { return command ? command->program() : std::string(); }
    /// The core's cancel, then SIGKILL to the tree at once: a Cancelled
    /// result (the blocking CancelStop::Kill; Supervisor::stop()).
    void cancel_now();

    // process_readiness.cpp
    void watch_readiness(const Readiness& probe, std::chrono::milliseconds within);
    /// Feeds one stdout line to the wait; queues ready() if it matched.
    void readiness_line(const std::string& line, TimePoint now);
    /// Steps the wait with what the run shows; queues its verdict.
    void step_readiness(TimePoint now);
    driver::RunSight sight() const;
    std::string stderr_text() const;

    // process_retry.cpp
    /// Prepares the attempts of a new run (start()).
    void begin_attempts();
    /// The attempt ended with `r`: true if another attempt follows (the
    /// backoff is armed and retrying() queued), false if `r` is final.
    bool retry_after(ProcessResult& r);
    /// The backoff is over: the next attempt.
    void next_attempt();
    /// terminate()/kill(): during an attempt, it is not retried; during the
    /// backoff, the run ends now. True if the run was in its backoff.
    bool cancel_attempts();

    Process* q;
    // Configuration.
    std::optional<Command> command;
    ProcessGroup* group = nullptr;
    std::chrono::milliseconds stats_every{0};
    std::optional<RetryPolicy> retry_policy;

    // The run.
    std::unique_ptr<driver::RunDriver> driver;
    QTimer* timer;
    struct Watch {
        HandleNotifier* notifier;
        driver::FdRole role;
        std::uint64_t serial;
    };
    std::unordered_map<os::NativeHandle, Watch> watches;
    std::uint64_t serial = 0;
    HandleNotifier* active_notifier = nullptr; ///< the one whose activation we are in
    std::optional<TimePoint> deadline;         ///< the driver's

    Process::State state = Process::NotRunning;
    pid_t pid = 0;
    QString mechanism;
    std::optional<TimePoint> started_at;
    bool run_active = false;     ///< start() called; finished() not emitted yet
    bool finish_emitted = false; ///< finished() emitted for the current run
    bool write_error_reported = false;
    std::optional<ProcessResult> final_result; ///< set when the driver finished
    Process::ProcessError last_error_kind = Process::UnknownError;
    std::optional<Error> last_error;
    QString last_error_string;

    // Readiness (one wait at a time, on the current attempt).
    std::optional<driver::ReadinessWait> wait;

    // Retries: the core's machine decides, the one timer waits.
    std::optional<RetryMachine> retry;
    int attempts = 0;               ///< attempts started in this run
    bool attempt_cancelled = false; ///< terminate()/kill() during this attempt
    bool backing_off = false;       ///< between two attempts
    std::optional<TimePoint> retry_at;
    std::optional<ProcessResult> last_attempt; ///< while backing off

    std::deque<Pending> pending;
    bool flushing = false;
    bool flush_posted = false;
    bool in_driver = false;
    bool destroying = false;
};

/// Calls into the driver; an exception escaping it (a bug, or out of
/// memory) ends the run with an error instead of unwinding through Qt.
template <class F>
void ProcessPrivate::call_driver(F&& f) {
    in_driver = true;
    try {
        f();
    } catch (const std::exception& e) {
        in_driver = false;
        fail_run(e.what());
    } catch (...) {
        in_driver = false;
        fail_run("unknown exception");
    }
    in_driver = false;
}

} // namespace processkit::qt
