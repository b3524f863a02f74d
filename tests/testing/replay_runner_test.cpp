// ReplayRunner: record real runs to a cassette (mode 0600, no environment
// values), then answer from it without starting a process.
#include "processkit/testing/replay_runner.hpp"

#include <csignal>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

namespace processkit {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* secret = "do-not-store-this-value";
constexpr const char* missing_program = "pk-test-no-such-program";

class Replay : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() /
              ("pk-replay-" + std::to_string(::getpid()) + "-" +
               ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
        cassette = (dir / "cassette.json").string();
    }
    void TearDown() override { fs::remove_all(dir); }

    std::string read_cassette() const {
        std::ifstream in(cassette, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        return text.str();
    }
    void write_cassette(const std::string& text) const {
        std::ofstream(cassette, std::ios::binary | std::ios::trunc) << text;
    }
    unsigned mode() const {
        struct stat st {};
        EXPECT_EQ(::stat(cassette.c_str(), &st), 0);
        return st.st_mode & 07777;
    }

    fs::path dir;
    std::string cassette;
    SystemRunner system;
};

void expect_same_result(const ProcessResult& a, const ProcessResult& b) {
    EXPECT_EQ(a.outcome, b.outcome);
    EXPECT_EQ(a.status, b.status);
    EXPECT_EQ(a.stdout_bytes, b.stdout_bytes);
    EXPECT_EQ(a.stderr_bytes, b.stderr_bytes);
    EXPECT_EQ(a.timed_out, b.timed_out);
    EXPECT_EQ(a.duration, b.duration);
    EXPECT_EQ(a.success(), b.success());
}

TEST_F(Replay, RecordsToA0600CassetteWithoutEnvironmentValuesAndReplays) {
    const auto echo = Command("echo").arg("hi").env("PK_TEST_SECRET", secret);
    const auto failing = Command("sh").args({"-c", "echo err >&2; exit 3"});
    ProcessResult recorded_echo;
    ProcessResult recorded_failing;
    {
        auto recorder = ReplayRunner::recording(system, cassette);
        EXPECT_TRUE(recorder->is_recording());
        recorded_echo = recorder->output_string(echo);
        recorded_failing = recorder->output_string(failing);
        EXPECT_EQ(recorder->exit_code(failing), 3);
    }
    EXPECT_EQ(recorded_echo.stdout_text(), "hi\n");
    EXPECT_EQ(recorded_failing.outcome, Outcome::exited(3));
    EXPECT_EQ(recorded_failing.stderr_text(), "err\n");

    EXPECT_EQ(mode(), 0600u);
    const auto text = read_cassette();
    EXPECT_EQ(text.find(secret), std::string::npos) << text;
    EXPECT_NE(text.find("set PK_TEST_SECRET"), std::string::npos) << text;

    auto replayer = ReplayRunner::replaying(cassette);
    EXPECT_FALSE(replayer->is_recording());
    expect_same_result(replayer->output_string(echo), recorded_echo);
    expect_same_result(replayer->output_string(failing), recorded_failing);
    EXPECT_EQ(replayer->run(echo), "hi");
    EXPECT_EQ(replayer->exit_code(failing), 3);
    try {
        replayer->run(failing);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::NonZeroExit);
        EXPECT_NE(e.message().find("err"), std::string::npos) << e.message();
    }
}

TEST_F(Replay, AnswersForAProgramThatDoesNotExistHere) {
    {
        auto recorder = ReplayRunner::recording(system, cassette);
        recorder->output_string(Command("echo").arg("hi"));
    }
    // Rename the recorded program: only the cassette can answer for it now.
    auto text = read_cassette();
    const auto at = text.find("\"program\":\"echo\"");
    ASSERT_NE(at, std::string::npos) << text;
    text.replace(at, 16, std::string("\"program\":\"") + missing_program + "\"");
    write_cassette(text);

    const auto ghost = Command(missing_program).arg("hi");
    EXPECT_EQ(system.output_string(ghost).outcome, Outcome::spawn_failed());
    auto replayer = ReplayRunner::replaying(cassette);
    const auto r = replayer->output_string(ghost);
    EXPECT_EQ(r.outcome, Outcome::exited(0));
    EXPECT_EQ(r.stdout_text(), "hi\n");
    EXPECT_EQ(r.program, missing_program);
}

TEST_F(Replay, MissingEntryIsAnErrorNamingTheProgram) {
    { auto recorder = ReplayRunner::recording(system, cassette); }
    auto replayer = ReplayRunner::replaying(cassette);
    for (const auto& c : {Command("echo").arg("other"), Command("true")}) {
        try {
            replayer->output_string(c);
            FAIL() << c.program();
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
            EXPECT_EQ(e.program(), c.program());
            EXPECT_NE(e.message().find("no cassette entry"), std::string::npos) << e.message();
        }
    }
    EXPECT_THROW(replayer->start(Command("true")), Error);
}

TEST_F(Replay, NonUtf8OutputRoundTripsAsBase64) {
    const auto c = Command("printf").arg("\\377\\001\\n");
    ProcessResult recorded;
    {
        auto recorder = ReplayRunner::recording(system, cassette);
        recorded = recorder->output_string(c);
    }
    EXPECT_EQ(recorded.stdout_bytes, "\xff\x01\n");
    EXPECT_NE(read_cassette().find("{\"base64\":\"/wEK\"}"), std::string::npos) << read_cassette();
    auto replayer = ReplayRunner::replaying(cassette);
    expect_same_result(replayer->output_string(c), recorded);
}

TEST_F(Replay, StartedProcessesAreRecordedAndReplayed) {
    const auto c = Command("sh").args({"-c", "echo a; echo b; kill -TERM $$"});
    {
        auto recorder = ReplayRunner::recording(system, cassette);
        auto p = recorder->start(c);
        EXPECT_EQ(p->next_line(), "a");
        EXPECT_EQ(p->wait(), Outcome::signalled(SIGTERM));
    }
    EXPECT_NE(read_cassette().find("\"started\":true"), std::string::npos);
    auto replayer = ReplayRunner::replaying(cassette);
    auto p = replayer->start(c);
    EXPECT_EQ(p->next_line(), "a");
    EXPECT_EQ(p->next_line(), "b");
    EXPECT_EQ(p->next_line(), std::nullopt);
    EXPECT_EQ(p->wait(), Outcome::signalled(SIGTERM));
}

TEST_F(Replay, TimeoutsReplayAsTimeouts) {
    const auto c = Command("sleep").arg("5").timeout(50ms).grace(0s);
    {
        auto recorder = ReplayRunner::recording(system, cassette);
        EXPECT_EQ(recorder->output_string(c).outcome, Outcome::timed_out());
    }
    auto replayer = ReplayRunner::replaying(cassette);
    const auto r = replayer->output_string(c);
    EXPECT_EQ(r.outcome, Outcome::timed_out());
    EXPECT_EQ(r.status, ExitStatus::signalled(SIGKILL));
    EXPECT_EQ(r.duration, 50ms);
}

TEST_F(Replay, IdenticalInvocationsReplayInOrderThenRepeatTheLast) {
    const auto c = Command("sh").args({"-c", "cat n 2>/dev/null; echo x >> n"}).cwd(dir.string());
    {
        auto recorder = ReplayRunner::recording(system, cassette);
        EXPECT_EQ(recorder->run(c), "");
        EXPECT_EQ(recorder->run(c), "x");
    }
    auto replayer = ReplayRunner::replaying(cassette);
    EXPECT_EQ(replayer->run(c), "");
    EXPECT_EQ(replayer->run(c), "x");
    EXPECT_EQ(replayer->run(c), "x");
}

TEST_F(Replay, AnExistingFileIsReplacedAndMadePrivate) {
    write_cassette("old");
    ASSERT_EQ(::chmod(cassette.c_str(), 0644), 0);
    { auto recorder = ReplayRunner::recording(system, cassette); }
    EXPECT_EQ(mode(), 0600u);
    EXPECT_EQ(read_cassette().find("old"), std::string::npos);
}

TEST_F(Replay, ABrokenCassetteIsAClearError) {
    write_cassette("{\"processkit_cassette\":1,\"entries\":[{\"program\":\"x\"}]}");
    try {
        ReplayRunner::replaying(cassette);
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_NE(e.message().find(cassette), std::string::npos) << e.message();
        EXPECT_NE(e.message().find("args"), std::string::npos) << e.message();
    }
    EXPECT_THROW(ReplayRunner::replaying((dir / "absent.json").string()), Error);
    write_cassette("{\"entries\":[]}");
    EXPECT_THROW(ReplayRunner::replaying(cassette), Error);
}

} // namespace
} // namespace processkit
