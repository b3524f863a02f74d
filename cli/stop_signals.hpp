#pragma once
// The signals that stop a run (INT, TERM, HUP), taken out of asynchronous
// delivery: they are blocked and read from a signalfd that pk polls with the
// reactor. A signal pk inherited as ignored stays ignored (as with nohup).
// The mask is restored on destruction; children start with an empty mask and
// default dispositions whatever pk does here (the spawn resets both).

#include "processkit/os/unique_fd.hpp"

#include <optional>
#include <signal.h>

namespace pk {

class StopSignals {
public:
    StopSignals();
    StopSignals(const StopSignals&) = delete;
    StopSignals& operator=(const StopSignals&) = delete;
    ~StopSignals();

    /// Readable when a signal is pending (close-on-exec, non-blocking).
    int fd() const { return fd_.get(); }
    /// The next pending signal's number, if any.
    std::optional<int> take();

private:
    sigset_t previous_mask_;
    processkit::os::UniqueFd fd_;
};

} // namespace pk
