// A pipeline on Asio: how the PipelineDriver's stage descriptors and
// deadlines become stream_descriptor waits and one timer on a strand, and how
// the operation completes. No decision is taken here: the core's
// PipelineMachine decides, the shared driver applies.
#include "processkit/asio/detail/pipeline_run.hpp"

#include "processkit/asio/detail/shutdown_registry.hpp"
#include "processkit/core/error_code.hpp"
#include "processkit/driver/pipeline_driver.hpp"

#include <asio/error.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

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

class PipelineRun final : public driver::Watcher,
                          public DropsOnShutdown,
                          public std::enable_shared_from_this<PipelineRun> {
public:
    PipelineRun(const ::asio::any_io_executor& ex, PipelineCompletion completion)
        : strand_(::asio::make_strand(ex))
        , timer_(strand_)
        , completion_(std::move(completion)) {}

    ~PipelineRun() override {
        driver_.reset(); // unregisters (and kills) while the descriptors exist
        for (auto& [fd, w] : watches_) {
            w.descriptor.release(); // the stage drivers own the descriptors
        }
    }

    /// On the initiating thread: the driver starts (spawns) here; handlers
    /// only run once this returned, from the strand.
    void begin(Pipeline pipeline, const GroupOptions& group) {
        try {
            driver_.emplace(std::move(pipeline), group, *this);
        } catch (const Error& e) {
            failed_ = e.kind();
            ::asio::post(strand_, [self = shared_from_this()] {
                self->armed_ = true;
                self->complete();
            });
            return;
        }
        driver_->start(Clock::now());
        ::asio::post(strand_, [self = shared_from_this()] { self->arm_all(); });
    }

    void request_cancel(::asio::cancellation_type type) {
        ::asio::post(strand_, [self = shared_from_this(), type] { self->cancel(type); });
    }

    // driver::Watcher: called by the stage drivers, on the strand (or in begin()).
    void watch(driver::RunDriver& driver, int fd, driver::FdRole role) override {
        Watch w{::asio::posix::stream_descriptor(strand_), &driver, role, ++serial_};
        std::error_code ec;
        w.descriptor.assign(fd, ec);
        if (ec) {
            return; // nothing a driver gives us is refused by epoll
        }
        auto [it, inserted] = watches_.insert_or_assign(fd, std::move(w));
        if (armed_) {
            arm(fd, it->second);
        }
    }

    void unwatch(driver::RunDriver&, int fd, driver::FdRole) override {
        auto it = watches_.find(fd);
        if (it != watches_.end()) {
            it->second.descriptor.release(); // cancels its wait; the driver closes the fd
            watches_.erase(it);
        }
    }

    void deadline_changed(driver::RunDriver& driver, std::optional<TimePoint> at) override {
        if (at) {
            deadlines_[&driver] = *at;
        } else {
            deadlines_.erase(&driver);
        }
        if (armed_) {
            reschedule();
        }
    }

    void drop_pending() noexcept override {
        [[maybe_unused]] auto dropped = std::move(completion_);
    }

private:
    struct Watch {
        ::asio::posix::stream_descriptor descriptor;
        driver::RunDriver* driver;
        driver::FdRole role;
        std::uint64_t serial;
    };

    void arm_all() {
        armed_ = true;
        for (auto& [fd, w] : watches_) {
            arm(fd, w);
        }
        if (pending_cancel_) {
            cancel(*std::exchange(pending_cancel_, std::nullopt));
            return;
        }
        after_event();
    }

    void arm(int fd, Watch& w) {
        w.descriptor.async_wait(wait_type_of(w.role),
                                [self = shared_from_this(), fd, serial = w.serial](
                                    std::error_code ec) { self->on_ready(fd, serial, ec); });
    }

    void on_ready(int fd, std::uint64_t serial, std::error_code ec) {
        auto it = watches_.find(fd);
        if (it == watches_.end() || it->second.serial != serial ||
            ec == ::asio::error::operation_aborted || !driver_) {
            return; // unwatched meanwhile (and maybe the number reused)
        }
        it->second.driver->on_ready(fd, it->second.role, Clock::now());
        it = watches_.find(fd);
        if (it != watches_.end() && it->second.serial == serial) {
            arm(fd, it->second); // still watched: wait again
        }
        after_event();
    }

    void on_timer(std::uint64_t serial, std::error_code ec) {
        if (serial != timer_serial_ || ec == ::asio::error::operation_aborted || !driver_) {
            return;
        }
        timer_at_.reset();
        const TimePoint now = Clock::now();
        // Copied: a driver's deadline_changed() edits the map while we walk it.
        std::vector<driver::RunDriver*> due;
        for (const auto& [driver, at] : deadlines_) {
            if (at <= now) {
                due.push_back(driver);
            }
        }
        for (auto* driver : due) {
            deadlines_.erase(driver);
            driver->on_deadline(now);
        }
        if (auto own = driver_->next_deadline(); own && *own <= now) {
            driver_->on_deadline(now);
        }
        after_event();
    }

    void cancel(::asio::cancellation_type type) {
        if (!armed_) {
            // begin() may still be spawning on the initiating thread: the
            // cancel applies once the strand owns the run (arm_all()).
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
            return;
        }
        driver_->update(Clock::now());
        if (driver_->finished()) {
            complete();
            return;
        }
        reschedule();
    }

    void reschedule() {
        std::optional<TimePoint> next = driver_ ? driver_->next_deadline() : std::nullopt;
        for (const auto& [driver, at] : deadlines_) {
            if (!next || at < *next) {
                next = at;
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
        timer_.expires_at(*next);
        timer_.async_wait([self = shared_from_this(), serial = timer_serial_](std::error_code ec) {
            self->on_timer(serial, ec);
        });
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
        ++timer_serial_;
        timer_.cancel();
        driver_.reset(); // the group goes: nothing of the pipeline outlives it
        completion_.release()->complete(ec, std::move(result));
    }

    ::asio::strand<::asio::any_io_executor> strand_;
    ::asio::steady_timer timer_;
    PipelineCompletion completion_;
    std::optional<ErrorKind> failed_;
    std::unordered_map<int, Watch> watches_;
    std::map<driver::RunDriver*, TimePoint> deadlines_;
    std::uint64_t serial_ = 0;
    std::optional<TimePoint> timer_at_;
    std::uint64_t timer_serial_ = 0;
    bool armed_ = false;
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
