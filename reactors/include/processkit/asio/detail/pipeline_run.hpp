#pragma once
// The Asio side of a pipeline run: the shared PipelineDriver, its stages'
// descriptors as stream_descriptor waits and its deadlines as one timer, all
// on a strand of its own (pipeline_run.cpp).

#include "processkit/asio/detail/completion.hpp"
#include "processkit/asio/export.hpp"
#include "processkit/core/pipeline.hpp"
#include "processkit/os/process_group.hpp"

#include <asio/any_io_executor.hpp>
#include <asio/cancellation_signal.hpp>
#include <system_error>

namespace processkit::asio::detail {

using PipelineCompletion = CompletionPtr<std::error_code, PipelineResult>;

/// Starts the run (spawning happens inside this call) and completes with
/// operation_aborted if cancelled through `slot`, with InvalidArgument for an
/// invalid pipeline or the group's error if it cannot be made (the result
/// then has no stage), else with the code of the first stage that reported
/// an Error (e.g. a spawn failure), or none.
PROCESSKIT_ASIO_EXPORT void start_pipeline(const ::asio::any_io_executor& ex, Pipeline pipeline,
                                           GroupOptions group, PipelineCompletion completion,
                                           ::asio::cancellation_slot slot);

} // namespace processkit::asio::detail
