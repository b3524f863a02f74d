#include "stop_signals.hpp"

#include "processkit/core/error.hpp"

#include <cerrno>
#include <cstring>
#include <string>
#include <sys/signalfd.h>
#include <unistd.h>

namespace pk {

StopSignals::StopSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (const int s : {SIGINT, SIGTERM, SIGHUP}) {
        struct sigaction current {};
        if (::sigaction(s, nullptr, &current) == 0 && current.sa_handler == SIG_IGN) {
            continue; // inherited as ignored: leave it so
        }
        sigaddset(&set, s);
    }
    ::sigprocmask(SIG_BLOCK, &set, &previous_mask_);
    fd_ = processkit::os::UniqueFd(::signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd_) {
        const int err = errno;
        ::sigprocmask(SIG_SETMASK, &previous_mask_, nullptr);
        throw processkit::Error(processkit::ErrorKind::Io, {},
                                std::string("cannot create a signalfd: ") + std::strerror(err));
    }
}

StopSignals::~StopSignals() {
    fd_.reset();
    ::sigprocmask(SIG_SETMASK, &previous_mask_, nullptr);
}

std::optional<int> StopSignals::take() {
    signalfd_siginfo info{};
    const ssize_t n = ::read(fd_.get(), &info, sizeof info);
    if (n != static_cast<ssize_t>(sizeof info)) {
        return std::nullopt;
    }
    return static_cast<int>(info.ssi_signo);
}

} // namespace pk
