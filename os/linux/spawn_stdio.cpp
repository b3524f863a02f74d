// The parent's side of the child's stdio for spawn: a pipe per captured
// stream or written stdin, files opened for it, the parent's own 0-2 when
// inherited (only if they are standard streams), and a pipeline's
// redirections. The child moves these onto 0-2 (spawn_child.cpp).
#include "spawn_stdio.hpp"

#include <algorithm>
#include <fcntl.h>
#include <utility>

namespace processkit::os::spawn_detail {

void Stdio::set(int target, UniqueFd fd) {
    const auto i = static_cast<std::size_t>(target);
    source[i] = fd.get();
    child[i] = std::move(fd);
}

void Stdio::inherit(int target) {
    const auto i = static_cast<std::size_t>(target);
    const int fd_flags = ::fcntl(target, F_GETFD);
    const bool stream = fd_flags >= 0 && (fd_flags & FD_CLOEXEC) == 0;
    source[i] = stream ? target : null_device;
    inherited[i] = stream;
}

unsigned Stdio::keep_below() const {
    int top = 2;
    for (const int fd : source) {
        top = std::max(top, fd);
    }
    return static_cast<unsigned>(top) + 1;
}

Stdio prepare_stdio(const Command& command, const StdioRedirect& redirect) {
    const std::string& program = command.program();
    Stdio s;
    const StdinSource& in = command.stdin_source();
    // A redirected stdin opens nothing for the Command's own source.
    switch (redirect.stdin_fd >= 0 ? StdinSource::Kind::Inherit : in.kind) {
    case StdinSource::Kind::Empty:
        break; // the null device, opened by the child
    case StdinSource::Kind::Bytes:
    case StdinSource::Kind::Interactive: {
        Pipe p = make_child_pipe(ParentEnd::Write);
        s.set(0, std::move(p.read));
        s.stdin_pipe = std::move(p.write);
        break;
    }
    case StdinSource::Kind::File:
        s.set(0, open_for_child(in.data.c_str(), false, program));
        break;
    case StdinSource::Kind::Inherit:
        s.inherit(0);
        break;
    }
    if (redirect.stdin_fd >= 0) {
        s.source[0] = redirect.stdin_fd;
        s.inherited[0] = false; // the caller's descriptor, taken as given
    }
    for (Stream stream : {Stream::Stdout, Stream::Stderr}) {
        const int target = stream == Stream::Stdout ? 1 : 2;
        UniqueFd& parent_end = stream == Stream::Stdout ? s.stdout_pipe : s.stderr_pipe;
        const int redirected = stream == Stream::Stdout ? redirect.stdout_fd : redirect.stderr_fd;
        if (redirected >= 0) {
            s.source[static_cast<std::size_t>(target)] = redirected;
            s.inherited[static_cast<std::size_t>(target)] = false;
            continue;
        }
        switch (command.mode(stream)) {
        case StdioMode::Capture:
        case StdioMode::Tee: {
            Pipe p = make_child_pipe(ParentEnd::Read);
            s.set(target, std::move(p.write));
            parent_end = std::move(p.read);
            break;
        }
        case StdioMode::Inherit:
            s.inherit(target);
            break;
        case StdioMode::Discard:
            break; // the null device, opened by the child
        }
    }
    return s;
}

} // namespace processkit::os::spawn_detail
