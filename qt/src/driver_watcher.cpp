// How run drivers wait on the Qt event loop. Nothing is decided here.
#include "driver_watcher.hpp"

#include <algorithm>
#include <climits>

namespace processkit::qt {
namespace {} // namespace

DriverWatcher::DriverWatcher(QObject* owner, std::function<void()> after_event,
                             std::function<std::optional<TimePoint>()> extra_deadline)
    : owner_(owner)
    , after_event_(std::move(after_event))
    , extra_deadline_(std::move(extra_deadline))
    , timer_(new QTimer(owner)) {
    timer_->setSingleShot(true);
    timer_->setTimerType(Qt::PreciseTimer);
    QObject::connect(timer_, &QTimer::timeout, owner_, [this] { on_timer(); });
}

DriverWatcher::~DriverWatcher() {
    for (auto& [fd, w] : watches_) {
        delete w.notifier;
    }
    delete timer_;
}

void DriverWatcher::watch(driver::RunDriver& driver, os::NativeHandle fd, driver::FdRole role) {
    auto* n = make_notifier(fd, role, owner_);
    const std::uint64_t s = ++serial_;
    QObject::connect(n, &HandleNotifier::activated, owner_, [this, fd, s] { on_ready(fd, s); });
    watches_[fd] = Watch{n, &driver, role, s};
}

void DriverWatcher::unwatch(driver::RunDriver&, os::NativeHandle fd, driver::FdRole) {
    auto it = watches_.find(fd);
    if (it == watches_.end()) {
        return;
    }
    HandleNotifier* n = it->second.notifier;
    watches_.erase(it);
    n->setEnabled(false); // unregistered now, before the driver closes the number
    if (n == active_) {
        n->disconnect(owner_);
        n->deleteLater(); // we are inside its activation
        active_ = nullptr;
    } else {
        delete n;
    }
}

void DriverWatcher::deadline_changed(driver::RunDriver& driver, std::optional<TimePoint> at) {
    deadlines_.set(driver, at);
    rearm();
}

void DriverWatcher::rearm() {
    std::optional<TimePoint> next = extra_deadline_ ? extra_deadline_() : std::nullopt;
    if (auto d = deadlines_.next(); d && (!next || *d < *next)) {
        next = d;
    }
    if (!next) {
        timer_->stop();
        return;
    }
    const auto wait = std::chrono::ceil<std::chrono::milliseconds>(*next - Clock::now());
    timer_->start(std::chrono::milliseconds(std::clamp<std::int64_t>(wait.count(), 0, INT_MAX)));
}

void DriverWatcher::on_ready(os::NativeHandle fd, std::uint64_t serial) {
    auto it = watches_.find(fd);
    if (it == watches_.end() || it->second.serial != serial) {
        return; // unwatched meanwhile
    }
    active_ = it->second.notifier;
    it->second.driver->on_ready(fd, it->second.role, Clock::now());
    active_ = nullptr;
    after_event_();
}

void DriverWatcher::on_timer() {
    deadlines_.fire_due(Clock::now());
    after_event_(); // the owner handles its own deadline here
    rearm();
}

} // namespace processkit::qt
