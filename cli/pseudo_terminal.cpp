#include "pseudo_terminal.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

namespace pk {
namespace {

constexpr std::size_t read_bytes = 64 * 1024;

std::string failed(const char* what) {
    return std::string(what) + ": " + std::strerror(errno);
}

} // namespace

std::optional<PseudoTerminal> PseudoTerminal::open_like(int model, std::string& why) {
    PseudoTerminal t;
    t.reader_.reset(
        processkit::os::above_stdio(::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC | O_NONBLOCK)));
    if (!t.reader_) {
        why = failed("cannot open a pseudo-terminal");
        return std::nullopt;
    }
    char name[PATH_MAX];
    if (::grantpt(t.reader_.get()) != 0 || ::unlockpt(t.reader_.get()) != 0 ||
        ::ptsname_r(t.reader_.get(), name, sizeof name) != 0) {
        why = failed("cannot set up a pseudo-terminal");
        return std::nullopt;
    }
    t.child_end_.reset(processkit::os::above_stdio(::open(name, O_RDWR | O_NOCTTY | O_CLOEXEC)));
    if (!t.child_end_) {
        why = failed("cannot open the pseudo-terminal's child end");
        return std::nullopt;
    }
    termios settings{};
    if (::tcgetattr(model, &settings) == 0) {
        settings.c_oflag &= ~static_cast<tcflag_t>(OPOST);
        ::tcsetattr(t.child_end_.get(), TCSANOW, &settings);
    }
    t.follow_size(model);
    t.buffer_.resize(read_bytes);
    return t;
}

void PseudoTerminal::follow_size(int model) {
    winsize now{};
    if (::ioctl(model, TIOCGWINSZ, &now) != 0) {
        return;
    }
    if (now.ws_row != size_.ws_row || now.ws_col != size_.ws_col ||
        now.ws_xpixel != size_.ws_xpixel || now.ws_ypixel != size_.ws_ypixel) {
        size_ = now;
        ::ioctl(reader_.get(), TIOCSWINSZ, &size_);
    }
}

PseudoTerminal::Read PseudoTerminal::read_some(std::string_view& data) {
    for (;;) {
        const ssize_t n = ::read(reader_.get(), buffer_.data(), buffer_.size());
        if (n > 0) {
            data = std::string_view(buffer_.data(), static_cast<std::size_t>(n));
            return Read::Data;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return Read::Nothing;
        }
        // Linux says EIO once the last child end is closed, others 0.
        return Read::Closed;
    }
}

} // namespace pk
