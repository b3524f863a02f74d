#pragma once
#if defined(_WIN32)
#include "processkit/os/export.hpp"
#include "processkit/os/windows/spawn.hpp"
#else
// Starting a child (X2): a vfork-style clone (CLONE_VM | CLONE_VFORK) whose
// cost does not grow with the parent's memory. The child places itself in its
// container (cgroup.procs, or a new process group) before anything else, so it
// cannot run one instruction of the program outside it; only async-signal-safe
// calls run between clone and exec, everything else is prepared beforehand.
//
// Thread-safety: spawn() may be called from several threads at once; it
// blocks only the calling thread until the child has exec'd.

#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "processkit/os/child.hpp"
#include "processkit/os/named_after.hpp"
#include "processkit/os/unique_fd.hpp"

#include <optional>
#include <string>

namespace processkit::os {

/// Where the child goes before it runs.
struct Placement {
    /// None: the child stays where the parent is. Cgroup: into the cgroup
    /// given by the descriptors below. NewProcessGroup: it leads a process
    /// group of its own (setpgid(0, 0)).
    enum class Kind { None, Cgroup, NewProcessGroup };
    /// Which placement.
    Kind kind = Kind::None;
    /// Cgroup: an open, writable `cgroup.procs` of the target directory, or
    /// -1 to have spawn() open it from cgroup_dir_fd only when it is needed.
    int cgroup_procs_fd = -1;
    /// Cgroup: the directory itself (O_PATH is enough). When given, the child
    /// is created inside it by clone3(CLONE_INTO_CGROUP) (x86-64, Linux
    /// 5.7+): no migration at all; otherwise, or if the kernel refuses, it
    /// writes itself into cgroup.procs before anything else. At least one of
    /// the two descriptors must be given.
    int cgroup_dir_fd = -1;
};

/// What spawn() returns: the child, and the parent's ends of its stdio pipes
/// (empty where the Command does not ask for a pipe).
struct SpawnedProcess {
    /// Owns the process.
    Child child;
    /// When spawn() saw the child exec.
    TimePoint started_at;
    UniqueFd stdin_pipe;  ///< write end, when stdin is Bytes or Interactive
    UniqueFd stdout_pipe; ///< read end, when stdout is captured
    UniqueFd stderr_pipe; ///< read end, when stderr is captured
};

/// Descriptors the child takes as its stdin, stdout or stderr instead of what
/// the Command says (e.g. the ends of a pipe between two children, or the
/// pseudo-terminal of pk's status line). The caller
/// keeps them (spawn duplicates them into the child) and must leave the
/// Command's own setting for a redirected slot at Inherit, so nothing else
/// expects a pipe there. -1: not redirected.
struct StdioRedirect {
    /// The child's stdin.
    int stdin_fd = -1;
    /// The child's stdout.
    int stdout_fd = -1;
    /// The child's stderr.
    int stderr_fd = -1;
};

/// Starts `command` (validated first). Throws processkit::Error:
/// InvalidArgument (NUL byte, bad names...), NotFound (with the PATH
/// candidates searched, or the missing working directory named),
/// PermissionDenied (not executable, a directory), SpawnFailed (E2BIG names
/// "argument list too long", ENOEXEC, setuid refused...), Io. A failed spawn
/// leaves no child, no descriptor and no directory behind.
PROCESSKIT_OS_EXPORT SpawnedProcess spawn(const Command& command, const Placement& placement);
PROCESSKIT_OS_EXPORT SpawnedProcess spawn(const Command& command, const Placement& placement,
                                          const StdioRedirect& redirect);

/// The paths a program name is tried at, in order (PATH lookup for a bare
/// name; the name itself otherwise). An empty PATH entry means the current
/// directory; an unset PATH means the default "/usr/local/bin:/usr/bin:/bin".
PROCESSKIT_OS_EXPORT std::vector<std::string>
exec_candidates(const std::string& program, const std::optional<std::string>& path_variable);

} // namespace processkit::os
#endif // _WIN32
