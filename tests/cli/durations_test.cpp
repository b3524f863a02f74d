#include "durations.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;

TEST(Durations, ParsesEveryUnit) {
    EXPECT_EQ(pk::parse_duration("500ms", "--t"), 500ms);
    EXPECT_EQ(pk::parse_duration("2s", "--t"), 2s);
    EXPECT_EQ(pk::parse_duration("1.5s", "--t"), 1500ms);
    EXPECT_EQ(pk::parse_duration("1.5m", "--t"), 90s);
    EXPECT_EQ(pk::parse_duration("1h", "--t"), 3600s);
    EXPECT_EQ(pk::parse_duration("0s", "--t"), 0s);
    EXPECT_EQ(pk::parse_duration(".5s", "--t"), 500ms);
}

TEST(Durations, RejectsWithTheOptionAndValueNamed) {
    for (const char* bad : {"", "5", "s", "-1s", "1x", "1 s", "1.s.", "1e3s", "2sec", "1..5s"}) {
        try {
            pk::parse_duration(bad, "--timeout");
            ADD_FAILURE() << "accepted '" << bad << "'";
        } catch (const pk::UsageError& e) {
            EXPECT_NE(std::string(e.what()).find("--timeout"), std::string::npos) << e.what();
            EXPECT_NE(std::string(e.what()).find("'" + std::string(bad) + "'"), std::string::npos);
            EXPECT_EQ(e.exit_status(), 125);
        }
    }
    EXPECT_THROW(pk::parse_duration("999999999h", "--t"), pk::UsageError);
}

TEST(Bytes, PowersOf1024) {
    EXPECT_EQ(pk::parse_bytes("1", "--b"), 1u);
    EXPECT_EQ(pk::parse_bytes("1024", "--b"), 1024u);
    EXPECT_EQ(pk::parse_bytes("1K", "--b"), 1024u);
    EXPECT_EQ(pk::parse_bytes("64M", "--b"), 64u * 1024 * 1024);
    EXPECT_EQ(pk::parse_bytes("2G", "--b"), 2ull * 1024 * 1024 * 1024);
    EXPECT_EQ(pk::parse_bytes("1.5K", "--b"), 1536u);
    EXPECT_EQ(pk::parse_bytes("1k", "--b"), 1024u);
}

TEST(Bytes, Rejects) {
    for (const char* bad : {"", "0", "K", "-1", "1KB", "1T", "1.5.K", "abc", "0.1"}) {
        EXPECT_THROW(pk::parse_bytes(bad, "--max-output"), pk::UsageError) << bad;
    }
}

TEST(Counts, PositiveWholeNumbers) {
    EXPECT_EQ(pk::parse_count("1", "--n"), 1u);
    EXPECT_EQ(pk::parse_count("4096", "--n"), 4096u);
    for (const char* bad : {"", "0", "-1", "1.5", "1x", " 1", "99999999999999999999999"}) {
        EXPECT_THROW(pk::parse_count(bad, "--pids-max"), pk::UsageError) << bad;
    }
}

TEST(Cores, PositiveNumbers) {
    EXPECT_DOUBLE_EQ(pk::parse_cores("0.5", "--c"), 0.5);
    EXPECT_DOUBLE_EQ(pk::parse_cores("2", "--c"), 2.0);
    for (const char* bad : {"", "0", "-1", "1c", "nan", "inf"}) {
        EXPECT_THROW(pk::parse_cores(bad, "--cpu-max"), pk::UsageError) << bad;
    }
}

TEST(Format, ForHumans) {
    EXPECT_EQ(pk::format_duration(250ms), "250 ms");
    EXPECT_EQ(pk::format_duration(1234ms), "1.234 s");
    EXPECT_EQ(pk::format_bytes(512), "512 B");
    EXPECT_EQ(pk::format_bytes(1536), "1.5 KiB");
    EXPECT_EQ(pk::format_bytes(5ull * 1024 * 1024), "5.0 MiB");
}
