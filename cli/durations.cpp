#include "durations.hpp"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <optional>

namespace pk {
namespace {

/// The leading decimal number of `text` ("1", "1.5", ".5"); the rest is left
/// in `text`. nullopt if there is no number.
std::optional<double> take_number(std::string_view& text) {
    std::size_t i = 0;
    bool digits = false;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        ++i;
        digits = true;
    }
    if (i < text.size() && text[i] == '.') {
        ++i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
            ++i;
            digits = true;
        }
    }
    if (!digits) {
        return std::nullopt;
    }
    double value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + i, value);
    if (ec != std::errc() || end != text.data() + i || !std::isfinite(value)) {
        return std::nullopt;
    }
    text.remove_prefix(i);
    return value;
}

UsageError bad(std::string_view option, std::string_view text, std::string_view expected) {
    return UsageError("invalid value '" + std::string(text) + "' for " + std::string(option) +
                      ": expected " + std::string(expected));
}

} // namespace

processkit::Duration parse_duration(std::string_view text, std::string_view option) {
    constexpr std::string_view expected = "a number with ms, s, m or h (e.g. 500ms, 2s, 1.5m)";
    std::string_view rest = text;
    const auto value = take_number(rest);
    if (!value) {
        throw bad(option, text, expected);
    }
    double ns_per_unit = 0;
    if (rest == "ms") {
        ns_per_unit = 1e6;
    } else if (rest == "s") {
        ns_per_unit = 1e9;
    } else if (rest == "m") {
        ns_per_unit = 60e9;
    } else if (rest == "h") {
        ns_per_unit = 3600e9;
    } else {
        throw bad(option, text, expected);
    }
    const double ns = *value * ns_per_unit;
    // At most about 100 years, far below the nanosecond counter's range.
    if (ns > 3.2e18) {
        throw bad(option, text, "a duration of at most 100 years");
    }
    return processkit::Duration(static_cast<processkit::Duration::rep>(std::llround(ns)));
}

std::uint64_t parse_bytes(std::string_view text, std::string_view option) {
    constexpr std::string_view expected = "a number of bytes with an optional K, M or G (e.g. 64M)";
    std::string_view rest = text;
    const auto value = take_number(rest);
    if (!value) {
        throw bad(option, text, expected);
    }
    double scale = 1;
    if (rest == "K" || rest == "k") {
        scale = 1024.0;
    } else if (rest == "M" || rest == "m") {
        scale = 1024.0 * 1024;
    } else if (rest == "G" || rest == "g") {
        scale = 1024.0 * 1024 * 1024;
    } else if (!rest.empty()) {
        throw bad(option, text, expected);
    }
    const double bytes = std::floor(*value * scale);
    if (bytes < 1) {
        throw bad(option, text, "at least 1 byte");
    }
    if (bytes >= 1.8e19) {
        throw bad(option, text, "a smaller number of bytes");
    }
    return static_cast<std::uint64_t>(bytes);
}

std::uint64_t parse_count(std::string_view text, std::string_view option) {
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0) {
        throw bad(option, text, "a positive whole number");
    }
    return value;
}

double parse_cores(std::string_view text, std::string_view option) {
    std::string_view rest = text;
    const auto value = take_number(rest);
    if (!value || !rest.empty() || *value <= 0) {
        throw bad(option, text, "a positive number of CPU cores (e.g. 0.5, 2)");
    }
    return *value;
}

std::string format_duration(processkit::Duration d) {
    const double ms = std::chrono::duration<double, std::milli>(d).count();
    char buf[64];
    if (ms < 1000) {
        std::snprintf(buf, sizeof buf, "%.0f ms", ms);
    } else {
        std::snprintf(buf, sizeof buf, "%.3f s", ms / 1000);
    }
    return buf;
}

std::string format_bytes(std::uint64_t bytes) {
    static constexpr const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double value = static_cast<double>(bytes);
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(units)) {
        value /= 1024;
        ++unit;
    }
    char buf[64];
    if (unit == 0) {
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
    } else {
        std::snprintf(buf, sizeof buf, "%.1f %s", value, units[unit]);
    }
    return buf;
}

} // namespace pk
