#include "cassette.hpp"

#include "json.hpp"
#include "processkit/os/unique_fd.hpp"

#include <array>
#include <cerrno>
#include <cstdint>
#include <fcntl.h>
#include <fstream>
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

template <class T>
json::Value or_null(const std::optional<T>& v) {
    return v ? json::Value(*v) : json::Value(nullptr);
}

json::Value to_json(const Entry& e) {
    const auto& i = e.invocation;
    json::Value::Array args;
    for (const auto& a : i.args) {
        args.push_back(json::from_bytes(a));
    }
    json::Value::Array env;
    for (const auto& op : i.env) {
        env.push_back(json::from_bytes(op));
    }
    return json::Value::Object{
        {"program", json::from_bytes(i.program)},
        {"args", std::move(args)},
        {"cwd", i.cwd ? json::from_bytes(*i.cwd) : json::Value(nullptr)},
        {"env", std::move(env)},
        {"stdin", name_of(stdin_names, i.stdin_kind)},
        {"timeout_ns", i.timeout ? json::Value(std::int64_t{i.timeout->count()}) : nullptr},
        {"started", i.started},
        {"outcome", name_of(outcome_names, e.outcome.kind)},
        {"exit_code", or_null(e.status ? e.status->code() : std::nullopt)},
        {"signal", or_null(e.status ? e.status->signal() : std::nullopt)},
        {"error_kind", e.error_kind ? json::Value(std::string(to_string(*e.error_kind))) : nullptr},
        {"stdout", json::from_bytes(e.stdout_bytes)},
        {"stderr", json::from_bytes(e.stderr_bytes)},
        {"duration_ns", std::int64_t{e.duration.count()}},
    };
}

int as_int32(const json::Value& v) {
    const auto n = v.as_int();
    if (n < INT32_MIN || n > INT32_MAX) {
        throw Error(ErrorKind::InvalidArgument, {}, "cassette: number out of range");
    }
    return static_cast<int>(n);
}

Entry from_json(const json::Value& j) {
    Entry e;
    auto& i = e.invocation;
    i.program = json::to_bytes(j.at("program"));
    for (const auto& a : j.at("args").as_array()) {
        i.args.push_back(json::to_bytes(a));
    }
    if (const auto& cwd = j.at("cwd"); !cwd.is_null()) {
        i.cwd = json::to_bytes(cwd);
    }
    for (const auto& op : j.at("env").as_array()) {
        i.env.push_back(json::to_bytes(op));
    }
    i.stdin_kind = kind_of(stdin_names, j.at("stdin").as_string());
    if (const auto& t = j.at("timeout_ns"); !t.is_null()) {
        i.timeout = Duration{t.as_int()};
    }
    i.started = j.at("started").as_bool();
    e.outcome.kind = kind_of(outcome_names, j.at("outcome").as_string());
    if (const auto& code = j.at("exit_code"); !code.is_null()) {
        e.status = ExitStatus::exited(as_int32(code));
    } else if (const auto& sig = j.at("signal"); !sig.is_null()) {
        e.status = ExitStatus::signalled(as_int32(sig));
    }
    if (e.outcome.kind == Outcome::Kind::Exited || e.outcome.kind == Outcome::Kind::Signalled) {
        if (!e.status) {
            throw Error(ErrorKind::InvalidArgument, i.program,
                        "cassette: an exited or signalled entry needs exit_code or signal");
        }
        e.outcome.value = e.status->is_exited() ? *e.status->code() : *e.status->signal();
    }
    if (const auto& k = j.at("error_kind"); !k.is_null()) {
        e.error_kind = error_kind_of(k.as_string());
    }
    e.stdout_bytes = json::to_bytes(j.at("stdout"));
    e.stderr_bytes = json::to_bytes(j.at("stderr"));
    e.duration = Duration{j.at("duration_ns").as_int()};
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
        text += json::write(to_json(entries[i]));
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
        const auto doc = json::parse(text.str());
        if (const auto* v = doc.find("processkit_cassette"); !v || v->as_int() != format_version) {
            throw Error(ErrorKind::InvalidArgument, {},
                        "not a processkit cassette (version " + std::to_string(format_version) +
                            ")");
        }
        std::vector<Entry> entries;
        for (const auto& e : doc.at("entries").as_array()) {
            entries.push_back(from_json(e));
        }
        return entries;
    } catch (const Error& e) {
        throw Error(ErrorKind::InvalidArgument, {}, "cassette " + path + ": " + e.detail())
            .with_path(path);
    }
}

} // namespace processkit::cassette
