// RecordingRunner: what was invoked, with environment names but no values.
#include "processkit/testing/recording_runner.hpp"
#include "processkit/testing/scripted_runner.hpp"

#include <array>
#include <gtest/gtest.h>
#include <thread>

namespace processkit {
namespace {

using namespace std::chrono_literals;

TEST(RecordingRunner, RecordsInvocationsAndPassesRepliesThrough) {
    ScriptedRunner scripted;
    scripted.on_prefix("deploy", {}, Reply::success("ok\n"));
    RecordingRunner recorder(scripted);

    const auto c = Command("deploy")
                       .args({"--env", "prod"})
                       .cwd("/srv/app")
                       .env("API_TOKEN", "s3cr3t-value")
                       .env_remove("DEBUG")
                       .env_inherit_only({"PATH", "HOME"})
                       .env_clear()
                       .stdin_bytes("input")
                       .timeout(90s);
    EXPECT_EQ(recorder.run(c), "ok");
    EXPECT_TRUE(recorder.probe(Command("deploy").arg("--check")));
    auto p = recorder.start(Command("deploy"));
    EXPECT_EQ(p->next_line(), "ok");

    const auto calls = recorder.invocations();
    ASSERT_EQ(calls.size(), 3u);
    const auto& first = calls[0];
    EXPECT_EQ(first.program, "deploy");
    EXPECT_EQ(first.args, (std::vector<std::string>{"--env", "prod"}));
    EXPECT_EQ(first.cwd, "/srv/app");
    EXPECT_EQ(first.env, (std::vector<std::string>{"set API_TOKEN", "remove DEBUG",
                                                   "inherit_only PATH HOME", "clear"}));
    EXPECT_EQ(first.stdin_kind, StdinSource::Kind::Bytes);
    EXPECT_EQ(first.timeout, Duration(90s));
    EXPECT_FALSE(first.started);
    for (const auto& entry : first.env) {
        EXPECT_EQ(entry.find("s3cr3t"), std::string::npos) << entry;
    }
    EXPECT_EQ(calls[1].args, (std::vector<std::string>{"--check"}));
    EXPECT_EQ(calls[1].cwd, std::nullopt);
    EXPECT_EQ(calls[1].timeout, std::nullopt);
    EXPECT_TRUE(calls[2].started);

    recorder.clear();
    EXPECT_TRUE(recorder.invocations().empty());
}

TEST(RecordingRunner, RecordsEvenWhenTheInnerRunnerThrows) {
    ScriptedRunner empty;
    RecordingRunner recorder(empty);
    EXPECT_THROW(recorder.output_string(Command("nothing")), Error);
    ASSERT_EQ(recorder.invocations().size(), 1u);
    EXPECT_EQ(recorder.invocations()[0].program, "nothing");
}

TEST(RecordingRunner, IsThreadSafe) {
    ScriptedRunner scripted;
    scripted.on_prefix("job", {}, Reply::success());
    RecordingRunner recorder(scripted);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) {
                recorder.output_string(Command("job").arg(std::to_string(t)));
            }
        });
    }
    for (auto& t : threads) {
        t.join();
    }
    const auto calls = recorder.invocations();
    ASSERT_EQ(calls.size(), 100u);
    std::array<int, 4> per_thread{};
    for (const auto& c : calls) {
        ++per_thread.at(static_cast<std::size_t>(std::stoi(c.args.at(0))));
    }
    EXPECT_EQ(per_thread, (std::array<int, 4>{25, 25, 25, 25}));
}

} // namespace
} // namespace processkit
