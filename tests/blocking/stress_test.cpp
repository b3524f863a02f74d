// A short stress tier (always) and a longer one (PROCESSKIT_STRESS=1).
#include "marked_test.hpp"
#include "processkit/processkit.hpp"
#include "test_support.hpp"

#include <cstdlib>
#include <gtest/gtest.h>

namespace processkit {
namespace {

int scale() {
    const char* s = std::getenv("PROCESSKIT_STRESS");
    return s != nullptr && *s != '\0' && *s != '0' ? 10 : 1;
}

class Stress : public testing::MarkedTest {
protected:
    Stress()
        : MarkedTest(5000) {}
};

TEST_F(Stress, HundredsOfSequentialRuns) {
    const int n = 200 * scale();
    for (int i = 0; i < n; ++i) {
        const auto r = output_string(sh("echo " + std::to_string(i)));
        ASSERT_EQ(r.stdout_text(), std::to_string(i) + "\n") << "run " << i;
    }
}

TEST_F(Stress, HundredsOfConcurrentRuns) {
    std::vector<Command> commands;
    for (int i = 0; i < 200 * scale(); ++i) {
        commands.push_back(sh("echo " + std::to_string(i) + "; echo e >&2"));
    }
    const auto results = output_all(commands, 50);
    for (std::size_t i = 0; i < results.size(); ++i) {
        ASSERT_EQ(results[i].stdout_text(), std::to_string(i) + "\n");
        ASSERT_EQ(results[i].stderr_text(), "e\n");
    }
}

TEST_F(Stress, LineFloodUnderABoundedPolicy) {
    const int lines = 100000 * scale();
    std::uint64_t handled = 0;
    const auto r = output_string(sh("seq " + std::to_string(lines))
                                     .stdout_policy(BufferPolicy::keep_newest_lines(100))
                                     .on_stdout_line([&](std::string_view) { ++handled; }));
    EXPECT_EQ(handled, static_cast<std::uint64_t>(lines));
    EXPECT_EQ(r.stdout_counters.total_lines, static_cast<std::uint64_t>(lines));
    EXPECT_EQ(r.stdout_counters.dropped_lines, static_cast<std::uint64_t>(lines - 100));
    EXPECT_EQ(r.exit_code(), 0);
}

} // namespace
} // namespace processkit
