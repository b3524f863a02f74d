// W3: an argv survives the trip through a Windows command line, as the
// child's C runtime and CommandLineToArgvW split it back.
#include "processkit/os/process_group.hpp"
#include "test_support.hpp"

#include <gtest/gtest.h>
#include <random>

namespace processkit {
namespace {

std::string unhex(const std::string& h) {
    std::string s;
    for (std::size_t i = 0; i + 1 < h.size(); i += 2) {
        s.push_back(static_cast<char>(std::stoi(h.substr(i, 2), nullptr, 16)));
    }
    return s;
}

struct Split {
    std::vector<std::string> crt, api;
};

Split round_trip(ProcessGroup& group, const std::vector<std::string>& args) {
    std::vector<std::string> full{"argv"};
    full.insert(full.end(), args.begin(), args.end());
    auto p = group.spawn(test::child(full));
    const std::string out = test::read_all(p.stdout_pipe);
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
    Split s;
    std::size_t at = 0;
    while (at < out.size()) {
        const std::size_t nl = out.find('\n', at);
        const std::string line = out.substr(at, nl - at);
        at = nl == std::string::npos ? out.size() : nl + 1;
        (line.rfind("crt ", 0) == 0 ? s.crt : s.api).push_back(unhex(line.substr(4)));
    }
    return s;
}

TEST(WindowsQuoting, HostileArgumentsRoundTrip) {
    ProcessGroup group;
    const std::vector<std::vector<std::string>> cases{
        {"plain"},
        {""},
        {"", "", ""},
        {"a b", "c\td"},
        {"\"", "\"\"", "\"a\"", "a\"b"},
        {"\\", "\\\\", "a\\", "a\\\\", "a\\\"", "a\\\\\"b", "\\\"\\\""},
        {"C:\\Program Files\\x\\", "trailing\\\\ "},
        {"new\nline", "vt\vx", " leading", "trailing "},
        {"& | < > ^ % ! ( ) ,;=", "$(x) `y` 'z'"},
        {"\xC3\xA9t\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80 emoji"},
        {"--flag=\"quoted value\"", "-x", "/c", "arg with \\\" inside"},
    };
    for (const auto& args : cases) {
        const Split s = round_trip(group, args);
        EXPECT_EQ(s.crt, args) << "C runtime split differs";
        EXPECT_EQ(s.api, args) << "CommandLineToArgvW split differs";
    }
}

TEST(WindowsQuoting, RandomArgumentsOfTheDangerousCharactersRoundTrip) {
    ProcessGroup group;
    std::mt19937 random(20261203);
    const std::string alphabet = "a \t\"\\";
    for (int round = 0; round < 40; ++round) {
        std::vector<std::string> args(1 + random() % 4);
        for (auto& a : args) {
            const std::size_t n = random() % 8;
            for (std::size_t i = 0; i < n; ++i) {
                a.push_back(alphabet[random() % alphabet.size()]);
            }
        }
        const Split s = round_trip(group, args);
        EXPECT_EQ(s.crt, args);
        EXPECT_EQ(s.api, args);
    }
}

} // namespace
} // namespace processkit
