#pragma once
// Axis arithmetic for the usage chart: round axis maxima and tick steps, and
// the binary unit memory is shown in. Plain C++, checked by series_test.cpp.

namespace task_monitor {

/// An axis from 0 to `maximum`, cut into `intervals` equal, round steps.
struct Axis {
    double maximum = 1;
    int intervals = 5;
};

/// The smallest 1, 2 or 5 × 10^k at or above `peak` (and at least `floor`,
/// which must be positive), in steps of 0.2, 0.5 or 1 × 10^k: a chart's
/// scale only changes when the data outgrows it, and every tick reads
/// round.
Axis niceAxis(double peak, double floor);

struct MemoryUnit {
    double bytes = 1; ///< bytes per unit
    const char* name = "B";
};

/// The binary unit (B, KiB, MiB, GiB, TiB) in which `bytes` reads below 1000.
MemoryUnit memoryUnitFor(double bytes);

} // namespace task_monitor
