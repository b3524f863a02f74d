#include "run_platform.hpp"

#include "failure.hpp"
#include "processkit/blocking/reactor.hpp"
#include "processkit/os/owner_guard.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <poll.h>
#include <sys/stat.h>

namespace pk {

void check_cwd(const std::optional<std::string>& cwd) {
    if (cwd) {
        struct stat st {};
        if (::stat(cwd->c_str(), &st) != 0) {
            throw Failure(exit_pk_failed,
                          "cannot use --cwd '" + *cwd + "': " + std::strerror(errno));
        }
        if (!S_ISDIR(st.st_mode)) {
            throw Failure(exit_pk_failed, "cannot use --cwd '" + *cwd + "': not a directory");
        }
    }
}

std::string guard_error() {
    return processkit::os::OwnerGuard::last_error();
}

bool guard_alive() {
    auto* guard = processkit::os::OwnerGuard::instance();
    return guard != nullptr && guard->alive();
}

void wait_for_signal_or_empty(processkit::ProcessGroup& group, StopSignals& signals,
                              processkit::TimePoint until) {
    pollfd fds[2] = {{signals.fd(), POLLIN, 0}, {group.events_fd(), POLLPRI, 0}};
    // cgroup.events says when the tree empties; /proc has to be re-read.
    const bool events = group.events_fd() >= 0;
    const int timeout = std::min(processkit::blocking::poll_timeout_ms(until), events ? 1000 : 10);
    ::poll(fds, events ? 2 : 1, timeout);
}

} // namespace pk
