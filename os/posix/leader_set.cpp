#include "processkit/os/leader_set.hpp"

#include <algorithm>
#include <cerrno>
#include <poll.h>
#include <signal.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/syscall.h>
#endif

namespace processkit::os {
namespace {

/// pidfd_send_signal; -1 with errno ENOSYS where there are no pidfds.
int pidfd_signal(int pidfd, int sig) noexcept {
#if defined(__linux__) && defined(SYS_pidfd_send_signal)
    return static_cast<int>(::syscall(SYS_pidfd_send_signal, pidfd, sig, nullptr, 0));
#else
    (void)pidfd;
    (void)sig;
    errno = ENOSYS;
    return -1;
#endif
}

/// Whether number `e.id` may still be used for the group (see the header).
bool number_is_ours(const LeaderSet::Entry& e) noexcept {
    if (!e.pidfd) {
        return true; // no pidfds here: the number is all we have
    }
    if (pidfd_signal(e.pidfd.get(), 0) == 0) {
        return true; // the leader is not reaped: it pins the number
    }
    return ::kill(e.id, 0) != 0 && errno == ESRCH;
}

/// Whether a single process has exited (a pidfd turns readable then).
bool exited(const LeaderSet::Entry& e) noexcept {
    if (!e.pidfd) {
        return ::kill(e.id, 0) != 0 && errno == ESRCH;
    }
    pollfd p{e.pidfd.get(), POLLIN, 0};
    return ::poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP)) != 0;
}

bool exists(const LeaderSet::Entry& e) noexcept {
    if (!e.group) {
        return !exited(e);
    }
    // Signal 0 checks existence; EPERM still means "exists".
    return number_is_ours(e) && (::kill(-e.id, 0) == 0 || errno == EPERM);
}

void send(const LeaderSet::Entry& e, int sig) noexcept {
    if (e.group) {
        if (number_is_ours(e)) {
            ::kill(-e.id, sig);
        }
    } else if (!e.pidfd || (pidfd_signal(e.pidfd.get(), sig) != 0 && errno == ENOSYS)) {
        ::kill(e.id, sig);
    }
}

} // namespace

LeaderSet::Entry& LeaderSet::add(pid_t id, UniqueFd pidfd, bool group) {
    Entry e;
    e.id = id;
    e.pidfd = std::move(pidfd);
    e.group = group;
    entries_.push_back(std::move(e));
    return entries_.back();
}

void LeaderSet::signal_all(int sig) const noexcept {
    for (const auto& e : entries_) {
        send(e, sig);
    }
}

std::vector<pid_t> LeaderSet::live() const {
    std::vector<pid_t> out;
    for (const auto& e : entries_) {
        if (exists(e)) {
            out.push_back(e.id);
        }
    }
    return out;
}

std::vector<pid_t> LeaderSet::group_ids() const {
    std::vector<pid_t> out;
    for (const auto& e : entries_) {
        if (e.group && number_is_ours(e)) {
            out.push_back(e.id);
        }
    }
    return out;
}

std::vector<pid_t> LeaderSet::live_processes() const {
    std::vector<pid_t> out;
    for (const auto& e : entries_) {
        if (!e.group && !exited(e)) {
            out.push_back(e.id);
        }
    }
    return out;
}

std::vector<LeaderSet::Entry> LeaderSet::prune() {
    std::vector<Entry> gone;
    auto keep = entries_.begin();
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
        if (exists(*it)) {
            if (keep != it) {
                *keep = std::move(*it);
            }
            ++keep;
        } else {
            gone.push_back(std::move(*it));
        }
    }
    entries_.erase(keep, entries_.end());
    return gone;
}

} // namespace processkit::os
