#pragma once
// Reply: what a scripted child does — output (with delays), then how it ends.
// The bytes go through the same run machine as a real child's, so buffer
// policies, line handlers, U+FFFD, truncation and timeouts behave alike.
//
// Thread-safety: a plain value type.

#include "processkit/core/error.hpp"
#include "processkit/core/stream.hpp"
#include "processkit/core/time.hpp"
#include "processkit/testing/export.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace processkit {

/// What a scripted child does (see the top of this header): made by one of
/// the static functions, extended with then_stdout(), then_stderr() and
/// taking(), and handed to ScriptedRunner.
class PROCESSKIT_TESTING_EXPORT Reply {
public:
    /// Bytes the child writes to one stream, `delay` (real time) after the
    /// previous chunk (or the spawn).
    struct Chunk {
        /// The stream written to.
        Stream stream;
        /// What is written.
        std::string bytes;
        /// How long after the previous chunk (or the spawn).
        Duration delay{0};
    };
    /// How the child ends.
    enum class End : std::uint8_t {
        Exit,         ///< exits with value()
        Signal,       ///< dies of signal value()
        TimeOut,      ///< hangs past the command's timeout, which fires at once
        Hang,         ///< never ends by itself: killed, terminated or timed out
        SpawnFailure, ///< never starts: the run's error has spawn_error()
    };

    /// Writes the given stdout, then the given stderr (either may be empty),
    /// then exits with 0.
    static Reply success(std::string stdout_bytes = {}, std::string stderr_bytes = {});
    /// As success(), but exits with `exit_code`.
    static Reply failure(int exit_code, std::string stdout_bytes = {},
                         std::string stderr_bytes = {});
    /// As success(), but dies of signal `signal_number`.
    static Reply signalled(int signal_number, std::string stdout_bytes = {},
                           std::string stderr_bytes = {});
    /// The run times out without waiting: its duration is the command's
    /// timeout. The Command must have a timeout (else Error InvalidArgument).
    static Reply timeout(std::string stdout_bytes = {}, std::string stderr_bytes = {});
    /// stdout lines ("\n" added), `delay` apart, then exit with `exit_code`.
    static Reply lines(const std::vector<std::string>& lines, Duration delay = Duration{0},
                       int exit_code = 0);
    /// Runs until kill(), terminate() or the command's timeout.
    static Reply never_finishing();
    /// Never starts: the run fails to spawn with an Error of `kind`.
    static Reply spawn_failure(ErrorKind kind = ErrorKind::NotFound);

    /// More output, written after what the reply already has.
    Reply& then_stdout(std::string bytes, Duration delay = Duration{0});
    /// The same on stderr.
    Reply& then_stderr(std::string bytes, Duration delay = Duration{0});
    /// The child ends `d` after its spawn, in virtual time: the result's
    /// duration is `d` without the test waiting for it (Exit and Signal ends).
    Reply& taking(Duration d);

    /// The output, in order.
    const std::vector<Chunk>& chunks() const { return chunks_; }
    /// How the child ends.
    End end() const { return end_; }
    /// Exit code (Exit) or signal number (Signal).
    int value() const { return value_; }
    /// What taking() set; empty if it was not called.
    const std::optional<Duration>& duration() const { return duration_; }
    /// The ErrorKind of a SpawnFailure end.
    ErrorKind spawn_error() const { return spawn_error_; }

private:
    Reply(End end, int value)
        : end_(end)
        , value_(value) {}
    Reply& with_output(std::string stdout_bytes, std::string stderr_bytes);

    std::vector<Chunk> chunks_;
    End end_;
    int value_;
    std::optional<Duration> duration_;
    ErrorKind spawn_error_ = ErrorKind::NotFound;
};

} // namespace processkit
