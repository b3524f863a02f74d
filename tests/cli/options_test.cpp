#include "durations.hpp"
#include "options.hpp"

#include <gtest/gtest.h>

using namespace std::chrono_literals;
using Args = std::vector<std::string>;

TEST(RunRequest, Defaults) {
    const auto o = pk::parse_run_request({"prog"});
    EXPECT_EQ(o.program, "prog");
    EXPECT_TRUE(o.args.empty());
    EXPECT_FALSE(o.timeout);
    EXPECT_EQ(o.grace, 2s);
    EXPECT_EQ(o.signal, processkit::Signal::term());
    EXPECT_EQ(o.sample_every, 100ms);
    EXPECT_FALSE(o.json);
    EXPECT_FALSE(o.mechanism);
    EXPECT_FALSE(o.limits.any());
}

TEST(RunRequest, OptionsStopAtProgram) {
    const auto o = pk::parse_run_request({"--timeout", "5s", "ls", "-l", "--json"});
    EXPECT_EQ(o.timeout, 5s);
    EXPECT_FALSE(o.json);
    EXPECT_EQ(o.program, "ls");
    EXPECT_EQ(o.args, (Args{"-l", "--json"}));
}

TEST(RunRequest, DoubleDashEndsOptions) {
    const auto o = pk::parse_run_request({"--json", "--", "--weird", "x"});
    EXPECT_TRUE(o.json);
    EXPECT_EQ(o.program, "--weird");
    EXPECT_EQ(o.args, (Args{"x"}));
}

TEST(RunRequest, EveryOption) {
    const auto o = pk::parse_run_request(
        {"--timeout=1m", "--grace",      "0s",      "--signal",    "INT",       "--json",
         "--max-output", "1K",           "--keep",  "tail",        "--profile", "--sample-every",
         "10ms",         "--stats-out",  "s.jsonl", "--plot",      "p.svg",     "--mechanism",
         "pgroup",       "--memory-max", "64M",     "--pids-max",  "10",        "--cpu-max",
         "0.5",          "--cwd",        "/tmp",    "--env",       "A=1=2",     "--env",
         "B=",           "--unset",      "C",       "--env-clear", "--stdin",   "in.txt",
         "prog"});
    EXPECT_EQ(o.timeout, 60s);
    EXPECT_EQ(o.grace, 0s);
    EXPECT_EQ(o.signal, processkit::Signal::interrupt());
    EXPECT_TRUE(o.json);
    EXPECT_EQ(o.max_output, 1024u);
    EXPECT_EQ(o.keep_tail, true);
    EXPECT_TRUE(o.profile);
    EXPECT_EQ(o.sample_every, 10ms);
    EXPECT_EQ(o.stats_out, "s.jsonl");
    EXPECT_EQ(o.plot, "p.svg");
    EXPECT_EQ(o.mechanism, processkit::Mechanism::ProcessGroup);
    EXPECT_EQ(o.limits.memory_max_bytes, 64u * 1024 * 1024);
    EXPECT_EQ(o.limits.max_processes, 10u);
    EXPECT_EQ(o.limits.cpu_quota, 0.5);
    EXPECT_EQ(o.cwd, "/tmp");
    ASSERT_EQ(o.env.size(), 2u);
    EXPECT_EQ(o.env[0], (std::pair<std::string, std::string>{"A", "1=2"}));
    EXPECT_EQ(o.env[1], (std::pair<std::string, std::string>{"B", ""}));
    EXPECT_EQ(o.unset, (Args{"C"}));
    EXPECT_TRUE(o.env_clear);
    EXPECT_EQ(o.stdin_file, "in.txt");
}

TEST(RunRequest, StatusLineAndQuiet) {
    EXPECT_FALSE(pk::parse_run_request({"p"}).status); // auto: see status_choice.hpp
    EXPECT_FALSE(pk::parse_run_request({"p"}).quiet);
    EXPECT_EQ(pk::parse_run_request({"--status", "p"}).status, true);
    EXPECT_EQ(pk::parse_run_request({"--no-status", "p"}).status, false);
    // The last one given wins (an alias or a script may add one).
    EXPECT_EQ(pk::parse_run_request({"--no-status", "--status", "p"}).status, true);
    EXPECT_EQ(pk::parse_run_request({"--status", "--no-status", "p"}).status, false);
    EXPECT_TRUE(pk::parse_run_request({"--quiet", "p"}).quiet);
    EXPECT_THROW(pk::parse_run_request({"--status=on", "p"}), pk::UsageError);
    EXPECT_THROW(pk::parse_run_request({"--quiet=1", "p"}), pk::UsageError);
}

TEST(RunRequest, OutputCapDefaultsToTheTailOf64MiB) {
    const auto d = pk::parse_run_request({"--json", "p"});
    EXPECT_EQ(d.output_cap(), 64u << 20);
    EXPECT_TRUE(d.keeps_tail());
    // An explicit cap keeps its documented default, the head.
    const auto n = pk::parse_run_request({"--json", "--max-output", "1K", "p"});
    EXPECT_EQ(n.output_cap(), 1024u);
    EXPECT_FALSE(n.keeps_tail());
    EXPECT_TRUE(pk::parse_run_request({"--json", "--max-output", "1K", "--keep", "tail", "p"})
                    .keeps_tail());
    EXPECT_FALSE(pk::parse_run_request({"--json", "--keep", "head", "p"}).keeps_tail());
    const auto u = pk::parse_run_request({"--json", "--max-output", "unlimited", "p"});
    EXPECT_EQ(u.output_cap(), 0u);
    EXPECT_THROW(pk::parse_run_request({"--json", "--max-output", "0", "p"}), pk::UsageError);
}

TEST(RunRequest, UsageErrorsNeverShowEnvironmentValues) {
    struct Case {
        Args args;
        std::vector<std::string> named;
    };
    const std::vector<Case> cases = {
        {{"--env", "secretvalue", "p"}, {"--env"}},
        {{"--env=secretvalue", "p"}, {"--env"}},
        {{"--env", "=secretvalue", "p"}, {"--env"}},
        {{"--unset", "API_KEY=secretvalue", "p"}, {"--unset", "API_KEY"}},
        {{"--unset", "=secretvalue", "p"}, {"--unset"}},
    };
    for (const auto& c : cases) {
        try {
            pk::parse_run_request(c.args);
            ADD_FAILURE() << c.args[0] << " accepted";
        } catch (const pk::UsageError& e) {
            const std::string what = e.what();
            EXPECT_EQ(what.find("secret"), std::string::npos) << what;
            for (const auto& word : c.named) {
                EXPECT_NE(what.find(word), std::string::npos) << word << " not in " << what;
            }
        }
    }
}

TEST(RunRequest, SignalsByNameOrNumber) {
    EXPECT_EQ(pk::parse_run_request({"--signal", "9", "p"}).signal, processkit::Signal::number(9));
    EXPECT_EQ(pk::parse_run_request({"--signal", "SIGHUP", "p"}).signal,
              processkit::Signal::hangup());
}

TEST(RunRequest, Mistakes) {
    const std::vector<Args> bad = {
        {},
        {"--json"},
        {"--"},
        {"--bogus", "p"},
        {"-x", "p"},
        {"--timeout"},
        {"--timeout", "5", "p"},
        {"--timeout", "0s", "p"},
        {"--json=yes", "p"},
        {"--signal", "NOPE", "p"},
        {"--signal", "0", "p"},
        {"--mechanism", "docker", "p"},
        {"--keep", "middle", "p"},
        {"--max-output", "1K", "p"}, // without --json
        {"--env", "NOEQUALS", "p"},
        {"--env", "=v", "p"},
        {"--unset", "A=B", "p"},
        {"--pids-max", "0", "p"},
        {"--sample-every", "0ms", "p"},
        {""},
    };
    for (const auto& args : bad) {
        std::string joined;
        for (const auto& a : args) {
            joined += a + " ";
        }
        EXPECT_THROW(pk::parse_run_request(args), pk::UsageError) << joined;
    }
}

TEST(RunRequest, HelpListsEveryOptionWithItsDefault) {
    const std::string help = pk::run_help();
    for (const char* opt :
         {"--timeout", "--grace", "--signal", "--json", "--max-output", "--keep", "--profile",
          "--sample-every", "--stats-out", "--plot", "--mechanism", "--memory-max", "--pids-max",
          "--cpu-max", "--cwd", "--env", "--unset", "--env-clear", "--stdin"}) {
        const auto at = help.find(std::string("  ") + opt + " ");
        ASSERT_NE(at, std::string::npos) << opt;
        const auto line_end = help.find('\n', help.find('\n', at) + 1);
        EXPECT_NE(help.substr(at, line_end - at).find("(default: "), std::string::npos) << opt;
    }
    EXPECT_TRUE(pk::parse_run_request({"--help"}).help);
}
