#pragma once
// The processkit value types that travel in the Qt adapter's signals, made
// known to Qt's meta-type system so that queued connections (across threads)
// and QVariant / QSignalSpy can carry them.
//
// Process and StatsSampler call registerMetaTypes() when they are
// constructed; call it yourself before connecting by name (SIGNAL/SLOT
// strings) or building a QSignalSpy on a signal before any such object exists.
//
// Thread-safety: registerMetaTypes() may be called from any thread, any number
// of times.

// Qt's `emit` keyword macro (defined unless QT_NO_KEYWORDS) would rewrite the
// core's emit() members: keep it out while processkit's own headers are read,
// whatever the includer included before.
#pragma push_macro("emit")
#undef emit
#include "processkit/core/result.hpp"
#include "processkit/core/stats.hpp"
#pragma pop_macro("emit")

#include <QtCore/QMetaType>

Q_DECLARE_METATYPE(processkit::ProcessGroupStats)
Q_DECLARE_METATYPE(processkit::ProcessResult)

namespace processkit::qt {

/// Registers ProcessGroupStats, ProcessResult and the Process enums.
void registerMetaTypes();

} // namespace processkit::qt
