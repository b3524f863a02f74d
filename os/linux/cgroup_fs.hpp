#pragma once
// Private to the cgroup code (os/linux/cgroup*.cpp): the file operations on
// cgroup v2 directories that Cgroup and the stale-directory sweep share —
// writing a control file, re-reading cgroup.events and waiting for POLLPRI,
// reading cgroup.procs, freezing, killing, and removing a directory tree.

#include "processkit/core/error.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace processkit::os::cgroup_fs {

/// 0 on success, else the errno of open or write.
int write_file(const std::string& path, std::string_view content);
/// The whole content of a small file from offset 0 (re-reads an open
/// cgroup.events, which also re-arms its POLLPRI notification). A short
/// read ends it: cgroup files are seq_files, which fill a read or return
/// all that is left.
std::optional<std::string> pread_all(int fd);
/// The pids in `dir`/cgroup.procs; nullopt if it cannot be read.
std::optional<std::vector<pid_t>> read_pids(const std::string& dir);
/// Re-reads `dir`/cgroup.events until `done(content)` holds, waiting for
/// POLLPRI in between, for at most 1 s. True if `done` held.
bool wait_for_events(const std::string& dir, const std::function<bool(std::string_view)>& done);
/// An Io error "`what`: strerror(err)" naming `path`.
Error io_error(const std::string& what, int err, const std::string& path);
/// Writes cgroup.freeze and waits (bounded) until the kernel reports the
/// state or the group is empty. Throws Io if the file cannot be written.
void freeze_dir(const std::string& dir, bool frozen);
/// lstat(2) says `path` is a directory.
bool is_directory(const std::string& path);
/// The names of the directories in `dir` (empty if it cannot be read).
std::vector<std::string> subdirectory_names(const std::string& dir);
/// rmdir of `dir` (and, if processes left nested cgroups, of those first).
/// 0 on success, else errno.
int remove_cgroup_dir(const std::string& dir);
/// cgroup.kill, or the freezer fallback where it does not exist. Returns
/// false if `dir` does not exist (nothing to kill). Throws Error (Io).
bool kill_dir(const std::string& dir);

} // namespace processkit::os::cgroup_fs
