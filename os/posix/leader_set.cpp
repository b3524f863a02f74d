#include "processkit/os/leader_set.hpp"

#include <algorithm>
#include <cerrno>
#include <signal.h>

namespace processkit::os {

bool LeaderSet::exists(pid_t id) const noexcept {
    // Signal 0 checks existence; EPERM still means "exists".
    return ::kill(groups_ ? -id : id, 0) == 0 || errno == EPERM;
}

void LeaderSet::signal_all(int sig) const noexcept {
    for (pid_t id : ids_) {
        ::kill(groups_ ? -id : id, sig);
    }
}

std::vector<pid_t> LeaderSet::live() const {
    std::vector<pid_t> out;
    std::copy_if(ids_.begin(), ids_.end(), std::back_inserter(out),
                 [&](pid_t id) { return exists(id); });
    return out;
}

std::vector<pid_t> LeaderSet::prune() {
    std::vector<pid_t> gone;
    std::erase_if(ids_, [&](pid_t id) {
        if (exists(id)) {
            return false;
        }
        gone.push_back(id);
        return true;
    });
    return gone;
}

} // namespace processkit::os
