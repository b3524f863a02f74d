#pragma once
// The running kernel's version, for the few behaviours a probe cannot tell
// apart (e.g. "no exit status on this pidfd yet" vs "this kernel keeps none").
#include <optional>
#include <string_view>

namespace processkit::os::kernel_release {

struct Version {
    int major = 0;
    int minor = 0;
};

/// "6.18.0-1-amd64" -> {6, 18}; nullopt unless it starts "<major>.<minor>".
std::optional<Version> parse(std::string_view release) noexcept;

/// Whether the running kernel (uname) is at least major.minor; false when its
/// release string cannot be read or parsed. Asked once, then cached.
bool at_least(int major, int minor) noexcept;

} // namespace processkit::os::kernel_release
