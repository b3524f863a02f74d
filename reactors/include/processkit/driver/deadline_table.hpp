#pragma once
// The deadlines of the run drivers one reactor waits for: each driver reports
// its next one (Watcher::deadline_changed), the reactor arms one OS timer at
// the earliest, and when it fires, every driver whose deadline passed gets
// on_deadline(). Shared by the blocking, Asio and Qt reactors.
//
// Thread-safety: none; owned by one reactor.

#include "processkit/core/time.hpp"
#include "processkit/driver/run_driver.hpp"

#include <map>
#include <optional>
#include <set>
#include <utility>
#include <vector>

namespace processkit::driver {

/// The next deadline of each run driver of one reactor, ordered so the
/// reactor can arm one timer at the earliest and fire the due ones.
class DeadlineTable {
public:
    /// `at` empty: the driver has no deadline any more.
    void set(RunDriver& driver, std::optional<TimePoint> at) {
        if (auto it = of_.find(&driver); it != of_.end()) {
            order_.erase({it->second, &driver});
            of_.erase(it);
        }
        if (at) {
            of_.emplace(&driver, *at);
            order_.insert({*at, &driver});
        }
    }
    /// Forgets every deadline (no driver is called).
    void clear() {
        of_.clear();
        order_.clear();
    }
    /// The earliest deadline of all.
    std::optional<TimePoint> next() const {
        return order_.empty() ? std::nullopt : std::optional<TimePoint>(order_.begin()->first);
    }
    /// Calls on_deadline(now) on every driver whose deadline is at or before
    /// `now` (each forgets its deadline first: it reports its next one).
    void fire_due(TimePoint now) {
        std::vector<RunDriver*> due; // collected first: on_deadline edits the table
        for (auto it = order_.begin(); it != order_.end() && it->first <= now; ++it) {
            due.push_back(it->second);
        }
        for (RunDriver* d : due) {
            set(*d, std::nullopt);
            d->on_deadline(now);
        }
    }

private:
    std::set<std::pair<TimePoint, RunDriver*>> order_;
    std::map<RunDriver*, TimePoint> of_;
};

} // namespace processkit::driver
