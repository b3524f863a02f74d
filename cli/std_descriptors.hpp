#pragma once
// Descriptors 0, 1 and 2 made valid before pk opens anything (S2): one that
// pk inherited closed is opened on /dev/null, so no internal descriptor
// (signalfd, pidfd, pipe end, guard socket) can land on 0-2 and become a
// child's stdio. Which ones were closed is remembered: pk must not pretend
// to deliver its JSON result to a stdout that was never there.

namespace pk {

/// Call first thing in main(), before anything opens a descriptor. Never
/// fails: if /dev/null cannot be opened the slot stays closed.
void make_std_descriptors_valid() noexcept;

/// True if descriptor `fd` (0, 1 or 2) was closed when pk started.
bool std_descriptor_was_closed(int fd) noexcept;

} // namespace pk
