#pragma once
// Golden traces of the pipeline machine: the same script format as the run
// traces (traces/README.md), with pipeline inputs and actions.
//
//   config stages=yes,head unchecked=0 timeout=1000 grace=500 signal=TERM ok1=0,1
//   @0 start                 @0 spawned 0           @0 spawn-failed 1
//   @5 exited 0              @5 collected           @5 finished 0 exit 3 | signal 13
//   @7 cancel                @next tick

#include <string>
#include <string_view>

namespace processkit::testing {

/// Runs a pipeline trace script and returns its transcript (as run_trace).
std::string run_pipeline_trace(std::string_view script);

} // namespace processkit::testing
