#pragma once
// The JSON pk prints: the --json result object and the --stats-out lines.

#include "report.hpp"

#include <string>

namespace pk {

/// One JSON object (one line, no trailing newline) with the keys program,
/// args, mechanism, exit_code, signal, timed_out, duration_ms, cpu_ms,
/// peak_memory_bytes, max_processes, samples, stdout, stderr,
/// stdout_truncated, stderr_truncated. Invalid UTF-8 becomes U+FFFD.
std::string result_json(const RunReport& report);

/// {"t_ms":..,"active_process_count":..,"cpu_ms":..,"memory_bytes":..}
std::string sample_json(const Sample& sample);

} // namespace pk
