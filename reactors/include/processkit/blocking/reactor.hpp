#pragma once
// The blocking reactor: one epoll loop driving any number of runs. It waits
// on their pipes, pidfds and cgroup.events, and on one deadline (the earliest
// of all runs, kept in an ordered set), so the cost per event does not grow
// with the number of children. Never a busy loop, never a sleep-poll.
//
// On Windows the loop is an I/O completion port: each watched handle (a
// pipe's ready event, a process handle) gets a thread-pool wait whose
// callback posts a packet to the port, and run_once() dispatches the packets
// (reactor_windows.cpp).
//
// Thread-safety: none; a reactor and its drivers are used from one thread at
// a time (it may move between threads between calls).

#include "processkit/blocking/export.hpp"
#include "processkit/driver/deadline_table.hpp"
#include "processkit/driver/run_driver.hpp"

#include <cstdint>
#include <memory>
#include <optional>
#include <unordered_map>
#include <utility>

namespace processkit::blocking {

/// The timeout for poll()/epoll_wait() that wakes at `at` (rounded up to
/// whole milliseconds, never early; -1 without a deadline, capped at a day).
PROCESSKIT_BLOCKING_EXPORT int poll_timeout_ms(std::optional<TimePoint> at);

/// One blocking event loop (epoll; Windows: an I/O completion port) driving
/// any number of RunDrivers registered with it as their Watcher.
class PROCESSKIT_BLOCKING_EXPORT Reactor final : public driver::Watcher {
public:
    /// Throws Error (Io) if the epoll instance (Windows: the completion
    /// port) cannot be created.
    Reactor();
    ~Reactor() override;
    Reactor(const Reactor&) = delete;
    Reactor& operator=(const Reactor&) = delete;

    /// Waits for events or the next deadline, at most until `until`, and
    /// dispatches them. Returns false if there was nothing to wait for.
    bool run_once(std::optional<TimePoint> until = std::nullopt);
    /// Runs until `done()` holds (checked after each dispatch) or `until`
    /// passes. Returns done().
    template <class Done>
    bool run_until(Done done, std::optional<TimePoint> until = std::nullopt) {
        while (!done()) {
            if (until && Clock::now() >= *until) {
                return done();
            }
            if (!run_once(until)) {
                return done();
            }
        }
        return true;
    }

    /// Readable (Windows: signalled) when this reactor has something to
    /// dispatch, for waiting on several reactors at once.
    os::NativeHandle fd() const;
    /// The earliest deadline of the registered drivers (nullopt: none).
    std::optional<TimePoint> next_deadline() const;

    // driver::Watcher
    void watch(driver::RunDriver& driver, os::NativeHandle fd, driver::FdRole role) override;
    void unwatch(driver::RunDriver& driver, os::NativeHandle fd, driver::FdRole role) override;
    void deadline_changed(driver::RunDriver& driver, std::optional<TimePoint> at) override;

private:
    /// Nothing to wait for: no handle and no deadline.
    bool idle() const;
    /// The earliest of the next deadline and `until`.
    std::optional<TimePoint> wake_at(std::optional<TimePoint> until) const;

    struct Registration {
        driver::RunDriver* driver;
        driver::FdRole role;
    };
    /// The OS part: the epoll instance, or the completion port and its waits.
    struct Loop;
    std::unique_ptr<Loop> loop_;
    std::unordered_map<os::NativeHandle, Registration> fds_;
    driver::DeadlineTable deadlines_;
};

} // namespace processkit::blocking
