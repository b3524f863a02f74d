#include "live_status.hpp"

#include "processkit/blocking/reactor.hpp"
#include "processkit/blocking/wait_ready.hpp"
#include "pseudo_terminal.hpp"
#include "status_choice.hpp"
#include "status_line.hpp"
#include "status_meter.hpp"
#include "status_text.hpp"
#include "terminal_writer.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

namespace pk {
namespace {

using namespace std::chrono_literals;
using processkit::Clock;
using processkit::TimePoint;

constexpr auto redraw_every = 250ms; // a few updates a second, without flicker
/// How long finish() waits for output of processes that escaped the kill.
constexpr auto drain_limit = 1s;
/// At most this many reads (64 KiB each) per pump: a flood of output does
/// not keep pk from its signals and its clock.
constexpr int reads_per_pump = 16;

bool same_device(int a, int b) {
    struct stat sa {};
    struct stat sb {};
    return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && S_ISCHR(sa.st_mode) &&
           S_ISCHR(sb.st_mode) && sa.st_rdev == sb.st_rdev;
}

/// pk's process group is the terminal's foreground one, or the terminal is
/// not pk's controlling terminal (no job control: nobody else draws there).
bool in_foreground(int terminal) {
    const pid_t foreground = ::tcgetpgrp(terminal);
    return foreground < 0 || foreground == ::getpgrp();
}

std::optional<TimePoint> earliest(std::optional<TimePoint> a, std::optional<TimePoint> b) {
    if (!a || !b) {
        return a ? a : b;
    }
    return std::min(*a, *b);
}

} // namespace

struct LiveStatus::Impl {
    Impl(std::optional<processkit::Duration> timeout, bool counts_groups)
        : line(redraw_every)
        , meter(timeout, counts_groups) {}

    bool active() const { return terminal.has_value(); }
    bool reading() const { return pty && pty_open && !terminal->pending(); }

    void relay_available() {
        for (int i = 0; i < reads_per_pump && reading(); ++i) {
            std::string_view data;
            const PseudoTerminal::Read r = pty->read_some(data);
            if (r == PseudoTerminal::Read::Data) {
                terminal->write(line.relay(data));
            } else {
                pty_open = r != PseudoTerminal::Read::Closed;
                return;
            }
        }
    }

    void redraw(TimePoint now, bool stopping) {
        if (pty) {
            pty->follow_size(terminal->fd());
        }
        terminal->write(
            line.tick(now, status_text(meter.figures(now, stopping), terminal->width())));
    }

    /// The descriptors pk's waits add for the line.
    void add_interest(std::vector<pollfd>& fds) const {
        if (reading()) {
            fds.push_back({pty->reader(), POLLIN, 0});
        }
        if (terminal->pending()) {
            fds.push_back({terminal->fd(), POLLOUT, 0});
        }
    }

    StatusLine line;
    StatusMeter meter;
    std::optional<TerminalWriter> terminal; ///< set while the line is active
    std::optional<PseudoTerminal> pty;      ///< none with --json (nothing to relay)
    bool pty_open = false;                  ///< some process may still write to it
    bool relay_stdout = false;
    bool finished = false;
};

LiveStatus::LiveStatus(const RunRequest& request, bool counts_groups)
    : impl_(std::make_unique<Impl>(request.timeout, counts_groups)) {
    if (!wants_status_line(request, ::isatty(STDERR_FILENO) == 1, std::getenv("TERM"))) {
        return;
    }
    std::string why;
    std::optional<TerminalWriter> terminal = TerminalWriter::open_stderr_terminal(why);
    if (terminal && !request.json) {
        impl_->pty = PseudoTerminal::open_like(STDERR_FILENO, why);
        if (!impl_->pty) {
            terminal.reset();
        }
    }
    if (!terminal) {
        if (request.status.value_or(false)) {
            std::fprintf(stderr, "pk: warning: no status line: %s\n", why.c_str());
        }
        return;
    }
    impl_->terminal = std::move(terminal);
    impl_->pty_open = impl_->pty.has_value();
    impl_->relay_stdout = impl_->pty && same_device(STDOUT_FILENO, STDERR_FILENO);
}

LiveStatus::~LiveStatus() {
    if (active() && !impl_->finished) {
        impl_->terminal->write(impl_->line.finish());
        impl_->terminal->drain(-1, Clock::now() + drain_limit);
    }
}

bool LiveStatus::active() const {
    return impl_->active();
}

void LiveStatus::route_output(processkit::os::StdioRedirect& redirect) const {
    if (!active() || !impl_->pty) {
        return;
    }
    redirect.stderr_fd = impl_->pty->child_end();
    if (impl_->relay_stdout) {
        redirect.stdout_fd = impl_->pty->child_end();
    }
}

void LiveStatus::spawned() {
    if (impl_->pty) {
        impl_->pty->close_child_end();
    }
}

void LiveStatus::started(TimePoint now) {
    impl_->meter.start(now);
    if (active()) {
        impl_->line.start(now);
    }
}

void LiveStatus::add_sample(const Sample& s) {
    impl_->meter.add(s);
}

void LiveStatus::pump(TimePoint now, bool stopping) {
    if (!active()) {
        return;
    }
    impl_->line.set_foreground(in_foreground(impl_->terminal->fd()));
    impl_->terminal->flush();
    impl_->relay_available();
    if (impl_->line.due(now)) {
        impl_->redraw(now, stopping);
    }
}

std::optional<TimePoint> LiveStatus::next_draw() const {
    return impl_->line.next_draw();
}

void LiveStatus::wait(const std::vector<processkit::os::NativeHandle>& handles,
                      std::optional<TimePoint> until) {
    if (!active()) {
        processkit::blocking::wait_ready(handles, until);
        return;
    }
    std::vector<pollfd> fds;
    for (const int fd : handles) {
        fds.push_back({fd, POLLIN, 0});
    }
    impl_->add_interest(fds);
    ::poll(fds.data(), fds.size(),
           processkit::blocking::poll_timeout_ms(earliest(until, next_draw())));
}

void LiveStatus::say(std::string_view message) {
    if (!active()) {
        std::fwrite(message.data(), 1, message.size(), stderr);
        return;
    }
    impl_->terminal->write(impl_->line.relay(message));
}

void LiveStatus::finish(processkit::os::NativeHandle interrupt) {
    if (!active() || impl_->finished) {
        return;
    }
    const TimePoint limit = Clock::now() + drain_limit;
    for (;;) {
        impl_->terminal->flush();
        impl_->relay_available();
        const bool pending = impl_->terminal->pending();
        if (!pending && (!impl_->pty_open || Clock::now() >= limit)) {
            break;
        }
        std::vector<pollfd> fds{{interrupt, POLLIN, 0}};
        impl_->add_interest(fds);
        // Bytes already read are written however long the terminal takes
        // (as PROGRAM's own writes would wait for it), unless pk is stopped.
        ::poll(fds.data(), fds.size(),
               processkit::blocking::poll_timeout_ms(pending ? std::nullopt
                                                             : std::optional<TimePoint>(limit)));
        if ((fds[0].revents & POLLIN) != 0) {
            break;
        }
    }
    impl_->finished = true;
    impl_->terminal->write(impl_->line.finish());
    impl_->terminal->drain(interrupt, std::nullopt);
}

} // namespace pk
