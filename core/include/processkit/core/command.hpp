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

struct RunConfig;

/// One environment operation. Operations apply in the order they were added,
/// starting from the parent's environment (see resolve_environment).
struct EnvOp {
    /// Set: set `name` to `value`; Remove: drop `name`; Clear: drop every
    /// variable; InheritOnly: drop every variable not in `names`.
    enum class Kind : std::uint8_t { Set, Remove, Clear, InheritOnly };
    /// Which operation.
    Kind kind;
    std::string name;               ///< Set, Remove
    std::string value;              ///< Set
    std::vector<std::string> names; ///< InheritOnly: the names kept
    friend bool operator==(const EnvOp&, const EnvOp&) = default;
};

/// Where the child's stdin comes from (C4).
struct StdinSource {
    /// The kinds of source.
    enum class Kind : std::uint8_t {
        Empty,       ///< the null device: reads see end of file at once (default)
        Bytes,       ///< these bytes, then end of file
        File,        ///< the file at `path`, opened for reading
        Interactive, ///< a pipe kept open for the caller to write
        Inherit,     ///< the parent's stdin
    };
    /// Which source.
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

/// How captured output is decoded into text (C10).
enum class Encoding : std::uint8_t {
    Utf8,   ///< invalid bytes become U+FFFD (default)
    Latin1, ///< each byte is the code point of its value
};

/// Called with each line's decoded text (without terminator), in order.
using LineHandler = std::function<void(std::string_view)>;
/// Called with raw output bytes as they arrive (StdioMode::Tee).
using ByteSink = std::function<void(std::string_view)>;

/// POSIX extras (C11); not used on Windows. The child sets its groups, then
/// its gid, then its uid; a refused change fails the spawn (PermissionDenied).
struct PosixOptions {
    /// User id the child switches to.
    std::optional<std::uint32_t> uid;
    /// Group id the child switches to.
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

/// A value describing one run (C1-C11): program, arguments, environment,
/// stdio, timeout and output handling. Build it with the chaining setters and
/// pass it to a run verb; it holds no OS resources and never runs a shell.
class PROCESSKIT_CORE_EXPORT Command {
public:
    /// Default time between the timeout signal and the kill: 2 s.
    static constexpr Duration default_grace = std::chrono::seconds(2);
    /// Default bound on reading output after the direct child exited: 1 s (R5).
    static constexpr Duration default_drain_timeout = std::chrono::seconds(1);

    /// A bare name (no '/') is looked up on PATH at spawn; anything else is a path.
    explicit Command(std::string program);

    // --- building (each returns *this for chaining) ---
    /// Appends one argument.
    Command& arg(std::string a);
    /// Appends these arguments, in order.
    Command& args(std::initializer_list<std::string_view> list);
    /// Appends these arguments, in order.
    Command& args(const std::vector<std::string>& list);
    /// Runs the child in `directory` (default: the parent's). A directory that
    /// does not exist fails the spawn with NotFound naming it (C2).
    Command& cwd(std::string directory);
    /// Sets a variable, replacing any earlier value (C3).
    Command& env(std::string name, std::string value);
    /// Removes a variable.
    Command& env_remove(std::string name);
    /// Removes every variable, inherited or set before; later operations
    /// start from an empty environment.
    Command& env_clear();
    /// Keep only these variables of the environment built so far.
    Command& env_inherit_only(std::vector<std::string> names);
    /// Stdin from the null device: end of file at once (the default, C4).
    Command& stdin_empty();
    /// Stdin is `bytes`, then end of file.
    Command& stdin_bytes(std::string bytes);
    /// Stdin is these lines, each followed by `\n`, then end of file.
    Command& stdin_lines(const std::vector<std::string>& lines);
    /// Stdin from the file at `path`, opened for reading at spawn; a file
    /// that cannot be opened fails the spawn (NotFound if it does not exist).
    Command& stdin_file(std::string path);
    /// Stdin is a pipe kept open for the caller to write to while it runs.
    Command& stdin_interactive();
    /// The child shares the parent's stdin.
    Command& stdin_inherit();
    /// What happens to stdout (C5; default Capture). Tee also needs a sink:
    /// see stdout_tee().
    Command& stdout_mode(StdioMode mode);
    /// What happens to stderr (C5; default Capture). Tee also needs a sink:
    /// see stderr_tee().
    Command& stderr_mode(StdioMode mode);
    Command& stdout_tee(ByteSink sink); ///< sets Tee mode
    Command& stderr_tee(ByteSink sink); ///< sets Tee mode
    /// Measured from spawn. At the deadline the timeout signal goes to the
    /// tree, then after the grace the tree is killed (C6).
    Command& timeout(Duration d);
    /// No timeout (the default).
    Command& no_timeout();
    /// Time between the timeout signal and the kill (default_grace).
    /// Zero: the timeout kills at once, without a signal first.
    Command& grace(Duration d);
    /// The signal sent at the timeout, and on a cancel (default TERM).
    Command& timeout_signal(Signal s);
    /// How long output is still read after the direct child exited (R5).
    Command& drain_timeout(Duration d);
    /// What stdout and stderr captures keep (C9; default unbounded).
    Command& buffer_policy(BufferPolicy both);
    /// What the stdout capture keeps (C9; default unbounded).
    Command& stdout_policy(BufferPolicy p);
    /// What the stderr capture keeps (C9; default unbounded).
    Command& stderr_policy(BufferPolicy p);
    /// Longest output line kept whole, in bytes (default
    /// LineSplitter::default_max_line_bytes); longer lines are cut into
    /// pieces. Zero is refused by validate().
    Command& max_line_bytes(std::size_t n);
    /// How output is decoded for text and line handlers (default UTF-8, C10).
    Command& encoding(Encoding e);
    /// Exit codes counted as success (default {0}).
    Command& ok_codes(std::vector<int> codes);
    /// Calls `h` with each stdout line, in order (C8). A handler that throws
    /// is not called again; capture goes on.
    Command& on_stdout_line(LineHandler h);
    /// Calls `h` with each stderr line, in order (C8). A handler that throws
    /// is not called again; capture goes on.
    Command& on_stderr_line(LineHandler h);
    /// POSIX: the child runs as user `id` (C11). When the parent is root and
    /// groups() was not given, the child's supplementary groups are cleared.
    Command& uid(std::uint32_t id);
    /// POSIX: the child runs with group `id` (C11).
    Command& gid(std::uint32_t id);
    /// POSIX: the child's supplementary groups (C11).
    Command& groups(std::vector<std::uint32_t> ids);
    /// POSIX: the child calls setsid() (C11).
    Command& new_session(bool on = true);
    /// Linux: PR_SET_PDEATHSIG(SIGKILL) in the child; see
    /// PosixOptions::kill_on_parent_death for why it is off by default.
    Command& kill_on_parent_death(bool on);
    /// Windows: pass batch-file arguments unchecked; see
    /// WindowsOptions::raw_batch_arguments.
    Command& raw_batch_arguments(bool on = true);
    /// Windows: CREATE_NO_WINDOW; see WindowsOptions::no_window.
    Command& no_window(bool on = true);

    // --- reading ---
    /// The program as given to the constructor.
    const std::string& program() const { return program_; }
    /// The arguments, without the program.
    const std::vector<std::string>& arguments() const { return args_; }
    /// The working directory; empty: the parent's.
    const std::optional<std::string>& working_directory() const { return cwd_; }
    /// The environment operations, in the order they were added.
    const std::vector<EnvOp>& env_ops() const { return env_ops_; }
    /// Where stdin comes from.
    const StdinSource& stdin_source() const { return stdin_; }
    /// What happens to stream `s`.
    StdioMode mode(Stream s) const { return modes_[index(s)]; }
    /// The timeout; empty: none.
    const std::optional<Duration>& timeout() const { return timeout_; }
    /// Time between the timeout signal and the kill.
    Duration grace() const { return grace_; }
    /// The signal sent at the timeout or on a cancel.
    Signal timeout_signal() const { return timeout_signal_; }
    /// How long output is still read after the direct child exited.
    Duration drain_timeout() const { return drain_timeout_; }
    /// The buffer policy of stream `s`.
    const BufferPolicy& policy(Stream s) const { return policies_[index(s)]; }
    /// Longest output line kept whole, in bytes.
    std::size_t max_line_bytes() const { return max_line_bytes_; }
    /// How output is decoded into text.
    Encoding encoding() const { return encoding_; }
    /// Exit codes counted as success.
    const std::vector<int>& ok_codes() const { return ok_codes_; }
    /// Whether `exit_code` is one of ok_codes().
    bool accepts(int exit_code) const;
    /// The line handler of stream `s`; empty if none was set.
    const LineHandler& line_handler(Stream s) const { return handlers_[index(s)]; }
    /// The tee sink of stream `s`; empty if none was set.
    const ByteSink& tee_sink(Stream s) const { return tees_[index(s)]; }
    /// The POSIX extras.
    const PosixOptions& posix() const { return posix_; }
    /// The Windows extras.
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
    friend struct RunConfig; // RunConfig::taking_stdin() moves the stdin bytes out
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
