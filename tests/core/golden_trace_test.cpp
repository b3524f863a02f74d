// Each file in traces/ is a golden trace: inputs with the actions and
// deadlines they must produce. The test replays the inputs and requires the
// transcript to match the file exactly.
#include "trace_format.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <sstream>

namespace {

std::string read_file(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::ostringstream s;
    s << f.rdbuf();
    return s.str();
}

class GoldenTrace : public ::testing::TestWithParam<std::string> {};

TEST_P(GoldenTrace, MatchesItsTranscript) {
    const auto path = std::filesystem::path(PROCESSKIT_TRACE_DIR) / (GetParam() + ".trace");
    const std::string script = read_file(path);
    ASSERT_FALSE(script.empty()) << path;
    EXPECT_EQ(processkit::testing::run_trace(script),
              processkit::testing::expected_transcript(script))
        << "in " << path;
}

std::vector<std::string> trace_names() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(PROCESSKIT_TRACE_DIR)) {
        if (e.path().extension() == ".trace") {
            names.push_back(e.path().stem().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string test_name(const ::testing::TestParamInfo<std::string>& trace) {
    std::string n = trace.param;
    for (auto& c : n) {
        if (!std::isalnum(static_cast<unsigned char>(c))) {
            c = '_';
        }
    }
    return n;
}

INSTANTIATE_TEST_SUITE_P(Traces, GoldenTrace, ::testing::ValuesIn(trace_names()), test_name);

TEST(GoldenTraces, AllRequiredTracesExist) {
    const auto names = trace_names();
    for (const char* required :
         {"normal_exit", "timeout_term_trapped_exits_in_grace",
          "timeout_term_ignored_killed_after_grace", "grandchild_holds_pipe", "cancel_during_grace",
          "spawn_failed", "stats_series_ends_on_failed_sample"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), required), names.end()) << required;
    }
}

} // namespace
