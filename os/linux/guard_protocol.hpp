#pragma once
// The messages an owner sends its guard (owner_guard.cpp -> guard_main.cpp).
// Private to os/linux: both ends are built from the same source tree.
//
// The channel is a SOCK_SEQPACKET socket pair: one message per send, never
// split or merged. A message is one fixed-size Message, plus descriptors
// (SCM_RIGHTS) for what it is about. There are no paths and no bare
// numbers to act on: the guard can only ever kill or remove objects whose
// descriptors the owner itself opened and handed over (S1). Every message
// also carries the sender's credentials, filled in by the kernel
// (SO_PASSCRED, set on the guard's end before the guard starts): the guard
// ignores any message that does not come from its owner's pid, so a process
// that got hold of the socket somehow still cannot forge or replay one.

#include <cstdint>

namespace processkit::os::guard_protocol {

/// First field of every message: "PKG2" (a different layout gets a new one).
constexpr std::uint32_t magic = 0x324b4750;

enum class Op : std::uint32_t {
    /// Kill this cgroup's tree when the owner dies, and remove the directory.
    /// Descriptors: the cgroup directory, then its parent directory (both
    /// on the cgroup2 filesystem; O_PATH is enough). `name`: the
    /// directory's name in the parent, starting with "processkit-".
    WatchCgroup = 1,
    /// The owner killed cgroup `id` but could not wait: remove the
    /// directory once the kernel reports it empty, then forget it.
    RemoveWhenEmpty = 2,
    /// Forget registration `id` (the owner removed or reaped it).
    Forget = 3,
    /// SIGKILL to process group `number` when the owner dies. Descriptor: a
    /// pidfd of the group's leader (whose pid is `number`), which tells
    /// whether the number still belongs to that group.
    WatchProcessGroup = 4,
    /// SIGKILL to one process when the owner dies. Descriptor: its pidfd.
    WatchProcess = 5,
};

constexpr std::uint32_t max_name = 255;

struct Message {
    std::uint32_t magic = guard_protocol::magic;
    Op op = Op::Forget;
    /// The owner's number for the registration (never 0).
    std::uint64_t id = 0;
    /// WatchProcessGroup: the pgid.
    std::int64_t number = 0;
    /// WatchCgroup: NUL-terminated name of the directory in its parent.
    char name[max_name + 1] = {};
};

/// Descriptors a message carries, at most.
constexpr int max_fds = 2;

constexpr int fds_of(Op op) {
    switch (op) {
    case Op::WatchCgroup:
        return 2;
    case Op::WatchProcessGroup:
    case Op::WatchProcess:
        return 1;
    case Op::RemoveWhenEmpty:
    case Op::Forget:
        return 0;
    }
    return -1;
}

} // namespace processkit::os::guard_protocol
