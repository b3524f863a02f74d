#pragma once
// The processkit value types that travel in the Qt adapter's signals, made
// known to Qt's meta-type system so that queued connections (across threads)
// and QVariant / QSignalSpy can carry them.
//
// Process, Supervisor and StatsSampler call registerMetaTypes() when they are
// constructed; call it yourself before connecting by name (SIGNAL/SLOT
// strings) or building a QSignalSpy on a signal before any such object exists.
//
// Thread-safety: registerMetaTypes() may be called from any thread, any number
// of times.

#include "processkit/core/error.hpp"
#include "processkit/core/pipeline.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/stats.hpp"
#include "processkit/core/supervisor_policy.hpp"
#include "processkit/qt/export.hpp"

#include <QtCore/QMetaType>

Q_DECLARE_METATYPE(processkit::ProcessGroupStats)
Q_DECLARE_METATYPE(processkit::ProcessResult)
Q_DECLARE_METATYPE(processkit::Error)
Q_DECLARE_METATYPE(processkit::PipelineResult)
Q_DECLARE_METATYPE(processkit::SupervisorDecision)
Q_DECLARE_METATYPE(processkit::SupervisorReport)

namespace processkit::qt {

/// Registers ProcessGroupStats, ProcessResult, Error, SupervisorDecision,
/// SupervisorReport and the Process enums.
PROCESSKIT_QT_EXPORT void registerMetaTypes();

} // namespace processkit::qt
