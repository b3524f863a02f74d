#pragma once
// The Qt event loop as a driver::Watcher for any number of run drivers: a
// notifier per descriptor (handle_notifier.hpp), one single-shot QTimer for the earliest
// deadline. After every dispatch it calls `after_event` so the owner can
// collect what the drivers report (and re-arm for its own deadline).
//
// Thread-safety: a QObject helper; used from the owner's thread only.

#include "handle_notifier.hpp"
#include "processkit/driver/deadline_table.hpp"
#include "processkit/driver/run_driver.hpp"
#include "processkit/driver/watcher.hpp"

#include <QtCore/QObject>
#include <QtCore/QTimer>
#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>

namespace processkit::qt {

class DriverWatcher final : public driver::Watcher {
public:
    /// Notifiers and the timer are children of `owner`; `extra_deadline`
    /// gives the owner's own deadline (e.g. a pipeline's timeout).
    DriverWatcher(QObject* owner, std::function<void()> after_event,
                  std::function<std::optional<TimePoint>()> extra_deadline);
    DriverWatcher(const DriverWatcher&) = delete;
    DriverWatcher& operator=(const DriverWatcher&) = delete;
    ~DriverWatcher() override;

    void watch(driver::RunDriver& driver, os::NativeHandle fd, driver::FdRole role) override;
    void unwatch(driver::RunDriver& driver, os::NativeHandle fd, driver::FdRole role) override;
    void deadline_changed(driver::RunDriver& driver, std::optional<TimePoint> at) override;

    /// Arms the timer for the earliest deadline (the drivers' and the owner's).
    void rearm();
    /// Forgets every driver's deadline (they are being destroyed).
    void clear_deadlines() { deadlines_.clear(); }

private:
    struct Watch {
        HandleNotifier* notifier;
        driver::RunDriver* driver;
        driver::FdRole role;
        std::uint64_t serial;
    };
    void on_ready(os::NativeHandle fd, std::uint64_t serial);
    void on_timer();

    QObject* owner_;
    std::function<void()> after_event_;
    std::function<std::optional<TimePoint>()> extra_deadline_;
    QTimer* timer_;
    std::unordered_map<os::NativeHandle, Watch> watches_;
    driver::DeadlineTable deadlines_;
    std::uint64_t serial_ = 0;
    HandleNotifier* active_ = nullptr; ///< the notifier whose activation runs
};

} // namespace processkit::qt
