#pragma once

#include "processkit/os/export.hpp"
// RAII for file descriptors. Thread-safety: a value type like unique_ptr.

#include <string_view>
#include <utility>

namespace processkit::os {

/// What a reactor waits on: a descriptor here, a HANDLE on Windows.
using NativeHandle = int;

/// Owns one file descriptor and closes it on destruction; move-only. -1
/// (any negative number) means none.
class PROCESSKIT_OS_EXPORT UniqueFd {
public:
    UniqueFd() = default;
    /// Takes ownership of `fd`.
    explicit UniqueFd(int fd) noexcept
        : fd_(fd) {}
    /// Leaves `o` empty.
    UniqueFd(UniqueFd&& o) noexcept
        : fd_(std::exchange(o.fd_, -1)) {}
    /// Closes the current descriptor, then takes over `o`'s (leaving `o` empty).
    UniqueFd& operator=(UniqueFd&& o) noexcept {
        if (this != &o) {
            reset(std::exchange(o.fd_, -1));
        }
        return *this;
    }
    UniqueFd(const UniqueFd&) = delete;
    UniqueFd& operator=(const UniqueFd&) = delete;
    ~UniqueFd() { reset(); }

    /// The descriptor, still owned; negative if none.
    int get() const noexcept { return fd_; }
    /// True if a descriptor is held.
    explicit operator bool() const noexcept { return fd_ >= 0; }
    /// Gives up ownership without closing: returns the descriptor (-1 if
    /// none) and leaves this empty.
    int release() noexcept { return std::exchange(fd_, -1); }
    /// Closes the current descriptor (errors ignored: nothing can be done).
    void reset(int fd = -1) noexcept;

private:
    int fd_ = -1;
};

/// Keeps a descriptor the library just opened off 0-2 (S2). Those numbers
/// are the program's standard streams: a descriptor of ours that landed there
/// (because the program runs with them closed) would be read and written by
/// the program as its stdio, and lent to children that inherit stdio. Returns
/// `fd` itself when it is >= 3 (or < 0); otherwise a close-on-exec copy at 3
/// or above, closing the original; -1 with errno set if no copy can be made
/// (the original is closed then too).
PROCESSKIT_OS_EXPORT int above_stdio(int fd) noexcept;
/// The same with another floor: `fd` itself when it is >= `lowest` (or < 0),
/// otherwise a close-on-exec copy at `lowest` or above, the original closed.
PROCESSKIT_OS_EXPORT int at_or_above(int fd, int lowest) noexcept;

/// A pipe whose both ends are close-on-exec; the end the parent keeps is
/// non-blocking, the child's end blocking. Of the kernel's default size; a
/// stream that turns out to carry bulk output is grown by widen_pipe().
struct Pipe {
    /// The read end.
    UniqueFd read;
    /// The write end.
    UniqueFd write;
};
/// Which end of a make_child_pipe() pipe the parent keeps.
enum class ParentEnd { Read, Write };
/// Throws processkit::Error (Io) on failure.
PROCESSKIT_OS_EXPORT Pipe make_child_pipe(ParentEnd parent_end);

/// A pipe between two children (pipeline stages): both ends blocking (each
/// belongs to a child) and close-on-exec, so no other child inherits them.
/// Throws processkit::Error (Io) naming `program`, the writing stage.
PROCESSKIT_OS_EXPORT Pipe make_stage_pipe(std::string_view program);

/// Opens a file for the child's stdio (close-on-exec). Throws Error naming `path`.
PROCESSKIT_OS_EXPORT UniqueFd open_for_child(const char* path, bool for_writing,
                                             std::string_view program);

} // namespace processkit::os
