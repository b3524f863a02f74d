// The example of docs/testing.md, compiled and run.
#include "processkit/testing/scripted_runner.hpp"

#include <gtest/gtest.h>

namespace {

using namespace std::chrono_literals;

std::string current_branch(processkit::Runner& runner) {
    return runner.run(processkit::Command("git").args({"rev-parse", "--abbrev-ref", "HEAD"}));
}

bool build_passes(processkit::Runner& runner) {
    auto r = runner.output_string(processkit::Command("make").arg("test").timeout(10min));
    return r.success();
}

TEST(Git, BranchAndBuild) {
    using processkit::Reply;
    processkit::ScriptedRunner runner;
    runner.on("git", {"rev-parse", "--abbrev-ref", "HEAD"}, Reply::success("main\n"))
        .on_prefix("make", {}, Reply::timeout("compiling...\n"));
    EXPECT_EQ(current_branch(runner), "main");
    EXPECT_FALSE(build_passes(runner)); // timed out after "10 minutes", at once
}

} // namespace
