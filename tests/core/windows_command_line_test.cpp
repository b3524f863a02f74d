#include "processkit/core/error.hpp"
#include "processkit/core/windows_command_line.hpp"

#include <functional>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

namespace processkit::windows {
namespace {

using Args = std::vector<std::string>;
using namespace std::string_literals;

const std::string cmd_exe = R"(C:\Windows\System32\cmd.exe)";
const std::string script = R"(C:\scripts\run.bat)";
const std::string batch_prefix = R"("C:\Windows\System32\cmd.exe" /d /e:ON /v:OFF /s /c ")";

/// Runs `f`, which must throw an InvalidArgument Error whose message contains
/// `expected` and does not contain `secret`.
void expect_invalid(const std::function<void()>& f, std::string_view expected,
                    std::string_view secret = "secret") {
    try {
        f();
        ADD_FAILURE() << "no error thrown (expected \"" << expected << "\")";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_NE(e.message().find(expected), std::string::npos) << e.message();
        EXPECT_EQ(e.message().find(secret), std::string::npos) << e.message();
    }
}

// --- quote_argument ---------------------------------------------------------

TEST(WindowsCommandLineQuote, PlainArgumentsAreUnchanged) {
    for (const std::string arg : {"abc", R"(C:\dir\file.txt)", R"(a\\b\)", "x=1,y;z&(q)|^%!",
                                  "h\xC3\xA9llo-\xE2\x82\xAC"}) {
        EXPECT_EQ(quote_argument(arg), arg) << arg;
    }
}

TEST(WindowsCommandLineQuote, ExactQuoting) {
    EXPECT_EQ(quote_argument("a b"), R"("a b")");
    EXPECT_EQ(quote_argument(R"(a\"b)"), R"("a\\\"b")");
    EXPECT_EQ(quote_argument(R"(c:\dir with\)"), R"("c:\dir with\\")");
    EXPECT_EQ(quote_argument(""), R"("")");
    EXPECT_EQ(quote_argument(R"(")"), R"("\"")");
    EXPECT_EQ(quote_argument(R"(ab")"), R"("ab\"")");
    EXPECT_EQ(quote_argument(R"(a\\\\"b)"), R"("a\\\\\\\\\"b")");
    EXPECT_EQ(quote_argument(R"(a\b c)"), R"("a\b c")"); // not before a quote: literal
    EXPECT_EQ(quote_argument("a\tb"), "\"a\tb\"");
    EXPECT_EQ(quote_argument("a\nb"), "\"a\nb\"");
    EXPECT_EQ(quote_argument("a\vb"), "\"a\vb\"");
}

// --- split_command_line -----------------------------------------------------

TEST(WindowsCommandLineSplit, MicrosoftDocumentedExamples) {
    // The table of "Parsing C command-line arguments" (UCRT), after argv[0].
    EXPECT_EQ(split_command_line(R"(p "a b c" d e)"), (Args{"p", "a b c", "d", "e"}));
    EXPECT_EQ(split_command_line(R"(p "ab\"c" "\\" d)"), (Args{"p", R"(ab"c)", R"(\)", "d"}));
    EXPECT_EQ(split_command_line(R"(p a\\\b d"e f"g h)"), (Args{"p", R"(a\\\b)", "de fg", "h"}));
    EXPECT_EQ(split_command_line(R"(p a\\\"b c d)"), (Args{"p", R"(a\"b)", "c", "d"}));
    EXPECT_EQ(split_command_line(R"(p a\\\\"b c" d e)"), (Args{"p", R"(a\\b c)", "d", "e"}));
    EXPECT_EQ(split_command_line(R"(p "a\\\"b")"), (Args{"p", R"(a\"b)"}));
}

TEST(WindowsCommandLineSplit, DoubledQuoteInsideQuotesStaysQuoted) {
    // The UCRT rule; CommandLineToArgvW would give `ab"`, `c`, `d`.
    EXPECT_EQ(split_command_line(R"(p a"b"" c d)"), (Args{"p", R"(ab" c d)"}));
    EXPECT_EQ(split_command_line(R"(p "x""y" z)"), (Args{"p", R"(x"y)", "z"}));
    // Outside quotes `""` opens and closes: an empty piece.
    EXPECT_EQ(split_command_line(R"(p a""b)"), (Args{"p", "ab"}));
}

TEST(WindowsCommandLineSplit, ProgramNameHasNoEscapes) {
    EXPECT_EQ(split_command_line(R"("C:\a b\x.exe" y)"), (Args{R"(C:\a b\x.exe)", "y"}));
    EXPECT_EQ(split_command_line(R"("C:\dir\" x)"), (Args{R"(C:\dir\)", "x"}));
    EXPECT_EQ(split_command_line(R"(C:\"a b"\x.exe z)"), (Args{R"(C:\a b\x.exe)", "z"}));
    EXPECT_EQ(split_command_line(R"(C:\a\ b)"), (Args{R"(C:\a\)", "b"}));
    EXPECT_EQ(split_command_line("prog\targ"), (Args{"prog", "arg"}));
}

TEST(WindowsCommandLineSplit, EdgeCases) {
    EXPECT_EQ(split_command_line(""), (Args{""}));
    EXPECT_EQ(split_command_line("prog"), (Args{"prog"}));
    EXPECT_EQ(split_command_line(" a b"), (Args{"", "a", "b"}));
    EXPECT_EQ(split_command_line("prog a  \t "), (Args{"prog", "a"}));
    EXPECT_EQ(split_command_line(R"(prog "" "")"), (Args{"prog", "", ""}));
    EXPECT_EQ(split_command_line(R"(prog "a b)"), (Args{"prog", "a b"}));
    EXPECT_EQ(split_command_line(R"(prog a ")"), (Args{"prog", "a", ""}));
    EXPECT_EQ(split_command_line("prog a\nb\vc"), (Args{"prog", "a\nb\vc"}));
    EXPECT_EQ(split_command_line(R"(prog a\ b\\)"), (Args{"prog", R"(a\)", R"(b\\)"}));
}

// --- build_command_line -----------------------------------------------------

TEST(WindowsCommandLineBuild, ExactLines) {
    EXPECT_EQ(build_command_line(R"(C:\Program Files\app.exe)", {"a b", "c"}),
              R"("C:\Program Files\app.exe" "a b" c)");
    EXPECT_EQ(build_command_line("p", {}), R"("p")");
    EXPECT_EQ(build_command_line("p", {"", R"(x\")", R"(dir with\)"}),
              R"("p" "" "x\\\"" "dir with\\")");
}

TEST(WindowsCommandLineBuild, HostileArgumentsRoundTrip) {
    const std::vector<std::string> hostile = {
        "",
        " ",
        "a b",
        "\t",
        "a\tb",
        " leading",
        "trailing ",
        R"(")",
        R"("")",
        R"(""")",
        R"("a b")",
        R"(\")",
        R"(\\")",
        R"(\\\")",
        R"(a\\\\"b)",
        R"(a\"b)",
        R"(\)",
        R"(\\)",
        R"(trailing\)",
        R"(trailing\\)",
        R"(with space\)",
        R"(with space\\\)",
        R"(c:\dir with\)",
        R"(\\server\share\)",
        R"(a\b\\c\\\d)",
        R"(\"\"\")",
        R"(" \" \\" \\\")",
        "new\nline",
        "\n",
        "v\vtab",
        "\r\n",
        "h\xC3\xA9llo w\xC3\xB6rld \xF0\x9F\x98\x80",
        "\xFF\xFE invalid utf8",
        "&|<>()^%!,;=@",
        "%PATH% !x!",
        R"(-opt="a b")",
        R"(a"b"" c d)",
    };
    const std::string program = R"(C:\Program Files (x86)\My App\app.exe)";

    // Each alone, after a plain argument, and all together.
    for (const std::string& arg : hostile) {
        const Args args = {arg};
        EXPECT_EQ(split_command_line(build_command_line(program, args)), (Args{program, arg}))
            << "[" << arg << "] -> [" << build_command_line(program, args) << "]";
        EXPECT_EQ(split_command_line(build_command_line(program, {"x", arg, "y"})),
                  (Args{program, "x", arg, "y"}))
            << arg;
    }
    Args all = {program};
    all.insert(all.end(), hostile.begin(), hostile.end());
    EXPECT_EQ(split_command_line(build_command_line(program, hostile)), all);
}

TEST(WindowsCommandLineBuild, ProgramNamesRoundTrip) {
    for (const std::string program :
         {"app", "app.exe", R"(C:\dir\)", R"(C:\a b\c d.exe)", R"(\\server\share\x.exe)", "t\tab",
          "caf\xC3\xA9.exe", R"(C:\x\\)"}) {
        EXPECT_EQ(split_command_line(build_command_line(program, {"arg"})), (Args{program, "arg"}))
            << program;
    }
}

TEST(WindowsCommandLineBuild, NulInArgumentIsRefused) {
    expect_invalid(
        [] {
            build_command_line("p", {"ok", "my secret\0value"s});
        },
        "argument 2 contains a NUL byte");
}

TEST(WindowsCommandLineBuild, BadProgramIsRefused) {
    expect_invalid([] { build_command_line("", {"secret"}); }, "empty program name");
    expect_invalid([] { build_command_line("p\0secret"s, {}); },
                   "program name contains a NUL byte");
    expect_invalid([] { build_command_line(R"(C:\a"b.exe)", {"secret"}); },
                   "program name contains a double quote");
    try {
        build_command_line(R"(C:\a"b.exe)", {});
        ADD_FAILURE() << "no error thrown";
    } catch (const Error& e) {
        EXPECT_EQ(e.program(), R"(C:\a"b.exe)");
    }
}

// --- batch files ------------------------------------------------------------

TEST(WindowsCommandLineBatch, IsBatchFile) {
    EXPECT_TRUE(is_batch_file("X.BAT"));
    EXPECT_TRUE(is_batch_file("y.cmd"));
    EXPECT_TRUE(is_batch_file(R"(C:\dir with space\Run.Cmd)"));
    EXPECT_TRUE(is_batch_file(".bat"));
    EXPECT_FALSE(is_batch_file("z.bat.exe"));
    EXPECT_FALSE(is_batch_file("bat"));
    EXPECT_FALSE(is_batch_file("x.bat "));
    EXPECT_FALSE(is_batch_file("x.batch"));
    EXPECT_FALSE(is_batch_file("xbat"));
    EXPECT_FALSE(is_batch_file("x.com"));
    EXPECT_FALSE(is_batch_file(""));
}

TEST(WindowsCommandLineBatch, ExactLineForSafeArguments) {
    EXPECT_EQ(build_batch_command_line(cmd_exe, script, {}, false),
              batch_prefix + R"("C:\scripts\run.bat"")");
    const Args args = {"plain",
                       "a b",
                       "x&y",
                       "",
                       "1,2",
                       "k=v",
                       "@echo",
                       "(x)",
                       "a^b",
                       "p|q",
                       "<in",
                       ">out",
                       "semi;colon",
                       "tab\there",
                       "-f",
                       "/x",
                       R"(C:\dir with\)",
                       "caf\xC3\xA9"};
    EXPECT_EQ(build_batch_command_line(cmd_exe, script, args, false),
              batch_prefix + R"("C:\scripts\run.bat" plain "a b" "x&y" "" "1,2" "k=v" "@echo")"
                             R"~( "(x)" "a^b" "p|q" "<in" ">out" "semi;colon" )~"
                             "\"tab\there\""
                             R"( -f /x "C:\dir with\" caf)"
                             "\xC3\xA9\"");
}

TEST(WindowsCommandLineBatch, ScriptPathIsAlwaysQuoted) {
    EXPECT_EQ(build_batch_command_line(cmd_exe, R"(C:\my dir & (more)\go.cmd)", {"a"}, false),
              batch_prefix + R"("C:\my dir & (more)\go.cmd" a")");
}

TEST(WindowsCommandLineBatch, EachDangerousCharacterIsRefused) {
    struct Case {
        char c;
        std::string_view class_name;
    };
    for (const Case& k :
         {Case{'"', "double quote"}, Case{'%', "'%'"}, Case{'!', "'!'"}, Case{'\r', "line break"},
          Case{'\n', "line break"}, Case{'\0', "NUL byte"}}) {
        const std::string arg = "my" + std::string(1, k.c) + "secret";
        SCOPED_TRACE(static_cast<int>(k.c));
        expect_invalid(
            [&] {
                build_batch_command_line(cmd_exe, script, {"a", "b", arg}, false);
            },
            "argument 3 contains");
        expect_invalid([&] { build_batch_command_line(cmd_exe, script, {arg}, false); },
                       k.class_name);
    }
}

TEST(WindowsCommandLineBatch, RefusalNamesTheFirstBadArgument) {
    expect_invalid(
        [] {
            build_batch_command_line(cmd_exe, script, {"ok", "%secret%", "\"secret\""}, false);
        },
        "argument 2 contains '%'");
    // NUL wins over the other classes in the same argument.
    expect_invalid([] { build_batch_command_line(cmd_exe, script, {"\"secret\0"s}, false); },
                   "argument 1 contains a NUL byte");
}

TEST(WindowsCommandLineBatch, DangerousScriptPathIsRefused) {
    expect_invalid([] { build_batch_command_line(cmd_exe, R"(C:\100%\x.bat)", {}, false); },
                   "batch script path contains '%'");
    expect_invalid([] { build_batch_command_line(cmd_exe, R"(C:\wow!\x.bat)", {}, true); },
                   "batch script path contains '!'");
    expect_invalid([] { build_batch_command_line(cmd_exe, R"(C:\a"b.bat)", {}, false); },
                   "batch script path contains a double quote");
    expect_invalid([] { build_batch_command_line(cmd_exe, "", {"secret"}, false); },
                   "empty batch script path");
    expect_invalid([] { build_batch_command_line("", script, {"secret"}, false); },
                   "empty cmd.exe path");
    expect_invalid([] { build_batch_command_line("cmd\".exe", script, {"secret"}, false); },
                   "cmd.exe path contains a double quote");
}

TEST(WindowsCommandLineBatch, AllowRawPassesArgumentsThrough) {
    const Args args = {"a b", "x&y", "%PATH%", R"("q")", "!v!", "", "^"};
    EXPECT_EQ(build_batch_command_line(cmd_exe, script, args, true),
              batch_prefix + R"("C:\scripts\run.bat" a b x&y %PATH% "q" !v!  ^")");
}

TEST(WindowsCommandLineBatch, AllowRawStillRefusesNul) {
    expect_invalid(
        [] {
            build_batch_command_line(cmd_exe, script, {"fine", "my\0secret"s}, true);
        },
        "argument 2 contains a NUL byte");
}

} // namespace
} // namespace processkit::windows
