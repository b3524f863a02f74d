// Pipelines on Windows: anonymous pipes between the stages, one job for the
// whole pipeline, the blocking and Asio adapters, under Wine.
#include "processkit/asio/pipeline.hpp"
#include "processkit/blocking/pipeline.hpp"
#include "test_support.hpp"

#include <asio/io_context.hpp>
#include <gtest/gtest.h>
#include <stop_token>
#include <thread>

namespace processkit {
namespace {

using test::child;

TEST(WindowsPipeline, StagesPassTheirOutputOn) {
    Pipeline p(child({"lines", "2000"}));
    p.add(child({"cat"})).add(child({"cat"}));
    const PipelineResult r = output_string(p);
    EXPECT_TRUE(r.success());
    ASSERT_EQ(r.stages.size(), 3U);
    std::string expected;
    for (int i = 0; i < 2000; ++i) {
        expected += "line " + std::to_string(i) + "\n";
    }
    EXPECT_EQ(r.stdout_text(), expected);
}

TEST(WindowsPipeline, TheFailingStageIsBlamed) {
    Pipeline p(child({"lines", "10"}));
    p.add(child({"exit", "5"})).add(child({"cat"}));
    const PipelineResult r = output_string(p);
    EXPECT_FALSE(r.success());
    EXPECT_EQ(r.failed_stage(), std::optional<std::size_t>(1));
    EXPECT_EQ(r.stages[1].result.status, ExitStatus::exited(5));
}

TEST(WindowsPipeline, ATimeoutTearsTheWholePipelineDown) {
    Pipeline p(child({"grandchild", "600000"}));
    p.add(child({"cat"}));
    p.timeout(std::chrono::milliseconds(300));
    const PipelineResult r = output_string(p);
    EXPECT_TRUE(r.timed_out());
    const std::string line = r.stdout_text();
    ASSERT_EQ(line.rfind("grandchild ", 0), 0U) << line;
    EXPECT_TRUE(test::ended(std::stoi(line.substr(11)), 5000));
}

TEST(WindowsPipeline, CancelledThroughItsStopToken) {
    std::stop_source stop;
    Pipeline p(child({"sleep", "600000"}));
    p.add(child({"cat"}));
    PipelineOptions o;
    o.stop = stop.get_token();
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        stop.request_stop();
    });
    const PipelineResult r = output_string(p, o);
    canceller.join();
    EXPECT_TRUE(r.cancelled());
}

TEST(WindowsPipeline, OnAnAsioContext) {
    ::asio::io_context io;
    Pipeline p(child({"lines", "3"}));
    p.add(child({"cat"}));
    std::optional<PipelineResult> got;
    processkit::asio::async_output_string(io, p, [&](std::error_code ec, PipelineResult r) {
        EXPECT_FALSE(ec) << ec.message();
        got = std::move(r);
    });
    io.run();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->stdout_text(), "line 0\nline 1\nline 2\n");
}

} // namespace
} // namespace processkit
