#pragma once
// The command line of `pk run`, parsed into a value. Options come before
// PROGRAM (or before `--`); everything from PROGRAM on belongs to it.

#include "processkit/core/limits.hpp"
#include "processkit/core/mechanism.hpp"
#include "processkit/core/signal.hpp"
#include "processkit/core/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pk {

/// What --json keeps of each stream when --max-output is not given.
inline constexpr std::uint64_t default_max_output = std::uint64_t{64} << 20;

struct RunRequest {
    std::string program;
    std::vector<std::string> args;

    std::optional<processkit::Duration> timeout;
    processkit::Duration grace = std::chrono::seconds(2);
    processkit::Signal signal = processkit::Signal::term();

    bool json = false;
    /// Per stream, with --json. nullopt: default_max_output, keeping the tail
    /// unless --keep says otherwise; 0: unlimited (`--max-output unlimited`).
    std::optional<std::uint64_t> max_output;
    std::optional<bool> keep_tail; ///< --keep; unset: see keeps_tail()

    /// The cap per stream in bytes, 0 for none.
    std::uint64_t output_cap() const { return max_output.value_or(default_max_output); }
    /// --keep if given; else tail for the default cap, head for an explicit one.
    bool keeps_tail() const { return keep_tail.value_or(!max_output.has_value()); }

    bool profile = false;
    processkit::Duration sample_every = std::chrono::milliseconds(100);
    std::optional<std::string> stats_out;
    std::optional<std::string> plot;

    /// --status (true) / --no-status (false), the last one given; unset:
    /// shown on a terminal unless --json, --quiet or TERM=dumb (status_choice.hpp).
    std::optional<bool> status;
    /// --quiet: none of pk's informational output on stderr (the status line);
    /// warnings and errors still print.
    bool quiet = false;

    std::optional<processkit::Mechanism> mechanism; ///< nullopt: auto
    processkit::ResourceLimits limits;

    std::optional<std::string> cwd;
    bool env_clear = false;
    /// --require-guard: an unprotected group (no owner-death guard) is an
    /// error instead of a warning.
    bool require_guard = false;
    std::vector<std::string> unset;
    std::vector<std::pair<std::string, std::string>> env;
    std::optional<std::string> stdin_file;

    bool help = false; ///< --help was given: print run_help() and exit 0
};

/// Parses the arguments after `run`. Throws UsageError.
RunRequest parse_run_request(const std::vector<std::string>& argv);

/// `pk run --help`: every option with its default.
std::string run_help();

/// "cgroup" or "pgroup" (the names --mechanism takes).
std::string mechanism_name(processkit::Mechanism m);

} // namespace pk
