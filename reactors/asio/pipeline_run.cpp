// A pipeline on Asio: how the PipelineDriver's stage descriptors and
// deadlines become stream_descriptor waits and one timer on a strand, and how
// the operation completes. No decision is taken here: the core's
// PipelineMachine decides, the shared driver applies.
#include "processkit/asio/detail/pipeline_run.hpp"

#include "processkit/asio/detail/shutdown_registry.hpp"
#include "processkit/asio/detail/strand_watcher.hpp"
#include "processkit/core/error_code.hpp"
#include "processkit/driver/pipeline_driver.hpp"

#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/strand.hpp>
#include <memory>
#include <optional>
#include <utility>

namespace processkit::asio::detail {
namespace {

/// The code the operation completes with when the pipeline ran.
std::error_code code_of(const PipelineResult& r) {
    if (r.cancelled()) {
        return ::asio::error::operation_aborted;
    }
    for (const auto& stage : r.stages) {
        if (stage.result.error) {
            return make_error_code(stage.result.error->kind());
        }
    }
    return {};
}

class PipelineRun final : public DropsOnShutdown, public std::enable_shared_from_this<PipelineRun> {
public:
    PipelineRun(const ::asio::any_io_executor& ex, PipelineCompletion completion)
        : strand_(::asio::make_strand(ex))
        , watcher_(
              strand_, [this] { after_event(); },
              [this]() -> std::optional<TimePoint> {
                  return driver_ ? driver_->next_deadline() : std::nullopt;
              })
        , completion_(std::move(completion)) {}

    ~PipelineRun() override {
        driver_.reset(); // unregisters (and kills) while the watches exist
    }

    /// On the initiating thread: the driver starts (spawns) here; handlers
    /// only run once this returned, from the strand.
    void begin(Pipeline pipeline, const GroupOptions& group) {
        watcher_.keep_alive(weak_from_this());
        try {
            driver_.emplace(std::move(pipeline), group, watcher_);
        } catch (const Error& e) {
            failed_ = e.kind();
        }
        if (driver_) {
            driver_->start(Clock::now());
        }
        ::asio::post(strand_, [self = shared_from_this()] { self->arm(); });
    }

    void request_cancel(::asio::cancellation_type type) {
        ::asio::post(strand_, [self = shared_from_this(), type] { self->cancel(type); });
    }

    void drop_pending() noexcept override {
        [[maybe_unused]] auto dropped = std::move(completion_);
    }

private:
    void arm() {
        watcher_.arm_all();
        if (pending_cancel_) {
            cancel(*std::exchange(pending_cancel_, std::nullopt));
            return;
        }
        after_event();
    }

    void cancel(::asio::cancellation_type type) {
        if (!watcher_.armed()) {
            // begin() may still be spawning on the initiating thread: the
            // cancel applies once the strand owns the run (arm()).
            pending_cancel_ = pending_cancel_ ? (*pending_cancel_ | type) : type;
            return;
        }
        if (!driver_ || driver_->finished()) {
            return;
        }
        const TimePoint now = Clock::now();
        driver_->cancel(now);
        if ((type & ::asio::cancellation_type::terminal) != ::asio::cancellation_type::none) {
            driver_->cancel(now); // a second cancel does not wait for the grace
        }
        after_event();
    }

    void after_event() {
        if (!driver_) {
            complete(); // it could not run at all
            return;
        }
        const TimePoint now = Clock::now();
        driver_->update(now);
        if (auto own = driver_->next_deadline(); own && *own <= now) {
            driver_->on_deadline(now);
        }
        if (driver_->finished()) {
            complete();
            return;
        }
        watcher_.reschedule();
    }

    void complete() {
        if (!completion_) {
            return;
        }
        PipelineResult result;
        std::error_code ec;
        if (failed_) {
            ec = make_error_code(*failed_);
        } else {
            result = *driver_->take_result();
            ec = code_of(result);
        }
        watcher_.stop_timer();
        driver_.reset(); // the group goes: nothing of the pipeline outlives it
        completion_.release()->complete(ec, std::move(result));
    }

    ::asio::strand<::asio::any_io_executor> strand_;
    StrandWatcher watcher_;
    PipelineCompletion completion_;
    std::optional<ErrorKind> failed_;
    std::optional<::asio::cancellation_type> pending_cancel_;
    // Last: destroyed first, while the watches it unregisters still exist.
    std::optional<driver::PipelineDriver> driver_;
};

struct CancelPipeline {
    std::weak_ptr<PipelineRun> run;
    void operator()(::asio::cancellation_type type) const {
        if (auto r = run.lock()) {
            r->request_cancel(type);
        }
    }
};

} // namespace

void start_pipeline(const ::asio::any_io_executor& ex, Pipeline pipeline, GroupOptions group,
                    PipelineCompletion completion, ::asio::cancellation_slot slot) {
    auto run = std::make_shared<PipelineRun>(ex, std::move(completion));
    ShutdownRegistry::enroll(ex, run);
    if (slot.is_connected()) {
        slot.emplace<CancelPipeline>(CancelPipeline{run});
    }
    run->begin(std::move(pipeline), group);
}

} // namespace processkit::asio::detail
