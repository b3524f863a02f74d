#include "processkit/os/unique_fd.hpp"

#include "processkit/core/error.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <unistd.h>

namespace processkit::os {

void UniqueFd::reset(int fd) noexcept {
    if (fd_ >= 0) {
        // POSIX leaves the descriptor state unspecified after EINTR; on Linux
        // it is always closed, so retrying could close someone else's fd.
        ::close(fd_);
    }
    fd_ = fd;
}

int above_stdio(int fd) noexcept {
    return at_or_above(fd, 3);
}

int at_or_above(int fd, int lowest) noexcept {
    if (fd < 0 || fd >= lowest) {
        return fd;
    }
    const int moved = ::fcntl(fd, F_DUPFD_CLOEXEC, lowest);
    const int err = errno;
    ::close(fd);
    errno = err;
    return moved;
}

namespace {

Error io_error(std::string_view program, const std::string& what, int err) {
    return Error(ErrorKind::Io, std::string(program), what + ": " + std::strerror(err))
        .with_os_error(err);
}

} // namespace

Pipe make_child_pipe(ParentEnd parent_end) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw io_error({}, "cannot create a pipe", errno);
    }
    Pipe p{UniqueFd(above_stdio(fds[0])), UniqueFd(above_stdio(fds[1]))};
    if (!p.read || !p.write) {
        throw io_error({}, "cannot create a pipe", errno);
    }
    const int parent_fd = parent_end == ParentEnd::Read ? p.read.get() : p.write.get();
    const int flags = ::fcntl(parent_fd, F_GETFL);
    if (flags < 0 || ::fcntl(parent_fd, F_SETFL, flags | O_NONBLOCK) != 0) {
        throw io_error({}, "cannot make a pipe non-blocking", errno);
    }
    // The kernel's default size: a larger one here would be charged to the
    // user's pipe budget for every child, even a silent one (see widen_pipe).
    return p;
}

Pipe make_stage_pipe(std::string_view program) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        throw io_error(program, "cannot create the pipe to the next stage", errno);
    }
    Pipe p{UniqueFd(above_stdio(fds[0])), UniqueFd(above_stdio(fds[1]))};
    if (!p.read || !p.write) {
        throw io_error(program, "cannot create the pipe to the next stage", errno);
    }
    return p;
}

UniqueFd open_for_child(const char* path, bool for_writing, std::string_view program) {
    const int fd =
        above_stdio(::open(path, (for_writing ? O_WRONLY : O_RDONLY) | O_CLOEXEC | O_NOCTTY));
    if (fd < 0) {
        const int err = errno;
        const ErrorKind kind = err == ENOENT   ? ErrorKind::NotFound
                               : err == EACCES ? ErrorKind::PermissionDenied
                                               : ErrorKind::Io;
        throw Error(kind, std::string(program),
                    std::string("cannot open '") + path + "': " + std::strerror(err))
            .with_os_error(err)
            .with_path(path);
    }
    return UniqueFd(fd);
}

} // namespace processkit::os
