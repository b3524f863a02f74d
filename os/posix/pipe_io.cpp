#include "processkit/os/pipe_io.hpp"

#include <cerrno>
#include <ctime>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

namespace processkit::os {

ssize_t write_no_sigpipe(int fd, const char* data, std::size_t size) noexcept {
    // Block SIGPIPE for this thread only; if our write raised one and none was
    // pending before, take it back off the queue so nobody ever sees it.
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    sigset_t pending;
    sigpending(&pending);
    const bool was_pending = sigismember(&pending, SIGPIPE) == 1;
    sigset_t old_mask;
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old_mask);
    ssize_t n;
    do {
        n = ::write(fd, data, size);
    } while (n < 0 && errno == EINTR);
    const int err = errno;
    if (n < 0 && err == EPIPE && !was_pending) {
        const timespec zero{0, 0};
        while (sigtimedwait(&pipe_only, nullptr, &zero) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
    return n < 0 ? -err : n;
}

ssize_t read_some(int fd, char* data, std::size_t size) noexcept {
    ssize_t n;
    do {
        n = ::read(fd, data, size);
    } while (n < 0 && errno == EINTR);
    return n < 0 ? -errno : n;
}

bool widen_pipe(int fd) noexcept {
#if defined(F_SETPIPE_SZ) && defined(F_GETPIPE_SZ)
    const int now = ::fcntl(fd, F_GETPIPE_SZ);
    if (now >= static_cast<int>(bulk_pipe_bytes)) {
        return true;
    }
    // Refused past pipe-max-size or, for an unprivileged user, past the
    // pipe budget (EPERM): the pipe keeps its size and still works.
    return now >= 0 && ::fcntl(fd, F_SETPIPE_SZ, static_cast<int>(bulk_pipe_bytes)) >= 0;
#else
    (void)fd;
    return false;
#endif
}

} // namespace processkit::os
