#pragma once
// The signals that stop a run (INT, TERM, HUP), taken out of asynchronous
// delivery: they are blocked and read from a signalfd that pk polls with the
// reactor. A signal pk inherited as ignored stays ignored (as with nohup).
// The mask is restored on destruction; children start with an empty mask and
// default dispositions whatever pk does here (the spawn resets both).
//
// Windows has no signals: Ctrl+C and Ctrl+Break (and a console closing) are
// taken by a console control handler that signals an event pk waits on, and
// reported as INT (2) and TERM (15).

#include "processkit/os/stream_io.hpp"

#include <optional>
#if !defined(_WIN32)
#include <signal.h>
#endif

namespace pk {

class StopSignals {
public:
    StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
    ~StopSignals();

    /// Readable when a signal is pending (close-on-exec, non-blocking);
    /// Windows: an event, signalled while one is pending.
    processkit::os::NativeHandle fd() const { return fd_.get(); }
    /// The next pending signal's number, if any.
    std::optional<int> take();

private:
#if defined(_WIN32)
    processkit::os::UniqueHandle fd_;
#else
    sigset_t previous_mask_;
    processkit::os::UniqueFd fd_;
#endif
};

} // namespace pk
