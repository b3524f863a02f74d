#pragma once
// The StartedProcess of a scripted run (ScriptedRunner, ReplayRunner).

#include "processkit/testing/reply.hpp"
#include "processkit/testing/runner.hpp"

#include <memory>

namespace processkit::scripted {

/// Starts `reply` as the child of `command`; throws the spawn error, as
/// processkit::start does.
std::unique_ptr<StartedProcess> start_scripted(const Command& command, Reply reply,
                                               const StartOptions& options);

} // namespace processkit::scripted
