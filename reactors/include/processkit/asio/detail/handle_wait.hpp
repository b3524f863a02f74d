#pragma once
// One Asio wait on something the OS layer owns — a descriptor (POSIX) or a
// waitable handle (Windows: a pipe's ready event, a process) — without
// taking it over: the descriptor is released, never closed, and on Windows
// the wait holds a duplicate of the handle, closed with it.
//
// Thread-safety: the strand it was made on.

#include "processkit/os/stream_io.hpp"

#include <asio/strand.hpp>
#include <system_error>
#include <utility>

#if defined(_WIN32)
#include <asio/windows/object_handle.hpp>
#include <windows.h>
#else
#include <asio/posix/stream_descriptor.hpp>
#endif

namespace processkit::asio::detail {

class HandleWait {
public:
    enum class Kind { Read, Write, Priority };
    template <class Executor>
    HandleWait(const Executor& ex, os::NativeHandle handle, Kind kind, std::error_code& ec)
        : waiter_(ex)
        , kind_(kind) {
#if defined(_WIN32)
        HANDLE dup = nullptr;
        if (::DuplicateHandle(::GetCurrentProcess(), handle, ::GetCurrentProcess(), &dup,
                              SYNCHRONIZE, FALSE, 0) == 0) {
            ec = std::error_code(static_cast<int>(::GetLastError()), std::system_category());
            return;
        }
        waiter_.assign(dup, ec);
        if (ec) {
            ::CloseHandle(dup);
        }
#else
        waiter_.assign(handle, ec);
#endif
    }
    HandleWait(const HandleWait&) = delete;
    HandleWait& operator=(const HandleWait&) = delete;
    ~HandleWait() {
        release();
    }

    /// Calls `handler(error_code)` once the thing is ready (or the wait is
    /// cancelled: operation_aborted).
    template <class Handler>
    void async_wait(Handler&& handler) {
#if defined(_WIN32)
        waiter_.async_wait(std::forward<Handler>(handler));
#else
        using base = ::asio::posix::descriptor_base;
        waiter_.async_wait(kind_ == Kind::Write      ? base::wait_write
                           : kind_ == Kind::Priority ? base::wait_error // POLLPRI
                                                     : base::wait_read,
                           std::forward<Handler>(handler));
#endif
    }

    /// Cancels the wait and lets go (the owner keeps its descriptor).
    void release() noexcept {
#if defined(_WIN32)
        std::error_code ignored;
        waiter_.close(ignored); // our duplicate
#else
        if (waiter_.is_open()) {
            waiter_.release();
        }
#endif
    }

private:
#if defined(_WIN32)
    ::asio::windows::object_handle waiter_;
#else
    ::asio::posix::stream_descriptor waiter_;
#endif
    Kind kind_;
};

} // namespace processkit::asio::detail
