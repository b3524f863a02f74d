// The JSON result, the stats lines, the profile text and the SVG chart, from
// hand-made reports.
#include "json_result.hpp"
#include "processkit/core/utf8.hpp"
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
        r.chart.add({i * 100, 4, i * 200, std::uint64_t(i) * 1024 * 1024});
    }
    r.samples = 10;
    r.stdout_output.append("out\n");
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

TEST(Svg, EscapesAndHasEverySeries) {
    const std::string svg = pk::svg_plot(sample_report());
    EXPECT_EQ(svg.rfind("<?xml", 0), 0u);
    EXPECT_NE(svg.find("a&lt;b &amp; &quot;c&quot;"), std::string::npos);
    EXPECT_EQ(svg.find("a<b"), std::string::npos);
    EXPECT_NE(svg.find("CPU (cores)"), std::string::npos);
    EXPECT_NE(svg.find("memory (MiB)"), std::string::npos);
    EXPECT_NE(svg.find("live processes"), std::string::npos);
    EXPECT_NE(svg.find("time (s)"), std::string::npos);
    std::size_t lines = 0;
    for (auto at = svg.find("<polyline"); at != std::string::npos;
         at = svg.find("<polyline", at + 1)) {
        ++lines;
    }
    EXPECT_EQ(lines, 3u); // CPU, memory, processes
}

TEST(Svg, NoSamplesStillAChart) {
    pk::RunReport r;
    r.program = "p";
    const std::string svg = pk::svg_plot(r);
    EXPECT_NE(svg.find("no samples"), std::string::npos);
    EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

namespace {

/// Well-formed UTF-8 with only the characters XML 1.0 allows.
bool xml_safe(const std::string& s) {
    if (!processkit::is_valid_utf8(s)) {
        return false;
    }
    for (std::size_t i = 0; i < s.size(); ++i) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
            return false;
        }
        if (c == 0xEF && i + 2 < s.size() && s[i + 1] == '\xBF' &&
            (s[i + 2] == '\xBE' || s[i + 2] == '\xBF')) {
            return false; // U+FFFE, U+FFFF
        }
    }
    return true;
}

} // namespace

TEST(XmlText, InvalidBytesAndForbiddenCharactersBecomeReplacementCharacters) {
    EXPECT_EQ(pk::xml_text("a\xff<b\x01\x1b&\"\xef\xbf\xbe\t"),
              "a\xef\xbf\xbd&lt;b\xef\xbf\xbd\xef\xbf\xbd&amp;&quot;\xef\xbf\xbd\t");
    EXPECT_EQ(pk::xml_text("caf\xc3\xa9 \xe2\x82\xac"), "caf\xc3\xa9 \xe2\x82\xac");
}

TEST(XmlText, CutsOnCharacterBoundaries) {
    std::string euros;
    for (int i = 0; i < 50; ++i) {
        euros += "\xe2\x82\xac"; // 3 bytes each
    }
    const std::string cut = pk::xml_text(euros, 10);
    EXPECT_EQ(cut, euros.substr(0, 7 * 3) + "...");
    EXPECT_EQ(pk::xml_text(euros.substr(0, 9), 3), euros.substr(0, 9)); // fits exactly
}

TEST(Svg, TitleOfInvalidAndMultibyteBytesIsWellFormed) {
    pk::RunReport r;
    r.program = "\xff\xfe\x01\x1f";
    for (int i = 0; i < 40; ++i) {
        r.args.push_back("\xe2\x82\xac\xf0\x9f\x98\x80\xc3"); // multibyte, then a cut one
    }
    r.mechanism = "cgroup\x02";
    const std::string svg = pk::svg_plot(r);
    EXPECT_TRUE(xml_safe(svg));
    EXPECT_NE(svg.find("...</title>"), std::string::npos);
}

TEST(Svg, BoundedPointsForALongRun) {
    pk::RunReport r;
    r.program = "p";
    r.mechanism = "cgroup";
    for (std::int64_t i = 0; i < 200000; ++i) {
        r.chart.add({i, 1, i * 2, std::uint64_t(i % 1000) * 1024 * 1024});
    }
    r.samples = 200000;
    r.duration_ms = 200000;
    const std::string svg = pk::svg_plot(r);
    std::size_t commas = 0;
    for (const char c : svg) {
        commas += c == ',' ? 1 : 0;
    }
    EXPECT_LE(commas, 3 * pk::MinMaxDecimator::default_max_points + 10);
    EXPECT_NE(svg.find("200000 samples"), std::string::npos);
}

TEST(Svg, ADayLongRunIsLabelledInHours) {
    pk::RunReport r;
    r.program = "p";
    r.mechanism = "cgroup";
    const std::int64_t day_ms = 24LL * 3600 * 1000;
    for (std::int64_t t = 0; t <= day_ms; t += 1000) { // one sample a second, bounded
        r.chart.add({t, static_cast<std::size_t>(1 + (t / 60000) % 5), t / 2, 1 << 20});
    }
    r.samples = static_cast<std::size_t>(day_ms / 1000 + 1);
    r.duration_ms = day_ms;
    const std::string svg = pk::svg_plot(r);
    EXPECT_NE(svg.find("time (h)"), std::string::npos);
    EXPECT_NE(svg.find(">20</text>"), std::string::npos) << "a tick at 20 h (5 h steps)";
    EXPECT_EQ(svg.find(">86400</text>"), std::string::npos) << "no tick labelled in seconds";
    std::size_t commas = 0;
    for (const char c : svg) {
        commas += c == ',' ? 1 : 0;
    }
    EXPECT_LE(commas, 3 * pk::MinMaxDecimator::default_max_points + 10);
}

TEST(Svg, MinutesBetweenTwoMinutesAndTwoHours) {
    pk::RunReport r;
    r.program = "p";
    r.duration_ms = 30 * 60 * 1000;
    EXPECT_NE(pk::svg_plot(r).find("time (min)"), std::string::npos);
}
