#include "kernel_release.hpp"

#include <sys/utsname.h>

namespace processkit::os::kernel_release {
namespace {

/// Digits at the front of `s` as a number, consumed; nullopt if none.
std::optional<int> take_number(std::string_view& s) noexcept {
    int value = 0;
    std::size_t i = 0;
    for (; i < s.size() && s[i] >= '0' && s[i] <= '9'; ++i) {
        if (value > 100000) {
            return std::nullopt; // no kernel numbers itself like this
        }
        value = value * 10 + (s[i] - '0');
    }
    if (i == 0) {
        return std::nullopt;
    }
    s.remove_prefix(i);
    return value;
}

std::optional<Version> running() noexcept {
    utsname name{};
    if (::uname(&name) != 0) {
        return std::nullopt;
    }
    return parse(name.release);
}

} // namespace

std::optional<Version> parse(std::string_view release) noexcept {
    const std::optional<int> major = take_number(release);
    if (!major || release.empty() || release.front() != '.') {
        return std::nullopt;
    }
    release.remove_prefix(1);
    const std::optional<int> minor = take_number(release);
    if (!minor) {
        return std::nullopt;
    }
    return Version{*major, *minor};
}

bool at_least(int major, int minor) noexcept {
    static const std::optional<Version> version = running();
    return version &&
           (version->major > major || (version->major == major && version->minor >= minor));
}

} // namespace processkit::os::kernel_release
