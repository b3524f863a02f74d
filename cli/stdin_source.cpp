#include "stdin_source.hpp"

#include "failure.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>

namespace pk {
namespace {

[[noreturn]] void cannot_read(const std::string& path, const std::string& why) {
    throw Failure(exit_pk_failed, "cannot read --stdin '" + path + "': " + why);
}

/// Waits until the FIFO has data or a writer that came and went (both end the
/// wait: PROGRAM then reads the data, or end of file), or a stop signal.
std::optional<int> wait_for_writer(int fd, StopSignals& signals) {
    for (;;) {
        pollfd fds[2] = {{fd, POLLIN, 0}, {signals.fd(), POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            throw Failure(exit_pk_failed, std::string("poll failed: ") + std::strerror(errno));
        }
        if (fds[1].revents != 0) {
            if (const auto n = signals.take()) {
                return n;
            }
        }
        if (fds[0].revents != 0) {
            return std::nullopt;
        }
    }
}

} // namespace

StdinSource open_stdin_source(const std::string& path, StopSignals& signals) {
    // O_NONBLOCK: opening a FIFO without a writer returns at once.
    // O_NOCTTY: a terminal named here never becomes pk's controlling one.
    StdinSource source;
    source.fd = processkit::os::UniqueFd(
        ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY));
    if (!source.fd) {
        cannot_read(path, std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(source.fd.get(), &st) != 0) {
        cannot_read(path, std::strerror(errno));
    }
    if (S_ISDIR(st.st_mode)) {
        cannot_read(path, "is a directory");
    }
    if (S_ISFIFO(st.st_mode)) {
        source.stopped_by = wait_for_writer(source.fd.get(), signals);
        if (source.stopped_by) {
            source.fd.reset();
            return source;
        }
    }
    // PROGRAM expects an ordinary blocking descriptor (the status flags are
    // shared with the child's copy).
    const int flags = ::fcntl(source.fd.get(), F_GETFL);
    if (flags < 0 || ::fcntl(source.fd.get(), F_SETFL, flags & ~O_NONBLOCK) != 0) {
        cannot_read(path, std::strerror(errno));
    }
    return source;
}

} // namespace pk
