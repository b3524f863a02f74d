// The JSON result, the stats lines, the profile text and the SVG chart, from
// hand-made reports.
#include "json_result.hpp"
#include "profile_report.hpp"
#include "svg_plot.hpp"

#include <gtest/gtest.h>

namespace {

pk::RunReport sample_report() {
    pk::RunReport r;
    r.program = "sh";
    r.args = {"-c", "a<b & \"c\""};
    r.mechanism = "cgroup";
    r.exit_code = 0;
    r.duration_ms = 1500;
    r.cpu_ms = 3000;
    r.peak_memory_bytes = 10 * 1024 * 1024;
    r.max_processes = 4;
    r.sample_every = std::chrono::milliseconds(100);
    for (int i = 0; i < 10; ++i) {
        r.series.push_back({i * 100, 4, i * 200, std::uint64_t(i) * 1024 * 1024});
    }
    r.samples = r.series.size();
    r.stdout_text = "out\n";
    return r;
}

} // namespace

TEST(ResultJson, KeysInOrderAndNulls) {
    pk::RunReport r;
    r.program = "p";
    r.mechanism = "pgroup";
    r.signal = 9;
    const std::string j = pk::result_json(r);
    EXPECT_EQ(j, "{\"program\":\"p\",\"args\":[],\"mechanism\":\"pgroup\",\"exit_code\":null,"
                 "\"signal\":9,\"timed_out\":false,\"duration_ms\":0,\"cpu_ms\":null,"
                 "\"peak_memory_bytes\":null,\"max_processes\":null,\"samples\":0,"
                 "\"stdout\":\"\",\"stderr\":\"\",\"stdout_truncated\":false,"
                 "\"stderr_truncated\":false}");
}

TEST(ResultJson, InvalidUtf8InArgumentsBecomesReplacementCharacter) {
    pk::RunReport r;
    r.program = "p";
    r.args = {"a\xff"};
    EXPECT_NE(pk::result_json(r).find("\"a\xef\xbf\xbd\""), std::string::npos);
}

TEST(SampleJson, OneObject) {
    EXPECT_EQ(pk::sample_json({5, 2, std::nullopt, 4096}),
              "{\"t_ms\":5,\"active_process_count\":2,\"cpu_ms\":null,\"memory_bytes\":4096}");
}

TEST(Profile, NamesEveryFigure) {
    const std::string t = pk::profile_text(sample_report());
    for (const char* s :
         {"wall time", "1.500 s", "CPU time", "3.000 s", "average cores", "2.00", "peak memory",
          "10.0 MiB", "peak processes", "4", "samples", "10", "mechanism", "cgroup"}) {
        EXPECT_NE(t.find(s), std::string::npos) << s << "\n" << t;
    }
    pk::RunReport unknown;
    unknown.program = "p";
    EXPECT_NE(pk::profile_text(unknown).find("unknown"), std::string::npos);
}

TEST(Svg, EscapesAndHasBothSeries) {
    const std::string svg = pk::svg_plot(sample_report());
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
    EXPECT_NE(svg.find("a&lt;b &amp; &quot;c&quot;"), std::string::npos);
    EXPECT_EQ(svg.find("a<b"), std::string::npos);
    EXPECT_NE(svg.find("CPU (cores)"), std::string::npos);
    EXPECT_NE(svg.find("memory (MiB)"), std::string::npos);
    EXPECT_NE(svg.find("time (s)"), std::string::npos);
    std::size_t lines = 0;
    for (auto at = svg.find("<polyline"); at != std::string::npos;
         at = svg.find("<polyline", at + 1)) {
        ++lines;
    }
    EXPECT_EQ(lines, 2u);
}

TEST(Svg, NoSamplesStillAChart) {
    pk::RunReport r;
    r.program = "p";
    const std::string svg = pk::svg_plot(r);
    EXPECT_NE(svg.find("no samples"), std::string::npos);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
}
