#pragma once
// What a finished run produced (R1, R3).
// Thread-safety: value types; const access from several threads is safe.

#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"
#include "processkit/core/output_buffer.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/core/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace processkit {

/// How the direct child ended, as the kernel reported it.
class PROCESSKIT_CORE_EXPORT ExitStatus {
public:
    /// The child exited by itself with `code`.
    static constexpr ExitStatus exited(int code) { return ExitStatus{false, code}; }
    /// The child was killed by the signal with the platform's number `signal_number`.
    static constexpr ExitStatus signalled(int signal_number) {
        return ExitStatus{true, signal_number};
    }

    /// The child exited by itself.
    constexpr bool is_exited() const { return !signalled_; }
    /// The child was killed by a signal.
    constexpr bool is_signalled() const { return signalled_; }
    /// The exit code; empty if the child was killed by a signal.
    constexpr std::optional<int> code() const {
        return signalled_ ? std::nullopt : std::optional<int>(value_);
    }
    /// The signal number; empty if the child exited by itself.
    constexpr std::optional<int> signal() const {
        return signalled_ ? std::optional<int>(value_) : std::nullopt;
    }
    std::string to_string() const; ///< "exit 3" or "signal 9"

    friend constexpr bool operator==(const ExitStatus&, const ExitStatus&) = default;

private:
    constexpr ExitStatus(bool signalled, int value)
        : signalled_(signalled)
        , value_(value) {}
    bool signalled_;
    int value_;
};

/// The run's outcome from the caller's point of view: a timeout or a cancel
/// takes precedence over how the child then ended (a cancel beats a timeout).
struct PROCESSKIT_CORE_EXPORT Outcome {
    /// Exited: the child exited by itself, whatever its code; Signalled: it
    /// was killed by a signal; TimedOut: the timeout fired; Cancelled: the run
    /// was cancelled, stopped before the child started, or abandoned before
    /// the child was reaped; SpawnFailed: the child never ran (an invalid
    /// Command, or the OS refused).
    enum class Kind : std::uint8_t { Exited, Signalled, TimedOut, Cancelled, SpawnFailed };
    /// Which outcome.
    Kind kind = Kind::SpawnFailed;
    int value = 0; ///< exit code (Exited) or signal number (Signalled)

    /// Exited with exit code `code`.
    static constexpr Outcome exited(int code) { return {Kind::Exited, code}; }
    /// Killed by the signal with the platform's number `sig`.
    static constexpr Outcome signalled(int sig) { return {Kind::Signalled, sig}; }
    /// The run's timeout fired.
    static constexpr Outcome timed_out() { return {Kind::TimedOut, 0}; }
    /// The run was cancelled.
    static constexpr Outcome cancelled() { return {Kind::Cancelled, 0}; }
    /// The child never ran.
    static constexpr Outcome spawn_failed() { return {Kind::SpawnFailed, 0}; }
    /// "exited with code 3", "killed by signal 9", "timed out", "cancelled"
    /// or "failed to start".
    std::string to_string() const;
    friend constexpr bool operator==(const Outcome&, const Outcome&) = default;
};

/// What a finished run produced (R1): its outcome, captured output, counters
/// and resource profile. A non-zero exit, a signal or a timeout is recorded
/// here, not thrown, until ensure_success().
struct PROCESSKIT_CORE_EXPORT ProcessResult {
    /// The program as given to the Command.
    std::string program;
    /// How the run ended for the caller.
    Outcome outcome;
    /// How the direct child ended; empty if it never ran (spawn failed) or the
    /// run was abandoned before it was reaped.
    std::optional<ExitStatus> status;
    std::string stdout_bytes; ///< raw bytes kept by the stdout buffer policy
    /// Raw bytes kept by the stderr buffer policy.
    std::string stderr_bytes;
    /// Totals for the whole of stdout, dropped parts included.
    StreamCounters stdout_counters;
    /// Totals for the whole of stderr, dropped parts included.
    StreamCounters stderr_counters;
    /// The command's encoding, used by stdout_text() and stderr_text().
    Encoding encoding = Encoding::Utf8;
    Duration duration{0}; ///< from spawn to finish
    /// The timeout fired (false when the run was also cancelled).
    bool timed_out = false;
    /// The run was cancelled (a cancel beats a timeout).
    bool cancelled = false;
    /// The drain bound passed after the direct child exited while something
    /// still held an output pipe: the tree was killed, output is partial (R5).
    bool output_incomplete = false;
    bool stdin_broken = false; ///< the child closed its stdin before taking all of it
    /// Resource summary of the run (R4).
    RunProfile profile;
    /// A failure of the run itself: spawn failed, or a Fail policy overflowed.
    std::optional<Error> error;
    /// Exit codes accepted as success, copied from the Command.
    std::vector<int> ok_codes{0};

    /// stdout decoded per the command's encoding (U+FFFD for invalid UTF-8).
    std::string stdout_text() const;
    /// stderr decoded per the command's encoding (U+FFFD for invalid UTF-8).
    std::string stderr_text() const;
    /// The direct child's exit code from `status`, whatever the outcome; empty
    /// if it was killed by a signal or never reaped.
    std::optional<int> exit_code() const { return status ? status->code() : std::nullopt; }
    /// Either stream's buffer policy dropped something.
    bool truncated() const { return stdout_counters.truncated || stderr_counters.truncated; }
    /// Exited with an accepted code, no timeout, no cancel, no error.
    bool success() const;
    /// Throws the Error describing why the run did not succeed; returns *this otherwise.
    const ProcessResult& ensure_success() const;
    /// The error ensure_success() would throw, if any.
    std::optional<Error> failure() const;
};

} // namespace processkit
