#include "processkit/core/signal.hpp"

#include <gtest/gtest.h>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace processkit {
namespace {

const std::vector<std::pair<Signal, std::string>>& named_signals() {
    static const std::vector<std::pair<Signal, std::string>> all{
        {Signal::term(), "TERM"},  {Signal::kill(), "KILL"}, {Signal::interrupt(), "INT"},
        {Signal::hangup(), "HUP"}, {Signal::quit(), "QUIT"}, {Signal::user1(), "USR1"},
        {Signal::user2(), "USR2"}, {Signal::stop(), "STOP"}, {Signal::cont(), "CONT"},
    };
    return all;
}

TEST(Signal, ParseName) {
    EXPECT_EQ(Signal::parse("TERM"), std::optional<Signal>(Signal::term()));
    EXPECT_EQ(Signal::parse("SIGTERM"), std::optional<Signal>(Signal::term()));
    EXPECT_EQ(Signal::parse("term"), std::optional<Signal>(Signal::term()));
    EXPECT_EQ(Signal::parse("sigkill"), std::optional<Signal>(Signal::kill()));
    EXPECT_EQ(Signal::parse("SigInt"), std::optional<Signal>(Signal::interrupt()));
    EXPECT_EQ(Signal::parse("usr1"), std::optional<Signal>(Signal::user1()));
}

TEST(Signal, ParseNumber) {
    auto s = Signal::parse("9");
    ASSERT_TRUE(s.has_value());
    EXPECT_EQ(*s, Signal::number(9));
    EXPECT_EQ(s->name(), Signal::Name::Raw);
    EXPECT_EQ(s->raw_number(), 9);
    // A number stays a number: it is not mapped to a name.
    EXPECT_NE(*s, Signal::kill());
    EXPECT_EQ(Signal::parse("64"), std::optional<Signal>(Signal::number(64)));
}

TEST(Signal, ParseRejects) {
    for (const char* text :
         {"0", "-1", "12x", "", "SIG", "FOO", "SIGFOO", " TERM", "TERM ", "SIG9", "x9", "+9"}) {
        EXPECT_FALSE(Signal::parse(text).has_value()) << "'" << text << "'";
    }
}

TEST(Signal, ParseRejectsOverflow) {
    EXPECT_FALSE(Signal::parse("99999999999999999999").has_value());
}

TEST(Signal, NamedToStringRoundTrip) {
    for (const auto& [signal, text] : named_signals()) {
        EXPECT_EQ(signal.to_string(), text);
        EXPECT_NE(signal.name(), Signal::Name::Raw);
        EXPECT_EQ(Signal::parse(signal.to_string()), std::optional<Signal>(signal)) << text;
        EXPECT_EQ(Signal::parse("SIG" + text), std::optional<Signal>(signal)) << text;
    }
}

TEST(Signal, NamedAreDistinct) {
    const auto& all = named_signals();
    for (std::size_t i = 0; i < all.size(); ++i) {
        for (std::size_t j = 0; j < all.size(); ++j) {
            EXPECT_EQ(all[i].first == all[j].first, i == j) << all[i].second << all[j].second;
        }
    }
}

TEST(Signal, RawToStringIsNumber) {
    EXPECT_EQ(Signal::number(9).to_string(), "9");
    EXPECT_EQ(Signal::number(34).to_string(), "34");
    EXPECT_EQ(Signal::parse(Signal::number(17).to_string()),
              std::optional<Signal>(Signal::number(17)));
}

TEST(Signal, Equality) {
    EXPECT_EQ(Signal::term(), Signal::term());
    EXPECT_NE(Signal::term(), Signal::kill());
    EXPECT_EQ(Signal::number(5), Signal::number(5));
    EXPECT_NE(Signal::number(5), Signal::number(6));
    EXPECT_NE(Signal::number(15), Signal::term());
}

} // namespace
} // namespace processkit
