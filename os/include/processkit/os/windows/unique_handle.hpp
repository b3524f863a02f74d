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

/// Owns one HANDLE and closes it on destruction; move-only.
class UniqueHandle {
public:
    UniqueHandle() = default;
    /// Takes ownership of `h`.
    explicit UniqueHandle(NativeHandle h) noexcept
        : h_(h) {}
    /// Leaves `o` empty.
    UniqueHandle(UniqueHandle&& o) noexcept
        : h_(std::exchange(o.h_, nullptr)) {}
    /// Closes the current handle, then takes over `o`'s (leaving `o` empty).
    UniqueHandle& operator=(UniqueHandle&& o) noexcept {
        if (this != &o) {
            reset(std::exchange(o.h_, nullptr));
        }
        return *this;
    }
    UniqueHandle(const UniqueHandle&) = delete;
    UniqueHandle& operator=(const UniqueHandle&) = delete;
    ~UniqueHandle() { reset(); }

    /// The handle, still owned (possibly NULL or INVALID_HANDLE_VALUE).
    NativeHandle get() const noexcept { return h_; }
    /// True unless the handle is NULL or INVALID_HANDLE_VALUE.
    explicit operator bool() const noexcept {
        return h_ != nullptr && h_ != invalid_handle_value();
    }
    /// Gives up ownership without closing: returns the handle and leaves
    /// this empty.
    NativeHandle release() noexcept { return std::exchange(h_, nullptr); }
    /// Closes the current handle (errors ignored: nothing can be done).
    void reset(NativeHandle h = nullptr) noexcept;

private:
    NativeHandle h_ = nullptr;
};

} // namespace processkit::os
