#include "options.hpp"

#include "durations.hpp"

#include <csignal>

#if !defined(SIGRTMAX)
#define SIGRTMAX 64 // Windows: no real-time signals; numbers only name TERM, INT, KILL
#endif
#include <functional>
#include <string_view>

namespace pk {
namespace {

struct OptionSpec {
    std::string_view name;     ///< "--timeout"
    std::string_view value;    ///< metavariable, empty for a flag
    std::string_view help;     ///< one line
    std::string_view defaults; ///< shown as "(default: ...)", empty for none
    std::function<void(RunRequest&, const std::string&)> apply;
};

std::optional<processkit::Mechanism> parse_mechanism_option(const std::string& v) {
    if (v == "auto") {
        return std::nullopt;
    }
    if (v == "cgroup" || v == "cgroup_v2") {
        return processkit::Mechanism::CgroupV2;
    }
    if (v == "pgroup" || v == "process_group") {
        return processkit::Mechanism::ProcessGroup;
    }
    throw UsageError("invalid value '" + v + "' for --mechanism: expected auto, cgroup or pgroup");
}

processkit::Signal parse_signal_option(const std::string& v) {
    auto s = processkit::Signal::parse(v);
    if (s && s->name() == processkit::Signal::Name::Raw &&
        (s->raw_number() < 1 || s->raw_number() > SIGRTMAX)) {
        s.reset();
    }
    if (!s) {
        throw UsageError("invalid value '" + v +
                         "' for --signal: expected a signal name (TERM, INT, HUP, KILL, ...) "
                         "or number");
    }
    return *s;
}

const std::vector<OptionSpec>& specs() {
    using O = RunRequest;
    using S = const std::string&;
    static const std::vector<OptionSpec> table = {
        {"--timeout", "DURATION", "stop the tree after DURATION", "none",
         [](O& o, S v) {
             o.timeout = parse_duration(v, "--timeout");
             if (*o.timeout <= processkit::Duration::zero()) {
                 throw UsageError("invalid value '" + v + "' for --timeout: must be positive");
             }
         }},
        {"--grace", "DURATION", "then kill after DURATION (0s: at once)", "2s",
         [](O& o, S v) { o.grace = parse_duration(v, "--grace"); }},
        {"--signal", "NAME|NUMBER", "stop signal of --timeout", "TERM",
         [](O& o, S v) { o.signal = parse_signal_option(v); }},
        {"--json", "", "capture; print a JSON result", "off", [](O& o, S) { o.json = true; }},
        {"--max-output", "BYTES|unlimited", "keep BYTES per stream (--json)", "64M",
         [](O& o, S v) { o.max_output = v == "unlimited" ? 0 : parse_bytes(v, "--max-output"); }},
        {"--keep", "head|tail", "the part --max-output keeps", "tail; head with BYTES",
         [](O& o, S v) {
             if (v != "head" && v != "tail") {
                 throw UsageError("invalid value '" + v + "' for --keep: expected head or tail");
             }
             o.keep_tail = v == "tail";
         }},
        {"--profile", "", "resource summary on stderr", "off", [](O& o, S) { o.profile = true; }},
        {"--sample-every", "DURATION", "resource sampling interval", "100ms",
         [](O& o, S v) {
             o.sample_every = parse_duration(v, "--sample-every");
             if (o.sample_every < std::chrono::milliseconds(1)) {
                 throw UsageError("invalid value '" + v +
                                  "' for --sample-every: must be at least 1ms");
             }
         }},
        {"--stats-out", "FILE", "one JSON line per sample", "none",
         [](O& o, S v) { o.stats_out = v; }},
        {"--plot", "FILE.svg", "SVG chart of CPU, memory and processes", "none",
         [](O& o, S v) { o.plot = v; }},
        {"--status", "", "live status line on stderr (a terminal only)", "auto, see below",
         [](O& o, S) { o.status = true; }},
        {"--no-status", "", "no live status line", "auto", [](O& o, S) { o.status = false; }},
        {"--quiet", "", "no informational output on stderr (errors still print)", "off",
         [](O& o, S) { o.quiet = true; }},
        {"--mechanism", "auto|cgroup|pgroup", "containment (auto: strongest)", "auto",
         [](O& o, S v) { o.mechanism = parse_mechanism_option(v); }},
        {"--memory-max", "BYTES", "memory limit of the tree", "none",
         [](O& o, S v) { o.limits.memory_max_bytes = parse_bytes(v, "--memory-max"); }},
        {"--pids-max", "N", "process limit of the tree", "none",
         [](O& o, S v) { o.limits.max_processes = parse_count(v, "--pids-max"); }},
        {"--cpu-max", "CORES", "CPU limit of the tree, in cores", "none",
         [](O& o, S v) { o.limits.cpu_quota = parse_cores(v, "--cpu-max"); }},
        {"--cwd", "DIR", "working directory", "pk's", [](O& o, S v) { o.cwd = v; }},
        // The values of --env and --unset may be secrets (S5): their errors
        // name the option and at most the variable's name, never the value.
        {"--env", "NAME=VALUE", "set a variable (repeatable)", "none",
         [](O& o, S v) {
             const auto eq = v.find('=');
             if (eq == std::string::npos) {
                 throw UsageError("invalid value for --env: expected NAME=VALUE, got no '=' "
                                  "(the value is not shown)");
             }
             if (eq == 0) {
                 throw UsageError("invalid value for --env: expected NAME=VALUE, got an empty "
                                  "NAME (the value is not shown)");
             }
             o.env.emplace_back(v.substr(0, eq), v.substr(eq + 1));
         }},
        {"--unset", "NAME", "remove a variable (repeatable)", "none",
         [](O& o, S v) {
             if (v.empty()) {
                 throw UsageError("invalid value for --unset: expected a NAME, got nothing");
             }
             if (const auto eq = v.find('='); eq != std::string::npos) {
                 throw UsageError("invalid value for --unset: expected a NAME without '='" +
                                  (eq == 0 ? std::string()
                                           : ", got NAME '" + v.substr(0, eq) + "' and a value") +
                                  " (the value is not shown)");
             }
             o.unset.push_back(v);
         }},
        {"--env-clear", "", "start from no variables", "off", [](O& o, S) { o.env_clear = true; }},
        {"--require-guard", "", "refuse to run unless the tree dies with pk (exit 125)", "off",
         [](O& o, S) { o.require_guard = true; }},
        {"--stdin", "FILE", "PROGRAM's stdin", "pk's", [](O& o, S v) { o.stdin_file = v; }},
        {"--help", "", "show this help", "", [](O& o, S) { o.help = true; }},
    };
    return table;
}

const OptionSpec* find_spec(std::string_view name) {
    for (const auto& s : specs()) {
        if (s.name == name) {
            return &s;
        }
    }
    return nullptr;
}

} // namespace

RunRequest parse_run_request(const std::vector<std::string>& argv) {
    RunRequest o;
    std::size_t i = 0;
    while (i < argv.size()) {
        const std::string& a = argv[i];
        if (a == "--") {
            ++i;
            break;
        }
        if (a.size() < 2 || a[0] != '-' || a == "-") {
            break; // PROGRAM
        }
        const auto eq = a.find('=');
        const std::string name = a.substr(0, eq);
        const OptionSpec* spec = name.rfind("--", 0) == 0 ? find_spec(name) : nullptr;
        if (spec == nullptr) {
            throw UsageError("unknown option '" + name + "' (see pk run --help)");
        }
        std::string value;
        if (spec->value.empty()) {
            if (eq != std::string::npos) {
                throw UsageError("option " + name + " takes no value");
            }
        } else if (eq != std::string::npos) {
            value = a.substr(eq + 1);
        } else if (i + 1 < argv.size()) {
            value = argv[++i];
        } else {
            throw UsageError("option " + name + " needs a value (" + std::string(spec->value) +
                             ")");
        }
        spec->apply(o, value);
        ++i;
        if (o.help) {
            return o;
        }
    }
    if (i == argv.size()) {
        throw UsageError("missing PROGRAM (usage: pk run [OPTIONS] [--] PROGRAM [ARG...])");
    }
    o.program = argv[i];
    o.args.assign(argv.begin() + static_cast<std::ptrdiff_t>(i) + 1, argv.end());
    if (o.program.empty()) {
        throw UsageError("PROGRAM is an empty string");
    }
    if (o.max_output && !o.json) {
        throw UsageError("--max-output needs --json (without it output is passed through)");
    }
    return o;
}

std::string run_help() {
    std::string out = "Usage: pk run [OPTIONS] [--] PROGRAM [ARG...]\n"
                      "\n"
                      "Runs PROGRAM in a new process group (a cgroup v2 where possible) and\n"
                      "kills whatever it leaves behind when it exits. Without --json, stdin,\n"
                      "stdout and stderr pass through unchanged.\n"
                      "\n"
                      "Options:\n";
    for (const auto& s : specs()) {
        std::string head = "  " + std::string(s.name);
        if (!s.value.empty()) {
            head += " " + std::string(s.value);
        }
        if (head.size() < 34) {
            head.resize(34, ' ');
        } else {
            head += "\n" + std::string(34, ' ');
        }
        std::string line = head + std::string(s.help);
        if (!s.defaults.empty()) {
            const std::string def = "(default: " + std::string(s.defaults) + ")";
            const auto last_line = line.size() - (line.rfind('\n') + 1);
            line +=
                last_line + 1 + def.size() <= 79 ? " " + def : "\n" + std::string(34, ' ') + def;
        }
        out += line + "\n";
    }
    out += "\n"
           "DURATION is a number with ms, s, m or h (500ms, 2s, 1.5m, 1h).\n"
           "BYTES is a number with an optional K, M or G (powers of 1024).\n"
           "Environment options apply in this order: --env-clear, --unset, --env.\n"
           "Limits need cgroup controllers (pk doctor); if they cannot be enforced,\n"
           "pk refuses to run (status 125).\n"
           "Status line (auto): when stderr is a terminal, TERM is not dumb and neither\n"
           "--json nor --quiet is given, one line below PROGRAM's output shows elapsed\n"
           "time, CPU, memory, processes and the --timeout countdown. PROGRAM's output\n"
           "to that terminal then passes through a pseudo-terminal read by pk.\n"
           "\n"
           "Exit status: PROGRAM's exit code; 128+N if it died of signal N or pk\n"
           "received signal N (INT, TERM, HUP); 124 if --timeout fired; 125 if pk\n"
           "itself failed; 126 if PROGRAM is not executable; 127 if not found.\n";
    return out;
}

std::string mechanism_name(processkit::Mechanism m) {
    switch (m) {
    case processkit::Mechanism::CgroupV2:
        return "cgroup";
    case processkit::Mechanism::ProcessGroup:
        return "pgroup";
    default:
        return std::string(processkit::to_string(m));
    }
}

} // namespace pk
