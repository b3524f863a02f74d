#pragma once

#include <cstdint>
#include <string_view>

namespace processkit {

/// The child's output streams.
enum class Stream : std::uint8_t { Stdout = 0, Stderr = 1 };

constexpr std::string_view to_string(Stream s) {
    return s == Stream::Stdout ? "stdout" : "stderr";
}

} // namespace processkit
