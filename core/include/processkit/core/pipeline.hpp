#pragma once
// Pipelines (P1): `a | b | c` without a shell. A Pipeline is a value (its
// stages and the pipeline-wide timeout); a PipelineResult is what a run of it
// produced, and the blame rules that pick the failure to report live here, as
// pure functions, so every reactor reports alike.
//
// Blame, in order of precedence:
//   1. the pipeline was cancelled, or its timeout fired, before any stage
//      failed: Cancelled / Timeout (stages killed by that teardown are not blamed);
//   2. otherwise the first stage, in stage order, that really failed: it failed
//      to spawn, or it is checked and ended with a status its Command does not
//      accept — except a SIGPIPE death (signal or exit 128 + SIGPIPE) of a stage
//      that is not the last, which only means a later stage stopped reading,
//      and except a stage that ended after the teardown had begun.
//
// Thread-safety: value types and pure functions.

#include "processkit/core/answers.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/signal.hpp"
#include "processkit/core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace processkit {

class PROCESSKIT_CORE_EXPORT Pipeline {
public:
    struct Stage {
        Command command;
        /// False: the stage's exit status is never blamed.
        bool checked = true;
    };

    Pipeline() = default;
    explicit Pipeline(Command first);

    /// Appends a stage reading the previous stage's stdout.
    Pipeline& add(Command next);
    /// Appends a stage whose exit status is never blamed.
    Pipeline& add_unchecked(Command next);
    /// Marks stage `index` (0-based) checked or not; throws InvalidArgument
    /// for an index past the end.
    Pipeline& checked(std::size_t index, bool on);

    /// Measured from the first spawn. At the deadline the timeout signal goes
    /// to the whole pipeline, then after the grace everything is killed.
    Pipeline& timeout(Duration d);
    Pipeline& no_timeout();
    /// Also the grace given after a stage failed, before the rest is killed.
    /// Zero: kill at once, without a signal first.
    Pipeline& grace(Duration d);
    Pipeline& timeout_signal(Signal s);

    const std::vector<Stage>& stages() const { return stages_; }
    std::size_t size() const { return stages_.size(); }
    const std::optional<Duration>& timeout() const { return timeout_; }
    Duration grace() const { return grace_; }
    Signal timeout_signal() const { return timeout_signal_; }

    /// The program names joined by " | " (arguments never shown).
    std::string programs() const;
    /// The pipeline as a shell would need it typed (display only).
    std::string command_line() const;

    /// Checks what can be checked without the OS: at least one stage, each
    /// Command valid, no per-stage timeout (the pipeline's governs), an
    /// interactive stdin nowhere, no stdin source on a later stage, and the
    /// default (captured) stdout on every stage but the last. Returns the
    /// first problem as an InvalidArgument error naming the stage.
    std::optional<Error> validate() const;

private:
    std::vector<Stage> stages_;
    std::optional<Duration> timeout_;
    Duration grace_ = Command::default_grace;
    Signal timeout_signal_ = Signal::term();
};

/// `Command("yes") | Command("head").args({"-n", "3"})`
PROCESSKIT_CORE_EXPORT Pipeline operator|(Command a, Command b);
PROCESSKIT_CORE_EXPORT Pipeline operator|(Pipeline p, Command next);

/// Why the pipeline began tearing down (the first cause wins).
enum class PipelineStop : std::uint8_t {
    None,        ///< every stage ended by itself
    StageFailed, ///< a stage really failed (or failed to spawn)
    TimedOut,    ///< the pipeline's timeout fired
    Cancelled,   ///< the caller cancelled
};

struct StageResult {
    /// The stage's own run (stdout is empty for every stage but the last).
    /// A stage that failed to spawn has result.error set.
    ProcessResult result;
    bool checked = true;
    /// False: the stage never started (it or an earlier stage failed to spawn).
    bool started = false;
    /// It ended after the pipeline had begun tearing down.
    bool ended_in_teardown = false;
};

/// The native number of SIGPIPE on every POSIX system processkit targets.
inline constexpr int default_pipe_signal = 13;

/// True if the stage's status counts as a failure to blame (rule 2 above).
/// `is_last`: the stage is the last one (its SIGPIPE is its own failure).
PROCESSKIT_CORE_EXPORT bool stage_really_failed(const StageResult& stage, bool is_last,
                                                int pipe_signal = default_pipe_signal);

/// The index of the stage to blame under rule 2, if any.
PROCESSKIT_CORE_EXPORT std::optional<std::size_t>
blame_stage(const std::vector<StageResult>& stages, int pipe_signal = default_pipe_signal);

struct PROCESSKIT_CORE_EXPORT PipelineResult {
    std::vector<StageResult> stages;
    PipelineStop stopped_by = PipelineStop::None;
    Duration duration{0}; ///< from the first spawn to the end
    /// The program names joined by " | ", for messages.
    std::string programs;
    int pipe_signal = default_pipe_signal;

    /// The last stage's stdout.
    const std::string& stdout_bytes() const;
    std::string stdout_text() const;
    bool timed_out() const { return stopped_by == PipelineStop::TimedOut; }
    bool cancelled() const { return stopped_by == PipelineStop::Cancelled; }

    /// The blamed stage; empty on success, timeout or cancel.
    std::optional<std::size_t> failed_stage() const;
    /// Cancelled / TimedOut, the blamed stage's outcome, else the last stage's.
    Outcome outcome() const;
    bool success() const { return !failure().has_value(); }
    /// The error ensure_success() would throw: it names the blamed stage's
    /// program and ends with that stage's last non-empty stderr line. On a
    /// timeout or cancel it names the programs and ends with the last
    /// non-empty stderr line of the last stage (in stage order) that wrote one.
    std::optional<Error> failure() const;
    const PipelineResult& ensure_success() const;
};

/// The checking verbs' answers for a finished pipeline (as answers.hpp for
/// one run). run: the last stage's stdout, trailing whitespace trimmed,
/// unless the pipeline failed.
PROCESSKIT_CORE_EXPORT Answer<std::string> run_answer(const PipelineResult& result);
/// exit_code: the blamed stage's code, else the last stage's; an error on
/// timeout, cancel, spawn failure, or if that stage did not exit by itself.
PROCESSKIT_CORE_EXPORT Answer<int> exit_code_answer(const PipelineResult& result);
/// probe runs the pipeline with exit codes 0 and 1 both accepted on its last
/// stage (`a | grep -q x`)...
PROCESSKIT_CORE_EXPORT Pipeline probe_pipeline(const Pipeline& pipeline);
/// ...and answers from the last stage, 0 → true, 1 → false, unless the
/// pipeline failed (an earlier stage, another code, a signal, a timeout, a
/// cancel): then that error.
PROCESSKIT_CORE_EXPORT Answer<bool> probe_answer(const PipelineResult& result);

} // namespace processkit
