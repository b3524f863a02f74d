#pragma once
// Parsers for pk's option values: DURATION (a number with ms, s, m or h),
// BYTES (a number with an optional K, M or G, powers of 1024), counts and
// CPU cores. Each throws UsageError with a message naming the option.

#include "failure.hpp"
#include "processkit/core/time.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace pk {

/// "500ms", "2s", "1.5m", "1h". The unit is required. Throws UsageError.
processkit::Duration parse_duration(std::string_view text, std::string_view option);
/// "1048576", "512K", "1.5M", "2G" (K = 1024). Throws UsageError.
std::uint64_t parse_bytes(std::string_view text, std::string_view option);
/// A positive decimal integer. Throws UsageError.
std::uint64_t parse_count(std::string_view text, std::string_view option);
/// A positive finite number of cores ("0.5", "2"). Throws UsageError.
double parse_cores(std::string_view text, std::string_view option);

/// "1.234 s", "250 ms" (for humans).
std::string format_duration(processkit::Duration d);
/// "512 B", "1.5 KiB", "12.3 MiB" (for humans).
std::string format_bytes(std::uint64_t bytes);

} // namespace pk
