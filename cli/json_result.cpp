#include "json_result.hpp"

#include <nlohmann/json.hpp>

namespace pk {
namespace {

template <class T>
nlohmann::ordered_json or_null(const std::optional<T>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

std::string dump(const nlohmann::ordered_json& j) {
    // Program names and arguments are bytes; replace what is not UTF-8.
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace

std::string result_json(const RunReport& r) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["program"] = r.program;
    j["args"] = r.args;
    j["mechanism"] = r.mechanism;
    j["exit_code"] = or_null(r.exit_code);
    j["signal"] = or_null(r.signal);
    j["timed_out"] = r.timed_out;
    j["duration_ms"] = r.duration_ms;
    j["cpu_ms"] = or_null(r.cpu_ms);
    j["peak_memory_bytes"] = or_null(r.peak_memory_bytes);
    j["max_processes"] = or_null(r.max_processes);
    j["samples"] = r.samples;
    j["stdout"] = r.stdout_text;
    j["stderr"] = r.stderr_text;
    j["stdout_truncated"] = r.stdout_truncated;
    j["stderr_truncated"] = r.stderr_truncated;
    return dump(j);
}

std::string sample_json(const Sample& s) {
    nlohmann::ordered_json j = nlohmann::ordered_json::object();
    j["t_ms"] = s.t_ms;
    j["active_process_count"] = s.active_process_count;
    j["cpu_ms"] = or_null(s.cpu_ms);
    j["memory_bytes"] = or_null(s.memory_bytes);
    return dump(j);
}

} // namespace pk
