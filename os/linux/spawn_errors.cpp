// Error classification for spawn: maps the errno a child reported, and the
// stage at which it stopped (spawn_child.hpp), to processkit::Error kinds and
// messages naming the program, the path tried and the PATH candidates
// searched. Runs in the parent after the child has exited.
#include "spawn_errors.hpp"

#include <cerrno>
#include <cstring>
#include <optional>
#include <sys/stat.h>

namespace processkit::os::spawn_detail {

namespace {

/// stat(2) of a path as the child saw it (relative to its directory).
bool stat_as_child(const std::string& path, const std::optional<std::string>& cwd,
                   struct stat& st) {
    std::string full = path;
    if (cwd && !path.starts_with('/')) {
        full = *cwd + "/" + path; // the child resolved it after chdir
    }
    return ::stat(full.c_str(), &st) == 0;
}

bool is_directory(const std::string& path, const std::optional<std::string>& cwd) {
    struct stat st {};
    return stat_as_child(path, cwd, st) && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path, const std::optional<std::string>& cwd) {
    struct stat st {};
    return stat_as_child(path, cwd, st) && S_ISREG(st.st_mode);
}

} // namespace

std::string errno_text(int err) {
    return std::strerror(err);
}

/// The typed error for a child that stopped at `stage` with `err`.
Error spawn_error(const Command& command, const std::vector<std::string>& candidates, Stage stage,
                  int err, int candidate) {
    const std::string& program = command.program();
    const PosixOptions& posix = command.posix();
    switch (stage) {
    case Stage::Exec: {
        const std::string path =
            candidate >= 0 && static_cast<std::size_t>(candidate) < candidates.size()
                ? candidates[static_cast<std::size_t>(candidate)]
                : program;
        switch (err) {
        case ENOENT:
        case ENOTDIR:
        case ESTALE:
        case ENODEV:
        case ETIMEDOUT: {
            std::string detail = program.find('/') == std::string::npos ? "no such program on PATH"
                                 : err == ENOENT ? std::string("no such file")
                                                 : "cannot reach the file: " + errno_text(err);
            std::string where = path;
            if (err == ENOENT) {
                // ENOENT for a file that exists: its #! interpreter or its
                // ELF loader is missing.
                for (const auto& c : candidates) {
                    if (exists(c, command.working_directory())) {
                        detail = "'" + c +
                                 "' exists, but its interpreter (#! line) or "
                                 "dynamic loader was not found";
                        where = c;
                        break;
                    }
                }
            }
            return Error(ErrorKind::NotFound, program, detail)
                .with_os_error(err)
                .with_searched(candidates)
                .with_path(where);
        }
        case EACCES:
        case EISDIR:
            return Error(ErrorKind::PermissionDenied, program,
                         err == EISDIR || is_directory(path, command.working_directory())
                             ? "'" + path + "' is a directory"
                             : "'" + path + "' is not executable: " + errno_text(err))
                .with_os_error(err)
                .with_path(path);
        case ENOEXEC:
            return Error(ErrorKind::PermissionDenied, program,
                         "'" + path + "' is not an executable format")
                .with_os_error(err)
                .with_path(path);
        case E2BIG:
            return Error(ErrorKind::SpawnFailed, program, "argument list too long")
                .with_os_error(err);
        default:
            return Error(ErrorKind::SpawnFailed, program,
                         "cannot execute '" + path + "': " + errno_text(err))
                .with_os_error(err)
                .with_path(path);
        }
    }
    case Stage::Chdir: {
        const std::string& cwd = *command.working_directory();
        const std::string where = "working directory '" + cwd + "' ";
        ErrorKind kind = ErrorKind::SpawnFailed;
        std::string detail = where + "cannot be entered: " + errno_text(err);
        if (err == ENOENT) {
            kind = ErrorKind::NotFound;
            detail = where + "does not exist";
        } else if (err == ENOTDIR) {
            kind = ErrorKind::NotFound;
            detail = where + "is not a directory";
        } else if (err == EACCES) {
            kind = ErrorKind::PermissionDenied;
            detail = where + "is not accessible: " + errno_text(err);
        }
        return Error(kind, program, detail).with_os_error(err).with_path(cwd);
    }
    case Stage::Cgroup:
        return Error(ErrorKind::SpawnFailed, program, "cannot enter the group: " + errno_text(err))
            .with_os_error(err);
    case Stage::ProcessGroup:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot create a process group: " + errno_text(err))
            .with_os_error(err);
    case Stage::Descriptors:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot give the child a descriptor table of its own: " + errno_text(err))
            .with_os_error(err);
    case Stage::Session:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot start a new session: " + errno_text(err))
            .with_os_error(err);
    case Stage::Stdio:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot set up stdin/stdout/stderr: " + errno_text(err))
            .with_os_error(err);
    case Stage::Groups:
        return Error(ErrorKind::PermissionDenied, program,
                     "cannot set the supplementary groups: " + errno_text(err))
            .with_os_error(err);
    case Stage::Gid:
        return Error(ErrorKind::PermissionDenied, program,
                     "cannot switch to gid " + std::to_string(posix.gid.value_or(0)) + ": " +
                         errno_text(err))
            .with_os_error(err);
    case Stage::Uid:
        return Error(ErrorKind::PermissionDenied, program,
                     "cannot switch to uid " + std::to_string(posix.uid.value_or(0)) + ": " +
                         errno_text(err))
            .with_os_error(err);
    case Stage::ParentDeathSignal:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot set the parent-death signal: " + errno_text(err))
            .with_os_error(err);
    case Stage::ParentGone:
        return Error(ErrorKind::SpawnFailed, program, "the parent exited during the spawn")
            .with_os_error(err);
    case Stage::None:
        break;
    }
    return Error(ErrorKind::SpawnFailed, program, "unknown failure: " + errno_text(err))
        .with_os_error(err);
}

Error clone_error(const std::string& program, int err) {
    return Error(ErrorKind::SpawnFailed, program, "cannot create a process: " + errno_text(err))
        .with_os_error(err);
}

} // namespace processkit::os::spawn_detail
