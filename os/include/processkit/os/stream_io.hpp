#pragma once
// The OS operations the shared run driver performs on a child's pipes and
// process, under one name on every platform:
//
//   watch_handle(pipe | child)   what a reactor waits on for it: the
//                                descriptor (POSIX) or the pipe's ready event
//                                and the process handle (Windows)
//   read_some(pipe, ...)         bytes, 0 at end of file, -EAGAIN: not yet
//   write_some(pipe, ...)        bytes taken, -EAGAIN: full, -EPIPE: closed
//   widen_for_bulk(pipe)         a larger buffer for a pipe that carries bulk
//                                output (POSIX; Windows sizes pipes when made)
//
// A reactor reports a watched handle as ready; the driver then calls these
// until -EAGAIN, on every platform the same way.
//
// Thread-safety: as the objects they act on (one owner at a time).

#include "processkit/os/spawn.hpp"

#include <cstddef>

#if defined(_WIN32)
#include "processkit/os/windows/pipe.hpp"
#else
#include "processkit/os/pipe_io.hpp"
#include "processkit/os/unique_fd.hpp"
#endif

namespace processkit::os {

/// The parent's end of a child's stdio pipe.
using ParentPipe = decltype(SpawnedProcess::stdout_pipe);

/// A read of at least this many bytes took a whole pipe of the default size
/// (16 pages of 4 KiB): the child writes faster than it is read, the sign
/// that its stream carries bulk output and earns a larger pipe.
inline constexpr std::size_t bulk_read_bytes = 64 * 1024;

#if defined(_WIN32)
inline NativeHandle watch_handle(const PipeEnd& pipe) noexcept {
    return pipe.ready_event();
}
inline NativeHandle watch_handle(const Child& child) noexcept {
    return child.native_handle();
}
inline void widen_for_bulk(PipeEnd&) noexcept {}
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
inline void widen_for_bulk(UniqueFd& pipe) noexcept {
    (void)widen_pipe(pipe.get());
}
#endif

} // namespace processkit::os
