#include "cassette.hpp"

#include "processkit/core/utf8.hpp"
#include "processkit/os/unique_fd.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>

namespace processkit::cassette {
namespace {

constexpr std::int64_t format_version = 1;

constexpr std::array<std::pair<StdinSource::Kind, std::string_view>, 5> stdin_names{{
    {StdinSource::Kind::Empty, "empty"},
    {StdinSource::Kind::Bytes, "bytes"},
    {StdinSource::Kind::File, "file"},
    {StdinSource::Kind::Interactive, "interactive"},
    {StdinSource::Kind::Inherit, "inherit"},
}};

constexpr std::array<std::pair<Outcome::Kind, std::string_view>, 5> outcome_names{{
    {Outcome::Kind::Exited, "exited"},
    {Outcome::Kind::Signalled, "signalled"},
    {Outcome::Kind::TimedOut, "timed_out"},
    {Outcome::Kind::Cancelled, "cancelled"},
    {Outcome::Kind::SpawnFailed, "spawn_failed"},
}};

template <class K, std::size_t N>
std::string name_of(const std::array<std::pair<K, std::string_view>, N>& names, K kind) {
    for (const auto& [k, name] : names) {
        if (k == kind) {
            return std::string(name);
        }
    }
    return "unknown";
}

template <class K, std::size_t N>
K kind_of(const std::array<std::pair<K, std::string_view>, N>& names, const std::string& name) {
    for (const auto& [k, n] : names) {
        if (n == name) {
            return k;
        }
    }
    throw Error(ErrorKind::InvalidArgument, {}, "cassette: unknown value \"" + name + "\"");
}

ErrorKind error_kind_of(const std::string& name) {
    for (int k = 0; k <= static_cast<int>(ErrorKind::Io); ++k) {
        if (to_string(static_cast<ErrorKind>(k)) == name) {
            return static_cast<ErrorKind>(k);
        }
    }
    throw Error(ErrorKind::InvalidArgument, {}, "cassette: unknown error kind \"" + name + "\"");
}

// --- JSON through nlohmann-json, with the cassette's own rules: keys kept in
// the order written, integers only, nesting capped, every type checked with
// an Error (InvalidArgument) that says what was expected. ---

using Json = nlohmann::ordered_json;

constexpr int max_depth = 64;

[[noreturn]] void fail(const std::string& what) {
    throw Error(ErrorKind::InvalidArgument, {}, "JSON: " + what);
}

// nlohmann's parse errors read "[json.exception.parse_error.101] parse error
// at line 1, column 2: <reason>; last read: '<text>'"; keep the reason and
// give the 0-based offset of the byte where reading stopped. Floats and
// nesting deeper than max_depth are refused while parsing (the callback
// knows no offset).
Json parse(std::string_view text) {
    const Json::parser_callback_t check = [](int depth, Json::parse_event_t event, Json& parsed) {
        if ((event == Json::parse_event_t::object_start ||
             event == Json::parse_event_t::array_start) &&
            depth > max_depth) {
            fail("nesting too deep");
        }
        if (event == Json::parse_event_t::value && parsed.is_number_float()) {
            fail("only integers are supported");
        }
        return true;
    };
    try {
        return Json::parse(text, check);
    } catch (const Json::parse_error& e) {
        std::string reason = e.what();
        if (const auto colon = reason.find(": "); colon != std::string::npos) {
            reason.erase(0, colon + 2);
        }
        // "; last read: '<text>'" would copy the cassette's bytes (maybe not
        // UTF-8) into the message; the offset says where.
        if (const auto last = reason.find("; last read: '"); last != std::string::npos) {
            const auto end = reason.find("'; ", last + 14);
            reason.erase(last, end == std::string::npos ? std::string::npos : end + 1 - last);
        }
        fail(reason + " at offset " + std::to_string(e.byte > 0 ? e.byte - 1 : 0));
    }
}

std::string write(const Json& value) {
    // Compact; strings are UTF-8 already (bytes that are not go as base64).
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const Json* find(const Json& object, const std::string& key) {
    if (!object.is_object()) {
        fail("expected an object");
    }
    const auto it = object.find(key);
    return it == object.end() ? nullptr : &*it;
}

const Json& at(const Json& object, const std::string& key) {
    if (const auto* v = find(object, key)) {
        return *v;
    }
    fail("missing member \"" + key + "\"");
}

std::int64_t as_int(const Json& v) {
    if (v.is_number_integer() &&
        (!v.is_number_unsigned() ||
         v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))) {
        return v.get<std::int64_t>();
    }
    fail("expected an integer");
}

bool as_bool(const Json& v) {
    if (!v.is_boolean()) {
        fail("expected a boolean");
    }
    return v.get<bool>();
}

const std::string& as_string(const Json& v) {
    if (!v.is_string()) {
        fail("expected a string");
    }
    return v.get_ref<const std::string&>();
}

const Json::array_t& as_array(const Json& v) {
    if (!v.is_array()) {
        fail("expected an array");
    }
    return v.get_ref<const Json::array_t&>();
}

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (i + 1 < bytes.size()) {
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        }
        if (i + 2 < bytes.size()) {
            n |= static_cast<unsigned char>(bytes[i + 2]);
        }
        out += base64_alphabet[(n >> 18) & 63];
        out += base64_alphabet[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? base64_alphabet[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? base64_alphabet[n & 63] : '=';
    }
    return out;
}

std::string base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        fail("base64 text of a length that is not a multiple of 4");
    }
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t n = 0;
        int pad = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            std::size_t v = 0;
            if (c == '=' && i + 4 == text.size() && j >= 2) {
                ++pad;
            } else if (pad > 0 || (v = base64_alphabet.find(c)) == std::string_view::npos) {
                fail("invalid base64 text");
            }
            n = (n << 6) | static_cast<std::uint32_t>(v);
        }
        out += static_cast<char>((n >> 16) & 0xff);
        if (pad < 2) {
            out += static_cast<char>((n >> 8) & 0xff);
        }
        if (pad < 1) {
            out += static_cast<char>(n & 0xff);
        }
    }
    return out;
}

/// Bytes as a JSON string when they are UTF-8, else {"base64": "..."}.
Json from_bytes(std::string_view bytes) {
    if (is_valid_utf8(bytes)) {
        return std::string(bytes);
    }
    return Json{{"base64", base64_encode(bytes)}};
}

/// The inverse of from_bytes.
std::string to_bytes(const Json& value) {
    if (value.is_string()) {
        return value.get<std::string>();
    }
    return base64_decode(as_string(at(value, "base64")));
}

// --- Entries ---

template <class T>
Json or_null(const std::optional<T>& v) {
    return v ? Json(*v) : Json(nullptr);
}

Json to_json(const Entry& e) {
    const auto& i = e.invocation;
    Json args = Json::array();
    for (const auto& a : i.args) {
        args.push_back(from_bytes(a));
    }
    Json env = Json::array();
    for (const auto& op : i.env) {
        env.push_back(from_bytes(op));
    }
    // The key order is the file format's (ordered_json keeps it).
    Json j = Json::object();
    j["program"] = from_bytes(i.program);
    j["args"] = std::move(args);
    j["cwd"] = i.cwd ? from_bytes(*i.cwd) : Json(nullptr);
    j["env"] = std::move(env);
    j["stdin"] = name_of(stdin_names, i.stdin_kind);
    j["timeout_ns"] = i.timeout ? Json(std::int64_t{i.timeout->count()}) : Json(nullptr);
    j["started"] = i.started;
    j["outcome"] = name_of(outcome_names, e.outcome.kind);
    j["exit_code"] = or_null(e.status ? e.status->code() : std::nullopt);
    j["signal"] = or_null(e.status ? e.status->signal() : std::nullopt);
    j["error_kind"] = e.error_kind ? Json(std::string(to_string(*e.error_kind))) : Json(nullptr);
    j["stdout"] = from_bytes(e.stdout_bytes);
    j["stderr"] = from_bytes(e.stderr_bytes);
    j["duration_ns"] = std::int64_t{e.duration.count()};
    return j;
}

int as_int32(const Json& v) {
    const auto n = as_int(v);
    if (n < INT32_MIN || n > INT32_MAX) {
        throw Error(ErrorKind::InvalidArgument, {}, "cassette: number out of range");
    }
    return static_cast<int>(n);
}

Entry from_json(const Json& j) {
    Entry e;
    auto& i = e.invocation;
    i.program = to_bytes(at(j, "program"));
    for (const auto& a : as_array(at(j, "args"))) {
        i.args.push_back(to_bytes(a));
    }
    if (const auto& cwd = at(j, "cwd"); !cwd.is_null()) {
        i.cwd = to_bytes(cwd);
    }
    for (const auto& op : as_array(at(j, "env"))) {
        i.env.push_back(to_bytes(op));
    }
    i.stdin_kind = kind_of(stdin_names, as_string(at(j, "stdin")));
    if (const auto& t = at(j, "timeout_ns"); !t.is_null()) {
        i.timeout = Duration{as_int(t)};
    }
    i.started = as_bool(at(j, "started"));
    e.outcome.kind = kind_of(outcome_names, as_string(at(j, "outcome")));
    if (const auto& code = at(j, "exit_code"); !code.is_null()) {
        e.status = ExitStatus::exited(as_int32(code));
    } else if (const auto& sig = at(j, "signal"); !sig.is_null()) {
        e.status = ExitStatus::signalled(as_int32(sig));
    }
    if (e.outcome.kind == Outcome::Kind::Exited || e.outcome.kind == Outcome::Kind::Signalled) {
        if (!e.status) {
            throw Error(ErrorKind::InvalidArgument, i.program,
                        "cassette: an exited or signalled entry needs exit_code or signal");
        }
        e.outcome.value = e.status->is_exited() ? *e.status->code() : *e.status->signal();
    }
    if (const auto& k = at(j, "error_kind"); !k.is_null()) {
        e.error_kind = error_kind_of(as_string(k));
    }
    e.stdout_bytes = to_bytes(at(j, "stdout"));
    e.stderr_bytes = to_bytes(at(j, "stderr"));
    e.duration = Duration{as_int(at(j, "duration_ns"))};
    return e;
}

Error io_error(const std::string& what, const std::string& path, int errno_value) {
    return Error(ErrorKind::Io, {},
                 what + " " + path + ": " + std::generic_category().message(errno_value))
        .with_path(path)
        .with_os_error(errno_value);
}

void write_all(int fd, std::string_view bytes, const std::string& path) {
    while (!bytes.empty()) {
        const auto n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            throw io_error("cannot write the cassette", path, errno);
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
}

} // namespace

Entry entry_of(const Invocation& invocation, const ProcessResult& result) {
    Entry e;
    e.invocation = invocation;
    e.outcome = result.outcome;
    e.status = result.status;
    if (result.outcome.kind == Outcome::Kind::SpawnFailed && result.error) {
        e.error_kind = result.error->kind();
    }
    e.stdout_bytes = result.stdout_bytes;
    e.stderr_bytes = result.stderr_bytes;
    e.duration = result.duration;
    return e;
}

Reply reply_of(const Entry& e) {
    switch (e.outcome.kind) {
    case Outcome::Kind::SpawnFailed:
        return Reply::spawn_failure(e.error_kind.value_or(ErrorKind::SpawnFailed));
    case Outcome::Kind::TimedOut:
        return Reply::timeout(e.stdout_bytes, e.stderr_bytes);
    case Outcome::Kind::Exited:
    case Outcome::Kind::Signalled:
    case Outcome::Kind::Cancelled:
        break;
    }
    if (!e.status) { // cancelled before the child was reaped
        return Reply::never_finishing().then_stdout(e.stdout_bytes).then_stderr(e.stderr_bytes);
    }
    auto reply = e.status->is_exited()
                     ? Reply::failure(*e.status->code(), e.stdout_bytes, e.stderr_bytes)
                     : Reply::signalled(*e.status->signal(), e.stdout_bytes, e.stderr_bytes);
    return reply.taking(e.duration);
}

void write_file(const std::string& path, const std::vector<Entry>& entries) {
    std::string text =
        "{\"processkit_cassette\":" + std::to_string(format_version) + ",\"entries\":[\n";
    for (std::size_t i = 0; i < entries.size(); ++i) {
        text += write(to_json(entries[i]));
        text += i + 1 < entries.size() ? ",\n" : "\n";
    }
    text += "]}\n";
    os::UniqueFd fd(
        os::above_stdio(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600)));
    if (!fd || ::fchmod(fd.get(), 0600) != 0) {
        throw io_error("cannot create the cassette", path, errno);
    }
    write_all(fd.get(), text, path);
}

std::vector<Entry> read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw io_error("cannot read the cassette", path, errno);
    }
    std::ostringstream text;
    text << in.rdbuf();
    try {
        const auto doc = parse(text.str());
        if (const auto* v = find(doc, "processkit_cassette"); !v || as_int(*v) != format_version) {
            throw Error(ErrorKind::InvalidArgument, {},
                        "not a processkit cassette (version " + std::to_string(format_version) +
                            ")");
        }
        std::vector<Entry> entries;
        for (const auto& e : as_array(at(doc, "entries"))) {
            entries.push_back(from_json(e));
        }
        return entries;
    } catch (const Error& e) {
        throw Error(ErrorKind::InvalidArgument, {}, "cassette " + path + ": " + e.detail())
            .with_path(path);
    }
}

} // namespace processkit::cassette
