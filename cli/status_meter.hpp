#pragma once
// The figures of the live status line, from the samples pk takes anyway
// (--sample-every): memory and processes of the latest sample, CPU use as
// the cores used between the sample behind the previous figures and the
// latest one, elapsed time and the --timeout countdown from the clock. No
// clock of its own: every time is passed in.

#include "processkit/core/time.hpp"
#include "sample.hpp"
#include "status_text.hpp"

#include <optional>

namespace pk {

class StatusMeter {
public:
    /// `counts_groups`: the pgroup mechanism counts process groups.
    StatusMeter(std::optional<processkit::Duration> timeout, bool counts_groups);

    /// PROGRAM started (samples' t_ms count from here).
    void start(processkit::TimePoint now);
    void add(const Sample& s);
    /// The figures at `now`; CPU use is measured since the previous call
    /// (kept as it was when no sample came in between).
    StatusFigures figures(processkit::TimePoint now, bool stopping);

private:
    std::optional<processkit::Duration> timeout_;
    bool counts_groups_;
    std::optional<processkit::TimePoint> started_;
    std::optional<Sample> latest_;
    /// A new group has used no CPU: the first interval starts from zero.
    Sample reference_{};
    std::optional<double> cores_;
};

} // namespace pk
