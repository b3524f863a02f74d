#pragma once
// The Qt adapter (processkit::qt, target processkit::qt): a run as a QObject
// with signals (readiness, retries), a Supervisor, and a ProcessGroup's
// stats series. See docs/qt.md.

#include "processkit/os/process_group.hpp"
#include "processkit/qt/metatypes.hpp"
#include "processkit/qt/pipeline_process.hpp"
#include "processkit/qt/process.hpp"
#include "processkit/qt/stats_sampler.hpp"
#include "processkit/qt/supervisor.hpp"
