// The pipeline machine's protocol checks (the behaviour is in pipeline_traces/).
#include "processkit/core/pipeline_machine.hpp"

#include <gtest/gtest.h>
#include <stdexcept>

namespace processkit {
namespace {

using namespace std::chrono_literals;
const TimePoint t0 = TimePoint{} + 1h;

Pipeline two_stages() {
    return Command("a") | Command("b");
}

std::vector<PipelineAction> drain(PipelineMachine& m) {
    std::vector<PipelineAction> out;
    while (auto a = m.poll_action()) {
        out.push_back(std::move(*a));
    }
    return out;
}

TEST(PipelineMachine, RejectsInputsThatContradictTheProtocol) {
    PipelineMachine m(two_stages());
    EXPECT_THROW(m.handle(t0, pipeline_input::StageSpawned{0}), std::logic_error);
    m.handle(t0, pipeline_input::Start{});
    EXPECT_THROW(m.handle(t0, pipeline_input::Start{}), std::logic_error);
    EXPECT_THROW(m.handle(t0, pipeline_input::StageSpawned{1}), std::logic_error)
        << "stages spawn in order";
    EXPECT_THROW(m.handle(t0, pipeline_input::StageSpawned{7}), std::logic_error);
    m.handle(t0, pipeline_input::StageSpawned{0});
    EXPECT_THROW(m.handle(t0, pipeline_input::StageFinished{1, {}}), std::logic_error)
        << "stage 1 was not spawned";
    EXPECT_THROW(m.handle(t0, pipeline_input::ExitsCollected{}), std::logic_error);
}

TEST(PipelineMachine, ExactlyOneFinishedAndNothingAfterIt) {
    PipelineMachine m(two_stages());
    m.handle(t0, pipeline_input::Start{});
    m.handle(t0, pipeline_input::StageSpawned{0});
    m.handle(t0, pipeline_input::StageSpawned{1});
    ProcessResult ok;
    ok.status = ExitStatus::exited(0);
    ok.outcome = Outcome::exited(0);
    m.handle(t0 + 1ms, pipeline_input::StageFinished{0, ok});
    m.handle(t0 + 2ms, pipeline_input::StageFinished{1, ok});
    auto actions = drain(m);
    ASSERT_FALSE(actions.empty());
    ASSERT_TRUE(std::holds_alternative<pipeline_action::Finished>(actions.back()));
    EXPECT_TRUE(std::get<pipeline_action::Finished>(actions.back()).result.success());
    EXPECT_TRUE(m.finished());
    m.handle(t0 + 3ms, pipeline_input::Cancel{});
    m.handle(t0 + 3ms, pipeline_input::StageFinished{1, ok}); // ignored, not thrown
    EXPECT_TRUE(drain(m).empty());
    EXPECT_EQ(m.next_deadline(), std::nullopt);
}

TEST(PipelineMachine, TheTimeoutIsMeasuredFromTheStart) {
    PipelineMachine m((Command("a") | Command("b")).timeout(2s));
    m.handle(t0, pipeline_input::Start{});
    EXPECT_EQ(m.next_deadline(), t0 + 2s);
}

} // namespace
} // namespace processkit
