#pragma once
// Reading /proc (Linux): the fallbacks when a cgroup cannot tell.
//
// Thread-safety: reentrant.

#include "processkit/core/time.hpp"
#include "processkit/os/export.hpp"

#include <cstdint>
#include <dirent.h>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace processkit::os {

/// opendir(3) with its descriptor kept off 0-2 (see above_stdio); nullptr
/// with errno set on failure.
PROCESSKIT_OS_EXPORT DIR* open_directory(const std::string& path) noexcept;

/// A whole small file (/proc, /sys), or nullopt if it cannot be read.
PROCESSKIT_OS_EXPORT std::optional<std::string> read_small_file(const std::string& path);

/// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), to
/// tell a live owner from a reused pid.
PROCESSKIT_OS_EXPORT std::optional<std::uint64_t> process_start_time(pid_t pid);
/// The same for the calling process, read from /proc/self/stat: right even
/// when /proc was mounted from another pid namespace, where /proc/<getpid()>
/// is some other process. Like every /proc start time, the value is relative
/// to the reader's time namespace (its boot-time offset is added).
PROCESSKIT_OS_EXPORT std::optional<std::uint64_t> own_process_start_time();

/// Whether /proc shows this process's own pid namespace, so that
/// /proc/<pid> is the process that kill(pid, ...) would reach. False when
/// /proc was mounted from an ancestor namespace (`unshare --pid --fork`
/// without `--mount-proc`: /proc/self's NSpid has more than one entry) or
/// from one this process is not in (/proc/self does not resolve).
PROCESSKIT_OS_EXPORT bool proc_shows_own_pid_namespace();

/// The pid namespaces (nsfs inode numbers of /proc/<pid>/ns/pid) of every
/// process /proc lists, or nullopt if one could not be read for a reason
/// other than the process being gone (then the list would not be complete).
/// A scan of all of /proc: for rare use.
PROCESSKIT_OS_EXPORT std::optional<std::vector<std::uint64_t>> pid_namespaces_in_use();

/// Resident set size of a process in bytes, if it still exists.
PROCESSKIT_OS_EXPORT std::optional<std::uint64_t> resident_bytes(pid_t pid);

/// Every live (non-zombie) process whose process group is one of `pgids`.
PROCESSKIT_OS_EXPORT std::vector<pid_t> processes_in_groups(const std::vector<pid_t>& pgids);

} // namespace processkit::os
