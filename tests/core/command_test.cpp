#include "processkit/core/command.hpp"

#include <chrono>
#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {
namespace {

using namespace std::chrono_literals;

// The error validate() returns; fails the test if there is none.
Error validation_error(const Command& c) {
    auto e = c.validate();
    EXPECT_TRUE(e.has_value());
    if (!e) {
        return Error(ErrorKind::Io, "", "no error");
    }
    EXPECT_EQ(e->kind(), ErrorKind::InvalidArgument);
    return *e;
}

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

// --- defaults and getters ---

TEST(Command, Defaults) {
    const Command c("prog");
    EXPECT_EQ(c.program(), "prog");
    EXPECT_TRUE(c.arguments().empty());
    EXPECT_FALSE(c.working_directory().has_value());
    EXPECT_TRUE(c.env_ops().empty());
    EXPECT_EQ(c.stdin_source().kind, StdinSource::Kind::Empty);
    EXPECT_TRUE(c.stdin_source().data.empty());
    EXPECT_EQ(c.mode(Stream::Stdout), StdioMode::Capture);
    EXPECT_EQ(c.mode(Stream::Stderr), StdioMode::Capture);
    EXPECT_FALSE(c.timeout().has_value());
    EXPECT_EQ(c.grace(), Duration(2s));
    EXPECT_EQ(c.grace(), Command::default_grace);
    EXPECT_EQ(c.drain_timeout(), Duration(1s));
    EXPECT_EQ(c.drain_timeout(), Command::default_drain_timeout);
    EXPECT_EQ(c.timeout_signal(), Signal::term());
    EXPECT_EQ(c.policy(Stream::Stdout), BufferPolicy::unbounded());
    EXPECT_EQ(c.policy(Stream::Stderr), BufferPolicy::unbounded());
    EXPECT_EQ(c.max_line_bytes(), LineSplitter::default_max_line_bytes);
    EXPECT_EQ(c.encoding(), Encoding::Utf8);
    EXPECT_EQ(c.ok_codes(), std::vector<int>{0});
    EXPECT_FALSE(c.line_handler(Stream::Stdout));
    EXPECT_FALSE(c.line_handler(Stream::Stderr));
    EXPECT_FALSE(c.tee_sink(Stream::Stdout));
    EXPECT_FALSE(c.tee_sink(Stream::Stderr));
    EXPECT_FALSE(c.posix().uid.has_value());
    EXPECT_FALSE(c.posix().gid.has_value());
    EXPECT_FALSE(c.posix().groups.has_value());
    EXPECT_FALSE(c.posix().new_session);
    EXPECT_FALSE(c.posix().kill_on_parent_death) << "opt-in: PDEATHSIG follows the spawning thread";
}

TEST(Command, ArgumentsAccumulateInOrder) {
    Command c("prog");
    c.arg("a").args({"b", "c"}).args(std::vector<std::string>{"d", "e"}).arg("f");
    EXPECT_EQ(c.arguments(), (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
}

TEST(Command, BuilderReturnsSameObject) {
    Command c("prog");
    EXPECT_EQ(&c.arg("x"), &c);
    EXPECT_EQ(&c.cwd("/tmp"), &c);
    EXPECT_EQ(&c.timeout(1s), &c);
    EXPECT_EQ(&c.kill_on_parent_death(false), &c);
}

TEST(Command, WorkingDirectory) {
    Command c("prog");
    c.cwd("/tmp");
    ASSERT_TRUE(c.working_directory().has_value());
    EXPECT_EQ(*c.working_directory(), "/tmp");
}

TEST(Command, EnvOpsRecordedInOrder) {
    Command c("prog");
    c.env("A", "1").env_remove("B").env_clear().env_inherit_only({"PATH", "HOME"});
    const auto& ops = c.env_ops();
    ASSERT_EQ(ops.size(), 4U);
    EXPECT_EQ(ops[0], (EnvOp{EnvOp::Kind::Set, "A", "1", {}}));
    EXPECT_EQ(ops[1], (EnvOp{EnvOp::Kind::Remove, "B", "", {}}));
    EXPECT_EQ(ops[2], (EnvOp{EnvOp::Kind::Clear, "", "", {}}));
    EXPECT_EQ(ops[3], (EnvOp{EnvOp::Kind::InheritOnly, "", "", {"PATH", "HOME"}}));
}

TEST(Command, StdinSources) {
    Command c("prog");
    c.stdin_bytes("abc");
    EXPECT_EQ(c.stdin_source(), (StdinSource{StdinSource::Kind::Bytes, "abc"}));
    c.stdin_file("/etc/hosts");
    EXPECT_EQ(c.stdin_source(), (StdinSource{StdinSource::Kind::File, "/etc/hosts"}));
    c.stdin_interactive();
    EXPECT_EQ(c.stdin_source(), (StdinSource{StdinSource::Kind::Interactive, ""}));
    c.stdin_inherit();
    EXPECT_EQ(c.stdin_source(), (StdinSource{StdinSource::Kind::Inherit, ""}));
    c.stdin_empty();
    EXPECT_EQ(c.stdin_source(), (StdinSource{StdinSource::Kind::Empty, ""}));
}

TEST(Command, StdinLinesEndsEachLineWithNewline) {
    Command c("prog");
    c.stdin_lines({"one", "two", ""});
    EXPECT_EQ(c.stdin_source().kind, StdinSource::Kind::Bytes);
    EXPECT_EQ(c.stdin_source().data, "one\ntwo\n\n");
}

TEST(Command, StdinLinesEmptyListIsEmptyBytes) {
    Command c("prog");
    c.stdin_lines({});
    EXPECT_EQ(c.stdin_source().kind, StdinSource::Kind::Bytes);
    EXPECT_EQ(c.stdin_source().data, "");
}

TEST(Command, StdioModesAreIndependent) {
    Command c("prog");
    c.stdout_mode(StdioMode::Discard);
    EXPECT_EQ(c.mode(Stream::Stdout), StdioMode::Discard);
    EXPECT_EQ(c.mode(Stream::Stderr), StdioMode::Capture);
    c.stderr_mode(StdioMode::Inherit);
    EXPECT_EQ(c.mode(Stream::Stdout), StdioMode::Discard);
    EXPECT_EQ(c.mode(Stream::Stderr), StdioMode::Inherit);
}

TEST(Command, TeeSetsModeAndSink) {
    std::string seen;
    Command c("prog");
    c.stderr_tee([&](std::string_view s) { seen += s; });
    EXPECT_EQ(c.mode(Stream::Stderr), StdioMode::Tee);
    EXPECT_EQ(c.mode(Stream::Stdout), StdioMode::Capture);
    ASSERT_TRUE(c.tee_sink(Stream::Stderr));
    EXPECT_FALSE(c.tee_sink(Stream::Stdout));
    c.tee_sink(Stream::Stderr)("hello");
    EXPECT_EQ(seen, "hello");

    c.stdout_tee([&](std::string_view s) { seen += "!" + std::string(s); });
    EXPECT_EQ(c.mode(Stream::Stdout), StdioMode::Tee);
    c.tee_sink(Stream::Stdout)("x");
    EXPECT_EQ(seen, "hello!x");
}

TEST(Command, LineHandlersPerStream) {
    std::string out;
    std::string err;
    Command c("prog");
    c.on_stdout_line([&](std::string_view s) { out = s; });
    c.on_stderr_line([&](std::string_view s) { err = s; });
    c.line_handler(Stream::Stdout)("o");
    c.line_handler(Stream::Stderr)("e");
    EXPECT_EQ(out, "o");
    EXPECT_EQ(err, "e");
}

TEST(Command, TimeoutSettings) {
    Command c("prog");
    c.timeout(5s).grace(0s).timeout_signal(Signal::interrupt()).drain_timeout(250ms);
    ASSERT_TRUE(c.timeout().has_value());
    EXPECT_EQ(*c.timeout(), Duration(5s));
    EXPECT_EQ(c.grace(), Duration::zero());
    EXPECT_EQ(c.timeout_signal(), Signal::interrupt());
    EXPECT_EQ(c.drain_timeout(), Duration(250ms));
    c.no_timeout();
    EXPECT_FALSE(c.timeout().has_value());
}

TEST(Command, BufferPolicies) {
    Command c("prog");
    c.buffer_policy(BufferPolicy::keep_newest_bytes(10));
    EXPECT_EQ(c.policy(Stream::Stdout), BufferPolicy::keep_newest_bytes(10));
    EXPECT_EQ(c.policy(Stream::Stderr), BufferPolicy::keep_newest_bytes(10));
    c.stdout_policy(BufferPolicy::fail_past_lines(3));
    EXPECT_EQ(c.policy(Stream::Stdout), BufferPolicy::fail_past_lines(3));
    EXPECT_EQ(c.policy(Stream::Stderr), BufferPolicy::keep_newest_bytes(10));
    c.stderr_policy(BufferPolicy::keep_oldest_lines(7));
    EXPECT_EQ(c.policy(Stream::Stdout), BufferPolicy::fail_past_lines(3));
    EXPECT_EQ(c.policy(Stream::Stderr), BufferPolicy::keep_oldest_lines(7));
}

TEST(Command, LineCapAndEncoding) {
    Command c("prog");
    c.max_line_bytes(42).encoding(Encoding::Latin1);
    EXPECT_EQ(c.max_line_bytes(), 42U);
    EXPECT_EQ(c.encoding(), Encoding::Latin1);
}

TEST(Command, PosixOptions) {
    Command c("prog");
    c.uid(1000).gid(100).groups({4, 24}).new_session().kill_on_parent_death(true);
    EXPECT_EQ(c.posix().uid, std::optional<std::uint32_t>(1000U));
    EXPECT_EQ(c.posix().gid, std::optional<std::uint32_t>(100U));
    ASSERT_TRUE(c.posix().groups.has_value());
    EXPECT_EQ(*c.posix().groups, (std::vector<std::uint32_t>{4, 24}));
    EXPECT_TRUE(c.posix().new_session);
    EXPECT_TRUE(c.posix().kill_on_parent_death);
    c.new_session(false);
    EXPECT_FALSE(c.posix().new_session);
}

// --- accepts ---

TEST(Command, AcceptsDefaultOnlyZero) {
    const Command c("prog");
    EXPECT_TRUE(c.accepts(0));
    EXPECT_FALSE(c.accepts(1));
    EXPECT_FALSE(c.accepts(-1));
    EXPECT_FALSE(c.accepts(255));
}

TEST(Command, AcceptsCustomCodes) {
    Command c("prog");
    c.ok_codes({1, 3});
    EXPECT_EQ(c.ok_codes(), (std::vector<int>{1, 3}));
    EXPECT_FALSE(c.accepts(0));
    EXPECT_TRUE(c.accepts(1));
    EXPECT_FALSE(c.accepts(2));
    EXPECT_TRUE(c.accepts(3));
}

TEST(Command, AcceptsNothingWithEmptyCodes) {
    Command c("prog");
    c.ok_codes({});
    EXPECT_FALSE(c.accepts(0));
}

// --- shell_quote / command_line ---

TEST(ShellQuote, PlainWordsUnquoted) {
    EXPECT_EQ(shell_quote("ls"), "ls");
    EXPECT_EQ(shell_quote("/usr/bin/env"), "/usr/bin/env");
    EXPECT_EQ(shell_quote("--name=value,x:y@z%+_.-"), "--name=value,x:y@z%+_.-");
}

TEST(ShellQuote, EmptyWord) {
    EXPECT_EQ(shell_quote(""), "''");
}

TEST(ShellQuote, Spaces) {
    EXPECT_EQ(shell_quote("hello world"), "'hello world'");
    EXPECT_EQ(shell_quote(" "), "' '");
}

TEST(ShellQuote, SingleQuote) {
    EXPECT_EQ(shell_quote("it's"), "'it'\\''s'");
    EXPECT_EQ(shell_quote("'"), "''\\'''");
}

TEST(ShellQuote, ShellMetacharactersQuoted) {
    EXPECT_EQ(shell_quote("$HOME"), "'$HOME'");
    EXPECT_EQ(shell_quote("*.txt"), "'*.txt'");
    EXPECT_EQ(shell_quote("a;b"), "'a;b'");
    EXPECT_EQ(shell_quote("a\"b"), "'a\"b'");
    EXPECT_EQ(shell_quote("`x`"), "'`x`'");
    EXPECT_EQ(shell_quote("a\nb"), "'a\nb'");
}

TEST(ShellQuote, NonAsciiQuotedVerbatim) {
    EXPECT_EQ(shell_quote("caf\xC3\xA9"), "'caf\xC3\xA9'");
}

TEST(Command, CommandLineQuotesEachWord) {
    Command c("echo");
    c.args({"hello world", "", "it's", "$x", "plain"});
    EXPECT_EQ(c.command_line(), "echo 'hello world' '' 'it'\\''s' '$x' plain");
}

TEST(Command, CommandLineProgramOnly) {
    EXPECT_EQ(Command("/bin/true").command_line(), "/bin/true");
    EXPECT_EQ(Command("my prog").command_line(), "'my prog'");
}

// --- validate ---

TEST(Validate, ValidCommandHasNoError) {
    Command c("prog");
    c.args({"a", "b c", ""})
        .cwd("/tmp")
        .env("A", "1")
        .env_remove("B")
        .env_clear()
        .env_inherit_only({"PATH"})
        .stdin_file("/dev/null")
        .timeout(0s)
        .grace(0s)
        .drain_timeout(0s)
        .max_line_bytes(1)
        .stdout_tee([](std::string_view) {})
        .stderr_tee([](std::string_view) {});
    EXPECT_FALSE(c.validate().has_value());
    EXPECT_FALSE(Command("prog").validate().has_value());
}

TEST(Validate, EmptyProgram) {
    auto e = validation_error(Command(""));
    EXPECT_TRUE(contains(e.message(), "empty program")) << e.message();
}

TEST(Validate, NulInProgramNotInMessage) {
    const std::string program("zq\0xw", 5);
    auto e = validation_error(Command(program));
    EXPECT_TRUE(contains(e.message(), "NUL")) << e.message();
    EXPECT_FALSE(contains(e.message(), std::string_view("\0", 1)));
    EXPECT_FALSE(contains(e.message(), "zq"));
    EXPECT_FALSE(contains(e.message(), "xw"));
}

TEST(Validate, NulInArgumentNamesIndexNotText) {
    Command c("prog");
    c.arg("fine").arg(std::string("secret\0value", 12));
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "argument 2")) << e.message();
    EXPECT_TRUE(contains(e.message(), "'prog'")) << e.message();
    EXPECT_FALSE(contains(e.message(), "secret"));
    EXPECT_FALSE(contains(e.message(), "value"));
    EXPECT_FALSE(contains(e.message(), "fine"));
}

TEST(Validate, NulInFirstArgument) {
    Command c("prog");
    c.arg(std::string("\0", 1));
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "argument 1 ")) << e.message();
}

TEST(Validate, EmptyWorkingDirectory) {
    Command c("prog");
    c.cwd("");
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "working directory")) << e.message();
}

TEST(Validate, NulInWorkingDirectory) {
    Command c("prog");
    c.cwd(std::string("/tm\0p", 5));
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "working directory")) << e.message();
}

TEST(Validate, EmptyEnvName) {
    Command c("prog");
    c.env("", "x");
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "environment")) << e.message();
}

TEST(Validate, EnvNameWithEquals) {
    Command c("prog");
    c.env("A=B", "x");
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "environment")) << e.message();
}

TEST(Validate, EnvNameWithNul) {
    Command c("prog");
    c.env(std::string("A\0B", 3), "x");
    validation_error(c);
}

TEST(Validate, BadNameInEnvRemove) {
    Command c("prog");
    c.env_remove("");
    validation_error(c);
    Command d("prog");
    d.env_remove("X=1");
    validation_error(d);
}

TEST(Validate, BadNameInInheritOnly) {
    Command c("prog");
    c.env_inherit_only({"PATH", "A=B"});
    validation_error(c);
    Command d("prog");
    d.env_inherit_only({""});
    validation_error(d);
}

TEST(Validate, NulInEnvValueNotInMessage) {
    Command c("prog");
    c.env("TOKEN", std::string("hunter\0two", 10));
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "TOKEN")) << e.message();
    EXPECT_FALSE(contains(e.message(), "hunter"));
    EXPECT_FALSE(contains(e.message(), "two"));
}

TEST(Validate, EmptyStdinFilePath) {
    Command c("prog");
    c.stdin_file("");
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "stdin")) << e.message();
}

TEST(Validate, NegativeTimeout) {
    Command c("prog");
    c.timeout(-1ns);
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "timeout")) << e.message();
}

TEST(Validate, NegativeGrace) {
    Command c("prog");
    c.grace(-1ms);
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "grace")) << e.message();
}

TEST(Validate, NegativeDrain) {
    Command c("prog");
    c.drain_timeout(-1s);
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "drain")) << e.message();
}

TEST(Validate, ZeroMaxLineBytes) {
    Command c("prog");
    c.max_line_bytes(0);
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "max_line_bytes")) << e.message();
}

TEST(Validate, TeeWithoutSink) {
    Command c("prog");
    c.stdout_mode(StdioMode::Tee);
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "stdout")) << e.message();

    Command d("prog");
    d.stderr_mode(StdioMode::Tee);
    auto f = validation_error(d);
    EXPECT_TRUE(contains(f.message(), "stderr")) << f.message();
}

TEST(Validate, TeeWithEmptySink) {
    Command c("prog");
    c.stdout_tee(ByteSink{});
    validation_error(c);
}

TEST(Validate, ErrorNamesProgram) {
    Command c("my-tool");
    c.max_line_bytes(0);
    auto e = validation_error(c);
    EXPECT_EQ(e.program(), "my-tool");
    EXPECT_EQ(e.message().rfind("'my-tool': invalid argument: ", 0), 0U) << e.message();
}

TEST(Validate, FirstProblemReported) {
    Command c("prog");
    c.arg(std::string("\0", 1)).max_line_bytes(0).grace(-1s);
    auto e = validation_error(c);
    EXPECT_TRUE(contains(e.message(), "argument 1")) << e.message();
}

} // namespace
} // namespace processkit
