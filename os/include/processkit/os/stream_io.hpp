#pragma once
// The OS operations the shared run driver performs on a child's pipes and
// process, under one name on every platform:
//
//   watch_handle(pipe | child)   what a reactor waits on for it: the
//                                descriptor (POSIX) or the pipe's ready event
//                                and the process handle (Windows)
//   read_some(pipe, ...)         bytes, 0 at end of file, -EAGAIN: not yet
//   write_some(pipe, ...)        bytes taken, -EAGAIN: full, -EPIPE: closed
//
// A reactor reports a watched handle as ready; the driver then calls these
// until -EAGAIN, on every platform the same way.
//
// Thread-safety: as the objects they act on (one owner at a time).

#include "processkit/os/spawn.hpp"

#if defined(_WIN32)
#include "processkit/os/windows/pipe.hpp"
#else
#include "processkit/os/pipe_io.hpp"
#include "processkit/os/unique_fd.hpp"
#endif

namespace processkit::os {

/// The parent's end of a child's stdio pipe.
using ParentPipe = decltype(SpawnedProcess::stdout_pipe);

#if defined(_WIN32)
inline NativeHandle watch_handle(const PipeEnd& pipe) noexcept {
    return pipe.ready_event();
}
inline NativeHandle watch_handle(const Child& child) noexcept {
    return child.native_handle();
}
#else
inline NativeHandle watch_handle(const UniqueFd& pipe) noexcept {
    return pipe.get();
}
inline NativeHandle watch_handle(const Child& child) noexcept {
    return child.pidfd();
}
inline ssize_t read_some(UniqueFd& pipe, char* data, std::size_t size) noexcept {
    return read_some(pipe.get(), data, size);
}
inline ssize_t write_some(UniqueFd& pipe, const char* data, std::size_t size) noexcept {
    return write_no_sigpipe(pipe.get(), data, size);
}
#endif

} // namespace processkit::os
