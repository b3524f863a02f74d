#include "processkit/blocking/wait_ready.hpp"

#include "processkit/blocking/reactor.hpp"

#include <poll.h>

namespace processkit::blocking {

std::vector<bool> wait_ready(const std::vector<os::NativeHandle>& handles,
                             std::optional<TimePoint> deadline) {
    std::vector<pollfd> fds;
    fds.reserve(handles.size());
    for (int fd : handles) {
        fds.push_back({fd, POLLIN, 0});
    }
    ::poll(fds.data(), fds.size(), poll_timeout_ms(deadline)); // EINTR: callers look again
    std::vector<bool> ready;
    ready.reserve(fds.size());
    for (const auto& p : fds) {
        ready.push_back((p.revents & POLLIN) != 0);
    }
    return ready;
}

} // namespace processkit::blocking
