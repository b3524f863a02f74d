#include "processkit/core/windows_command_line.hpp"

#include "processkit/core/error.hpp"

#include <cstddef>
#include <optional>

namespace processkit::windows {
namespace {

bool has_nul(std::string_view s) {
    return s.find('\0') != std::string_view::npos;
}

[[noreturn]] void refuse(std::string_view program, std::string detail) {
    // A program name with a NUL byte is not shown (it would cut the message).
    throw Error(ErrorKind::InvalidArgument, has_nul(program) ? std::string{} : std::string(program),
                std::move(detail));
}

std::string argument_name(std::size_t index) {
    return "argument " + std::to_string(index + 1);
}

/// The rules argv[0] must follow to come back whole from the runtime's split.
void check_program(std::string_view program, std::string_view shown, std::string_view what) {
    if (program.empty()) {
        refuse(shown, "empty " + std::string(what));
    }
    if (has_nul(program)) {
        refuse(shown, std::string(what) + " contains a NUL byte");
    }
    if (program.find('"') != std::string_view::npos) {
        refuse(shown, std::string(what) + " contains a double quote");
    }
}

void append_backslashes(std::string& out, std::size_t n) {
    out.append(n, '\\');
}

// --- cmd.exe ---------------------------------------------------------------

/// The class of the first byte cmd.exe would reinterpret even inside double
/// quotes, or nullopt if there is none. NUL is reported first wherever it is.
std::optional<std::string_view> cmd_refused_class(std::string_view s) {
    if (has_nul(s)) {
        return "a NUL byte";
    }
    for (const char c : s) {
        switch (c) {
        case '"':
            return "a double quote, which would move cmd.exe's quoted regions";
        case '%':
            return "'%', which cmd.exe expands even inside quotes";
        case '!':
            return "'!', which cmd.exe's delayed expansion would expand";
        case '\r':
        case '\n':
            return "a line break (CR or LF), which ends a cmd.exe command";
        default:
            break;
        }
    }
    return std::nullopt;
}

/// True if a batch argument must go in double quotes: empty, whitespace or
/// another control byte, a cmd.exe operator, or a batch parameter delimiter.
bool cmd_needs_quotes(std::string_view arg) {
    if (arg.empty()) {
        return true;
    }
    for (const char c : arg) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7F) {
            return true;
        }
        switch (c) {
        case '&':
        case '|':
        case '<':
        case '>':
        case '(':
        case ')':
        case '^':
        case ',':
        case ';':
        case '=':
        case '@':
            return true;
        default:
            break;
        }
    }
    return false;
}

} // namespace

std::string quote_argument(std::string_view arg) {
    if (!arg.empty() && arg.find_first_of(" \t\n\v\"") == std::string_view::npos) {
        return std::string(arg);
    }
    std::string out;
    out.reserve(arg.size() + 2);
    out += '"';
    std::size_t backslashes = 0; // the run of backslashes just read, not yet written
    for (const char c : arg) {
        if (c == '\\') {
            ++backslashes;
            continue;
        }
        if (c == '"') {
            // The run, doubled, stands for itself; one more escapes the quote.
            append_backslashes(out, 2 * backslashes + 1);
        } else {
            append_backslashes(out, backslashes);
        }
        backslashes = 0;
        out += c;
    }
    // A run before the closing quote is doubled so the quote still closes.
    append_backslashes(out, 2 * backslashes);
    out += '"';
    return out;
}

std::string build_command_line(std::string_view program, const std::vector<std::string>& args) {
    check_program(program, program, "program name");
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (has_nul(args[i])) {
            refuse(program, argument_name(i) + " contains a NUL byte");
        }
    }
    std::string line;
    line += '"';
    line += program;
    line += '"';
    for (const std::string& arg : args) {
        line += ' ';
        line += quote_argument(arg);
    }
    return line;
}

std::vector<std::string> split_command_line(std::string_view line) {
    std::vector<std::string> argv;
    std::size_t i = 0;

    // argv[0]: quotes toggle and are dropped, backslashes are literal.
    std::string program;
    bool quoted = false;
    for (; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && (c == ' ' || c == '\t')) {
            break;
        } else {
            program += c;
        }
    }
    argv.push_back(std::move(program));

    while (true) {
        while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) {
            ++i;
        }
        if (i == line.size()) {
            break;
        }
        // An argument starts here and ends at whitespace outside quotes.
        std::string arg;
        quoted = false;
        while (i < line.size()) {
            const char c = line[i];
            if (c == '\\') {
                std::size_t backslashes = 0;
                while (i < line.size() && line[i] == '\\') {
                    ++backslashes;
                    ++i;
                }
                if (i < line.size() && line[i] == '"') {
                    append_backslashes(arg, backslashes / 2);
                    if (backslashes % 2 == 1) {
                        arg += '"'; // escaped: a literal quote
                        ++i;
                    }
                    // An even run leaves the quote to be read as a delimiter.
                } else {
                    append_backslashes(arg, backslashes);
                }
                continue;
            }
            if (c == '"') {
                if (quoted && i + 1 < line.size() && line[i + 1] == '"') {
                    arg += '"'; // `""` inside quotes: a literal quote, still quoted
                    i += 2;
                } else {
                    quoted = !quoted;
                    ++i;
                }
                continue;
            }
            if (!quoted && (c == ' ' || c == '\t')) {
                break;
            }
            arg += c;
            ++i;
        }
        argv.push_back(std::move(arg));
    }
    return argv;
}

bool is_batch_file(std::string_view program) {
    if (program.size() < 4) {
        return false;
    }
    std::string suffix(program.substr(program.size() - 4));
    for (char& c : suffix) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return suffix == ".bat" || suffix == ".cmd";
}

std::string build_batch_command_line(std::string_view cmd_exe, std::string_view script,
                                     const std::vector<std::string>& args, bool allow_raw) {
    check_program(cmd_exe, script, "cmd.exe path");
    check_program(script, script, "batch script path");
    if (auto refused = cmd_refused_class(script)) {
        refuse(script, "batch script path contains " + std::string(*refused));
    }
    for (std::size_t i = 0; i < args.size(); ++i) {
        if (allow_raw) {
            if (has_nul(args[i])) {
                refuse(script, argument_name(i) + " contains a NUL byte");
            }
        } else if (auto refused = cmd_refused_class(args[i])) {
            refuse(script, argument_name(i) + " contains " + std::string(*refused) +
                               " (a batch file's arguments refuse it unless raw arguments "
                               "are allowed)");
        }
    }

    std::string line;
    line += '"';
    line += cmd_exe;
    line += "\" /d /e:ON /v:OFF /s /c \"\"";
    line += script;
    line += '"';
    for (const std::string& arg : args) {
        line += ' ';
        const bool quote = !allow_raw && cmd_needs_quotes(arg);
        if (quote) {
            line += '"';
        }
        line += arg;
        if (quote) {
            line += '"';
        }
    }
    line += '"';
    return line;
}

} // namespace processkit::windows
