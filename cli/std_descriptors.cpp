#include "std_descriptors.hpp"

#include <cerrno>
#include <fcntl.h>
#include <unistd.h>

namespace pk {
namespace {

bool closed_at_start[3] = {false, false, false};

} // namespace

void make_std_descriptors_valid() noexcept {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1 || errno != EBADF) {
            continue;
        }
        closed_at_start[fd] = true;
        // open() returns the lowest free descriptor: this one, as 0..fd-1
        // are valid by now. No O_CLOEXEC: a child inherits it like any stdio.
        const int opened = ::open("/dev/null", O_RDWR | O_NOCTTY);
        if (opened >= 0 && opened != fd) {
            ::dup2(opened, fd);
            ::close(opened);
        }
    }
}

bool std_descriptor_was_closed(int fd) noexcept {
    return fd >= 0 && fd <= 2 && closed_at_start[fd];
}

} // namespace pk
