#pragma once
// Private to spawn (os/linux/spawn*.cpp): how a failed spawn becomes a typed
// processkit::Error naming the program (E1) — the errno a child reported at
// the stage where it stopped, or the errno of the clone itself.

#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "spawn_child.hpp"

#include <string>
#include <vector>

namespace processkit::os::spawn_detail {

/// strerror(err) as a string.
std::string errno_text(int err);

/// The typed error for a child that stopped at `stage` with `err`; for
/// Stage::Exec, `candidate` is the index into `candidates` that failed (or
/// -1). NotFound (no such program, working directory missing, interpreter
/// missing), PermissionDenied (not executable, a directory, credentials),
/// SpawnFailed otherwise. May stat(2) the candidates to tell these apart.
Error spawn_error(const Command& command, const std::vector<std::string>& candidates, Stage stage,
                  int err, int candidate);

/// The error for a clone that did not create a process at all.
Error clone_error(const std::string& program, int err);

} // namespace processkit::os::spawn_detail
