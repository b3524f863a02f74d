// The cgroup text parsers (os/linux/cgroup_text.hpp) on strings: no cgroup
// file system, no process. Well-formed kernel output, and what a truncated,
// empty or garbled file gives.
#include "cgroup_text.hpp"

#include <cstdint>
#include <gtest/gtest.h>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace text = processkit::os::cgroup_text;
using processkit::ResourceLimits;

constexpr std::uint64_t u64_max = std::numeric_limits<std::uint64_t>::max();

std::vector<std::string> lines_of(std::string_view s) {
    std::vector<std::string> lines;
    text::for_each_line(s, [&](std::string_view line) { lines.emplace_back(line); });
    return lines;
}

std::vector<std::string> fields_of(std::string_view line) {
    std::vector<std::string> fields;
    for (auto f : text::split_spaces(line)) {
        fields.emplace_back(f);
    }
    return fields;
}

using Strings = std::vector<std::string>;

TEST(CgroupText, ParseNumber) {
    EXPECT_EQ(text::parse_number<std::uint64_t>("0"), 0U);
    EXPECT_EQ(text::parse_number<std::uint64_t>("18446744073709551615"), u64_max);
    EXPECT_EQ(text::parse_number<std::uint64_t>("18446744073709551616"), std::nullopt);
    EXPECT_EQ(text::parse_number<std::uint64_t>("99999999999999999999999999"), std::nullopt);
    for (const char* bad : {"", " ", " 1", "1 ", "1\n", "12a", "a12", "-1", "+1", "0x10", "1.5"}) {
        EXPECT_EQ(text::parse_number<std::uint64_t>(bad), std::nullopt) << '"' << bad << '"';
    }
    EXPECT_EQ(text::parse_number<pid_t>("2147483647"), 2147483647);
    EXPECT_EQ(text::parse_number<pid_t>("2147483648"), std::nullopt);
    EXPECT_EQ(text::parse_number<pid_t>("-5"), -5); // signed: callers reject pids <= 0
}

TEST(CgroupText, Lines) {
    EXPECT_EQ(lines_of(""), Strings{});
    EXPECT_EQ(lines_of("a"), Strings{"a"});
    EXPECT_EQ(lines_of("a\n"), Strings{"a"});
    EXPECT_EQ(lines_of("a\nb"), (Strings{"a", "b"}));
    EXPECT_EQ(lines_of("\n\nx\n"), (Strings{"", "", "x"}));
    EXPECT_EQ(lines_of("a\r\nb\r\n"), (Strings{"a\r", "b\r"})); // kernel files have no CR
}

TEST(CgroupText, SplitSpaces) {
    EXPECT_EQ(fields_of(""), Strings{});
    EXPECT_EQ(fields_of("    "), Strings{});
    EXPECT_EQ(fields_of("a"), Strings{"a"});
    EXPECT_EQ(fields_of("  a  b c "), (Strings{"a", "b", "c"}));
    EXPECT_EQ(fields_of("a\tb c"), (Strings{"a\tb", "c"})); // only spaces separate
}

TEST(CgroupText, ControllersHaveToken) {
    const std::string_view controllers = "cpuset cpu io memory hugetlb pids rdma misc\n";
    EXPECT_TRUE(text::has_token(controllers, "cpu"));
    EXPECT_TRUE(text::has_token(controllers, "memory"));
    EXPECT_TRUE(text::has_token(controllers, "misc")); // the last, before the newline
    EXPECT_FALSE(text::has_token(controllers, "mem"));
    EXPECT_FALSE(text::has_token(controllers, "cpu io"));
    EXPECT_FALSE(text::has_token(controllers, ""));
    EXPECT_FALSE(text::has_token("", "memory"));
    EXPECT_FALSE(text::has_token("\n", "memory"));
    EXPECT_FALSE(text::has_token("memorypids\n", "memory"));
    EXPECT_TRUE(text::has_token("memory\n\n", "memory"));
}

TEST(CgroupText, KeyedValue) {
    const std::string_view events = "populated 1\nfrozen 0\n";
    EXPECT_EQ(text::keyed_value(events, "populated"), 1U);
    EXPECT_EQ(text::keyed_value(events, "frozen"), 0U);
    EXPECT_EQ(text::keyed_value(events, "missing"), std::nullopt);
    EXPECT_EQ(text::keyed_value(events, "pop"), std::nullopt);
    EXPECT_EQ(text::keyed_value("", "populated"), std::nullopt);
    EXPECT_EQ(text::keyed_value("populated\n", "populated"), std::nullopt);
    EXPECT_EQ(text::keyed_value("populated \n", "populated"), std::nullopt);
    EXPECT_EQ(text::keyed_value("populated  1\n", "populated"), std::nullopt);
    EXPECT_EQ(text::keyed_value("populated1\n", "populated"), std::nullopt);
    EXPECT_EQ(text::keyed_value("populatedx 1\n", "populated"), std::nullopt);
    EXPECT_EQ(text::keyed_value(" populated 1\n", "populated"), std::nullopt);
    EXPECT_EQ(text::keyed_value("populated -1\n", "populated"), std::nullopt);
    EXPECT_EQ(text::keyed_value("n 18446744073709551615", "n"), u64_max);
    EXPECT_EQ(text::keyed_value("n 18446744073709551616", "n"), std::nullopt);
    // The last line with the key counts, also when it is malformed.
    EXPECT_EQ(text::keyed_value("n 1\nn 2\n", "n"), 2U);
    EXPECT_EQ(text::keyed_value("n 1\nn x\n", "n"), std::nullopt);
}

TEST(CgroupText, EventsPopulated) {
    EXPECT_FALSE(text::populated_in("populated 0\nfrozen 0\n"));
    EXPECT_FALSE(text::populated_in("frozen 1\npopulated 0"));
    EXPECT_TRUE(text::populated_in("populated 1\nfrozen 0\n"));
    EXPECT_TRUE(text::populated_in("populated 2\n"));
    // An unreadable figure counts as populated (callers wait rather than
    // remove too early).
    for (const char* unreadable : {"", "\n", "frozen 0\n", "populated\n", "populated x\n",
                                   "populated 99999999999999999999\n", "\x01\x02garbage"}) {
        EXPECT_TRUE(text::populated_in(unreadable)) << '"' << unreadable << '"';
    }
}

TEST(CgroupText, FreezeSettled) {
    EXPECT_TRUE(text::freeze_settled("populated 1\nfrozen 1\n", true));
    EXPECT_FALSE(text::freeze_settled("populated 1\nfrozen 0\n", true));
    EXPECT_TRUE(text::freeze_settled("populated 1\nfrozen 0\n", false));
    EXPECT_FALSE(text::freeze_settled("populated 1\nfrozen 1\n", false));
    // An empty group has nothing left to freeze or thaw.
    EXPECT_TRUE(text::freeze_settled("populated 0\nfrozen 0\n", true));
    EXPECT_TRUE(text::freeze_settled("populated 0\nfrozen 1\n", false));
    // No frozen line (kernel without the freezer) and populated: not yet.
    EXPECT_FALSE(text::freeze_settled("populated 1\n", true));
    EXPECT_FALSE(text::freeze_settled("", true));
    EXPECT_FALSE(text::freeze_settled("", false));
    EXPECT_FALSE(text::freeze_settled("frozen 2\n", true));
}

TEST(CgroupText, CpuStatUsage) {
    const std::string_view cpu_stat = "usage_usec 1234567\n"
                                      "user_usec 1000000\n"
                                      "system_usec 234567\n"
                                      "core_sched.force_idle_usec 0\n"
                                      "nr_periods 0\n"
                                      "nr_throttled 0\n"
                                      "throttled_usec 0\n";
    EXPECT_EQ(text::cpu_usage_usec(cpu_stat), 1234567U);
    EXPECT_EQ(text::cpu_usage_usec("user_usec 5\nsystem_usec 6\n"), std::nullopt);
    EXPECT_EQ(text::cpu_usage_usec(""), std::nullopt);
    EXPECT_EQ(text::cpu_usage_usec("usage_usec\n"), std::nullopt);
    EXPECT_EQ(text::cpu_usage_usec("usage_usec abc\n"), std::nullopt);
    EXPECT_EQ(text::cpu_usage_usec("nr_usage_usec 5\n"), std::nullopt);
    EXPECT_EQ(text::cpu_usage_usec("usage_usec_total 5\n"), std::nullopt);
    EXPECT_EQ(text::cpu_usage_usec("usage_usec 18446744073709551615\n"), u64_max);
    EXPECT_EQ(text::cpu_usage_usec("usage_usec 18446744073709551616\n"), std::nullopt);
    EXPECT_EQ(text::cpu_usage_usec("usage_usec 12"), 12U); // truncated: no final newline
}

TEST(CgroupText, MemoryValue) {
    EXPECT_EQ(text::single_number("4096\n"), 4096U);
    EXPECT_EQ(text::single_number("4096"), 4096U);
    EXPECT_EQ(text::single_number("4096\n\n"), 4096U);
    EXPECT_EQ(text::single_number("0\n"), 0U);
    EXPECT_EQ(text::single_number("18446744073709551615\n"), u64_max);
    EXPECT_EQ(text::single_number("18446744073709551616\n"), std::nullopt);
    for (const char* bad :
         {"", "\n", "max\n", " 4096\n", "4096 \n", "4096\r\n", "40 96\n", "-1\n", "4096\nmore\n"}) {
        EXPECT_EQ(text::single_number(bad), std::nullopt) << '"' << bad << '"';
    }
}

TEST(CgroupText, Procs) {
    EXPECT_EQ(text::parse_pids("1\n22\n333\n"), (std::vector<pid_t>{1, 22, 333}));
    EXPECT_EQ(text::parse_pids("7"), (std::vector<pid_t>{7}));
    EXPECT_EQ(text::parse_pids(""), std::vector<pid_t>{});
    EXPECT_EQ(text::parse_pids("\n\n"), std::vector<pid_t>{});
    // Lines that are not a pid > 0 are skipped, the rest kept in order.
    EXPECT_EQ(text::parse_pids("0\n-5\nabc\n\n 7\n8 \n2147483648\n99999999999999999999\n42\n5"),
              (std::vector<pid_t>{42, 5}));
    EXPECT_EQ(text::parse_pids("2147483647\n"), (std::vector<pid_t>{2147483647}));
}

TEST(CgroupText, UnescapeOctal) {
    EXPECT_EQ(text::unescape_octal(""), "");
    EXPECT_EQ(text::unescape_octal("/plain/path"), "/plain/path");
    EXPECT_EQ(text::unescape_octal("a\\040b\\011c\\012d\\134e"), "a b\tc\nd\\e");
    EXPECT_EQ(text::unescape_octal("\\"), "\\");
    EXPECT_EQ(text::unescape_octal("x\\04"), "x\\04");   // too short
    EXPECT_EQ(text::unescape_octal("x\\089"), "x\\089"); // not octal
    EXPECT_EQ(text::unescape_octal("\\101\\102"), "AB");
    EXPECT_EQ(text::unescape_octal("\\777"), std::string(1, '\xff')); // low byte of 0777
}

TEST(CgroupText, FindCgroup2MountAndRoot) {
    const auto sub = text::find_cgroup2("70 22 0:38 /some/sub /mnt/sub rw - cgroup2 cgroup2 rw\n");
    ASSERT_TRUE(sub);
    EXPECT_EQ(sub->root, "/some/sub");
    EXPECT_EQ(sub->mount_point, "/mnt/sub");
    // The whole hierarchy wins over an earlier subtree mount.
    const auto whole = text::find_cgroup2("70 22 0:38 /some/sub /mnt/sub rw - cgroup2 cgroup2 rw\n"
                                          "71 22 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n"
                                          "72 22 0:38 / /other rw - cgroup2 cgroup2 rw\n");
    ASSERT_TRUE(whole);
    EXPECT_EQ(whole->root, "/");
    EXPECT_EQ(whole->mount_point, "/sys/fs/cgroup");
    for (const char* bad : {"", "\n", "garbage", "1 2 3 4 5",
                            "71 22 0:38 / /sys/fs/cgroup rw cgroup2 cgroup2 rw\n", // no "-"
                            "71 22 0:38 / /sys/fs/cgroup rw -\n",                  // no type
                            "71 22 0:38 / /sys/fs/cgroup rw - cgroup cgroup rw\n", // v1
                            "- cgroup2 cgroup2 rw\n"}) {
        EXPECT_EQ(text::find_cgroup2(bad).has_value(), false) << '"' << bad << '"';
    }
}

TEST(CgroupText, OwnCgroupDirFromProcText) {
    const std::string_view whole = "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
                                   "29 24 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw\n";
    EXPECT_EQ(text::cgroup_dir_from(whole, "0::/user.slice/x.scope\n"),
              "/sys/fs/cgroup/user.slice/x.scope");
    EXPECT_EQ(text::cgroup_dir_from(whole, "0::/\n"), "/sys/fs/cgroup");
    EXPECT_EQ(text::cgroup_dir_from(whole, "1:cpu:/a\n0::/b\n"), "/sys/fs/cgroup/b");

    // A container that sees only its subtree mounted.
    const std::string_view subtree = "40 30 0:30 /kubepods/pod1 /sys/fs/cgroup rw - cgroup2 c rw\n";
    EXPECT_EQ(text::cgroup_dir_from(subtree, "0::/kubepods/pod1/app\n"), "/sys/fs/cgroup/app");
    EXPECT_EQ(text::cgroup_dir_from(subtree, "0::/kubepods/pod1\n"), "/sys/fs/cgroup");
    // Outside the mounted subtree, or only sharing a name prefix with it.
    EXPECT_EQ(text::cgroup_dir_from(subtree, "0::/kubepods/pod12/app\n"), std::nullopt);
    EXPECT_EQ(text::cgroup_dir_from(subtree, "0::/other\n"), std::nullopt);
    EXPECT_EQ(text::cgroup_dir_from(subtree, "0::/\n"), std::nullopt);

    // Something missing.
    EXPECT_EQ(text::cgroup_dir_from("", "0::/x\n"), std::nullopt);
    EXPECT_EQ(text::cgroup_dir_from(whole, ""), std::nullopt);
    EXPECT_EQ(text::cgroup_dir_from(whole, "1:cpu:/a\n"), std::nullopt);
    EXPECT_EQ(text::cgroup_dir_from(whole, "0::relative\n"), std::nullopt);
    EXPECT_EQ(text::cgroup_dir_from("garbage\n", "garbage\n"), std::nullopt);
}

TEST(CgroupText, JoinPath) {
    EXPECT_EQ(text::join_path("/sys/fs/cgroup", "x"), "/sys/fs/cgroup/x");
    EXPECT_EQ(text::join_path("/sys/fs/cgroup/", "/x/"), "/sys/fs/cgroup/x");
    EXPECT_EQ(text::join_path("/sys/fs/cgroup//", "//x//"), "/sys/fs/cgroup/x");
    EXPECT_EQ(text::join_path("/", "x"), "/x");
    EXPECT_EQ(text::join_path("/", "/"), "/");
    EXPECT_EQ(text::join_path("/a", ""), "/a");
    EXPECT_EQ(text::join_path("/a/", ""), "/a");
    EXPECT_EQ(text::join_path("", "x"), "/x");
    EXPECT_EQ(text::join_path("/a", "b/c"), "/a/b/c");
}

TEST(CgroupText, LimitFiles) {
    EXPECT_TRUE(text::limit_files(ResourceLimits{}).empty());

    ResourceLimits all;
    all.memory_max_bytes = 1ULL << 30;
    all.max_processes = 64;
    all.cpu_quota = 0.5;
    const auto files = text::limit_files(all);
    ASSERT_EQ(files.size(), 3U);
    EXPECT_EQ(files[0].file, "memory.max");
    EXPECT_EQ(files[0].controller, "memory");
    EXPECT_EQ(files[0].limit, "memory limit");
    EXPECT_EQ(files[0].value, "1073741824");
    EXPECT_EQ(files[1].file, "pids.max");
    EXPECT_EQ(files[1].controller, "pids");
    EXPECT_EQ(files[1].value, "64");
    EXPECT_EQ(files[2].file, "cpu.max");
    EXPECT_EQ(files[2].controller, "cpu");
    EXPECT_EQ(files[2].limit, "CPU quota");
    EXPECT_EQ(files[2].value, "50000 100000");

    const auto cpu = [](double cores) {
        ResourceLimits l;
        l.cpu_quota = cores;
        return text::limit_files(l).at(0).value;
    };
    EXPECT_EQ(cpu(2.0), "200000 100000");
    EXPECT_EQ(cpu(0.123456), "12346 100000"); // rounded to a microsecond
    EXPECT_EQ(cpu(0.001), "1000 100000");     // at least 1 ms per period
    EXPECT_EQ(cpu(1e-9), "1000 100000");
    EXPECT_EQ(cpu(1e300), "1000000000000000 100000"); // clamped, never undefined

    ResourceLimits huge;
    huge.memory_max_bytes = u64_max;
    EXPECT_EQ(text::limit_files(huge).at(0).value, "18446744073709551615");
}

} // namespace
