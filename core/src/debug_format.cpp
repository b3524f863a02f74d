#include "processkit/core/debug_format.hpp"

#include "processkit/core/utf8.hpp"

#include <array>
#include <ostream>
#include <utility>

namespace processkit {
namespace {

void append_quoted(std::string& out, std::string_view text) {
    std::string decoded;
    append_utf8_lossy(text, decoded);
    out += '"';
    for (char c : decoded) {
        if (c == '"' || c == '\\') {
            out += '\\';
        }
        out += c;
    }
    out += '"';
}

void append_names(std::string& out, const std::vector<std::string>& names) {
    out += '[';
    for (std::size_t i = 0; i < names.size(); ++i) {
        if (i > 0) {
            out += ", ";
        }
        append_utf8_lossy(names[i], out);
    }
    out += ']';
}

void append_env(std::string& out, const std::vector<EnvOp>& ops) {
    std::vector<std::string> set;
    std::vector<std::string> removed;
    std::vector<std::string> kept;
    bool cleared = false;
    bool inherit_only = false;
    for (const auto& op : ops) {
        switch (op.kind) {
        case EnvOp::Kind::Set:
            set.push_back(op.name); // the value is never shown
            break;
        case EnvOp::Kind::Remove:
            removed.push_back(op.name);
            break;
        case EnvOp::Kind::Clear:
            cleared = true;
            break;
        case EnvOp::Kind::InheritOnly:
            inherit_only = true;
            kept.insert(kept.end(), op.names.begin(), op.names.end());
            break;
        }
    }
    out += "env: ";
    if (ops.empty()) {
        out += "inherited";
        return;
    }
    std::vector<std::string> parts;
    if (cleared) {
        parts.emplace_back("cleared");
    }
    auto add_list = [&](const char* label, const std::vector<std::string>& names) {
        std::string part = label;
        append_names(part, names);
        parts.push_back(std::move(part));
    };
    if (inherit_only) {
        add_list("inherit-only ", kept);
    }
    if (!set.empty()) {
        add_list("set ", set);
    }
    if (!removed.empty()) {
        add_list("removed ", removed);
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
        out += i > 0 ? ", " : "";
        out += parts[i];
    }
}

std::string stdin_summary(const StdinSource& in) {
    switch (in.kind) {
    case StdinSource::Kind::Empty:
        return "empty";
    case StdinSource::Kind::Bytes:
        return "bytes(" + std::to_string(in.data.size()) + ")";
    case StdinSource::Kind::File:
        return "file"; // the path is not shown
    case StdinSource::Kind::Interactive:
        return "interactive";
    case StdinSource::Kind::Inherit:
        return "inherit";
    }
    return "unknown";
}

} // namespace

std::string format_duration(Duration d) {
    using namespace std::chrono;
    if (d < Duration::zero()) {
        return "-" + format_duration(-d);
    }
    constexpr std::array<std::pair<long long, const char*>, 4> units{{
        {duration_cast<nanoseconds>(seconds(1)).count(), "s"},
        {duration_cast<nanoseconds>(milliseconds(1)).count(), "ms"},
        {duration_cast<nanoseconds>(microseconds(1)).count(), "us"},
        {1, "ns"},
    }};
    const long long ns = duration_cast<nanoseconds>(d).count();
    if (ns == 0) {
        return "0s";
    }
    for (const auto& [unit, suffix] : units) {
        if (ns < unit) {
            continue;
        }
        std::string text = std::to_string(ns / unit);
        if (const long long millis = (ns % unit) * 1000 / unit; millis > 0) {
            std::string frac = std::to_string(millis);
            frac.insert(0, 3 - frac.size(), '0');
            frac.erase(frac.find_last_not_of('0') + 1);
            text += '.' + frac;
        }
        return text + suffix;
    }
    return "0s"; // not reached: every positive count is at least 1 ns
}

std::string debug_string(const Command& command) {
    std::string out = "Command{program=";
    append_quoted(out, command.program());
    out += ", args=" + std::to_string(command.arguments().size()) + ", ";
    append_env(out, command.env_ops());
    out += ", cwd=";
    out += command.working_directory() ? "set" : "inherited";
    out += ", stdin=" + stdin_summary(command.stdin_source());
    out += ", timeout=";
    out += command.timeout() ? format_duration(*command.timeout()) : "none";
    out += '}';
    return out;
}

namespace {

/// The error's message without what may come from the caller's values: the
/// paths it searched (built from PATH) and its path (a working directory,
/// a stdin file), which is shown as <path>.
std::string redacted_message(const Error& error) {
    std::string message = error.message();
    if (!error.searched().empty()) {
        std::string searched = " (searched:";
        for (const auto& p : error.searched()) {
            searched += ' ';
            append_utf8_lossy(p, searched);
        }
        searched += ')';
        if (auto at = message.find(searched); at != std::string::npos) {
            message.erase(at, searched.size());
        }
    }
    if (!error.path().empty()) {
        // Quoted, as messages quote paths, and after "'program': ": the
        // program is always shown.
        std::string skip;
        if (!error.program().empty()) {
            append_utf8_lossy(error.program(), skip);
            skip = "'" + skip + "': ";
        }
        std::string quoted = "'";
        append_utf8_lossy(error.path(), quoted);
        quoted += '\'';
        const std::string_view hidden = "'<path>'";
        for (auto at = message.find(quoted, message.starts_with(skip) ? skip.size() : 0);
             at != std::string::npos; at = message.find(quoted, at + hidden.size())) {
            message.replace(at, quoted.size(), hidden);
        }
    }
    return message;
}

} // namespace

std::string debug_string(const Error& error) {
    std::string out = "Error{kind=";
    out += to_string(error.kind());
    if (!error.program().empty()) {
        out += ", program=";
        append_quoted(out, error.program());
    }
    if (auto code = error.exit_code()) {
        out += ", exit_code=" + std::to_string(*code);
    }
    if (auto sig = error.signal_number()) {
        out += ", signal=" + std::to_string(*sig);
    }
    if (auto os = error.os_error()) {
        out += ", os_error=" + std::to_string(*os);
    }
    if (!error.searched().empty()) {
        out += ", searched=" + std::to_string(error.searched().size()) + " paths";
    }
    if (!error.path().empty()) {
        out += ", path=set";
    }
    if (!error.stdout_text().empty()) {
        out += ", stdout=" + std::to_string(error.stdout_text().size()) + " bytes";
    }
    if (!error.stderr_text().empty()) {
        out += ", stderr=" + std::to_string(error.stderr_text().size()) + " bytes";
    }
    out += ", message=";
    append_quoted(out, redacted_message(error));
    out += '}';
    return out;
}

std::ostream& operator<<(std::ostream& out, const Command& command) {
    return out << debug_string(command);
}

std::ostream& operator<<(std::ostream& out, const Error& error) {
    return out << debug_string(error);
}

} // namespace processkit
