#include "profile_report.hpp"

#include "durations.hpp"

#include <cstdio>

namespace pk {
namespace {

std::string row(const char* label, const std::string& value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %-16s", label);
    return buf + value + "\n";
}

} // namespace

std::string profile_text(const RunReport& r) {
    using std::chrono::milliseconds;
    const std::string unknown = "unknown";
    std::string out = "pk profile of " + r.program + "\n";
    out += row("wall time", format_duration(milliseconds(r.duration_ms)));
    out += row("CPU time", r.cpu_ms ? format_duration(milliseconds(*r.cpu_ms)) : unknown);
    std::string cores = unknown;
    if (r.cpu_ms && r.duration_ms > 0) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2f",
                      static_cast<double>(*r.cpu_ms) / static_cast<double>(r.duration_ms));
        cores = buf;
    }
    out += row("average cores", cores);
    out += row("peak memory", r.peak_memory_bytes ? format_bytes(*r.peak_memory_bytes) : unknown);
    std::string procs = unknown;
    if (r.max_processes) {
        procs = std::to_string(*r.max_processes);
        if (r.mechanism == "pgroup") {
            procs += " (process groups)";
        }
    }
    out += row("peak processes", procs);
    out += row("samples",
               std::to_string(r.samples) + " (every " + format_duration(r.sample_every) + ")");
    out += row("mechanism", r.mechanism);
    return out;
}

} // namespace pk
