#include "terminal_writer.hpp"

#include "processkit/blocking/reactor.hpp"

#include <cerrno>
#include <climits>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pk {
namespace {

bool same_terminal(int a, int b) {
    struct stat sa {};
    struct stat sb {};
    return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && S_ISCHR(sa.st_mode) &&
           sa.st_rdev == sb.st_rdev;
}

int open_again(const char* path) {
    return processkit::os::above_stdio(::open(path, O_WRONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC));
}

} // namespace

std::optional<TerminalWriter> TerminalWriter::open_stderr_terminal(std::string& why) {
    char name[PATH_MAX];
    processkit::os::UniqueFd fd;
    if (::ttyname_r(STDERR_FILENO, name, sizeof name) == 0) {
        fd.reset(open_again(name));
    }
    if (!fd) {
        fd.reset(open_again("/proc/self/fd/2")); // where /dev/pts names do not resolve
    }
    if (!fd || !same_terminal(fd.get(), STDERR_FILENO)) {
        why = std::string("cannot open the terminal of stderr again: ") +
              (fd ? "it is another device" : std::strerror(errno));
        return std::nullopt;
    }
    return TerminalWriter(std::move(fd));
}

void TerminalWriter::write(std::string_view bytes) {
    if (broken_ || bytes.empty()) {
        return;
    }
    if (!pending()) {
        queue_.clear();
        written_ = 0;
    }
    queue_.append(bytes);
    flush();
}

void TerminalWriter::flush() {
    while (pending() && !broken_) {
        const ssize_t n = ::write(fd_.get(), queue_.data() + written_, queue_.size() - written_);
        if (n > 0) {
            written_ += static_cast<std::size_t>(n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return; // the terminal takes no more now
        } else {
            broken_ = true; // hung up: nobody can see it any more
        }
    }
    if (!pending() || broken_) {
        queue_.clear();
        written_ = 0;
    }
}

void TerminalWriter::drain(int interrupt, std::optional<processkit::TimePoint> limit) {
    flush();
    while (pending()) {
        if (limit && processkit::Clock::now() >= *limit) {
            return;
        }
        pollfd fds[2] = {{fd_.get(), POLLOUT, 0}, {interrupt, POLLIN, 0}};
        ::poll(fds, 2, processkit::blocking::poll_timeout_ms(limit));
        if ((fds[1].revents & POLLIN) != 0) {
            return;
        }
        flush();
    }
}

std::size_t TerminalWriter::width() const {
    winsize size{};
    if (::ioctl(fd_.get(), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) {
        return size.ws_col;
    }
    return 80;
}

} // namespace pk
