// Descriptor waits and one timer on a strand, for any number of run drivers.
#include "processkit/asio/detail/strand_watcher.hpp"

#include <asio/error.hpp>

namespace processkit::asio::detail {
namespace {

HandleWait::Kind wait_kind_of(driver::FdRole role) {
    switch (role) {
    case driver::FdRole::Stdin:
        return HandleWait::Kind::Write;
    case driver::FdRole::Group:
        return HandleWait::Kind::Priority; // POLLPRI on cgroup.events
    default:
        return HandleWait::Kind::Read;
    }
}

} // namespace

StrandWatcher::StrandWatcher(const Strand& strand, std::function<void()> on_event,
                             std::function<std::optional<TimePoint>()> own_deadline)
    : strand_(strand)
    , on_event_(std::move(on_event))
    , own_deadline_(std::move(own_deadline))
    , timer_(strand_) {}

StrandWatcher::~StrandWatcher() {
    release_all();
}

void StrandWatcher::release_all() noexcept {
    for (auto& [fd, w] : watches_) {
        w->wait.release(); // the driver owns (and closes) the descriptor
    }
    watches_.clear();
}

void StrandWatcher::arm_all() {
    armed_ = true;
    for (auto& [fd, w] : watches_) {
        arm(fd, *w);
    }
    reschedule(); // deadlines reported before we could arm
}

void StrandWatcher::watch(driver::RunDriver& driver, os::NativeHandle fd, driver::FdRole role) {
    std::error_code ec;
    auto w = std::unique_ptr<Watch>(
        new Watch{HandleWait(strand_, fd, wait_kind_of(role), ec), &driver, role, ++serial_});
    if (ec) {
        // epoll refuses only descriptors that cannot be waited on; nothing a
        // driver gives us is one. Keep the run going on the others.
        return;
    }
    auto& ref = *w;
    watches_[fd] = std::move(w);
    if (armed_) {
        arm(fd, ref);
    }
}

void StrandWatcher::unwatch(driver::RunDriver&, os::NativeHandle fd, driver::FdRole) {
    auto it = watches_.find(fd);
    if (it == watches_.end()) {
        return;
    }
    it->second->wait.release(); // cancels its wait; the driver closes the fd
    watches_.erase(it);
}

void StrandWatcher::deadline_changed(driver::RunDriver& driver, std::optional<TimePoint> at) {
    deadlines_.set(driver, at);
    if (armed_) {
        reschedule();
    }
}

void StrandWatcher::arm(os::NativeHandle fd, Watch& w) {
    w.wait.async_wait([this, keep = owner_.lock(), fd, serial = w.serial](std::error_code ec) {
        on_ready(fd, serial, ec);
    });
}

void StrandWatcher::on_ready(os::NativeHandle fd, std::uint64_t serial, std::error_code ec) {
    auto it = watches_.find(fd);
    if (it == watches_.end() || it->second->serial != serial ||
        ec == ::asio::error::operation_aborted) {
        return; // unwatched meanwhile (and maybe the number reused)
    }
    it->second->driver->on_ready(fd, it->second->role, Clock::now());
    // Still watched (same registration)? Then wait again.
    it = watches_.find(fd);
    if (it != watches_.end() && it->second->serial == serial) {
        arm(fd, *it->second);
    }
    on_event_();
}

void StrandWatcher::reschedule() {
    if (stopped_) {
        return;
    }
    std::optional<TimePoint> next = own_deadline_ ? own_deadline_() : std::nullopt;
    if (auto d = deadlines_.next(); d && (!next || *d < *next)) {
        next = d;
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
    timer_.expires_at(*next); // cancels the wait in flight
    timer_.async_wait([this, keep = owner_.lock(), serial = timer_serial_](std::error_code ec) {
        on_timer(serial, ec);
    });
}

void StrandWatcher::stop_timer() {
    stopped_ = true;
    timer_at_.reset();
    ++timer_serial_;
    timer_.cancel();
}

void StrandWatcher::on_timer(std::uint64_t serial, std::error_code ec) {
    if (serial != timer_serial_ || ec == ::asio::error::operation_aborted || stopped_) {
        return;
    }
    timer_at_.reset();
    deadlines_.fire_due(Clock::now());
    on_event_(); // the owner handles its own deadlines here
    reschedule();
}

} // namespace processkit::asio::detail
