#include "processkit/os/windows/unique_handle.hpp"

#include <windows.h>

namespace processkit::os {

void UniqueHandle::reset(NativeHandle h) noexcept {
    if (*this) {
        ::CloseHandle(h_);
    }
    h_ = h;
}

} // namespace processkit::os
