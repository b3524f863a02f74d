// Readiness on Windows pipes: a pending zero-byte read (the pipe's way of
// saying "data or end of file is there") or a pending write of our own buffer,
// each completing an event. Operations completed here never post to a
// completion port the handle may be associated with (the event handle's low
// bit is set, as Windows documents for that purpose).
#include "processkit/os/windows/pipe.hpp"

#include <cerrno>
#include <string>
#include <windows.h>

namespace processkit::os {
namespace {

constexpr std::size_t max_write = 64 * 1024;

HANDLE no_port(HANDLE event) {
    return reinterpret_cast<HANDLE>(reinterpret_cast<std::uintptr_t>(event) | 1U);
}

} // namespace

struct PipeEnd::State {
    enum class Pending { None, Read, Write };
    UniqueHandle pipe;
    UniqueHandle event;
    OVERLAPPED overlapped{};
    Pending pending = Pending::None;
    std::string buffer; ///< the bytes of a pending write
    bool broken = false;

    /// Finishes a completed operation. False while it is still pending.
    bool settle() {
        if (pending == Pending::None) {
            return true;
        }
        DWORD done = 0;
        if (::GetOverlappedResult(pipe.get(), &overlapped, &done, FALSE) == 0) {
            const DWORD err = ::GetLastError();
            if (err == ERROR_IO_INCOMPLETE || err == ERROR_IO_PENDING) {
                return false;
            }
            broken = true; // ERROR_BROKEN_PIPE, ERROR_NO_DATA, ...
        }
        pending = Pending::None;
        buffer.clear();
        return true;
    }

    void start(Pending what) {
        overlapped = OVERLAPPED{};
        overlapped.hEvent = no_port(event.get());
        pending = what;
    }
};

PipeEnd::PipeEnd(UniqueHandle pipe)
    : state_(std::make_unique<State>()) {
    state_->pipe = std::move(pipe);
    // Manual reset: it stays signalled until the next operation starts, so a
    // reactor that looks late still sees it.
    state_->event = UniqueHandle(::CreateEventW(nullptr, TRUE, TRUE, nullptr));
}

PipeEnd::PipeEnd() noexcept = default;
PipeEnd::PipeEnd(PipeEnd&&) noexcept = default;

PipeEnd& PipeEnd::operator=(PipeEnd&& o) noexcept {
    if (this != &o) {
        reset();
        state_ = std::move(o.state_);
    }
    return *this;
}

PipeEnd::~PipeEnd() {
    reset();
}

NativeHandle PipeEnd::get() const noexcept {
    return state_ ? state_->pipe.get() : nullptr;
}

PipeEnd::operator bool() const noexcept {
    return state_ && state_->pipe;
}

NativeHandle PipeEnd::ready_event() const noexcept {
    return state_ ? state_->event.get() : nullptr;
}

namespace {

/// Frees the state of a closed pipe whose last write was still pending.
void CALLBACK finish_orphan(PTP_CALLBACK_INSTANCE, PVOID context, PTP_WAIT wait, TP_WAIT_RESULT) {
    ::CloseThreadpoolWait(wait); // allowed from its own callback
    delete static_cast<PipeEnd::State*>(context);
}

} // namespace

void PipeEnd::reset() noexcept {
    if (!state_) {
        return;
    }
    if (state_->pipe && !state_->settle()) {
        if (state_->pending == PipeEnd::State::Pending::Write) {
            // Closing must not lose bytes the caller was told were written
            // (a write to a POSIX pipe is in the kernel once it returns): the
            // write finishes on its own — the reader takes the bytes or goes
            // away — and only then is the pipe closed, so the reader sees end
            // of file after the last byte.
            if (PTP_WAIT wait = ::CreateThreadpoolWait(finish_orphan, state_.get(), nullptr)) {
                ::SetThreadpoolWait(wait, state_->event.get(), nullptr);
                (void)state_.release();
                return;
            }
        }
        // A pending zero-byte read carries nothing: cancel it, and wait for
        // the cancellation to land before the OVERLAPPED is freed.
        ::CancelIoEx(state_->pipe.get(), &state_->overlapped);
        DWORD done = 0;
        ::GetOverlappedResult(state_->pipe.get(), &state_->overlapped, &done, TRUE);
    }
    state_.reset();
}

ssize_t read_some(PipeEnd& p, char* data, std::size_t size) noexcept {
    auto* s = p.state_.get();
    if (s == nullptr || !s->pipe) {
        return -EIO;
    }
    for (;;) {
        if (!s->settle()) {
            return -EAGAIN; // the zero-byte read still waits for data
        }
        DWORD available = 0;
        if (::PeekNamedPipe(s->pipe.get(), nullptr, 0, nullptr, &available, nullptr) == 0) {
            return ::GetLastError() == ERROR_BROKEN_PIPE ? 0 : -EIO;
        }
        if (available > 0) {
            const DWORD want = static_cast<DWORD>(std::min<std::size_t>(available, size));
            s->start(PipeEnd::State::Pending::Read);
            DWORD got = 0;
            if (::ReadFile(s->pipe.get(), data, want, nullptr, &s->overlapped) == 0 &&
                ::GetLastError() != ERROR_IO_PENDING) {
                s->pending = PipeEnd::State::Pending::None;
                return ::GetLastError() == ERROR_BROKEN_PIPE ? 0 : -EIO;
            }
            // The bytes are there: this completes at once.
            const BOOL ok = ::GetOverlappedResult(s->pipe.get(), &s->overlapped, &got, TRUE);
            s->pending = PipeEnd::State::Pending::None;
            if (ok == 0) {
                return ::GetLastError() == ERROR_BROKEN_PIPE ? 0 : -EIO;
            }
            return static_cast<ssize_t>(got);
        }
        // Nothing there: leave a zero-byte read pending; it completes (and
        // signals the event) when data arrives or the writer closes.
        s->start(PipeEnd::State::Pending::Read);
        if (::ReadFile(s->pipe.get(), nullptr, 0, nullptr, &s->overlapped) == 0) {
            const DWORD err = ::GetLastError();
            if (err == ERROR_IO_PENDING) {
                return -EAGAIN;
            }
            s->pending = PipeEnd::State::Pending::None;
            return err == ERROR_BROKEN_PIPE ? 0 : -EIO;
        }
        // Completed at once: data arrived in between; look again.
    }
}

ssize_t write_some(PipeEnd& p, const char* data, std::size_t size) noexcept {
    auto* s = p.state_.get();
    if (s == nullptr || !s->pipe) {
        return -EPIPE;
    }
    if (!s->settle()) {
        return -EAGAIN;
    }
    if (s->broken) {
        return -EPIPE;
    }
    const std::size_t n = std::min(size, max_write);
    try {
        s->buffer.assign(data, n);
    } catch (...) {
        return -ENOMEM;
    }
    s->start(PipeEnd::State::Pending::Write);
    if (::WriteFile(s->pipe.get(), s->buffer.data(), static_cast<DWORD>(n), nullptr,
                    &s->overlapped) == 0) {
        const DWORD err = ::GetLastError();
        if (err != ERROR_IO_PENDING) {
            s->pending = PipeEnd::State::Pending::None;
            s->buffer.clear();
            s->broken = true;
            return -EPIPE;
        }
    }
    return static_cast<ssize_t>(n); // accepted: the pipe takes it as the reader reads
}

} // namespace processkit::os
