// The kernel release parser (os/linux/kernel_release.hpp) on strings, and the
// running kernel against what uname says.
#include "kernel_release.hpp"

#include <gtest/gtest.h>
#include <sys/utsname.h>
#include <tuple>

namespace {

namespace release = processkit::os::kernel_release;

TEST(KernelRelease, ParsesTheMajorAndMinorOfDistributionReleases) {
    for (const auto& [text, major, minor] : {
             std::tuple{"6.18.0-1-amd64", 6, 18},
             std::tuple{"6.1.0-28-cloud-amd64", 6, 1},
             std::tuple{"5.15.167.4-microsoft-standard-WSL2", 5, 15},
             std::tuple{"6.15", 6, 15},
             std::tuple{"4.19.0+", 4, 19},
             std::tuple{"10.0.0-rc1", 10, 0},
         }) {
        const auto v = release::parse(text);
        ASSERT_TRUE(v.has_value()) << text;
        EXPECT_EQ(v->major, major) << text;
        EXPECT_EQ(v->minor, minor) << text;
    }
}

TEST(KernelRelease, RejectsWhatIsNotMajorDotMinor) {
    for (const char* text : {"", "6", "6.", ".18", "six.18", "6-18", "6.x", "99999999999.1"}) {
        EXPECT_FALSE(release::parse(text).has_value()) << '"' << text << '"';
    }
}

TEST(KernelRelease, AtLeastAgreesWithUname) {
    utsname name{};
    ASSERT_EQ(::uname(&name), 0);
    const auto v = release::parse(name.release);
    ASSERT_TRUE(v.has_value()) << name.release;
    EXPECT_TRUE(release::at_least(v->major, v->minor));
    EXPECT_TRUE(release::at_least(v->major, 0));
    EXPECT_TRUE(release::at_least(v->major - 1, 99));
    EXPECT_FALSE(release::at_least(v->major, v->minor + 1));
    EXPECT_FALSE(release::at_least(v->major + 1, 0));
}

} // namespace
