#include "processkit/blocking/reactor.hpp"

#include "processkit/os/unique_fd.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <sys/epoll.h>

namespace processkit::blocking {
namespace {

std::uint32_t events_for(driver::FdRole role) {
    switch (role) {
    case driver::FdRole::Stdin:
        return EPOLLOUT;
    case driver::FdRole::Group:
        return EPOLLPRI;
    default:
        return EPOLLIN;
    }
}

} // namespace

struct Reactor::Loop {
    os::UniqueFd epoll;
};

Reactor::Reactor()
    : loop_(std::make_unique<Loop>()) {
    loop_->epoll = os::UniqueFd(os::above_stdio(::epoll_create1(EPOLL_CLOEXEC)));
    if (!loop_->epoll) {
        const int err = errno;
        throw Error(ErrorKind::Io, {},
                    std::string("cannot create an epoll instance: ") + std::strerror(err))
            .with_os_error(err);
    }
}

Reactor::~Reactor() = default;

os::NativeHandle Reactor::fd() const {
    return loop_->epoll.get();
}

void Reactor::watch(driver::RunDriver& driver, int fd, driver::FdRole role) {
    epoll_event ev{};
    ev.events = events_for(role);
    ev.data.fd = fd;
    if (::epoll_ctl(loop_->epoll.get(), EPOLL_CTL_ADD, fd, &ev) != 0) {
        const int err = errno;
        throw Error(ErrorKind::Io, {},
                    std::string("cannot watch a descriptor: ") + std::strerror(err))
            .with_os_error(err);
    }
    fds_[fd] = {&driver, role};
}

void Reactor::unwatch(driver::RunDriver&, int fd, driver::FdRole) {
    if (fds_.erase(fd) != 0) {
        ::epoll_ctl(loop_->epoll.get(), EPOLL_CTL_DEL, fd, nullptr);
    }
}

bool Reactor::run_once(std::optional<TimePoint> until) {
    if (idle()) {
        return false;
    }
    const auto wake = wake_at(until);
    std::array<epoll_event, 64> events;
    int n = ::epoll_wait(loop_->epoll.get(), events.data(), static_cast<int>(events.size()),
                         poll_timeout_ms(wake));
    if (n < 0) {
        if (errno != EINTR) {
            const int err = errno;
            throw Error(ErrorKind::Io, {}, std::string("epoll_wait failed: ") + std::strerror(err))
                .with_os_error(err);
        }
        n = 0;
    }
    for (int i = 0; i < n; ++i) {
        // A dispatch may close and unwatch other descriptors of this batch:
        // look each one up again rather than trusting the event's copy.
        const auto it = fds_.find(events[static_cast<std::size_t>(i)].data.fd);
        if (it == fds_.end()) {
            continue;
        }
        const Registration r = it->second;
        r.driver->on_ready(it->first, r.role, Clock::now());
    }
    deadlines_.fire_due(Clock::now());
    return true;
}

} // namespace processkit::blocking
