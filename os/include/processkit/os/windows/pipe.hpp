#pragma once
// The parent's end of a child's stdio pipe on Windows, with the readiness
// model the shared run driver expects (the same as a non-blocking descriptor
// polled by epoll):
//
//   read_some   reads what is there; when nothing is, it leaves a zero-byte
//               overlapped read pending, which completes when data arrives or
//               the writer closes, and returns -EAGAIN;
//   write_some  hands up to 64 KiB to one overlapped write of its own buffer
//               and returns that count; while that write is still pending it
//               returns -EAGAIN (-EPIPE once the reader is gone).
//
// ready_event() is signalled when the pending operation completed: a reactor
// waits on it (a thread-pool wait posting to its completion port, or Asio's
// object_handle) exactly as it waits on a descriptor's readiness.
//
// Thread-safety: none; one owner at a time.

#include "processkit/os/windows/unique_handle.hpp"

#include <cstddef>
#include <memory>
#include <sys/types.h>

namespace processkit::os {

/// The parent's end of one stdio pipe, read with read_some() or written with
/// write_some() under the readiness model described at the top of this header.
class PipeEnd {
public:
    PipeEnd() noexcept;
    /// `pipe`: an end opened with FILE_FLAG_OVERLAPPED.
    explicit PipeEnd(UniqueHandle pipe);
    /// The moved-from PipeEnd is left empty.
    PipeEnd(PipeEnd&&) noexcept;
    /// Closes this pipe as reset() does, then takes over the other's.
    PipeEnd& operator=(PipeEnd&&) noexcept;
    ~PipeEnd();

    /// The pipe's handle, still owned; nullptr if empty.
    NativeHandle get() const noexcept;
    /// True if a pipe handle is held.
    explicit operator bool() const noexcept;
    /// Closes the pipe. A pending zero-byte read is cancelled; a pending
    /// write is left to finish first (the reader takes the bytes or goes
    /// away), then the pipe closes by itself: nothing that write_some
    /// accepted is lost, and the reader sees end of file after it.
    void reset() noexcept;
    /// Signalled when the pending zero-byte read or write has completed.
    NativeHandle ready_event() const noexcept;

    struct State; ///< (public for the completion callback of a closed pipe)

private:
    friend ssize_t read_some(PipeEnd&, char*, std::size_t) noexcept;
    friend ssize_t write_some(PipeEnd&, const char*, std::size_t) noexcept;
    std::unique_ptr<State> state_;
};

/// Bytes read (> 0), 0 at end of file (the writer closed), -EAGAIN when
/// nothing is there yet (a zero-byte read is left pending), -EIO on error.
ssize_t read_some(PipeEnd& pipe, char* data, std::size_t size) noexcept;
/// Bytes accepted (copied into the pipe's pending write), -EAGAIN while an
/// earlier write is still pending, -EPIPE when the reader is gone.
ssize_t write_some(PipeEnd& pipe, const char* data, std::size_t size) noexcept;

} // namespace processkit::os
