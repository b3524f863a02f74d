#pragma once
// The JSON pk prints: the --json result object and the --stats-out lines.

#include "report.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace pk {

/// Receives JSON text in pieces (each at most about 64 KiB).
using TextSink = std::function<void(std::string_view)>;

/// One JSON object (one line, no trailing newline) with the keys program,
/// args, mechanism, exit_code, signal, timed_out, duration_ms, cpu_ms,
/// peak_memory_bytes, max_processes, samples, stdout, stderr,
/// stdout_truncated, stderr_truncated. Invalid UTF-8 becomes U+FFFD.
/// Encoded as it is written: the captured output is never copied whole.
void write_result_json(const RunReport& report, const TextSink& sink);

/// The same object as one string (for small results and tests).
std::string result_json(const RunReport& report);

/// Appends `bytes` to `out` as the inside of a JSON string, decoded as UTF-8
/// (U+FFFD for invalid parts) — for a stream cut into pieces: feed every
/// piece, then finish(). A sequence split between pieces is joined.
class JsonStringEncoder {
public:
    void feed(std::string_view bytes, std::string& out);
    void finish(std::string& out);

private:
    void encode(std::string_view bytes, bool last, std::string& out);
    std::string carry_; ///< at most 3 bytes of a sequence the next piece may complete
    std::string decoded_;
};

/// {"t_ms":..,"active_process_count":..,"cpu_ms":..,"memory_bytes":..}
std::string sample_json(const Sample& sample);

} // namespace pk
