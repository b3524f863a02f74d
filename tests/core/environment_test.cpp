#include "processkit/core/command.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {
namespace {

using Env = std::vector<std::string>;
using Parent = std::vector<std::string_view>;

EnvOp set(std::string name, std::string value) {
    return {EnvOp::Kind::Set, std::move(name), std::move(value), {}};
}
EnvOp remove(std::string name) {
    return {EnvOp::Kind::Remove, std::move(name), {}, {}};
}
EnvOp clear() {
    return {EnvOp::Kind::Clear, {}, {}, {}};
}
EnvOp inherit_only(std::vector<std::string> names) {
    return {EnvOp::Kind::InheritOnly, {}, {}, std::move(names)};
}

TEST(ResolveEnvironment, NoOpsKeepsParentInOrder) {
    const Parent parent{"B=2", "A=1", "C=3"};
    EXPECT_EQ(resolve_environment(parent, {}), (Env{"B=2", "A=1", "C=3"}));
}

TEST(ResolveEnvironment, EmptyParentNoOps) {
    EXPECT_TRUE(resolve_environment({}, {}).empty());
}

TEST(ResolveEnvironment, SetReplacesInPlace) {
    const Parent parent{"A=1", "B=2", "C=3"};
    EXPECT_EQ(resolve_environment(parent, {set("B", "x")}), (Env{"A=1", "B=x", "C=3"}));
}

TEST(ResolveEnvironment, SetAppendsNewName) {
    const Parent parent{"A=1"};
    EXPECT_EQ(resolve_environment(parent, {set("Z", "9"), set("M", "")}),
              (Env{"A=1", "Z=9", "M="}));
}

TEST(ResolveEnvironment, LaterSetOfSameNameReplacesEarlierInPlace) {
    const Parent parent{"A=1"};
    EXPECT_EQ(resolve_environment(parent, {set("X", "1"), set("Y", "2"), set("X", "3")}),
              (Env{"A=1", "X=3", "Y=2"}));
}

TEST(ResolveEnvironment, SetDoesNotMatchPrefixName) {
    const Parent parent{"AB=1"};
    EXPECT_EQ(resolve_environment(parent, {set("A", "2")}), (Env{"AB=1", "A=2"}));
}

TEST(ResolveEnvironment, Remove) {
    const Parent parent{"A=1", "B=2", "C=3"};
    EXPECT_EQ(resolve_environment(parent, {remove("B")}), (Env{"A=1", "C=3"}));
}

TEST(ResolveEnvironment, RemoveMissingIsNoOp) {
    const Parent parent{"A=1", "AB=2"};
    EXPECT_EQ(resolve_environment(parent, {remove("ZZ"), remove("AB=2")}), (Env{"A=1", "AB=2"}));
}

TEST(ResolveEnvironment, ClearThenSet) {
    const Parent parent{"A=1", "B=2"};
    EXPECT_EQ(resolve_environment(parent, {clear(), set("C", "3")}), (Env{"C=3"}));
}

TEST(ResolveEnvironment, SetThenClearIsEmpty) {
    const Parent parent{"A=1", "B=2"};
    EXPECT_TRUE(resolve_environment(parent, {set("C", "3"), clear()}).empty());
}

TEST(ResolveEnvironment, RemoveThenSetAppends) {
    const Parent parent{"A=1", "B=2"};
    EXPECT_EQ(resolve_environment(parent, {remove("A"), set("A", "9")}), (Env{"B=2", "A=9"}));
}

TEST(ResolveEnvironment, InheritOnlyKeepsNamedInParentOrder) {
    const Parent parent{"A=1", "B=2", "C=3", "D=4"};
    EXPECT_EQ(resolve_environment(parent, {inherit_only({"D", "B", "MISSING"})}),
              (Env{"B=2", "D=4"}));
}

TEST(ResolveEnvironment, InheritOnlyEmptyListClears) {
    const Parent parent{"A=1", "B=2"};
    EXPECT_TRUE(resolve_environment(parent, {inherit_only({})}).empty());
}

TEST(ResolveEnvironment, SetAfterInheritOnlyIsKept) {
    const Parent parent{"A=1", "B=2", "C=3"};
    EXPECT_EQ(resolve_environment(parent, {inherit_only({"B"}), set("X", "7")}),
              (Env{"B=2", "X=7"}));
}

TEST(ResolveEnvironment, SetBeforeInheritOnlyIsFilteredUnlessNamed) {
    const Parent parent{"A=1"};
    EXPECT_EQ(resolve_environment(parent, {set("X", "1"), set("Y", "2"), inherit_only({"Y"})}),
              (Env{"Y=2"}));
}

TEST(ResolveEnvironment, ParentDuplicatesKeepFirst) {
    const Parent parent{"A=first", "B=2", "A=second"};
    EXPECT_EQ(resolve_environment(parent, {}), (Env{"A=first", "B=2"}));
}

TEST(ResolveEnvironment, ParentEntriesWithoutEqualsDropped) {
    const Parent parent{"A=1", "GARBAGE", "", "B=2"};
    EXPECT_EQ(resolve_environment(parent, {}), (Env{"A=1", "B=2"}));
}

TEST(ResolveEnvironment, EntryWithoutEqualsDoesNotShadowLaterVariable) {
    const Parent parent{"A", "A=1"};
    EXPECT_EQ(resolve_environment(parent, {}), (Env{"A=1"}));
}

TEST(ResolveEnvironment, ValuesContainingEqualsPreserved) {
    const Parent parent{"OPTS=a=b=c", "EMPTY="};
    EXPECT_EQ(resolve_environment(parent, {set("NEW", "x=y")}),
              (Env{"OPTS=a=b=c", "EMPTY=", "NEW=x=y"}));
    // The name is everything before the first '='.
    EXPECT_EQ(resolve_environment(parent, {set("OPTS", "z")}), (Env{"OPTS=z", "EMPTY="}));
    EXPECT_EQ(resolve_environment(parent, {remove("OPTS")}), (Env{"EMPTY="}));
}

TEST(ResolveEnvironment, OpsApplyInOrder) {
    const Parent parent{"A=1", "B=2", "C=3"};
    const std::vector<EnvOp> ops{set("B", "x"), remove("A"), set("D", "4"),
                                 inherit_only({"B", "D"}), set("A", "again")};
    EXPECT_EQ(resolve_environment(parent, ops), (Env{"B=x", "D=4", "A=again"}));
}

TEST(ResolveEnvironment, CommandOpsResolve) {
    Command c("prog");
    c.env_clear().env("PATH", "/bin").env("HOME", "/root").env_remove("HOME");
    const Parent parent{"PATH=/usr/bin", "USER=me"};
    EXPECT_EQ(resolve_environment(parent, c.env_ops()), (Env{"PATH=/bin"}));
}

TEST(ResolveEnvironment, CaseInsensitiveNamesAreOneVariable) {
    const Parent parent{"Path=C:\\Windows", "TEMP=C:\\Temp", "PATH=shadowed"};
    constexpr auto ci = EnvNames::CaseInsensitive;
    // Of the two spellings in the parent the first wins, as a lookup would.
    EXPECT_EQ(resolve_environment(parent, {}, ci), (Env{"Path=C:\\Windows", "TEMP=C:\\Temp"}));
    // A Set replaces in place and keeps the spelling it was given.
    EXPECT_EQ(resolve_environment(parent, {set("PATH", "x")}, ci),
              (Env{"PATH=x", "TEMP=C:\\Temp"}));
    EXPECT_EQ(resolve_environment(parent, {remove("temp")}, ci), (Env{"Path=C:\\Windows"}));
    EXPECT_EQ(resolve_environment(parent, {inherit_only({"tEmP"})}, ci), (Env{"TEMP=C:\\Temp"}));
    // Case-sensitive resolution keeps them apart.
    EXPECT_EQ(resolve_environment(parent, {remove("temp")}),
              (Env{"Path=C:\\Windows", "TEMP=C:\\Temp", "PATH=shadowed"}));
}

TEST(ResolveEnvironment, WindowsDriveVariablesKeepTheirLeadingEquals) {
    const Parent parent{"=C:=C:\\dir", "=D:=D:\\", "A=1"};
    constexpr auto ci = EnvNames::CaseInsensitive;
    EXPECT_EQ(resolve_environment(parent, {}, ci), (Env{"=C:=C:\\dir", "=D:=D:\\", "A=1"}));
    EXPECT_EQ(resolve_environment(parent, {remove("=c:")}, ci), (Env{"=D:=D:\\", "A=1"}));
}

} // namespace
} // namespace processkit
