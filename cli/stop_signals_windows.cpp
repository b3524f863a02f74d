// Console control events as pk's stop signals on Windows: the handler runs
// on a thread of its own, so it only records the event and wakes the loop.
#include "processkit/core/error.hpp"
#include "stop_signals.hpp"

#include <atomic>
#include <mutex>
#include <queue>
#include <windows.h>

namespace pk {
namespace {

std::mutex pending_mutex;
std::queue<int> pending;
HANDLE wake = nullptr; // the live StopSignals' event (one per process)

BOOL WINAPI on_control(DWORD type) {
    int number = 0;
    switch (type) {
    case CTRL_C_EVENT:
        number = 2; // INT
        break;
    case CTRL_BREAK_EVENT:
    case CTRL_CLOSE_EVENT:
    case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        number = 15; // TERM
        break;
    default:
        return FALSE;
    }
    std::lock_guard lock(pending_mutex);
    if (wake == nullptr) {
        return FALSE;
    }
    pending.push(number);
    ::SetEvent(wake);
    return TRUE; // pk stops the tree and exits by itself
}

} // namespace

StopSignals::StopSignals()
    : fd_(::CreateEventW(nullptr, TRUE, FALSE, nullptr)) {
    if (!fd_) {
        throw processkit::Error(processkit::ErrorKind::Io, {}, "cannot create an event");
    }
    {
        std::lock_guard lock(pending_mutex);
        wake = fd_.get();
    }
    ::SetConsoleCtrlHandler(on_control, TRUE);
}

StopSignals::~StopSignals() {
    ::SetConsoleCtrlHandler(on_control, FALSE);
    std::lock_guard lock(pending_mutex);
    wake = nullptr;
}

std::optional<int> StopSignals::take() {
    std::lock_guard lock(pending_mutex);
    if (pending.empty()) {
        ::ResetEvent(fd_.get());
        return std::nullopt;
    }
    const int n = pending.front();
    pending.pop();
    if (pending.empty()) {
        ::ResetEvent(fd_.get());
    }
    return n;
}

} // namespace pk
