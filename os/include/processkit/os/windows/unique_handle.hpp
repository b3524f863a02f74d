#pragma once
// RAII for Windows HANDLEs, without <windows.h> in a public header (a HANDLE
// is a void*). Both of Windows' "no handle" values, NULL and
// INVALID_HANDLE_VALUE, count as empty.
//
// Thread-safety: a value type like unique_ptr.

#include <cstdint>
#include <utility>

namespace processkit::os {

using NativeHandle = void*;

/// INVALID_HANDLE_VALUE, spelled without <windows.h>.
inline NativeHandle invalid_handle_value() noexcept {
    return reinterpret_cast<NativeHandle>(static_cast<std::intptr_t>(-1));
}

class UniqueHandle {
public:
    UniqueHandle() = default;
    explicit UniqueHandle(NativeHandle h) noexcept
        : h_(h) {}
    UniqueHandle(UniqueHandle&& o) noexcept
        : h_(std::exchange(o.h_, nullptr)) {}
    UniqueHandle& operator=(UniqueHandle&& o) noexcept {
        if (this != &o) {
            reset(std::exchange(o.h_, nullptr));
        }
        return *this;
    }
    UniqueHandle(const UniqueHandle&) = delete;
    UniqueHandle& operator=(const UniqueHandle&) = delete;
    ~UniqueHandle() { reset(); }

    NativeHandle get() const noexcept { return h_; }
    explicit operator bool() const noexcept {
        return h_ != nullptr && h_ != invalid_handle_value();
    }
    NativeHandle release() noexcept { return std::exchange(h_, nullptr); }
    /// Closes the current handle (errors ignored: nothing can be done).
    void reset(NativeHandle h = nullptr) noexcept;

private:
    NativeHandle h_ = nullptr;
};

} // namespace processkit::os
