#pragma once
// Starting a child on Windows (W2): CreateProcessW with UTF-16 everywhere,
// created suspended, assigned to its job and only then resumed, so it runs
// no instruction outside the job. It inherits exactly its three stdio handles
// (PROC_THREAD_ATTRIBUTE_HANDLE_LIST) and gets its own console process group
// (CREATE_NEW_PROCESS_GROUP), so a CTRL_BREAK can reach it alone. The command
// line is quoted by the core's rules (W3); a .bat/.cmd runs through the
// system's cmd.exe and is refused when cmd.exe would reinterpret an argument.
//
// Thread-safety: spawn() may be called from several threads at once.

#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "processkit/os/named_after.hpp"
#include "processkit/os/windows/child.hpp"
#include "processkit/os/windows/pipe.hpp"
#include "processkit/os/windows/unique_handle.hpp"

#include <optional>
#include <string>
#include <vector>

namespace processkit::os {

/// Where the child goes before it runs.
struct Placement {
    /// None: the child is assigned to no job. Job: to `job`, while suspended.
    enum class Kind { None, Job };
    /// Which placement.
    Kind kind = Kind::None;
    /// Job: the job object the child is assigned to while suspended.
    NativeHandle job = nullptr;
};

/// What spawn() returns: the child, and the parent's ends of its stdio pipes
/// (empty where the Command does not ask for a pipe).
struct SpawnedProcess {
    /// Owns the process.
    Child child;
    /// When spawn() had resumed the child.
    TimePoint started_at;
    /// The parent's ends: overlapped named pipes, each opened for one
    /// direction only, with the readiness model of pipe.hpp.
    PipeEnd stdin_pipe;  ///< write end, when stdin is Bytes or Interactive
    PipeEnd stdout_pipe; ///< read end, when stdout is captured
    PipeEnd stderr_pipe; ///< read end, when stderr is captured
};

/// Handles the child takes as its stdin or stdout instead of what the Command
/// says (pipeline stages). The caller keeps them; spawn duplicates them.
/// nullptr: not redirected.
struct StdioRedirect {
    /// The child's stdin.
    NativeHandle stdin_handle = nullptr;
    /// The child's stdout.
    NativeHandle stdout_handle = nullptr;
};

/// A pipe between two children (pipeline stages): an anonymous pipe, both
/// ends synchronous and not inheritable (spawn hands each child its own
/// inheritable copy through StdioRedirect).
struct Pipe {
    /// The read end.
    UniqueHandle read;
    /// The write end.
    UniqueHandle write;
};
/// Throws processkit::Error (Io) naming `program`, the writing stage.
Pipe make_stage_pipe(std::string_view program);

/// Starts `command` (validated first). Throws processkit::Error:
/// InvalidArgument (NUL byte, invalid UTF-8, a batch argument cmd.exe would
/// reinterpret), NotFound (with the candidates searched, or the missing
/// working directory named), PermissionDenied, SpawnFailed (not a Windows
/// program, ...), Io. A failed spawn leaves no child and no handle behind.
SpawnedProcess spawn(const Command& command, const Placement& placement);
SpawnedProcess spawn(const Command& command, const Placement& placement,
                     const StdioRedirect& redirect);

/// The paths a program name is tried at, in order. A name with a directory
/// part (`\`, `/` or a drive) is tried as given; a bare name in each
/// directory of `path_variable` (the child's PATH), then in `system_dirs`.
/// The current directory is never searched (an old Windows default that lets
/// a file dropped there replace a system program). A name without an
/// extension is tried with each of `pathext` (the child's PATHEXT, else
/// ".COM;.EXE;.BAT;.CMD"); a name with one, as it is first.
std::vector<std::string> program_candidates(const std::string& program,
                                            const std::optional<std::string>& path_variable,
                                            const std::optional<std::string>& pathext,
                                            const std::vector<std::string>& system_dirs);

} // namespace processkit::os
