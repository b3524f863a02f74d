#include "processkit/blocking/reactor.hpp"
#include "processkit/blocking/wait_ready.hpp"

#include <windows.h>

namespace processkit::blocking {

std::vector<bool> wait_ready(const std::vector<os::NativeHandle>& handles,
                             std::optional<TimePoint> deadline) {
    const int timeout = poll_timeout_ms(deadline);
    const DWORD ms = timeout < 0 ? INFINITE : static_cast<DWORD>(timeout);
    if (handles.empty()) {
        ::Sleep(ms == INFINITE ? 0 : ms);
        return {};
    }
    if (handles.size() <= MAXIMUM_WAIT_OBJECTS) {
        ::WaitForMultipleObjects(static_cast<DWORD>(handles.size()), handles.data(), FALSE, ms);
    } else {
        // More than 64: wait on the first 64 with a short bound, and let the
        // callers dispatch every reactor (they never block).
        ::WaitForMultipleObjects(MAXIMUM_WAIT_OBJECTS, handles.data(), FALSE,
                                 std::min<DWORD>(ms, 10));
    }
    return std::vector<bool>(handles.size(), true);
}

} // namespace processkit::blocking
