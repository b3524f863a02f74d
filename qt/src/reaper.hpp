#pragma once
// Reaping an abandoned child without blocking the event loop: a small QObject
// that owns the (already SIGKILLed) child, waits for its pidfd to become
// readable, reaps it and deletes itself. It outlives the Process that gave
// the child up.
//
// Where it lives: in the calling thread. In the application's thread it is a
// child of the QCoreApplication, so destroying the application reaps what is
// left (a brief wait: the children are SIGKILLed); in another QThread it is
// deleted (and reaps) when that thread finishes. Without an event loop to
// wait on, the child is reaped at once (the same brief wait).

#include "processkit/os/child.hpp"

namespace processkit::qt::detail {

/// Takes the child and makes sure it is reaped; never blocks while an event
/// loop can wait for it.
void reap_later(os::Child child) noexcept;

} // namespace processkit::qt::detail
