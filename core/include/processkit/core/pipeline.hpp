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

/// `a | b | c` without a shell (P1), as a value: the stages, each a Command
/// whose stdout feeds the next stage's stdin, and the pipeline-wide timeout.
/// Build it with operator| or add(); validate() says whether it can run.
class PROCESSKIT_CORE_EXPORT Pipeline {
public:
    /// One stage: its command and whether its exit status may be blamed.
    struct Stage {
        /// What the stage runs.
        Command command;
        /// False: the stage's exit status is never blamed.
        bool checked = true;
    };

    /// No stage yet (validate() refuses it until one is added).
    Pipeline() = default;
    /// One checked stage, `first`.
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
    /// No timeout (the default).
    Pipeline& no_timeout();
    /// Also the grace given after a stage failed, before the rest is killed.
    /// Zero: kill at once, without a signal first.
    Pipeline& grace(Duration d);
    /// The signal that begins a teardown: at the timeout, on a cancel, after a
    /// stage failed (default TERM).
    Pipeline& timeout_signal(Signal s);

    /// The stages, in order.
    const std::vector<Stage>& stages() const { return stages_; }
    /// The number of stages.
    std::size_t size() const { return stages_.size(); }
    /// The timeout; empty: none.
    const std::optional<Duration>& timeout() const { return timeout_; }
    /// Time between the teardown signal and the kill (default
    /// Command::default_grace).
    Duration grace() const { return grace_; }
    /// The signal that begins a teardown.
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
/// `p` with `next` appended as a checked stage.
PROCESSKIT_CORE_EXPORT Pipeline operator|(Pipeline p, Command next);

/// Why the pipeline began tearing down (the first cause wins).
enum class PipelineStop : std::uint8_t {
    None,        ///< every stage ended by itself
    StageFailed, ///< a stage really failed (or failed to spawn)
    TimedOut,    ///< the pipeline's timeout fired
    Cancelled,   ///< the caller cancelled
};

/// What one stage of a finished pipeline run produced, with what the blame
/// rules need to judge it.
struct StageResult {
    /// The stage's own run (stdout is empty for every stage but the last).
    /// A stage that failed to spawn has result.error set.
    ProcessResult result;
    /// False: the stage's exit status is never blamed (Pipeline::Stage).
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

/// What a run of a Pipeline produced: every stage's result and why the
/// pipeline stopped. A failure is recorded here, not thrown, until
/// ensure_success().
struct PROCESSKIT_CORE_EXPORT PipelineResult {
    /// Every stage's result, in stage order.
    std::vector<StageResult> stages;
    /// Why the teardown began; None if every stage ended by itself.
    PipelineStop stopped_by = PipelineStop::None;
    Duration duration{0}; ///< from the first spawn to the end
    /// The program names joined by " | ", for messages.
    std::string programs;
    /// The host's SIGPIPE number, for the blame rules.
    int pipe_signal = default_pipe_signal;

    /// The last stage's stdout.
    const std::string& stdout_bytes() const;
    /// The last stage's stdout decoded per its encoding; empty without stages.
    std::string stdout_text() const;
    /// The pipeline's timeout began the teardown.
    bool timed_out() const { return stopped_by == PipelineStop::TimedOut; }
    /// The pipeline was cancelled (or abandoned by its owner).
    bool cancelled() const { return stopped_by == PipelineStop::Cancelled; }

    /// The blamed stage; empty on success, timeout or cancel.
    std::optional<std::size_t> failed_stage() const;
    /// Cancelled / TimedOut, the blamed stage's outcome, else the last stage's.
    Outcome outcome() const;
    /// True when failure() is empty.
    bool success() const { return !failure().has_value(); }
    /// The error ensure_success() would throw: it names the blamed stage's
    /// program and ends with that stage's last non-empty stderr line. On a
    /// timeout or cancel it names the programs and ends with the last
    /// non-empty stderr line of the last stage (in stage order) that wrote one.
    std::optional<Error> failure() const;
    /// Throws failure() if there is one; returns *this otherwise.
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
