// The cassette file format: a cassette written before the move to
// nlohmann-json (cassettes/v1.cassette.json, written by the hand-written
// codec) reads back as the entries it was written from; the writer keeps
// the format; bytes round-trip; a malformed cassette is a clear Error.
#include "cassette.hpp"
#include "processkit/core/error.hpp"
#include "processkit/core/utf8.hpp"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <unistd.h>

namespace processkit {
namespace {

using namespace std::string_literals;

std::vector<processkit::cassette::Entry> golden_entries() {
    using namespace processkit;
    using namespace std::chrono_literals;
    std::vector<cassette::Entry> v;
    cassette::Entry a;
    a.invocation.program = "echo";
    a.invocation.args = {"hi", "two words", "caf\xc3\xa9 \xf0\x9f\x98\x80", ""};
    a.invocation.cwd = "/tmp/dir \"quoted\"";
    a.invocation.env = {"set API_TOKEN", "remove HOME", "clear", "inherit_only A B"};
    a.invocation.stdin_kind = StdinSource::Kind::Bytes;
    a.invocation.timeout = Duration{5s};
    a.outcome = Outcome::exited(0);
    a.status = ExitStatus::exited(0);
    a.stdout_bytes = "hi\n";
    a.duration = Duration{1234567};
    v.push_back(a);

    cassette::Entry b;
    b.invocation.program = "sh\xff";
    b.invocation.args = {"-c", "\xfe\x00z"s};
    b.invocation.stdin_kind = StdinSource::Kind::Interactive;
    b.invocation.started = true;
    b.outcome = Outcome::exited(3);
    b.status = ExitStatus::exited(3);
    b.stdout_bytes = "\xff\x01\n";
    b.stderr_bytes = "ctl \b\f\x7f\x01\x1f\t\r\n \"q\" \\ /";
    b.duration = Duration{0};
    v.push_back(b);

    cassette::Entry c;
    c.invocation.program = "sleep";
    c.invocation.args = {"100"};
    c.invocation.stdin_kind = StdinSource::Kind::Inherit;
    c.outcome = Outcome::signalled(9);
    c.status = ExitStatus::signalled(9);
    c.stdout_bytes = std::string(1, '\0') + "nul";
    c.duration = Duration{-1};
    v.push_back(c);

    cassette::Entry d;
    d.invocation.program = "make";
    d.invocation.stdin_kind = StdinSource::Kind::File;
    d.invocation.timeout = Duration{3600s};
    d.outcome = Outcome::timed_out();
    d.stdout_bytes = "compiling...\n";
    d.stderr_bytes = "ab\xc3"; // cut in the middle of a character
    d.duration = Duration{3600s};
    v.push_back(d);

    cassette::Entry e;
    e.invocation.program = "no-such-program";
    e.outcome = Outcome::spawn_failed();
    e.error_kind = ErrorKind::NotFound;
    v.push_back(e);

    cassette::Entry f;
    f.invocation.program = "cat";
    f.invocation.started = true;
    f.outcome = Outcome::cancelled();
    f.stdout_bytes = "partial";
    f.duration = Duration{9007199254740993};
    v.push_back(f);
    return v;
}

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

void expect_same(const cassette::Entry& a, const cassette::Entry& b) {
    EXPECT_EQ(a.invocation.program, b.invocation.program);
    EXPECT_EQ(a.invocation.args, b.invocation.args);
    EXPECT_EQ(a.invocation.cwd, b.invocation.cwd);
    EXPECT_EQ(a.invocation.env, b.invocation.env);
    EXPECT_EQ(a.invocation.stdin_kind, b.invocation.stdin_kind);
    EXPECT_EQ(a.invocation.timeout, b.invocation.timeout);
    EXPECT_EQ(a.invocation.started, b.invocation.started);
    EXPECT_EQ(a.outcome, b.outcome);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.error_kind, b.error_kind);
    EXPECT_EQ(a.stdout_bytes, b.stdout_bytes);
    EXPECT_EQ(a.stderr_bytes, b.stderr_bytes);
    EXPECT_EQ(a.duration, b.duration);
}

class CassetteFormat : public ::testing::Test {
protected:
    void SetUp() override {
        dir = std::filesystem::temp_directory_path() /
              ("pk-cassette-format-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir);
        path = (dir / "cassette.json").string();
    }
    void TearDown() override { std::filesystem::remove_all(dir); }

    void write_text(const std::string& text) const {
        std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
    }

    std::filesystem::path dir;
    std::string path;
};

const std::string old_cassette = PROCESSKIT_CASSETTE_DIR "/v1.cassette.json";

TEST_F(CassetteFormat, ACassetteWrittenBeforeReadsAsItWasWritten) {
    const auto expected = golden_entries();
    const auto entries = cassette::read_file(old_cassette);
    ASSERT_EQ(entries.size(), expected.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        SCOPED_TRACE(i);
        expect_same(entries[i], expected[i]);
    }
}

TEST_F(CassetteFormat, TheWriterKeepsTheFormat) {
    cassette::write_file(path, golden_entries());
    // The same bytes as the old writer's, but for three control characters
    // that nlohmann-json escapes in their short form or not at all (both
    // readers read either spelling).
    auto expected = read_text(old_cassette);
    for (const auto& [from, to] : {std::pair{"\\u0008"s, "\\b"s}, std::pair{"\\u000c"s, "\\f"s},
                                   std::pair{"\\u007f"s, "\x7f"s}}) {
        const auto at = expected.find(from);
        ASSERT_NE(at, std::string::npos) << from;
        expected.replace(at, from.size(), to);
    }
    EXPECT_EQ(read_text(path), expected);

    const auto entries = cassette::read_file(path);
    const auto written = golden_entries();
    ASSERT_EQ(entries.size(), written.size());
    for (std::size_t i = 0; i < entries.size(); ++i) {
        SCOPED_TRACE(i);
        expect_same(entries[i], written[i]);
    }
}

TEST_F(CassetteFormat, BytesAreTextWhenUtf8ElseBase64AndRoundTrip) {
    std::vector<cassette::Entry> entries;
    for (const std::string& bytes :
         {""s, "\xff"s, "a\xff"s, "ab\xff"s, "abc\xff"s, "\0\xc3"s, "\xe2\x82\xac ok"s,
          "\xed\xa0\x80"s /* an encoded surrogate */, "\xf4\x90\x80\x80"s /* past U+10FFFF */,
          "\xc0\xaf"s /* overlong */, std::string(256, '\0')}) {
        cassette::Entry e;
        e.invocation.program = "p";
        e.outcome = Outcome::exited(0);
        e.status = ExitStatus::exited(0);
        e.stdout_bytes = bytes;
        e.invocation.args = {bytes};
        entries.push_back(e);
    }
    cassette::write_file(path, entries);
    const auto text = read_text(path);
    EXPECT_NE(text.find("\"stdout\":{\"base64\":\"/w==\"}"), std::string::npos) << text;
    EXPECT_NE(text.find("\"stdout\":{\"base64\":\"AMM=\"}"), std::string::npos) << text;
    EXPECT_NE(text.find("\"stdout\":\"\xe2\x82\xac ok\""), std::string::npos) << text;
    const auto back = cassette::read_file(path);
    ASSERT_EQ(back.size(), entries.size());
    for (std::size_t i = 0; i < back.size(); ++i) {
        SCOPED_TRACE(i);
        expect_same(back[i], entries[i]);
    }
}

TEST_F(CassetteFormat, EscapesAndSurrogatePairsAreRead) {
    write_text(R"({"processkit_cassette":1,"entries":[{"program":"\u00e9\ud83d\ude00\/\b\f",)"
               R"("args":[],"cwd":null,"env":[],"stdin":"empty","timeout_ns":null,)"
               R"("started":false,"outcome":"exited","exit_code":0,"signal":null,)"
               R"("error_kind":null,"stdout":"","stderr":"","duration_ns":0}]})");
    const auto entries = cassette::read_file(path);
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].invocation.program, "\xc3\xa9\xf0\x9f\x98\x80/\b\f");
}

TEST_F(CassetteFormat, AMalformedCassetteIsAClearError) {
    const std::string entry_head =
        R"({"processkit_cassette":1,"entries":[{"program":"x","args":[],"cwd":null,"env":[],)";
    const std::string entry_to_outcome =
        entry_head + R"("stdin":"empty","timeout_ns":null,"started":false,"outcome":)";
    // What the message must say (besides the path); a JSON syntax error
    // gives the offset where reading stopped.
    const std::vector<std::pair<std::string, std::string>> cases{
        {"", "at offset 0"},
        {"{", "at offset"},
        {"[1,]", "at offset 3"},
        {"{\"a\" 1}", "at offset 5"},
        {"\"open", "at offset"},
        {"tru", "at offset"},
        {"\"\\ud800\"", "at offset"},
        {"\"\x01\"", "at offset 1"},
        {"{} x", "at offset 3"},
        {"\"\\q\"", "at offset"},
        {"{\"processkit_cassette\":1,\"entries\":[{\"program\":\"\xff\"}]}", "at offset"},
        {std::string(100, '['), "nesting too deep"},
        {"{\"processkit_cassette\":1,\"x\":" + std::string(70, '[') + std::string(70, ']') + "}",
         "nesting too deep"},
        {"1.5", "only integers are supported"},
        {"{\"processkit_cassette\":1.0,\"entries\":[]}", "only integers are supported"},
        {"[]", "JSON: expected an object"},
        {"{}", "not a processkit cassette (version 1)"},
        {"{\"processkit_cassette\":2,\"entries\":[]}", "not a processkit cassette (version 1)"},
        {"{\"processkit_cassette\":\"1\",\"entries\":[]}", "JSON: expected an integer"},
        {"{\"processkit_cassette\":1}", "JSON: missing member \"entries\""},
        {"{\"processkit_cassette\":1,\"entries\":{}}", "JSON: expected an array"},
        {"{\"processkit_cassette\":1,\"entries\":[{\"program\":\"x\"}]}",
         "JSON: missing member \"args\""},
        {"{\"processkit_cassette\":1,\"entries\":[{\"program\":{\"base64\":\"%%%%\"}}]}",
         "JSON: invalid base64 text"},
        {"{\"processkit_cassette\":1,\"entries\":[{\"program\":{\"base64\":\"abc\"}}]}",
         "JSON: base64 text of a length that is not a multiple of 4"},
        {"{\"processkit_cassette\":1,\"entries\":[{\"program\":{}}]}",
         "JSON: missing member \"base64\""},
        {"{\"processkit_cassette\":1,\"entries\":[{\"program\":1}]}", "JSON: expected an object"},
        {entry_head + R"("stdin":"bogus"}]})", "cassette: unknown value \"bogus\""},
        {entry_head + R"("stdin":"empty","timeout_ns":1.5}]})", "only integers are supported"},
        {entry_head + R"("stdin":"empty","timeout_ns":18446744073709551615}]})",
         "JSON: expected an integer"},
        {entry_head + R"("stdin":"empty","timeout_ns":null,"started":1}]})",
         "JSON: expected a boolean"},
        {entry_to_outcome + R"("exited","exit_code":99999999999}]})",
         "cassette: number out of range"},
        {entry_to_outcome + R"("exited","exit_code":null,"signal":null}]})",
         "cassette: an exited or signalled entry needs exit_code or signal"},
        {entry_to_outcome +
             R"("spawn_failed","exit_code":null,"signal":null,"error_kind":"zzz"}]})",
         "cassette: unknown error kind \"zzz\""},
    };
    for (const auto& [text, says] : cases) {
        SCOPED_TRACE(text);
        write_text(text);
        try {
            cassette::read_file(path);
            ADD_FAILURE() << "accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
            EXPECT_EQ(e.detail().rfind("cassette " + path + ": ", 0), 0u) << e.detail();
            EXPECT_NE(e.message().find(says), std::string::npos) << e.message();
            EXPECT_TRUE(is_valid_utf8(e.message())); // no bytes copied from the file
        }
    }
    // Deep but within the limit is fine.
    write_text("{\"processkit_cassette\":1,\"x\":" + std::string(63, '[') + std::string(63, ']') +
               ",\"entries\":[]}");
    EXPECT_TRUE(cassette::read_file(path).empty());
    EXPECT_THROW(cassette::read_file((dir / "absent.json").string()), Error);
}

} // namespace
} // namespace processkit
