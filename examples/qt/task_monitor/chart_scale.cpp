#include "chart_scale.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace task_monitor {

Axis niceAxis(double peak, double floor) {
    const double value = std::max(peak, floor > 0 ? floor : 1.0);
    const double decade = std::pow(10.0, std::floor(std::log10(value)));
    // A small tolerance: 0.3 / 0.1 is 2.9999999999999996, not above 3.
    const double mantissa = value / decade * (1 - 1e-9);
    if (mantissa <= 1) {
        return {decade, 5};
    }
    if (mantissa <= 2) {
        return {2 * decade, 4};
    }
    if (mantissa <= 5) {
        return {5 * decade, 5};
    }
    return {10 * decade, 5};
}

MemoryUnit memoryUnitFor(double bytes) {
    static constexpr std::array<const char*, 5> names{"B", "KiB", "MiB", "GiB", "TiB"};
    double unit = 1;
    std::size_t index = 0;
    while (index + 1 < names.size() && bytes / unit >= 1000) {
        unit *= 1024;
        ++index;
    }
    return {unit, names[index]};
}

} // namespace task_monitor
