#pragma once
// Command: a value describing one run (C1-C11). Nothing here touches the OS;
// the OS layer reads a Command to spawn, the run machine reads it to decide.
//
// Thread-safety: a plain value. Distinct objects may be used from different
// threads; one object must not be modified while another thread reads it.
// Copying a Command copies its handlers (std::function) too.

#include "processkit/core/error.hpp"
#include "processkit/core/export.hpp"
#include "processkit/core/output_buffer.hpp"
#include "processkit/core/signal.hpp"
#include "processkit/core/stream.hpp"
#include "processkit/core/time.hpp"

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {

/// One environment operation. Operations apply in the order they were added,
/// starting from the parent's environment (see resolve_environment).
struct EnvOp {
    enum class Kind : std::uint8_t { Set, Remove, Clear, InheritOnly };
    Kind kind;
    std::string name;               ///< Set, Remove
    std::string value;              ///< Set
    std::vector<std::string> names; ///< InheritOnly: the names kept
    friend bool operator==(const EnvOp&, const EnvOp&) = default;
};

/// Where the child's stdin comes from (C4).
struct StdinSource {
    enum class Kind : std::uint8_t {
        Empty,       ///< the null device: reads see end of file at once (default)
        Bytes,       ///< these bytes, then end of file
        File,        ///< the file at `path`, opened for reading
        Interactive, ///< a pipe kept open for the caller to write
        Inherit,     ///< the parent's stdin
    };
    Kind kind = Kind::Empty;
    std::string data; ///< Bytes: the content; File: the path

    friend bool operator==(const StdinSource&, const StdinSource&) = default;
};

/// What happens to stdout or stderr (C5).
enum class StdioMode : std::uint8_t {
    Capture, ///< read by processkit, kept per the buffer policy (default)
    Inherit, ///< the parent's stream
    Discard, ///< the null device
    Tee,     ///< captured and also passed to the tee sink as it arrives
};

enum class Encoding : std::uint8_t {
    Utf8,   ///< invalid bytes become U+FFFD (default)
    Latin1, ///< each byte is the code point of its value
};

/// Called with each line's decoded text (without terminator), in order.
using LineHandler = std::function<void(std::string_view)>;
/// Called with raw output bytes as they arrive (StdioMode::Tee).
using ByteSink = std::function<void(std::string_view)>;

/// POSIX extras (C11).
struct PosixOptions {
    std::optional<std::uint32_t> uid;
    std::optional<std::uint32_t> gid;
    std::optional<std::vector<std::uint32_t>> groups; ///< supplementary groups
    bool new_session = false;                         ///< setsid() in the child
    /// PR_SET_PDEATHSIG(SIGKILL) on Linux. Off by default: the kernel fires it
    /// when the *thread* that spawned the child exits, which kills children of
    /// short-lived worker threads. Owner death is covered by the group's guard.
    bool kill_on_parent_death = false;
    friend bool operator==(const PosixOptions&, const PosixOptions&) = default;
};

/// Windows extras (W2, W3); ignored elsewhere.
struct WindowsOptions {
    /// A .bat/.cmd runs through cmd.exe, which reinterprets `%`, `!`, `"` and
    /// line breaks even inside quotes: such arguments are refused
    /// (InvalidArgument) unless this is set, when the arguments are passed to
    /// cmd.exe as they are, joined by spaces, and their safety is the
    /// caller's responsibility.
    bool raw_batch_arguments = false;
    /// CREATE_NO_WINDOW: a console child of a GUI program gets no console
    /// window of its own.
    bool no_window = false;
    friend bool operator==(const WindowsOptions&, const WindowsOptions&) = default;
};

class PROCESSKIT_CORE_EXPORT Command {
public:
    static constexpr Duration default_grace = std::chrono::seconds(2);
    static constexpr Duration default_drain_timeout = std::chrono::seconds(1);

    /// A bare name (no '/') is looked up on PATH at spawn; anything else is a path.
    explicit Command(std::string program);

    // --- building (each returns *this for chaining) ---
    Command& arg(std::string a);
    Command& args(std::initializer_list<std::string_view> list);
    Command& args(const std::vector<std::string>& list);
    Command& cwd(std::string directory);
    Command& env(std::string name, std::string value);
    Command& env_remove(std::string name);
    Command& env_clear();
    /// Keep only these variables of the environment built so far.
    Command& env_inherit_only(std::vector<std::string> names);
    Command& stdin_empty();
    Command& stdin_bytes(std::string bytes);
    /// Each line followed by "\n".
    Command& stdin_lines(const std::vector<std::string>& lines);
    Command& stdin_file(std::string path);
    Command& stdin_interactive();
    Command& stdin_inherit();
    Command& stdout_mode(StdioMode mode);
    Command& stderr_mode(StdioMode mode);
    Command& stdout_tee(ByteSink sink); ///< sets Tee mode
    Command& stderr_tee(ByteSink sink); ///< sets Tee mode
    /// Measured from spawn. At the deadline the timeout signal goes to the
    /// tree, then after the grace the tree is killed (C6).
    Command& timeout(Duration d);
    Command& no_timeout();
    /// Zero: the timeout kills at once, without a signal first.
    Command& grace(Duration d);
    Command& timeout_signal(Signal s);
    /// How long output is still read after the direct child exited (R5).
    Command& drain_timeout(Duration d);
    Command& buffer_policy(BufferPolicy both);
    Command& stdout_policy(BufferPolicy p);
    Command& stderr_policy(BufferPolicy p);
    Command& max_line_bytes(std::size_t n);
    Command& encoding(Encoding e);
    /// Exit codes counted as success (default {0}).
    Command& ok_codes(std::vector<int> codes);
    Command& on_stdout_line(LineHandler h);
    Command& on_stderr_line(LineHandler h);
    Command& uid(std::uint32_t id);
    Command& gid(std::uint32_t id);
    Command& groups(std::vector<std::uint32_t> ids);
    Command& new_session(bool on = true);
    Command& kill_on_parent_death(bool on);
    Command& raw_batch_arguments(bool on = true);
    Command& no_window(bool on = true);

    // --- reading ---
    const std::string& program() const { return program_; }
    const std::vector<std::string>& arguments() const { return args_; }
    const std::optional<std::string>& working_directory() const { return cwd_; }
    const std::vector<EnvOp>& env_ops() const { return env_ops_; }
    const StdinSource& stdin_source() const { return stdin_; }
    StdioMode mode(Stream s) const { return modes_[index(s)]; }
    const std::optional<Duration>& timeout() const { return timeout_; }
    Duration grace() const { return grace_; }
    Signal timeout_signal() const { return timeout_signal_; }
    Duration drain_timeout() const { return drain_timeout_; }
    const BufferPolicy& policy(Stream s) const { return policies_[index(s)]; }
    std::size_t max_line_bytes() const { return max_line_bytes_; }
    Encoding encoding() const { return encoding_; }
    const std::vector<int>& ok_codes() const { return ok_codes_; }
    bool accepts(int exit_code) const;
    const LineHandler& line_handler(Stream s) const { return handlers_[index(s)]; }
    const ByteSink& tee_sink(Stream s) const { return tees_[index(s)]; }
    const PosixOptions& posix() const { return posix_; }
    const WindowsOptions& windows() const { return windows_; }

    /// The command as a shell would need it typed (POSIX quoting), for
    /// display only: processkit never runs a shell.
    std::string command_line() const;

    /// Checks everything that can be checked without the OS: an empty program,
    /// NUL bytes in the program, arguments, directory or environment, bad
    /// environment names, negative durations, a zero line cap, Tee without a
    /// sink. Returns the first problem as an InvalidArgument error.
    std::optional<Error> validate() const;

private:
    static constexpr std::size_t index(Stream s) { return static_cast<std::size_t>(s); }

    std::string program_;
    std::vector<std::string> args_;
    std::optional<std::string> cwd_;
    std::vector<EnvOp> env_ops_;
    StdinSource stdin_;
    StdioMode modes_[2] = {StdioMode::Capture, StdioMode::Capture};
    std::optional<Duration> timeout_;
    Duration grace_ = default_grace;
    Signal timeout_signal_ = Signal::term();
    Duration drain_timeout_ = default_drain_timeout;
    BufferPolicy policies_[2];
    std::size_t max_line_bytes_ = LineSplitter::default_max_line_bytes;
    Encoding encoding_ = Encoding::Utf8;
    std::vector<int> ok_codes_{0};
    LineHandler handlers_[2];
    ByteSink tees_[2];
    PosixOptions posix_;
    WindowsOptions windows_;
};

/// Quotes one word for a POSIX shell (display only).
PROCESSKIT_CORE_EXPORT std::string shell_quote(std::string_view word);

/// How environment variable names compare: exactly (POSIX) or ignoring ASCII
/// case (Windows, where `Path` and `PATH` are one variable).
enum class EnvNames : std::uint8_t { CaseSensitive, CaseInsensitive };

/// Applies `ops` in order to `parent` ("NAME=value" entries, as in environ)
/// and returns the child's environment in the same form. A later Set of the
/// same name replaces the earlier value in place; entries keep their order.
/// With CaseInsensitive names, a Set keeps the spelling it was given, and an
/// entry whose name starts with '=' (Windows' per-drive directories such as
/// "=C:=C:\\dir") is a variable named "=C:".
PROCESSKIT_CORE_EXPORT std::vector<std::string>
resolve_environment(const std::vector<std::string_view>& parent, const std::vector<EnvOp>& ops,
                    EnvNames names = EnvNames::CaseSensitive);

} // namespace processkit
