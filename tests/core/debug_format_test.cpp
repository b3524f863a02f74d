// Debug renderings show names and counts, never argument or environment values.
#include "processkit/core/debug_format.hpp"
#include "processkit/core/result.hpp"

#include <gtest/gtest.h>
#include <sstream>
#include <string>
#include <string_view>

namespace processkit {
namespace {

using namespace std::chrono_literals;

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

Command secret_command() {
    Command c("curl");
    c.args({"-H", "Authorization: Bearer s3cr3t-arg", "https://example.test"})
        .env("TOKEN", "s3cr3t-env")
        .env("HOME", "/home/s3cr3t-home")
        .env_remove("X")
        .cwd("/srv/s3cr3t-dir")
        .stdin_bytes("s3cr3t-stdin")
        .timeout(5s);
    return c;
}

TEST(DebugFormat, CommandShowsCountsAndNamesOnly) {
    EXPECT_EQ(debug_string(secret_command()),
              "Command{program=\"curl\", args=3, env: set [TOKEN, HOME], removed [X], cwd=set, "
              "stdin=bytes(12), timeout=5s}");
}

TEST(DebugFormat, CommandNeverShowsValues) {
    std::ostringstream out;
    out << secret_command();
    EXPECT_FALSE(contains(out.str(), "s3cr3t")) << out.str();
    EXPECT_EQ(out.str(), debug_string(secret_command()));
}

TEST(DebugFormat, CommandDefaultsAndOtherEnvOps) {
    EXPECT_EQ(debug_string(Command("ls")),
              "Command{program=\"ls\", args=0, env: inherited, cwd=inherited, stdin=empty, "
              "timeout=none}");
    Command c("a\"b");
    c.env_clear().env_inherit_only({"PATH", "LANG"}).stdin_file("/s3cr3t/file");
    const auto s = debug_string(c);
    EXPECT_EQ(s, "Command{program=\"a\\\"b\", args=0, env: cleared, inherit-only [PATH, LANG], "
                 "cwd=inherited, stdin=file, timeout=none}");
    EXPECT_FALSE(contains(s, "s3cr3t"));
}

TEST(DebugFormat, ErrorShowsDetailsButNotOutput) {
    const Error e = Error(ErrorKind::NonZeroExit, "cc", "exited with code 1")
                        .with_exit_code(1)
                        .with_output("s3cr3t-stdout\n", "s3cr3t-early\nfatal: bad\n");
    std::ostringstream out;
    out << e;
    EXPECT_EQ(out.str(), "Error{kind=non-zero exit, program=\"cc\", exit_code=1, stdout=14 bytes, "
                         "stderr=24 bytes, message=\"'cc': non-zero exit: exited with code 1; "
                         "stderr: fatal: bad\"}");
    EXPECT_FALSE(contains(out.str(), "s3cr3t"));
}

TEST(DebugFormat, ErrorOtherFields) {
    const Error e = Error(ErrorKind::NotFound, "tool", "not on PATH")
                        .with_searched({"/a/tool", "/b/tool"})
                        .with_os_error(2);
    EXPECT_EQ(debug_string(e), "Error{kind=not found, program=\"tool\", os_error=2, searched=2 "
                               "paths, message=\"'tool': not found: not on PATH\"}");
    EXPECT_EQ(debug_string(Error(ErrorKind::Signalled, "", "x").with_signal(9)),
              "Error{kind=killed by signal, signal=9, message=\"killed by signal: x\"}");
}

// The searched paths come from PATH and the path may be a working directory
// or a stdin file: values the caller set, which a debug rendering never shows.
TEST(DebugFormat, ErrorHidesSearchedPathsAndPath) {
    const Error not_found = Error(ErrorKind::NotFound, "tool", "no such program on PATH")
                                .with_searched({"/s3cr3t-dir/tool"})
                                .with_path("/s3cr3t-dir/tool");
    EXPECT_TRUE(contains(not_found.message(), "/s3cr3t-dir/tool")); // the message keeps them
    EXPECT_EQ(debug_string(not_found), "Error{kind=not found, program=\"tool\", searched=1 paths, "
                                       "path=set, message=\"'tool': not found: no such program "
                                       "on PATH\"}");

    const Error bad_cwd =
        Error(ErrorKind::NotFound, "/opt/tool", "working directory '/home/s3cr3t' does not exist")
            .with_path("/home/s3cr3t");
    EXPECT_EQ(debug_string(bad_cwd),
              "Error{kind=not found, program=\"/opt/tool\", path=set, message=\"'/opt/tool': not "
              "found: working directory '<path>' does not exist\"}");

    // Only the quoted path goes, even when it is short.
    const Error no_stdin =
        Error(ErrorKind::NotFound, "cat", "cannot open 'a': No such file or directory")
            .with_path("a");
    EXPECT_EQ(debug_string(no_stdin), "Error{kind=not found, program=\"cat\", path=set, "
                                      "message=\"'cat': not found: cannot open '<path>': No "
                                      "such file or directory\"}");

    // A program that is its own path stays named.
    const Error no_file =
        Error(ErrorKind::NotFound, "/opt/tool", "no such file").with_path("/opt/tool");
    EXPECT_EQ(debug_string(no_file), "Error{kind=not found, program=\"/opt/tool\", path=set, "
                                     "message=\"'/opt/tool': not found: no such file\"}");
}

TEST(DebugFormat, Durations) {
    EXPECT_EQ(format_duration(0s), "0s");
    EXPECT_EQ(format_duration(2s), "2s");
    EXPECT_EQ(format_duration(1500ms), "1.5s");
    EXPECT_EQ(format_duration(300ms), "300ms");
    EXPECT_EQ(format_duration(1234567us), "1.234s");
    EXPECT_EQ(format_duration(40us), "40us");
    EXPECT_EQ(format_duration(7ns), "7ns");
    EXPECT_EQ(format_duration(-250ms), "-250ms");
    EXPECT_EQ(format_duration(90s), "90s");
}

// E1 across the error paths a user meets: each names the program, ends with
// the last stderr line and never quotes an argument or environment value.
TEST(ErrorRendering, ValidationErrorsNameTheProgramNotTheValues) {
    Command c("tool");
    c.arg("s3cr3t-fine").arg(std::string("s3cr3t\0arg", 10)).env("TOKEN", "s3cr3t-env");
    auto e = c.validate();
    ASSERT_TRUE(e.has_value());
    EXPECT_EQ(e->program(), "tool");
    EXPECT_FALSE(contains(e->message(), "s3cr3t")) << e->message();

    Command env_only("tool");
    env_only.env("TOKEN", std::string("s3cr3t\0v", 8));
    auto f = env_only.validate();
    ASSERT_TRUE(f.has_value());
    EXPECT_TRUE(contains(f->message(), "TOKEN")) << f->message();
    EXPECT_FALSE(contains(f->message(), "s3cr3t")) << f->message();
}

TEST(ErrorRendering, EnsureSuccessErrorsEndWithTheStderrTail) {
    ProcessResult r;
    r.program = "tool";
    r.outcome = Outcome::exited(0);
    r.status = ExitStatus::exited(0);
    r.stderr_bytes = "line one\nlast words\n";
    r.error = Error(ErrorKind::OutputTooLarge, "tool", "stdout passed the buffer policy's limit");
    try {
        r.ensure_success();
        FAIL() << "ensure_success did not throw";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::OutputTooLarge);
        EXPECT_EQ(e.message(), "'tool': output too large: stdout passed the buffer policy's "
                               "limit; stderr: last words");
    }
    for (Outcome o :
         {Outcome::exited(4), Outcome::signalled(9), Outcome::timed_out(), Outcome::cancelled()}) {
        ProcessResult s;
        s.program = "tool";
        s.outcome = o;
        s.stderr_bytes = "x\nlast words\n\n";
        auto f = s.failure();
        ASSERT_TRUE(f.has_value()) << o.to_string();
        EXPECT_TRUE(contains(f->message(), "'tool'")) << f->message();
        const std::string_view tail = "; stderr: last words";
        EXPECT_TRUE(f->message().size() >= tail.size() &&
                    f->message().compare(f->message().size() - tail.size(), tail.size(), tail) == 0)
            << f->message();
    }
}

} // namespace
} // namespace processkit
