// Each file in pipeline_traces/ is a golden trace of the pipeline machine:
// inputs with the actions and deadlines they must produce (the blame cases).
#include "pipeline_trace.hpp"
#include "trace_format.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
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

std::vector<std::string> trace_names() {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(PROCESSKIT_PIPELINE_TRACE_DIR)) {
        if (e.path().extension() == ".trace") {
            names.push_back(e.path().stem().string());
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

class PipelineGoldenTrace : public ::testing::TestWithParam<std::string> {};

TEST_P(PipelineGoldenTrace, MatchesItsTranscript) {
    const auto path =
        std::filesystem::path(PROCESSKIT_PIPELINE_TRACE_DIR) / (GetParam() + ".trace");
    const std::string script = read_file(path);
    ASSERT_FALSE(script.empty()) << path;
    if (std::getenv("PROCESSKIT_BLESS_TRACES") != nullptr) {
        // Rewrites the file from its inputs: review the diff before committing.
        std::string comments;
        std::istringstream in(script);
        for (std::string line; std::getline(in, line) && line.rfind('#', 0) == 0;) {
            comments += line + '\n';
        }
        std::ofstream(path, std::ios::binary)
            << comments << processkit::testing::run_pipeline_trace(script);
        return;
    }
    EXPECT_EQ(processkit::testing::run_pipeline_trace(script),
              processkit::testing::expected_transcript(script))
        << "in " << path;
}

INSTANTIATE_TEST_SUITE_P(Traces, PipelineGoldenTrace, ::testing::ValuesIn(trace_names()),
                         [](const ::testing::TestParamInfo<std::string>& trace) {
                             std::string n = trace.param;
                             for (auto& c : n) {
                                 if (!std::isalnum(static_cast<unsigned char>(c))) {
                                     c = '_';
                                 }
                             }
                             return n;
                         });

TEST(PipelineGoldenTraces, TheBlameCasesAreCovered) {
    const auto names = trace_names();
    for (const char* required :
         {"all_succeed_sigpipe_of_a_writer_not_blamed", "first_real_failure_blamed_rest_torn_down",
          "simultaneous_failures_blamed_in_stage_order", "sigpipe_of_the_last_stage_blamed",
          "unchecked_stage_and_ok_codes_never_blamed", "timeout_signals_then_kills_after_grace",
          "cancel_twice_kills_at_once", "spawn_failure_kills_started_stages_at_once"}) {
        EXPECT_NE(std::find(names.begin(), names.end(), required), names.end()) << required;
    }
}

} // namespace
