#pragma once
// CancelToken: a thread-safe "stop now" flag that blocking waits can poll
// on, and a cancellable output_string built on it. Used by the retry
// wrappers (C7) and the Supervisor (P2); usable on its own.
//
// Thread-safety: cancel() and cancelled() may be called from any thread.
// Copies share one flag, so hand a copy to the thread that cancels.

#include "processkit/blocking/export.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/result.hpp"
#include "processkit/core/time.hpp"
#include "processkit/os/stream_io.hpp"

#include <cstdint>
#include <memory>
#include <stop_token>

namespace processkit {

/// A thread-safe "stop now" flag that blocking waits can poll or wait on.
/// Copies share one flag: hand a copy to the thread that cancels.
class PROCESSKIT_BLOCKING_EXPORT CancelToken {
public:
    /// A fresh, uncancelled token (owns an eventfd, shared by its copies).
    /// Throws Error (Io) if the eventfd (Windows: event) cannot be created.
    CancelToken();
    /// A token cancelled when stop is requested on `stop` (std::jthread, a
    /// pipeline's PipelineOptions::stop): one cancellation for both APIs.
    explicit CancelToken(std::stop_token stop);

    /// Idempotent; wakes every wait on this token.
    void cancel() const noexcept;
    /// True once cancel() was called on any copy (or stop was requested).
    bool cancelled() const noexcept;
    /// Sleeps until `deadline` unless cancelled first. True if the time
    /// passed without a cancel.
    bool sleep_until(TimePoint deadline) const;
    /// sleep_until(now + `d`), saturating at TimePoint::max().
    bool sleep_for(Duration d) const;
    /// Readable (POLLIN) once cancelled, for callers with their own poll loop
    /// (Windows: an event, signalled once cancelled).
    os::NativeHandle fd() const noexcept;

private:
    struct State;
    static void cancel_state(State& s) noexcept;
    std::shared_ptr<State> state_;
};

/// How a cancelled run is stopped.
enum class CancelStop : std::uint8_t {
    Graceful, ///< the command's timeout signal to the tree, a kill after its grace
    Kill,     ///< the whole tree is killed at once
};

/// Like output_string(command), in a private group, but `cancel` (from any
/// thread) ends the run: its result then says Outcome::Cancelled, also if its
/// timeout fired first (a cancel beats a timeout).
PROCESSKIT_BLOCKING_EXPORT ProcessResult output_string(const Command& command,
                                                       const CancelToken& cancel,
                                                       CancelStop how = CancelStop::Graceful);

} // namespace processkit
