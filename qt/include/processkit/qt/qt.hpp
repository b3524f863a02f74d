#pragma once
// The Qt adapter (processkit::qt, target processkit::qt): a run as a QObject
// with signals, and a ProcessGroup's stats series. See docs/qt.md.

// Qt's `emit` keyword macro (defined unless QT_NO_KEYWORDS) would rewrite the
// core's emit() members: keep it out while processkit's own headers are read,
// whatever the includer included before.
#pragma push_macro("emit")
#undef emit
#include "processkit/os/process_group.hpp"
#pragma pop_macro("emit")
#include "processkit/qt/metatypes.hpp"
#include "processkit/qt/process.hpp"
#include "processkit/qt/stats_sampler.hpp"
