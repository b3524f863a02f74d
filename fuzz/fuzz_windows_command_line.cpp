// libFuzzer target: Windows command-line quoting (W3).
//
// - build_command_line's line must split back (split_command_line, the UCRT
//   rules) to exactly the argv it was given; it may only refuse an empty
//   program, a program with '"', or a NUL byte.
// - Any line, split and rebuilt, must split to the same argv again.
// - build_batch_command_line without raw arguments refuses exactly the inputs
//   with a character cmd.exe would reinterpret; what it accepts keeps every
//   cmd operator inside a quoted region (each '"' toggling, as cmd reads it)
//   and splits, by cmd's batch-parameter rules, back to the arguments.
// - With raw arguments it refuses only NUL and appends the arguments as given.
// - No error message depends on an argument's bytes beyond the refused
//   characters (so none quotes an argument).
//
// Input layout: byte 0 holds flags (bit 0: the first piece is the program
// and batch script, else fixed paths are used), byte 1 is the separator; the
// rest, split at each separator byte, gives the pieces.

#include "processkit/core/error.hpp"
#include "processkit/core/windows_command_line.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

using namespace processkit;
using namespace processkit::windows;

namespace {

void check(bool ok) {
    if (!ok) {
        __builtin_trap();
    }
}

const std::string fixed_program = R"(C:\Program Files (x86)\App\app.exe)";
const std::string fixed_script = R"(C:\Batch & Scripts\run (1).bat)";
const std::string cmd_exe = R"(C:\Windows\System32\cmd.exe)";
const std::string batch_prefix = "\"" + cmd_exe + "\" /d /e:ON /v:OFF /s /c \"";

bool contains(std::string_view s, char c) {
    return s.find(c) != std::string_view::npos;
}

bool contains_any(std::string_view s, std::string_view set) {
    return s.find_first_of(set) != std::string_view::npos;
}

const std::string_view nul_only{"\0", 1};
const std::string_view cmd_refused{"\"%!\r\n\0", 6};

/// The arguments with every byte that no check looks at ('"', '%', '!', CR,
/// LF and NUL are kept) replaced by another: a refusal must not change.
std::vector<std::string> masked(std::vector<std::string> args) {
    for (std::string& arg : args) {
        for (char& c : arg) {
            if (!contains(cmd_refused, c)) {
                c = c == 'x' ? 'y' : 'x';
            }
        }
    }
    return args;
}

/// A refusal's message must not quote any argument: the same refusal for the
/// masked arguments has the same message (the program is shown by design and
/// kept). A substring test would trip on arguments such as "nts are ".
void check_message(const Error& e, const std::function<void(const std::vector<std::string>&)>& run,
                   const std::vector<std::string>& args) {
    check(e.kind() == ErrorKind::InvalidArgument);
    try {
        run(masked(args));
    } catch (const Error& again) {
        check(again.kind() == e.kind() && again.message() == e.message());
        return;
    }
    check(false);
}

void check_build(const std::string& program, const std::vector<std::string>& args) {
    bool bad = program.empty() || contains_any(program, {"\"\0", 2});
    for (const std::string& arg : args) {
        bad = bad || contains_any(arg, nul_only);
    }
    std::string line;
    try {
        line = build_command_line(program, args);
    } catch (const Error& e) {
        check(bad);
        check_message(
            e, [&](const auto& a) { build_command_line(program, a); }, args);
        return;
    }
    check(!bad);
    check(!contains_any(line, nul_only));
    std::vector<std::string> expected{program};
    expected.insert(expected.end(), args.begin(), args.end());
    check(split_command_line(line) == expected);
}

void check_quote(const std::string& arg) {
    const std::string quoted = quote_argument(arg);
    if (!arg.empty() && !contains_any(arg, " \t\n\v\"")) {
        check(quoted == arg);
    } else {
        check(quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"');
    }
    check(split_command_line("p " + quoted) == (std::vector<std::string>{"p", arg}));
}

/// Any line, split then rebuilt, splits the same way again.
void check_resplit(std::string_view line) {
    const std::vector<std::string> argv = split_command_line(line);
    check(!argv.empty());
    check(!contains(argv[0], '"'));
    if (argv[0].empty() || contains_any(line, nul_only)) {
        return;
    }
    const std::vector<std::string> args(argv.begin() + 1, argv.end());
    check(split_command_line(build_command_line(argv[0], args)) == argv);
}

/// cmd's batch-parameter split of the text it runs: tokens separated by
/// whitespace (and other control bytes), ',', ';' or '=' outside quotes, with
/// each '"' toggling; every operator must be inside quotes. Each token loses
/// its surrounding quotes, as %~N does.
std::vector<std::string> cmd_split(std::string_view payload) {
    std::vector<std::string> tokens;
    bool quoted = false;
    bool in_token = false;
    std::string token;
    for (const char c : payload) {
        const auto byte = static_cast<unsigned char>(c);
        const bool delimiter = byte <= 0x20 || byte == 0x7F || c == ',' || c == ';' || c == '=';
        if (!quoted && delimiter) {
            if (in_token) {
                tokens.push_back(token);
                token.clear();
                in_token = false;
            }
            continue;
        }
        if (!quoted) {
            check(!contains_any(std::string_view(&c, 1), "&|<>()^@"));
        }
        in_token = true;
        if (c == '"') {
            quoted = !quoted;
        }
        token += c;
    }
    check(!quoted);
    if (in_token) {
        tokens.push_back(token);
    }
    for (std::string& t : tokens) {
        if (t.size() >= 2 && t.front() == '"') {
            // Quoted tokens are whole: one pair of quotes around the value.
            check(t.back() == '"');
            t = t.substr(1, t.size() - 2);
        }
        check(!contains(t, '"'));
    }
    return tokens;
}

void check_batch(const std::string& script, const std::vector<std::string>& args) {
    const bool bad_script = script.empty() || contains_any(script, cmd_refused);
    bool bad_safe = bad_script;
    bool bad_raw = bad_script;
    for (const std::string& arg : args) {
        bad_safe = bad_safe || contains_any(arg, cmd_refused);
        bad_raw = bad_raw || contains_any(arg, nul_only);
    }

    // Quoted, checked arguments.
    std::string line;
    bool refused = false;
    try {
        line = build_batch_command_line(cmd_exe, script, args, false);
    } catch (const Error& e) {
        refused = true;
        check_message(
            e, [&](const auto& a) { build_batch_command_line(cmd_exe, script, a, false); }, args);
    }
    check(refused == bad_safe);
    if (!refused) {
        check(line.starts_with(batch_prefix) && line.ends_with('"'));
        // What cmd /s /c runs: the text between the first and last quote.
        const std::string_view payload = std::string_view(line).substr(
            batch_prefix.size(), line.size() - batch_prefix.size() - 1);
        check(!contains_any(line, {"%!\r\n\0", 5}));
        std::vector<std::string> expected{script};
        expected.insert(expected.end(), args.begin(), args.end());
        check(cmd_split(payload) == expected);
    }

    // Raw arguments: only NUL (and a bad script) refused, the rest verbatim.
    refused = false;
    try {
        line = build_batch_command_line(cmd_exe, script, args, true);
    } catch (const Error& e) {
        refused = true;
        check_message(
            e, [&](const auto& a) { build_batch_command_line(cmd_exe, script, a, true); }, args);
    }
    check(refused == bad_raw);
    if (!refused) {
        std::string expected = batch_prefix + "\"" + script + "\"";
        for (const std::string& arg : args) {
            expected += ' ';
            expected += arg;
        }
        expected += '"';
        check(line == expected);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 2) {
        return 0;
    }
    const std::uint8_t flags = data[0];
    const char separator = static_cast<char>(data[1]);
    const std::string_view rest(reinterpret_cast<const char*>(data + 2), size - 2);

    std::vector<std::string> pieces;
    if (!rest.empty()) {
        std::size_t start = 0;
        while (true) {
            const std::size_t end = rest.find(separator, start);
            pieces.emplace_back(rest.substr(start, end - start));
            if (end == std::string_view::npos) {
                break;
            }
            start = end + 1;
        }
    }

    std::string program = fixed_program;
    std::string script = fixed_script;
    if ((flags & 1) != 0 && !pieces.empty()) {
        program = pieces.front();
        script = pieces.front();
        pieces.erase(pieces.begin());
    }

    for (const std::string& arg : pieces) {
        check_quote(arg);
    }
    check_build(program, pieces);
    check_resplit(rest);
    check_batch(script, pieces);
    const bool batch = is_batch_file(program);
    check(!batch || (program.size() >= 4 && program[program.size() - 4] == '.'));
    return 0;
}
