#include "json_result.hpp"

#include "processkit/core/utf8.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace pk {
namespace {

constexpr std::size_t flush_bytes = 64 * 1024;
constexpr std::size_t slice_bytes = 16 * 1024; ///< decoded at a time

template <class T>
nlohmann::ordered_json or_null(const std::optional<T>& v) {
    return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
}

std::string dump(const nlohmann::ordered_json& j) {
    // Program names and arguments are bytes; replace what is not UTF-8.
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

/// Collects text and hands it to the sink in pieces of about flush_bytes.
class Buffered {
public:
    explicit Buffered(const TextSink& sink)
        : sink_(sink) {
        text.reserve(flush_bytes + slice_bytes * 6 + 64);
    }
    void maybe_flush() {
        if (text.size() >= flush_bytes) {
            flush();
        }
    }
    void flush() {
        if (!text.empty()) {
            sink_(text);
            text.clear();
        }
    }
    std::string text;

private:
    const TextSink& sink_;
};

void write_output(Buffered& out, const OutputCapture& capture) {
    JsonStringEncoder encoder;
    out.text += '"';
    for (std::string_view piece : capture.pieces()) {
        while (!piece.empty()) {
            const std::size_t n = std::min(piece.size(), slice_bytes);
            encoder.feed(piece.substr(0, n), out.text);
            piece.remove_prefix(n);
            out.maybe_flush();
        }
    }
    encoder.finish(out.text);
    out.text += '"';
}

} // namespace

void JsonStringEncoder::feed(std::string_view bytes, std::string& out) {
    if (carry_.empty()) {
        encode(bytes, false, out);
        return;
    }
    // A sequence cut by the previous piece: decode it joined with this one
    // (pieces are small slices, so the copy is too).
    std::string joined = std::move(carry_);
    carry_.clear();
    joined.append(bytes);
    encode(joined, false, out);
}

void JsonStringEncoder::finish(std::string& out) {
    std::string rest = std::move(carry_);
    carry_.clear();
    encode(rest, true, out);
}

void JsonStringEncoder::encode(std::string_view bytes, bool last, std::string& out) {
    const std::size_t complete = last ? bytes.size() : processkit::utf8_complete_prefix(bytes);
    carry_.assign(bytes.substr(complete));
    decoded_.clear();
    processkit::append_utf8_lossy(bytes.substr(0, complete), decoded_);
    static constexpr char hex[] = "0123456789abcdef";
    for (const char c : decoded_) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\r':
            out += "\\r";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\b':
            out += "\\b";
            break;
        case '\f':
            out += "\\f";
            break;
        default:
            if (u < 0x20) {
                out += "\\u00";
                out += hex[u >> 4];
                out += hex[u & 0xf];
            } else {
                out += c;
            }
        }
    }
}

void write_result_json(const RunReport& r, const TextSink& sink) {
    Buffered out(sink);
    nlohmann::ordered_json head = nlohmann::ordered_json::object();
    head["program"] = r.program;
    head["args"] = r.args;
    head["mechanism"] = r.mechanism;
    head["exit_code"] = or_null(r.exit_code);
    head["signal"] = or_null(r.signal);
    head["timed_out"] = r.timed_out;
    head["duration_ms"] = r.duration_ms;
    head["cpu_ms"] = or_null(r.cpu_ms);
    head["peak_memory_bytes"] = or_null(r.peak_memory_bytes);
    head["max_processes"] = or_null(r.max_processes);
    head["samples"] = r.samples;
    out.text = dump(head);
    out.text.pop_back(); // the closing brace: the output keys follow
    out.text += ",\"stdout\":";
    write_output(out, r.stdout_output);
    out.text += ",\"stderr\":";
    write_output(out, r.stderr_output);
    out.text += ",\"stdout_truncated\":";
    out.text += r.stdout_output.truncated() ? "true" : "false";
    out.text += ",\"stderr_truncated\":";
    out.text += r.stderr_output.truncated() ? "true" : "false";
    out.text += '}';
    out.flush();
}

std::string result_json(const RunReport& r) {
    std::string all;
    write_result_json(r, [&](std::string_view piece) { all.append(piece); });
    return all;
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
