// Where a program name is looked for on Windows (pure: no file system).
#include "processkit/os/windows/spawn.hpp"

#include <gtest/gtest.h>

namespace processkit::os {
namespace {

using V = std::vector<std::string>;

TEST(ProgramCandidates, BareNameTriesEachPathDirectoryWithEachExtensionThenSystemDirs) {
    EXPECT_EQ(program_candidates("tool", std::string("C:\\a;D:\\b\\"), std::string(".EXE;.CMD"),
                                 {"C:\\Windows\\system32"}),
              (V{"C:\\a\\tool.EXE", "C:\\a\\tool.CMD", "D:\\b\\tool.EXE", "D:\\b\\tool.CMD",
                 "C:\\Windows\\system32\\tool.EXE", "C:\\Windows\\system32\\tool.CMD"}));
}

TEST(ProgramCandidates, NameWithExtensionIsTriedAsItIsFirst) {
    EXPECT_EQ(program_candidates("run.bat", std::string("C:\\a"), std::string(".EXE"), {}),
              (V{"C:\\a\\run.bat", "C:\\a\\run.bat.EXE"}));
}

TEST(ProgramCandidates, PathsAreTriedAsGivenNeverSearched) {
    EXPECT_EQ(program_candidates("C:\\x\\tool.exe", std::string("C:\\a"), std::nullopt, {"S"}),
              (V{"C:\\x\\tool.exe", "C:\\x\\tool.exe.COM", "C:\\x\\tool.exe.EXE",
                 "C:\\x\\tool.exe.BAT", "C:\\x\\tool.exe.CMD"}));
    EXPECT_EQ(program_candidates("sub/tool", std::nullopt, std::string(".EXE"), {"S"}),
              (V{"sub/tool.EXE"}));
    EXPECT_EQ(program_candidates("D:tool", std::nullopt, std::string(".EXE"), {"S"}),
              (V{"D:tool.EXE"}));
}

TEST(ProgramCandidates, EmptyAndQuotedPathEntriesNeverMeanTheCurrentDirectory) {
    EXPECT_EQ(program_candidates("t", std::string(";\"C:\\Program Files\\x\";;"),
                                 std::string(".EXE"), {}),
              (V{"C:\\Program Files\\x\\t.EXE"}));
    EXPECT_TRUE(program_candidates("t", std::string(""), std::string(".EXE"), {}).empty());
}

TEST(ProgramCandidates, DefaultPathextAndNoDuplicates) {
    EXPECT_EQ(program_candidates("t", std::string("C:\\s"), std::nullopt, {"C:\\s"}),
              (V{"C:\\s\\t.COM", "C:\\s\\t.EXE", "C:\\s\\t.BAT", "C:\\s\\t.CMD"}));
}

} // namespace
} // namespace processkit::os
