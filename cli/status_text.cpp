#include "status_text.hpp"

#include "durations.hpp"

#include <chrono>
#include <cstdio>

namespace pk {
namespace {

std::string cores_text(const std::optional<double>& cores) {
    if (!cores) {
        return "CPU n/a";
    }
    char buf[48];
    std::snprintf(buf, sizeof buf, "CPU %.2f cores", *cores);
    return buf;
}

std::string processes_text(const StatusFigures& f) {
    if (!f.processes) {
        return f.counts_groups ? "? process groups" : "? processes";
    }
    const bool one = *f.processes == 1;
    const char* noun = f.counts_groups ? (one ? " process group" : " process groups")
                                       : (one ? " process" : " processes");
    return std::to_string(*f.processes) + noun;
}

std::int64_t whole_seconds_up(processkit::Duration d) {
    return std::chrono::ceil<std::chrono::seconds>(d).count();
}

} // namespace

std::string format_clock(std::int64_t seconds) {
    seconds = seconds < 0 ? 0 : seconds;
    const std::int64_t h = seconds / 3600;
    const std::int64_t m = seconds / 60 % 60;
    const std::int64_t s = seconds % 60;
    char buf[48];
    if (h > 0) {
        std::snprintf(buf, sizeof buf, "%lldh%02lldm%02llds", static_cast<long long>(h),
                      static_cast<long long>(m), static_cast<long long>(s));
    } else if (m > 0) {
        std::snprintf(buf, sizeof buf, "%lldm%02llds", static_cast<long long>(m),
                      static_cast<long long>(s));
    } else {
        std::snprintf(buf, sizeof buf, "%llds", static_cast<long long>(s));
    }
    return buf;
}

std::string status_text(const StatusFigures& f, std::size_t width) {
    if (width < 2) {
        return {};
    }
    const auto elapsed = std::chrono::floor<std::chrono::seconds>(f.elapsed).count();
    std::string text = "pk " + format_clock(elapsed);
    text += " | " + cores_text(f.cores);
    text += " | mem " + (f.memory_bytes ? format_bytes(*f.memory_bytes) : std::string("n/a"));
    text += " | " + processes_text(f);
    if (f.stopping) {
        text += " | stopping";
    } else if (f.timeout_left) {
        // Rounded up: "timeout in 0s" would claim it fired already.
        text += " | timeout in " + format_clock(whole_seconds_up(*f.timeout_left));
    }
    if (text.size() > width - 1) {
        text.resize(width - 1);
    }
    return text;
}

} // namespace pk
