#pragma once
// pk keeps its run protected against its own death (X1, S6): if the
// owner-death guard dies during the run (something killed it), pk notices
// within a check interval, has the library start a new guard and register the
// group with it, and says so once on stderr.

#include "processkit/core/time.hpp"
#include "processkit/os/process_group.hpp"

#include <functional>
#include <optional>
#include <string_view>

namespace pk {

class GuardWatch {
public:
    /// Writes one message of pk's own on stderr (whole lines).
    using Say = std::function<void(std::string_view)>;

    /// Watches only a group that starts protected (an unprotected one was
    /// reported already, and a guard that cannot start will not start later).
    GuardWatch(processkit::ProcessGroup& group, processkit::TimePoint now, Say say);

    /// When tick() wants to run next; nullopt when there is nothing to watch.
    std::optional<processkit::TimePoint> next_check() const { return next_; }
    /// Checks the guard when a check is due.
    void tick(processkit::TimePoint now);

private:
    processkit::ProcessGroup& group_;
    Say say_;
    std::optional<processkit::TimePoint> next_;
};

} // namespace pk
