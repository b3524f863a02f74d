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
    static constexpr ExitStatus exited(int code) { return ExitStatus{false, code}; }
    static constexpr ExitStatus signalled(int signal_number) {
        return ExitStatus{true, signal_number};
    }

    constexpr bool is_exited() const { return !signalled_; }
    constexpr bool is_signalled() const { return signalled_; }
    constexpr std::optional<int> code() const {
        return signalled_ ? std::nullopt : std::optional<int>(value_);
    }
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
    enum class Kind : std::uint8_t { Exited, Signalled, TimedOut, Cancelled, SpawnFailed };
    Kind kind = Kind::SpawnFailed;
    int value = 0; ///< exit code (Exited) or signal number (Signalled)

    static constexpr Outcome exited(int code) { return {Kind::Exited, code}; }
    static constexpr Outcome signalled(int sig) { return {Kind::Signalled, sig}; }
    static constexpr Outcome timed_out() { return {Kind::TimedOut, 0}; }
    static constexpr Outcome cancelled() { return {Kind::Cancelled, 0}; }
    static constexpr Outcome spawn_failed() { return {Kind::SpawnFailed, 0}; }
    std::string to_string() const;
    friend constexpr bool operator==(const Outcome&, const Outcome&) = default;
};

struct PROCESSKIT_CORE_EXPORT ProcessResult {
    std::string program;
    Outcome outcome;
    /// How the direct child ended; empty if it never ran (spawn failed) or the
    /// run was abandoned before it was reaped.
    std::optional<ExitStatus> status;
    std::string stdout_bytes; ///< raw bytes kept by the stdout buffer policy
    std::string stderr_bytes;
    StreamCounters stdout_counters;
    StreamCounters stderr_counters;
    Encoding encoding = Encoding::Utf8;
    Duration duration{0}; ///< from spawn to finish
    bool timed_out = false;
    bool cancelled = false;
    /// The drain bound passed after the direct child exited while something
    /// still held an output pipe: the tree was killed, output is partial (R5).
    bool output_incomplete = false;
    bool stdin_broken = false; ///< the child closed its stdin before taking all of it
    RunProfile profile;
    /// A failure of the run itself: spawn failed, or a Fail policy overflowed.
    std::optional<Error> error;
    std::vector<int> ok_codes{0};

    /// stdout decoded per the command's encoding (U+FFFD for invalid UTF-8).
    std::string stdout_text() const;
    std::string stderr_text() const;
    std::optional<int> exit_code() const { return status ? status->code() : std::nullopt; }
    bool truncated() const { return stdout_counters.truncated || stderr_counters.truncated; }
    /// Exited with an accepted code, no timeout, no cancel, no error.
    bool success() const;
    /// Throws the Error describing why the run did not succeed; returns *this otherwise.
    const ProcessResult& ensure_success() const;
    /// The error ensure_success() would throw, if any.
    std::optional<Error> failure() const;
};

} // namespace processkit
