#pragma once
// Private to spawn (os/linux/spawn*.cpp): the parent's side of the child's
// stdin/stdout/stderr — the pipes and files opened for it, the parent's own
// descriptors it inherits, and the redirections a pipeline asks for.

#include "processkit/os/spawn.hpp"
#include "processkit/os/unique_fd.hpp"
#include "spawn_child.hpp"

#include <array>

namespace processkit::os::spawn_detail {

struct Stdio {
    /// The ends the child gets as 0, 1, 2, opened here (pipes, files).
    std::array<UniqueFd, 3> child;
    /// What the child takes as 0, 1, 2: child[i], the parent's own i
    /// (inherited), or null_device.
    std::array<int, 3> source{null_device, null_device, null_device};
    std::array<bool, 3> inherited{false, false, false};
    UniqueFd stdin_pipe;
    UniqueFd stdout_pipe;
    UniqueFd stderr_pipe;

    void set(int target, UniqueFd fd);
    /// The parent's own descriptor as it is (not a duplicate: the child's
    /// table copy then stays below 3), or the null device if the parent has
    /// nothing open there. Like a duplicate made here, it is the parent's
    /// descriptor at one moment of the spawn.
    /// A closed or close-on-exec descriptor is not a standard stream: the
    /// null device instead (checked again by the child, see child_main).
    void inherit(int target);
    /// 1 + the highest parent descriptor the child needs (at least 3).
    unsigned keep_below() const;
};

/// Opens what `command` and `redirect` ask for (pipes, files). Throws Error
/// (Io, naming no program: the caller names it) if a file cannot be opened.
Stdio prepare_stdio(const Command& command, const StdioRedirect& redirect);

} // namespace processkit::os::spawn_detail
