#pragma once
// What the Qt adapter waits on, on every platform: the OS layer hands a
// reactor a descriptor (POSIX: a QSocketNotifier watches it) or a waitable
// handle (Windows: a pipe's ready event or a process — a QWinEventNotifier).
// Both notifiers have an `activated` signal and setEnabled(); the adapter
// uses nothing else, so no POSIX call is left in qt/.
#include "processkit/driver/watcher.hpp"

#if defined(_WIN32)
#include <QtCore/QWinEventNotifier>
#else
#include <QtCore/QSocketNotifier>
#endif

namespace processkit::qt {

#if defined(_WIN32)
using HandleNotifier = QWinEventNotifier;

inline HandleNotifier* make_notifier(os::NativeHandle handle, driver::FdRole, QObject* parent) {
    return new QWinEventNotifier(handle, parent);
}
#else
using HandleNotifier = QSocketNotifier;

inline HandleNotifier* make_notifier(os::NativeHandle fd, driver::FdRole role, QObject* parent) {
    const auto type = role == driver::FdRole::Stdin   ? QSocketNotifier::Write
                      : role == driver::FdRole::Group ? QSocketNotifier::Exception // POLLPRI
                                                      : QSocketNotifier::Read;
    return new QSocketNotifier(fd, type, parent);
}
#endif

} // namespace processkit::qt
