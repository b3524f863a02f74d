#include "processkit/qt/metatypes.hpp"

#include "processkit/qt/pipeline_process.hpp"
#include "processkit/qt/process.hpp"

namespace processkit::qt {

void registerMetaTypes() {
    // Function-local static: registered once, thread-safe.
    static const bool done = [] {
        qRegisterMetaType<processkit::ProcessGroupStats>("processkit::ProcessGroupStats");
        qRegisterMetaType<processkit::ProcessResult>("processkit::ProcessResult");
        qRegisterMetaType<processkit::Error>("processkit::Error");
        qRegisterMetaType<processkit::PipelineResult>("processkit::PipelineResult");
        qRegisterMetaType<processkit::qt::PipelineProcess::State>(
            "processkit::qt::PipelineProcess::State");
        qRegisterMetaType<processkit::SupervisorDecision>("processkit::SupervisorDecision");
        qRegisterMetaType<processkit::SupervisorReport>("processkit::SupervisorReport");
        qRegisterMetaType<processkit::qt::Process::State>("processkit::qt::Process::State");
        qRegisterMetaType<processkit::qt::Process::Channel>("processkit::qt::Process::Channel");
        qRegisterMetaType<processkit::qt::Process::ProcessError>(
            "processkit::qt::Process::ProcessError");
        return true;
    }();
    (void)done;
}

} // namespace processkit::qt
