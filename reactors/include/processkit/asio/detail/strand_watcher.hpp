#pragma once
// How run drivers wait on Asio: each descriptor a stream_descriptor wait
// (Windows: each handle an object_handle wait, handle_wait.hpp),
// every deadline (the drivers' and the owner's own) one steady_timer, all on
// the owner's strand. After every dispatch it calls the owner's `on_event`.
// Used by a single run (Run) and by a pipeline's stages (PipelineRun); it
// decides nothing.
//
// The pending waits keep the owner alive (the `keep_alive` it was given);
// release_all() lets go of the descriptors, which belong to the drivers.
//
// Thread-safety: strand only (and the owner's constructor, before any wait).

#include "processkit/asio/detail/handle_wait.hpp"
#include "processkit/asio/export.hpp"
#include "processkit/driver/deadline_table.hpp"
#include "processkit/driver/watcher.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/steady_timer.hpp>
#include <asio/strand.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <unordered_map>

namespace processkit::asio::detail {

class PROCESSKIT_ASIO_EXPORT StrandWatcher final : public driver::Watcher {
public:
    using Strand = ::asio::strand<::asio::any_io_executor>;

    /// `on_event` runs after each dispatch (and when the timer fires); the
    /// owner's own next deadline comes from `own_deadline`.
    StrandWatcher(const Strand& strand, std::function<void()> on_event,
                  std::function<std::optional<TimePoint>()> own_deadline);
    ~StrandWatcher() override;

    /// Who the pending waits keep alive (set once, before arm_all()).
    void keep_alive(std::weak_ptr<void> owner) { owner_ = std::move(owner); }
    /// Starts waiting (the descriptors registered before, then every new one).
    void arm_all();
    /// Re-arms the timer for the earliest deadline, if it changed.
    void reschedule();
    /// No more timer wake-ups (the run is over).
    void stop_timer();
    /// Lets go of every descriptor without closing it (the drivers own them).
    void release_all() noexcept;
    bool armed() const { return armed_; }

    // driver::Watcher
    void watch(driver::RunDriver& driver, os::NativeHandle fd, driver::FdRole role) override;
    void unwatch(driver::RunDriver& driver, os::NativeHandle fd, driver::FdRole role) override;
    void deadline_changed(driver::RunDriver& driver, std::optional<TimePoint> at) override;

private:
    struct Watch {
        HandleWait wait;
        driver::RunDriver* driver;
        driver::FdRole role;
        std::uint64_t serial;
    };
    void arm(os::NativeHandle fd, Watch& w);
    void on_ready(os::NativeHandle fd, std::uint64_t serial, std::error_code ec);
    void on_timer(std::uint64_t serial, std::error_code ec);

    Strand strand_;
    std::function<void()> on_event_;
    std::function<std::optional<TimePoint>()> own_deadline_;
    std::weak_ptr<void> owner_;
    ::asio::steady_timer timer_;
    std::unordered_map<os::NativeHandle, std::unique_ptr<Watch>> watches_;
    driver::DeadlineTable deadlines_;
    std::uint64_t serial_ = 0;
    std::optional<TimePoint> timer_at_;
    std::uint64_t timer_serial_ = 0;
    bool armed_ = false;
    bool stopped_ = false;
};

} // namespace processkit::asio::detail
