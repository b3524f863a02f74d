// The blocking pipeline: the shared PipelineDriver (core's PipelineMachine,
// stages, pipes, group) on one reactor; this file only waits, for the
// reactor, the pipeline's deadline and a cancel (a CancelToken tied to the
// options' stop_token).
#include "processkit/blocking/pipeline.hpp"

#include "processkit/blocking/cancel_token.hpp"
#include "processkit/blocking/reactor.hpp"
#include "processkit/blocking/wait_ready.hpp"
#include "processkit/driver/pipeline_driver.hpp"

#include <optional>
#include <vector>

namespace processkit {
namespace {

/// Waits for the pipeline's stages and deadlines, and for a cancel.
PipelineResult run_pipeline_to_end(const Pipeline& pipeline, const PipelineOptions& options) {
    // A token cancelled by options.stop, made before anything is spawned (a
    // failure leaks nothing); none when the pipeline cannot be cancelled.
    std::optional<CancelToken> cancel;
    if (options.stop.stop_possible()) {
        cancel.emplace(options.stop);
    }
    blocking::Reactor reactor; // outlives the driver registered with it
    driver::PipelineDriver driver(pipeline, options.group, reactor);
    bool cancel_pending = cancel.has_value();
    driver.start(Clock::now());
    while (!driver.finished()) {
        std::optional<TimePoint> wake = reactor.next_deadline();
        if (auto own = driver.next_deadline(); own && (!wake || *own < *wake)) {
            wake = own;
        }
        std::vector<os::NativeHandle> handles{reactor.fd()};
        if (cancel_pending) {
            handles.push_back(cancel->fd());
        }
        blocking::wait_ready(handles, wake);
        TimePoint now = Clock::now();
        reactor.run_once(now); // dispatch what is ready, without waiting
        driver.update(now);
        if (cancel_pending && cancel->cancelled()) {
            cancel_pending = false;
            driver.cancel(now);
        }
        if (auto own = driver.next_deadline(); own && *own <= now) {
            driver.on_deadline(now);
        }
    }
    return *driver.take_result();
}

} // namespace

PipelineResult output_string(const Pipeline& pipeline, const PipelineOptions& options) {
    return run_pipeline_to_end(pipeline, options);
}

PipelineResult output_bytes(const Pipeline& pipeline, const PipelineOptions& options) {
    return run_pipeline_to_end(pipeline, options);
}

std::string run(const Pipeline& pipeline, const PipelineOptions& options) {
    auto answer = run_answer(run_pipeline_to_end(pipeline, options));
    if (answer.error) {
        throw *answer.error;
    }
    return std::move(*answer.value);
}

int exit_code(const Pipeline& pipeline, const PipelineOptions& options) {
    auto answer = exit_code_answer(run_pipeline_to_end(pipeline, options));
    if (answer.error) {
        throw *answer.error;
    }
    return *answer.value;
}

bool probe(const Pipeline& pipeline, const PipelineOptions& options) {
    auto answer = probe_answer(run_pipeline_to_end(probe_pipeline(pipeline), options));
    if (answer.error) {
        throw *answer.error;
    }
    return *answer.value;
}

} // namespace processkit
