// async_output_all: a bounded number of runs in flight, results in input
// order. Its state lives on a strand; each run reports back to it.
#include "processkit/asio/operations.hpp"

#include <algorithm>
#include <asio/bind_executor.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>

namespace processkit::asio::detail {
namespace {

class OutputAll : public std::enable_shared_from_this<OutputAll> {
public:
    OutputAll(const ::asio::any_io_executor& ex, ProcessGroup* group, std::vector<Command> commands,
              std::size_t concurrency, AllCompletion completion)
        : ex_(ex)
        , strand_(::asio::make_strand(ex))
        , group_(group)
        , commands_(std::move(commands))
        , concurrency_(concurrency == 0 ? std::max<std::size_t>(commands_.size(), 1) : concurrency)
        , results_(commands_.size())
        , runs_(commands_.size())
        , ids_(commands_.size(), 0)
        , completion_(std::move(completion)) {}

    void begin() {
        ::asio::post(strand_, [self = shared_from_this()] { self->launch(); });
    }

    void request_cancel(::asio::cancellation_type type) {
        ::asio::post(strand_, [self = shared_from_this(), type] { self->cancel(type); });
    }

private:
    bool can_start() const {
        return running_ < concurrency_ && next_ < commands_.size() && !stopping_;
    }

    /// One start per turn of the executor: the runs that ended meanwhile are
    /// finished in between, not once every command has started (their
    /// output is read while they run, and a finished run's group goes back
    /// to the cache for the next start).
    void launch() {
        if (can_start()) {
            start_next();
        }
        if (can_start() && !launch_posted_) {
            launch_posted_ = true;
            ::asio::post(strand_, [self = shared_from_this()] {
                self->launch_posted_ = false;
                self->launch();
            });
        }
        finish_if_done();
    }

    void start_next() {
        const std::size_t i = next_++;
        StartOptions options;
        options.line_reader = false;
        auto run = Run::start(ex_, commands_[i], group_, options, Run::Owner::Operation);
        ids_[i] = run->next_op_id();
        ++running_;
        auto on_done = ::asio::bind_executor(
            strand_, [self = shared_from_this(), i](std::error_code, ProcessResult r) {
                self->done(i, std::move(r));
            });
        run->async_result(ids_[i],
                          make_completion<std::error_code, ProcessResult>(std::move(on_done), ex_),
                          OnCancel::StopRun);
        runs_[i] = std::move(run);
    }

    void done(std::size_t i, ProcessResult r) {
        results_[i] = std::move(r);
        runs_[i].reset();
        --running_;
        launch();
    }

    void cancel(::asio::cancellation_type type) {
        stopping_ = true;
        for (std::size_t i = 0; i < runs_.size(); ++i) {
            if (runs_[i]) {
                runs_[i]->request_cancel(ids_[i], type);
            }
        }
        finish_if_done();
    }

    void finish_if_done() {
        if (running_ > 0 || !completion_ || (next_ < commands_.size() && !stopping_)) {
            return;
        }
        for (std::size_t i = next_; i < commands_.size(); ++i) {
            results_[i].program = commands_[i].program();
            results_[i].outcome = Outcome::cancelled();
            results_[i].cancelled = true;
        }
        const std::error_code ec =
            stopping_ ? std::error_code(::asio::error::operation_aborted) : std::error_code();
        completion_.release()->complete(ec, std::move(results_));
    }

    ::asio::any_io_executor ex_;
    ::asio::strand<::asio::any_io_executor> strand_;
    ProcessGroup* group_; ///< every run in it; nullptr: a private group each
    std::vector<Command> commands_;
    std::size_t concurrency_;
    std::vector<ProcessResult> results_;
    std::vector<std::shared_ptr<Run>> runs_;
    std::vector<std::uint64_t> ids_;
    AllCompletion completion_;
    std::size_t next_ = 0;
    std::size_t running_ = 0;
    bool stopping_ = false;
    bool launch_posted_ = false; ///< a launch() is queued on the strand
};

struct CancelAll {
    std::weak_ptr<OutputAll> all;
    void operator()(::asio::cancellation_type type) const {
        if (auto a = all.lock()) {
            a->request_cancel(type);
        }
    }
};

} // namespace

void start_output_all(const ::asio::any_io_executor& ex, ProcessGroup* group,
                      std::vector<Command> commands, std::size_t concurrency,
                      AllCompletion completion, ::asio::cancellation_slot slot) {
    auto all = std::make_shared<OutputAll>(ex, group, std::move(commands), concurrency,
                                           std::move(completion));
    if (slot.is_connected()) {
        slot.emplace<CancelAll>(CancelAll{all});
    }
    all->begin();
}

} // namespace processkit::asio::detail
