#include "processkit/core/error.hpp"
#include "processkit/core/result.hpp"

#include <exception>
#include <gtest/gtest.h>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {
namespace {

const std::string fffd = "\xEF\xBF\xBD";

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

// --- ErrorKind ---

TEST(ErrorKind, ToStringDistinctAndNonEmpty) {
    const std::vector<ErrorKind> kinds{
        ErrorKind::SpawnFailed,     ErrorKind::NotFound,    ErrorKind::PermissionDenied,
        ErrorKind::InvalidArgument, ErrorKind::NonZeroExit, ErrorKind::Signalled,
        ErrorKind::Timeout,         ErrorKind::NotReady,    ErrorKind::OutputTooLarge,
        ErrorKind::StdinFailed,     ErrorKind::Unsupported, ErrorKind::Cancelled,
        ErrorKind::ResourceLimit,   ErrorKind::Io,
    };
    std::set<std::string_view> seen;
    for (ErrorKind k : kinds) {
        auto s = to_string(k);
        EXPECT_FALSE(s.empty());
        EXPECT_NE(s, "unknown error");
        EXPECT_TRUE(seen.insert(s).second) << "duplicate: " << s;
    }
    EXPECT_EQ(seen.size(), kinds.size());
}

// --- Error ---

TEST(Error, MessageFormat) {
    const Error e(ErrorKind::NotFound, "prog", "no such file");
    EXPECT_EQ(e.message(), "'prog': not found: no such file");
    EXPECT_EQ(e.kind(), ErrorKind::NotFound);
    EXPECT_EQ(e.program(), "prog");
    EXPECT_EQ(e.detail(), "no such file");
}

TEST(Error, MessageWithoutProgramOrDetail) {
    EXPECT_EQ(Error(ErrorKind::Io, "", "read failed").message(), "I/O error: read failed");
    EXPECT_EQ(Error(ErrorKind::Timeout, "p", "").message(), "'p': timed out");
}

TEST(Error, DefaultsAreEmpty) {
    const Error e(ErrorKind::Io, "p", "d");
    EXPECT_FALSE(e.exit_code().has_value());
    EXPECT_FALSE(e.signal_number().has_value());
    EXPECT_FALSE(e.os_error().has_value());
    EXPECT_TRUE(e.searched().empty());
    EXPECT_TRUE(e.path().empty());
    EXPECT_TRUE(e.stdout_text().empty());
    EXPECT_TRUE(e.stderr_text().empty());
}

TEST(Error, WithSearchedListsPaths) {
    const Error e = Error(ErrorKind::NotFound, "tool", "not on PATH")
                        .with_searched({"/bin/tool", "/usr/bin/tool"});
    EXPECT_EQ(e.searched(), (std::vector<std::string>{"/bin/tool", "/usr/bin/tool"}));
    EXPECT_EQ(e.message(), "'tool': not found: not on PATH (searched: /bin/tool /usr/bin/tool)");
}

TEST(Error, WithOutputAppendsLastStderrLine) {
    const Error e = Error(ErrorKind::NonZeroExit, "cc", "exited with code 1")
                        .with_output("out", "warning: x\nerror: bad thing\n\n");
    EXPECT_EQ(e.message(), "'cc': non-zero exit: exited with code 1; stderr: error: bad thing");
    EXPECT_EQ(e.stdout_text(), "out");
    EXPECT_EQ(e.stderr_text(), "warning: x\nerror: bad thing\n\n");
    EXPECT_EQ(e.detail(), "exited with code 1");
}

TEST(Error, WithOutputEmptyStderrAddsNothing) {
    const Error e = Error(ErrorKind::NonZeroExit, "cc", "x").with_output("stdout only", "\n\r\n");
    EXPECT_EQ(e.message(), "'cc': non-zero exit: x");
}

TEST(Error, StdoutNeverQuoted) {
    const Error e = Error(ErrorKind::NonZeroExit, "cc", "x").with_output("secret-out", "");
    EXPECT_FALSE(contains(e.message(), "secret-out"));
}

TEST(Error, WithProgramNamesItInTheMessage) {
    const Error e = Error(ErrorKind::Io, {}, "cannot create a pipe: Too many open files")
                        .with_os_error(24)
                        .with_program("make");
    EXPECT_EQ(e.program(), "make");
    EXPECT_EQ(e.os_error(), std::optional<int>(24));
    EXPECT_EQ(e.message(), "'make': I/O error: cannot create a pipe: Too many open files");
    EXPECT_STREQ(e.what(), e.message().c_str());
}

TEST(Error, BuildersKeepOtherFields) {
    const Error e = Error(ErrorKind::SpawnFailed, "p", "d")
                        .with_exit_code(3)
                        .with_signal(9)
                        .with_os_error(13)
                        .with_path("/some/dir")
                        .with_searched({"/a/p"})
                        .with_output("o", "e-line");
    EXPECT_EQ(e.kind(), ErrorKind::SpawnFailed);
    EXPECT_EQ(e.program(), "p");
    EXPECT_EQ(e.detail(), "d");
    EXPECT_EQ(e.exit_code(), std::optional<int>(3));
    EXPECT_EQ(e.signal_number(), std::optional<int>(9));
    EXPECT_EQ(e.os_error(), std::optional<int>(13));
    EXPECT_EQ(e.path(), "/some/dir");
    EXPECT_EQ(e.searched(), std::vector<std::string>{"/a/p"});
    EXPECT_EQ(e.stdout_text(), "o");
    EXPECT_EQ(e.stderr_text(), "e-line");
    EXPECT_EQ(e.message(), "'p': spawn failed: d (searched: /a/p); stderr: e-line");

    // Later builders keep what earlier ones set, in the message too.
    const Error f = e.with_exit_code(4);
    EXPECT_EQ(f.exit_code(), std::optional<int>(4));
    EXPECT_EQ(f.message(), e.message());
    EXPECT_EQ(f.searched(), e.searched());
}

TEST(Error, BuildersReturnCopies) {
    const Error e(ErrorKind::Io, "p", "d");
    const Error f = e.with_exit_code(1).with_output("", "boom");
    EXPECT_FALSE(e.exit_code().has_value());
    EXPECT_EQ(e.message(), "'p': I/O error: d");
    EXPECT_EQ(f.message(), "'p': I/O error: d; stderr: boom");
}

TEST(Error, IsStdException) {
    try {
        throw Error(ErrorKind::Timeout, "sleep", "the run's timeout fired")
            .with_output("", "zzz\n");
    } catch (const std::exception& ex) {
        EXPECT_STREQ(ex.what(), "'sleep': timed out: the run's timeout fired; stderr: zzz");
        const auto* err = dynamic_cast<const Error*>(&ex);
        ASSERT_NE(err, nullptr);
        EXPECT_EQ(std::string(ex.what()), err->message());
        return;
    }
    FAIL() << "not caught as std::exception";
}

TEST(Error, Equality) {
    const Error a(ErrorKind::Io, "p", "d");
    EXPECT_EQ(a, Error(ErrorKind::Io, "p", "d"));
    EXPECT_FALSE(a == Error(ErrorKind::Io, "p", "other"));
    EXPECT_FALSE(a == Error(ErrorKind::Unsupported, "p", "d"));
}

// --- last_line_of ---

TEST(LastLineOf, Basic) {
    EXPECT_EQ(last_line_of("first\nsecond\nlast"), "last");
    EXPECT_EQ(last_line_of("only"), "only");
}

TEST(LastLineOf, SkipsTrailingTerminators) {
    EXPECT_EQ(last_line_of("a\nb\n"), "b");
    EXPECT_EQ(last_line_of("a\nb\n\n\n"), "b");
    EXPECT_EQ(last_line_of("a\nb\r\n\r\n"), "b");
}

TEST(LastLineOf, Crlf) {
    EXPECT_EQ(last_line_of("one\r\ntwo\r\n"), "two");
    EXPECT_EQ(last_line_of("one\r\ntwo"), "two");
}

TEST(LastLineOf, EmptyWhenNoContent) {
    EXPECT_EQ(last_line_of(""), "");
    EXPECT_EQ(last_line_of("\n"), "");
    EXPECT_EQ(last_line_of("\r\n\n\r"), "");
}

TEST(LastLineOf, KeepsInnerSpaces) {
    EXPECT_EQ(last_line_of("x\n  indented line "), "  indented line ");
}

TEST(LastLineOf, CapKeepsEnd) {
    std::string line(150, 'a');
    line += std::string(150, 'b');
    const std::string text = "earlier\n" + line + "\n";
    auto got = last_line_of(text);
    EXPECT_EQ(got.size(), 200U);
    EXPECT_EQ(got, std::string(50, 'a') + std::string(150, 'b'));
    EXPECT_EQ(Error::max_quoted_stderr, 200U);
}

TEST(LastLineOf, CustomCap) {
    EXPECT_EQ(last_line_of("abcdefgh\n", 3), "fgh");
}

TEST(LastLineOf, LineAtCapUnchanged) {
    const std::string line(200, 'z');
    EXPECT_EQ(last_line_of(line), line);
}

TEST(LastLineOf, CapDoesNotStartMidUtf8Sequence) {
    // "é" is C3 A9. The last 4 bytes of "xxé" + "abc" would start at A9.
    const std::string text = "xx\xC3\xA9"
                             "abc";
    EXPECT_EQ(last_line_of(text, 4), "abc");
    EXPECT_EQ(last_line_of(text, 5), "\xC3\xA9"
                                     "abc");
    // A 4-byte sequence (U+1F600) cut after its first byte.
    const std::string emoji = "\xF0\x9F\x98\x80"
                              "end";
    EXPECT_EQ(last_line_of(emoji, 6), "end");
    EXPECT_EQ(last_line_of(emoji, 7), emoji);
}

TEST(LastLineOf, CapOnLongUtf8LineIsValid) {
    std::string line;
    for (int i = 0; i < 150; ++i) {
        line += "\xC3\xA9"; // 300 bytes
    }
    line += "\n";
    auto got = last_line_of(line);
    EXPECT_LE(got.size(), 200U);
    EXPECT_FALSE(got.empty());
    EXPECT_EQ(got.size() % 2, 0U);
    EXPECT_EQ(static_cast<unsigned char>(got.front()), 0xC3U);
    EXPECT_FALSE(contains(got, fffd));
}

TEST(LastLineOf, InvalidUtf8Replaced) {
    EXPECT_EQ(last_line_of("bad \xFF byte\n"), "bad " + fffd + " byte");
    EXPECT_EQ(last_line_of("a\n\xC3"), fffd);
}

// --- ExitStatus / Outcome ---

TEST(ExitStatus, Accessors) {
    const auto e = ExitStatus::exited(3);
    EXPECT_TRUE(e.is_exited());
    EXPECT_FALSE(e.is_signalled());
    EXPECT_EQ(e.code(), std::optional<int>(3));
    EXPECT_FALSE(e.signal().has_value());
    const auto s = ExitStatus::signalled(9);
    EXPECT_TRUE(s.is_signalled());
    EXPECT_FALSE(s.is_exited());
    EXPECT_EQ(s.signal(), std::optional<int>(9));
    EXPECT_FALSE(s.code().has_value());
    EXPECT_NE(ExitStatus::exited(9), ExitStatus::signalled(9));
    EXPECT_EQ(ExitStatus::exited(9), ExitStatus::exited(9));
}

TEST(ExitStatus, ToString) {
    EXPECT_EQ(ExitStatus::exited(3).to_string(), "exit 3");
    EXPECT_EQ(ExitStatus::signalled(9).to_string(), "signal 9");
}

TEST(Outcome, ToString) {
    EXPECT_EQ(Outcome::exited(0).to_string(), "exited with code 0");
    EXPECT_EQ(Outcome::exited(3).to_string(), "exited with code 3");
    EXPECT_EQ(Outcome::signalled(15).to_string(), "killed by signal 15");
    EXPECT_EQ(Outcome::timed_out().to_string(), "timed out");
    EXPECT_EQ(Outcome::cancelled().to_string(), "cancelled");
    EXPECT_EQ(Outcome::spawn_failed().to_string(), "failed to start");
}

// --- ProcessResult ---

ProcessResult result_with(Outcome outcome) {
    ProcessResult r;
    r.program = "prog";
    r.outcome = outcome;
    if (outcome.kind == Outcome::Kind::Exited) {
        r.status = ExitStatus::exited(outcome.value);
    } else if (outcome.kind == Outcome::Kind::Signalled) {
        r.status = ExitStatus::signalled(outcome.value);
    }
    return r;
}

TEST(ProcessResult, ExitedZeroSucceeds) {
    auto r = result_with(Outcome::exited(0));
    EXPECT_TRUE(r.success());
    EXPECT_FALSE(r.failure().has_value());
    EXPECT_EQ(&r.ensure_success(), &r);
    EXPECT_EQ(r.exit_code(), std::optional<int>(0));
}

TEST(ProcessResult, ExitedNonZeroFails) {
    auto r = result_with(Outcome::exited(3));
    r.stderr_bytes = "note: a\nfatal: it broke\n";
    EXPECT_FALSE(r.success());
    auto f = r.failure();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->kind(), ErrorKind::NonZeroExit);
    EXPECT_EQ(f->exit_code(), std::optional<int>(3));
    EXPECT_EQ(f->program(), "prog");
    EXPECT_TRUE(contains(f->message(), "'prog'")) << f->message();
    EXPECT_TRUE(contains(f->message(), "3")) << f->message();
    EXPECT_TRUE(contains(f->message(), "; stderr: fatal: it broke")) << f->message();
    EXPECT_EQ(f->stderr_text(), "note: a\nfatal: it broke\n");
    try {
        r.ensure_success();
        FAIL() << "ensure_success did not throw";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::NonZeroExit);
        EXPECT_EQ(e.exit_code(), std::optional<int>(3));
        EXPECT_EQ(e.message(), f->message());
    }
}

TEST(ProcessResult, AcceptedNonZeroCodeSucceeds) {
    auto r = result_with(Outcome::exited(3));
    r.ok_codes = {0, 3};
    EXPECT_TRUE(r.success());
    EXPECT_FALSE(r.failure().has_value());
    EXPECT_NO_THROW(r.ensure_success());
}

TEST(ProcessResult, ZeroNotAcceptedWhenNotInOkCodes) {
    auto r = result_with(Outcome::exited(0));
    r.ok_codes = {1};
    EXPECT_FALSE(r.success());
    ASSERT_TRUE(r.failure().has_value());
    EXPECT_EQ(r.failure()->kind(), ErrorKind::NonZeroExit);
}

TEST(ProcessResult, SignalledFails) {
    auto r = result_with(Outcome::signalled(9));
    EXPECT_FALSE(r.success());
    auto f = r.failure();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->kind(), ErrorKind::Signalled);
    EXPECT_EQ(f->signal_number(), std::optional<int>(9));
    EXPECT_FALSE(f->exit_code().has_value());
    EXPECT_FALSE(r.exit_code().has_value());
    EXPECT_THROW(r.ensure_success(), Error);
}

TEST(ProcessResult, TimedOutFails) {
    auto r = result_with(Outcome::timed_out());
    r.timed_out = true;
    r.stderr_bytes = "still working\n";
    auto f = r.failure();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->kind(), ErrorKind::Timeout);
    EXPECT_TRUE(contains(f->message(), "; stderr: still working")) << f->message();
    EXPECT_FALSE(r.success());
}

TEST(ProcessResult, CancelledFails) {
    auto r = result_with(Outcome::cancelled());
    r.cancelled = true;
    auto f = r.failure();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->kind(), ErrorKind::Cancelled);
    EXPECT_FALSE(r.success());
}

TEST(ProcessResult, SpawnFailedFails) {
    auto r = result_with(Outcome::spawn_failed());
    auto f = r.failure();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->kind(), ErrorKind::SpawnFailed);
    EXPECT_FALSE(r.success());
}

TEST(ProcessResult, ErrorTakesPrecedence) {
    auto r = result_with(Outcome::exited(0));
    r.error = Error(ErrorKind::OutputTooLarge, "prog", "stdout passed 10 bytes");
    EXPECT_FALSE(r.success());
    auto f = r.failure();
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->kind(), ErrorKind::OutputTooLarge);
    EXPECT_EQ(*f, *r.error);
    try {
        r.ensure_success();
        FAIL() << "ensure_success did not throw";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::OutputTooLarge);
    }

    // Also over a non-zero exit.
    auto s = result_with(Outcome::exited(3));
    s.error = Error(ErrorKind::OutputTooLarge, "prog", "too much");
    ASSERT_TRUE(s.failure().has_value());
    EXPECT_EQ(s.failure()->kind(), ErrorKind::OutputTooLarge);
}

TEST(ProcessResult, StdoutTextReplacesInvalidUtf8) {
    ProcessResult r;
    r.stdout_bytes = "ok \xFF\xC3\xA9";
    r.stderr_bytes = "\x80";
    EXPECT_EQ(r.stdout_text(), "ok " + fffd + "\xC3\xA9");
    EXPECT_EQ(r.stderr_text(), fffd);
    EXPECT_EQ(r.stdout_bytes, "ok \xFF\xC3\xA9"); // raw bytes untouched
}

TEST(ProcessResult, Latin1Encoding) {
    ProcessResult r;
    r.encoding = Encoding::Latin1;
    r.stdout_bytes = "caf\xE9";
    r.stderr_bytes = "\xFF";
    EXPECT_EQ(r.stdout_text(), "caf\xC3\xA9");
    EXPECT_EQ(r.stderr_text(), "\xC3\xBF");
}

TEST(ProcessResult, Truncated) {
    ProcessResult r;
    EXPECT_FALSE(r.truncated());
    r.stderr_counters.truncated = true;
    EXPECT_TRUE(r.truncated());
}

} // namespace
} // namespace processkit
