// The blocking reactor on Windows: an I/O completion port fed by thread-pool
// waits. Each watched handle (a pipe's ready event, a process handle) has one
// wait; when the handle is signalled the wait's callback posts a packet keyed
// by the registration's number and sets the reactor's wake event, and
// run_once() dispatches the packets on the caller's thread. A wait fires once
// and is set again after its dispatch while the handle is still watched, so a
// handle that stays signalled (a pipe with more data) is dispatched again,
// like a level-triggered epoll, and never spins while nobody reads.
#include "processkit/blocking/reactor.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>
#include <windows.h>

namespace processkit::blocking {
namespace {

[[noreturn]] void throw_last(const std::string& what) {
    const auto err = static_cast<int>(::GetLastError());
    throw Error(ErrorKind::Io, {}, what + " (Windows error " + std::to_string(err) + ")")
        .with_os_error(err);
}

} // namespace

/// One thread-pool wait: what its callback needs, at a stable address.
struct Waiter {
    HANDLE port = nullptr;
    HANDLE wake = nullptr;
    ULONG_PTR key = 0;
    PTP_WAIT wait = nullptr;
    os::NativeHandle handle = nullptr;
};

struct Reactor::Loop {
    os::UniqueHandle port;
    os::UniqueHandle wake; ///< auto-reset: set with every packet (fd())
    std::uint64_t next_key = 1;
    std::unordered_map<os::NativeHandle, std::unique_ptr<Waiter>> waiters;
    std::unordered_map<ULONG_PTR, Waiter*> by_key;

    static void CALLBACK fired(PTP_CALLBACK_INSTANCE, PVOID context, PTP_WAIT, TP_WAIT_RESULT) {
        auto* w = static_cast<Waiter*>(context);
        ::PostQueuedCompletionStatus(w->port, 0, w->key, nullptr);
        ::SetEvent(w->wake);
    }

    void close(Waiter& w) {
        // Stop the wait and let a callback under way finish before the
        // Waiter it points to is freed.
        ::SetThreadpoolWait(w.wait, nullptr, nullptr);
        ::WaitForThreadpoolWaitCallbacks(w.wait, TRUE);
        ::CloseThreadpoolWait(w.wait);
    }
};

Reactor::Reactor()
    : loop_(std::make_unique<Loop>()) {
    loop_->port = os::UniqueHandle(::CreateIoCompletionPort(INVALID_HANDLE_VALUE, nullptr, 0, 1));
    if (!loop_->port) {
        throw_last("cannot create an I/O completion port");
    }
    loop_->wake = os::UniqueHandle(::CreateEventW(nullptr, FALSE, FALSE, nullptr));
    if (!loop_->wake) {
        throw_last("cannot create an event");
    }
}

Reactor::~Reactor() {
    for (auto& [handle, w] : loop_->waiters) {
        loop_->close(*w);
    }
}

os::NativeHandle Reactor::fd() const {
    return loop_->wake.get();
}

void Reactor::watch(driver::RunDriver& driver, os::NativeHandle handle, driver::FdRole role) {
    auto w = std::make_unique<Waiter>();
    w->port = loop_->port.get();
    w->wake = loop_->wake.get();
    w->key = static_cast<ULONG_PTR>(loop_->next_key++);
    w->handle = handle;
    w->wait = ::CreateThreadpoolWait(Loop::fired, w.get(), nullptr);
    if (w->wait == nullptr) {
        throw_last("cannot create a thread-pool wait");
    }
    ::SetThreadpoolWait(w->wait, handle, nullptr);
    loop_->by_key[w->key] = w.get();
    loop_->waiters[handle] = std::move(w);
    fds_[handle] = {&driver, role};
}

void Reactor::unwatch(driver::RunDriver&, os::NativeHandle handle, driver::FdRole) {
    if (fds_.erase(handle) == 0) {
        return;
    }
    if (auto it = loop_->waiters.find(handle); it != loop_->waiters.end()) {
        loop_->close(*it->second);
        // A packet it already posted finds no key and is dropped.
        loop_->by_key.erase(it->second->key);
        loop_->waiters.erase(it);
    }
}

bool Reactor::run_once(std::optional<TimePoint> until) {
    if (idle()) {
        return false;
    }
    const auto wake = wake_at(until);
    std::array<OVERLAPPED_ENTRY, 64> entries{};
    ULONG n = 0;
    const int timeout = poll_timeout_ms(wake);
    if (::GetQueuedCompletionStatusEx(
            loop_->port.get(), entries.data(), static_cast<ULONG>(entries.size()), &n,
            timeout < 0 ? INFINITE : static_cast<DWORD>(timeout), FALSE) == 0) {
        if (::GetLastError() != WAIT_TIMEOUT) {
            throw_last("waiting on the completion port failed");
        }
        n = 0;
    }
    for (ULONG i = 0; i < n; ++i) {
        // A dispatch may unwatch other handles of this batch: look each one
        // up again by its key (never reused).
        const auto k = loop_->by_key.find(entries[i].lpCompletionKey);
        if (k == loop_->by_key.end()) {
            continue;
        }
        const os::NativeHandle handle = k->second->handle;
        const auto r = fds_.find(handle);
        if (r == fds_.end()) {
            continue;
        }
        const Registration reg = r->second;
        const ULONG_PTR key = k->first;
        reg.driver->on_ready(handle, reg.role, Clock::now());
        // Still watched (the same registration): wait for the next signal.
        if (auto again = loop_->by_key.find(key); again != loop_->by_key.end()) {
            ::SetThreadpoolWait(again->second->wait, again->second->handle, nullptr);
        }
    }
    deadlines_.fire_due(Clock::now());
    return true;
}

} // namespace processkit::blocking
