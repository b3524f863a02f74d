#pragma once
// The child's three stdio handles on Windows, prepared before CreateProcessW:
// inheritable handles for the child, overlapped pipe ends for the parent.
#include "processkit/core/command.hpp"
#include "processkit/os/windows/spawn.hpp"

namespace processkit::os::spawn_detail {

struct Stdio {
    UniqueHandle child[3];  ///< inheritable: stdin, stdout, stderr of the child
    UniqueHandle parent[3]; ///< our ends: stdin (write), stdout/stderr (read)
};

/// Throws Error (Io, NotFound for a missing stdin file).
Stdio prepare_stdio(const Command& command, const StdioRedirect& redirect);

} // namespace processkit::os::spawn_detail
