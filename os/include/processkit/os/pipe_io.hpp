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

} // namespace processkit::os
