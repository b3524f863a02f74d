#pragma once
// Reading /proc (Linux): the fallbacks when a cgroup cannot tell.
//
// Thread-safety: reentrant.

#include "processkit/core/time.hpp"

#include <cstdint>
#include <dirent.h>
#include <optional>
#include <string>
#include <sys/types.h>
#include <vector>

namespace processkit::os {

/// opendir(3) with its descriptor kept off 0-2 (see above_stdio); nullptr
/// with errno set on failure.
DIR* open_directory(const std::string& path) noexcept;

/// A whole small file (/proc, /sys), or nullopt if it cannot be read.
std::optional<std::string> read_small_file(const std::string& path);

/// Field 22 of /proc/<pid>/stat (start time in clock ticks since boot), to
/// tell a live owner from a reused pid.
std::optional<std::uint64_t> process_start_time(pid_t pid);

/// Resident set size of a process in bytes, if it still exists.
std::optional<std::uint64_t> resident_bytes(pid_t pid);

/// Every live (non-zombie) process whose process group is one of `pgids`.
std::vector<pid_t> processes_in_groups(const std::vector<pid_t>& pgids);

} // namespace processkit::os
