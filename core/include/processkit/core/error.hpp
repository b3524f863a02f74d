#pragma once

#include "processkit/core/export.hpp"
// The one error type of processkit (E1). Thread-safety: a value type; const
// access from several threads is safe.
//
// Messages name the program (never its arguments or environment values) and,
// where the child wrote to stderr, end with its last stderr line (capped).

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {

/// What went wrong (E1); see Error::kind().
enum class ErrorKind : std::uint8_t {
    SpawnFailed,      ///< the OS refused to start the child (other than the kinds below)
    NotFound,         ///< the program does not exist (searched() says where we looked)
    PermissionDenied, ///< found but not executable (or a directory)
    InvalidArgument,  ///< bad input from the caller: NUL byte, empty program, bad duration...
    NonZeroExit,      ///< the child exited with a code not in the accepted set
    Signalled,        ///< the child was killed by a signal
    Timeout,          ///< the run's timeout fired
    NotReady,         ///< a readiness probe failed
    OutputTooLarge,   ///< a Fail buffer policy's limit was passed
    StdinFailed,      ///< writing the child's stdin failed
    Unsupported,      ///< the platform or mechanism cannot do this
    Cancelled,        ///< the caller cancelled the run
    ResourceLimit,    ///< a requested limit cannot be enforced
    Io,               ///< an OS call failed
};

/// A short lower-case name of `kind` as used in messages, e.g. "not found".
PROCESSKIT_CORE_EXPORT std::string_view to_string(ErrorKind kind);

/// The one error type of processkit (E1): an ErrorKind, the program concerned,
/// a detail, and optional facts (exit code, signal, OS error, searched paths,
/// path, captured output). The blocking API throws it.
class PROCESSKIT_CORE_EXPORT Error : public std::exception {
public:
    /// Longest stderr tail quoted in a message, in bytes.
    static constexpr std::size_t max_quoted_stderr = 200;

    /// `program` may be empty; `detail` is the reason, without the program
    /// name. Composes message() at once.
    Error(ErrorKind kind, std::string program, std::string detail);

    /// What went wrong.
    ErrorKind kind() const noexcept { return kind_; }
    /// The same text as message().
    const char* what() const noexcept override { return message_.c_str(); }
    /// The full text: 'program': kind: detail (the program and detail only
    /// when not empty), then " (searched: ...)" when paths were searched, and
    /// "; stderr: " with the last stderr line when there is one.
    const std::string& message() const noexcept { return message_; }
    /// The program concerned (as given to Command), empty if none.
    const std::string& program() const noexcept { return program_; }
    /// The reason without the program name or stderr tail.
    const std::string& detail() const noexcept { return detail_; }

    /// The child's exit code (NonZeroExit), if known.
    std::optional<int> exit_code() const noexcept { return exit_code_; }
    /// The number of the signal that killed the child (Signalled), if known.
    std::optional<int> signal_number() const noexcept { return signal_; }
    /// The OS error code behind the failure (errno on POSIX, the Windows
    /// error code on Windows), if any.
    std::optional<int> os_error() const noexcept { return os_error_; }
    /// For NotFound: the candidate paths that were tried, in order.
    const std::vector<std::string>& searched() const noexcept { return searched_; }
    /// A path the error is about (working directory, file), if any.
    const std::string& path() const noexcept { return path_; }
    /// Captured output at the time of the error (NonZeroExit, Timeout, ...).
    const std::string& stdout_text() const noexcept { return stdout_; }
    /// Captured stderr at the time of the error; see stdout_text().
    const std::string& stderr_text() const noexcept { return stderr_; }

    // Builders: each returns a copy with one more detail, and refreshes what().
    /// A copy with the child's exit code set.
    Error with_exit_code(int code) const;
    /// A copy with the number of the signal that killed the child set.
    Error with_signal(int number) const;
    /// A copy with the OS error code set (errno, or the Windows error code).
    Error with_os_error(int errno_value) const;
    /// A copy with the paths tried for the program, which the message lists.
    Error with_searched(std::vector<std::string> paths) const;
    /// A copy with the path the error is about set.
    Error with_path(std::string path) const;
    /// Names the program an error is about (OS errors found before a
    /// program was known, e.g. a pipe that could not be made for it).
    Error with_program(std::string program) const;
    /// A copy with the captured output set; the message then ends with the
    /// last non-empty stderr line (at most max_quoted_stderr bytes).
    Error with_output(std::string stdout_text, std::string stderr_text) const;

    friend bool operator==(const Error& a, const Error& b) {
        return a.kind_ == b.kind_ && a.message_ == b.message_;
    }

private:
    void compose();

    ErrorKind kind_;
    std::string program_;
    std::string detail_;
    std::optional<int> exit_code_;
    std::optional<int> signal_;
    std::optional<int> os_error_;
    std::vector<std::string> searched_;
    std::string path_;
    std::string stdout_;
    std::string stderr_;
    std::string message_;
};

/// The last non-empty line of `stderr_text`, at most `cap` bytes (its end kept),
/// decoded lossily as UTF-8. Empty if there is none.
PROCESSKIT_CORE_EXPORT std::string last_line_of(std::string_view stderr_text,
                                                std::size_t cap = Error::max_quoted_stderr);

} // namespace processkit
