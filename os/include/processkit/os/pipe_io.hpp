#pragma once

#include "processkit/os/export.hpp"
// Pipe I/O that never raises SIGPIPE in the caller (a child that closes its
// stdin early is an event to report, not a signal that kills the owner).
//
// Thread-safety: reentrant; the SIGPIPE mask is per thread.

#include <cstddef>
#include <sys/types.h>

namespace processkit::os {

/// write(2) with SIGPIPE blocked for the calling thread and a SIGPIPE it
/// caused discarded. Returns the bytes written, or -errno (-EAGAIN when the
/// pipe is full, -EPIPE when the reader is gone).
PROCESSKIT_OS_EXPORT ssize_t write_no_sigpipe(int fd, const char* data, std::size_t size) noexcept;

/// read(2) retried on EINTR. Returns the bytes read, 0 at end of file, or -errno.
PROCESSKIT_OS_EXPORT ssize_t read_some(int fd, char* data, std::size_t size) noexcept;

/// What widen_pipe() grows a pipe to: as much as the run driver takes in one
/// read. Capture of 1 GiB measured the same with 1 MiB and 10 % slower with
/// the default 64 KiB (docs/performance.md, "Pipes widened on demand").
inline constexpr std::size_t bulk_pipe_bytes = 256 * 1024;

/// Grows the pipe of `fd` to bulk_pipe_bytes, never shrinking it; best
/// effort (Linux only). Returns whether the pipe now holds at least that.
/// Each pipe's size is charged to its user's pipe budget
/// (/proc/sys/fs/pipe-user-pages-soft, 64 MiB by default): past it, every
/// new pipe of an unprivileged user, in any program, gets 8 KiB. So only a
/// pipe that carries bulk output is widened, never every pipe when made.
PROCESSKIT_OS_EXPORT bool widen_pipe(int fd) noexcept;

} // namespace processkit::os
