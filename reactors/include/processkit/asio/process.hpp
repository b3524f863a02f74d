#pragma once
// processkit::asio::Process: a started run on an Asio executor (R3).
//
// Operations and their completion signatures:
//   async_wait          void(std::error_code, ProcessResult)
//   async_read_line     void(std::error_code, std::string)        eof at the end of stdout
//   async_read_event    void(std::error_code, OutputEvent)         eof at the end of both
//   async_write         void(std::error_code, std::size_t)         once the bytes are in the pipe
//   async_close_stdin   void(std::error_code)                      once stdin is closed
//   async_profile       void(std::error_code, RunProfile)          samples until the run ends
//   async_wait_ready    void(std::error_code)                      readiness probe (R6)
// Any completion token works (callbacks, use_future, use_awaitable, deferred,
// and the executor's default token). An operation never completes inside its
// initiating call, and completes on its handler's associated executor.
//
// Cancellation (per-operation slots): every operation above is a wait and
// supports all cancellation types: it completes with operation_aborted and
// the child runs on — except async_write, which supports terminal and
// partial cancellation only and closes stdin at once (part of the bytes may
// be in the pipe already; the rest is dropped). To stop the child, call terminate() or kill(), or
// use the free operations (operations.hpp), which own their child.
//
// Error codes: a run that ended with an Error in its result (a Fail buffer
// policy overflowed, ...) completes async_wait with that ErrorKind's code and
// the full result. A non-zero exit, a signal or a timeout is not an error
// code: read the result. async_write: broken_pipe when the child closed its
// stdin, ErrorKind::StdinFailed when stdin is not open for writing
// (Command::stdin_interactive() not set, already closed, or the run is over).
// Readers without their StartOptions: errc::not_enabled.
// async_wait_ready: ErrorKind::NotReady at the deadline, or at once when the
// child exits (or stdout closes, for a line probe) first, or when a custom
// check throws; ErrorKind::InvalidArgument for a negative deadline or a line
// probe without captured stdout; errc::not_enabled for a line probe without
// StartOptions::line_reader. It never kills the child. A line probe does not
// consume lines: async_read_line still reads them. Port and custom probes
// run on the run's strand at the probe's interval (a port check waits at
// most 1 ms for the loopback connect; keep a custom check quick).
//
// Thread-safety: like an Asio I/O object, a Process is not thread-safe: use
// it from one thread at a time (or one strand). Its internal handlers run on
// a strand of its own, so the io_context may run on any number of threads.
// pid(), started_at() and elapsed() are safe from any thread.
//
// Destruction kills the whole tree at once (its private group; for a shared
// group the direct child) without blocking: the child is reaped by the
// io_context when it is gone. Pending operations complete with
// operation_aborted.

#include "processkit/asio/detail/run.hpp"
#include "processkit/asio/error.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/result.hpp"
#include "processkit/driver/start_options.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/async_result.hpp>
#include <asio/execution_context.hpp>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

namespace processkit::asio {

using driver::OutputEvent;

/// A started run on an Asio executor (R3): the constructor spawns it, the
/// async operations wait for it, read its output and write its stdin. Use
/// the alias Process for `asio::any_io_executor`.
template <class Executor = ::asio::any_io_executor>
class basic_process {
public:
    /// The I/O object's executor type.
    using executor_type = Executor;
    /// The same process type on another executor type (Asio convention).
    template <class Other>
    struct rebind_executor {
        /// `basic_process<Other>`.
        using other = basic_process<Other>;
    };

    /// Spawns `command` in a private group of its own, at once. Throws
    /// processkit::Error if it cannot start (not found, bad cwd, ...).
    basic_process(const executor_type& ex, const Command& command, const StartOptions& options = {})
        : basic_process(ex, nullptr, command, options) {}
    /// Spawns into a shared group (terminate/kill then reach the child only).
    basic_process(const executor_type& ex, ProcessGroup& group, const Command& command,
                  const StartOptions& options = {})
        : basic_process(ex, &group, command, options) {}
    /// Spawns `command` in a private group, on `context.get_executor()`.
    template <class ExecutionContext>
    requires std::is_convertible_v<ExecutionContext&, ::asio::execution_context&>
    basic_process(ExecutionContext& context, const Command& command,
                  const StartOptions& options = {})
        : basic_process(context.get_executor(), nullptr, command, options) {}
    /// Spawns into a shared group, on `context.get_executor()`.
    template <class ExecutionContext>
    requires std::is_convertible_v<ExecutionContext&, ::asio::execution_context&>
    basic_process(ExecutionContext& context, ProcessGroup& group, const Command& command,
                  const StartOptions& options = {})
        : basic_process(context.get_executor(), &group, command, options) {}

    /// Takes over the run; the moved-from object may only be destroyed or
    /// assigned to.
    basic_process(basic_process&& other) noexcept = default;
    /// Takes over the run; the run held before is let go as by the
    /// destructor (its tree killed, pending operations aborted).
    basic_process& operator=(basic_process&& other) noexcept {
        if (this != &other) {
            let_go();
            executor_ = std::move(other.executor_);
            run_ = std::move(other.run_);
        }
        return *this;
    }
    basic_process(const basic_process&) = delete;
    basic_process& operator=(const basic_process&) = delete;
    ~basic_process() { let_go(); }

    /// The executor given at construction (or the context's).
    executor_type get_executor() const noexcept { return executor_; }
    /// The direct child's process id. Safe from any thread.
    pid_t pid() const { return run_->pid(); }
    /// When the child was spawned. Safe from any thread.
    TimePoint started_at() const { return run_->started_at(); }
    /// Time since the spawn (it keeps growing after the run ended). Safe
    /// from any thread.
    Duration elapsed() const { return Clock::now() - run_->started_at(); }

    /// Graceful stop: SIGTERM to the tree, SIGKILL after the command's grace.
    void terminate() { run_->terminate(); }
    /// SIGKILL to the tree now.
    void kill() { run_->kill(); }

    /// Completes with the full result once the run has finished. The error
    /// code is set only when the result holds an Error (see above); a
    /// cancelled wait completes with operation_aborted and the child runs on.
    template <class Token = ::asio::default_completion_token_t<executor_type>>
    auto async_wait(Token&& token = {}) {
        return initiate<std::error_code, ProcessResult>(
            std::forward<Token>(token), [](auto& run, std::uint64_t id, auto completion) {
                run->async_result(id, std::move(completion), detail::OnCancel::StopWaiting);
            });
    }

    /// The next stdout line (needs StartOptions::line_reader, the default).
    template <class Token = ::asio::default_completion_token_t<executor_type>>
    auto async_read_line(Token&& token = {}) {
        return initiate<std::error_code, std::string>(
            std::forward<Token>(token), [](auto& run, std::uint64_t id, auto completion) {
                run->async_read_line(id, std::move(completion));
            });
    }

    /// The next line of either stream, in arrival order (needs
    /// StartOptions::event_reader).
    template <class Token = ::asio::default_completion_token_t<executor_type>>
    auto async_read_event(Token&& token = {}) {
        return initiate<std::error_code, OutputEvent>(
            std::forward<Token>(token), [](auto& run, std::uint64_t id, auto completion) {
                run->async_read_event(id, std::move(completion));
            });
    }

    /// Queues `bytes` for the child's stdin (Command::stdin_interactive());
    /// completes once all of them are written to the pipe.
    template <class Token = ::asio::default_completion_token_t<executor_type>>
    auto async_write(std::string_view bytes, Token&& token = {}) {
        return initiate<std::error_code, std::size_t>(
            std::forward<Token>(token),
            [bytes = std::string(bytes)](auto& run, std::uint64_t id, auto completion) mutable {
                run->async_write(id, std::move(bytes), std::move(completion));
            });
    }

    /// Closes stdin once what was written before is in the pipe.
    template <class Token = ::asio::default_completion_token_t<executor_type>>
    auto async_close_stdin(Token&& token = {}) {
        return initiate<std::error_code>(std::forward<Token>(token),
                                         [](auto& run, std::uint64_t id, auto completion) {
                                             run->async_close_stdin(id, std::move(completion));
                                         });
    }

    /// Samples the tree every `every` (the first sample at once) until the
    /// run ends, then completes with the run's profile (R4).
    template <class Token = ::asio::default_completion_token_t<executor_type>>
    auto async_profile(Duration every, Token&& token = {}) {
        return initiate<std::error_code, RunProfile>(
            std::forward<Token>(token), [every](auto& run, std::uint64_t id, auto completion) {
                run->async_profile(id, every, std::move(completion));
            });
    }

    /// Completes without error once `probe` passes, with ErrorKind::NotReady
    /// when it cannot within `deadline` (see above). A pure wait.
    template <class Token = ::asio::default_completion_token_t<executor_type>>
    auto async_wait_ready(const Readiness& probe, Duration deadline, Token&& token = {}) {
        return initiate<std::error_code>(
            std::forward<Token>(token),
            [probe, deadline](auto& run, std::uint64_t id, auto completion) mutable {
                run->async_wait_ready(id, std::move(probe), deadline, std::move(completion));
            });
    }

private:
    basic_process(const executor_type& ex, ProcessGroup* group, const Command& command,
                  const StartOptions& options)
        : executor_(ex)
        , run_(detail::Run::start(ex, command, group, options, detail::Run::Owner::Object)) {
        if (const auto& e = run_->spawn_error()) {
            throw *e;
        }
    }

    void let_go() noexcept {
        if (run_) {
            try {
                run_->abandon();
            } catch (...) {
                // Posting failed (out of memory): the tree is killed already.
            }
            run_.reset();
        }
    }

    template <class... Args, class Token, class Start>
    auto initiate(Token&& token, Start start) {
        return ::asio::async_initiate<Token, void(Args...)>(
            [](auto handler, std::shared_ptr<detail::Run> run, Start begin) {
                const auto id = run->next_op_id();
                detail::connect_cancellation(handler, run, id);
                auto completion =
                    detail::make_completion<Args...>(std::move(handler), run->io_executor());
                begin(run, id, std::move(completion));
            },
            token, run_, std::move(start));
    }

    executor_type executor_;
    std::shared_ptr<detail::Run> run_;
};

using Process = basic_process<>;

} // namespace processkit::asio
