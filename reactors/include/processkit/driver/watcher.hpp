#pragma once
// What a reactor offers the shared run driver: watching descriptors (on
// Windows: waitable handles, os/stream_io.hpp) and one deadline per driver. The Asio, Qt and
// blocking reactors implement it; the driver calls it before it closes a descriptor and after it
// opens one, so a reactor never holds a stale registration.
//
// Thread-safety: called by a driver from its reactor's thread only.

#include "processkit/core/time.hpp"
#include "processkit/driver/export.hpp"
#include "processkit/os/stream_io.hpp"

#include <cstdint>
#include <optional>

namespace processkit::driver {

class RunDriver;

enum class FdRole : std::uint8_t {
    Stdout, ///< readable: output to read (Windows: the pipe's ready event)
    Stderr, ///< readable: output to read (Windows: the pipe's ready event)
    Stdin,  ///< writable: room for queued input (Windows: the write completed)
    Child,  ///< readable pidfd: the child exited (Windows: the process handle)
    Group,  ///< POLLPRI on cgroup.events: the tree's population changed (Linux)
};

/// The interface a reactor implements for the RunDrivers it runs: it waits
/// on the handles they register and for their deadlines, and calls back
/// RunDriver::on_ready() and RunDriver::on_deadline().
class PROCESSKIT_DRIVER_EXPORT Watcher {
public:
    virtual ~Watcher() = default;
    /// Starts waiting on `fd` for what `role` names; when it is ready, the
    /// reactor calls driver.on_ready(fd, role, now).
    virtual void watch(RunDriver& driver, os::NativeHandle fd, FdRole role) = 0;
    /// Stops waiting on `fd`. The driver calls it at the latest before it
    /// closes `fd`, so no stale registration is left.
    virtual void unwatch(RunDriver& driver, os::NativeHandle fd, FdRole role) = 0;
    /// The driver's next deadline changed (nullopt: none).
    virtual void deadline_changed(RunDriver& driver, std::optional<TimePoint> at) = 0;
};

} // namespace processkit::driver
