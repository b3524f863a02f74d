#pragma once
// processkit: child processes that never outlive their owner.
// The umbrella header of the blocking API.

#include "processkit/blocking/api.hpp"             // IWYU pragma: export
#include "processkit/blocking/cancel_token.hpp"    // IWYU pragma: export
#include "processkit/blocking/pipeline.hpp"        // IWYU pragma: export
#include "processkit/blocking/readiness.hpp"       // IWYU pragma: export
#include "processkit/blocking/retry.hpp"           // IWYU pragma: export
#include "processkit/blocking/running_process.hpp" // IWYU pragma: export
#include "processkit/blocking/supervisor.hpp"      // IWYU pragma: export
#include "processkit/core/command.hpp"             // IWYU pragma: export
#include "processkit/core/error.hpp"               // IWYU pragma: export
#include "processkit/core/result.hpp"              // IWYU pragma: export
#include "processkit/core/stats.hpp"               // IWYU pragma: export
#include "processkit/os/process_group.hpp"         // IWYU pragma: export
