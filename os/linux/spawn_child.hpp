#pragma once
// Private to spawn (os/linux/spawn*.cpp): the plan the parent prepares for
// the vfork-style child, the stage at which a child can fail, and the child
// program itself (spawn_child.cpp). The plan lives in the parent's memory;
// the child (CLONE_VM) reads it and writes back how it failed.

#include <array>
#include <csignal>
#include <cstddef>
#include <sys/types.h>

namespace processkit::os::spawn_detail {

// The child must not be instrumented: it runs on a private stack that the
// sanitizers know nothing about, with the parent thread's sanitizer state.
#if defined(__clang__) || defined(__GNUC__)
#define PK_CHILD_CODE __attribute__((no_sanitize("address", "thread", "undefined")))
#else
#define PK_CHILD_CODE
#endif

/// The kernel's sigset_t (64 signals on x86_64 and arm64), not glibc's 1024.
constexpr unsigned kernel_sigset_bytes = (NSIG - 1) / 8;
/// A stdio source in ChildPlan: the null device, opened by the child.
constexpr int null_device = -1;

/// Where the child stopped; reported back through ChildPlan.
enum class Stage : int {
    None = 0,
    Cgroup,
    ProcessGroup,
    Descriptors,
    Session,
    Stdio,
    Chdir,
    Groups,
    Gid,
    Uid,
    ParentDeathSignal,
    ParentGone,
    Exec,
};

/// Everything the child reads, prepared by the parent, plus the fields the
/// child writes when it fails (shared memory: CLONE_VM).
struct ChildPlan {
    const char* const* candidates = nullptr;
    std::size_t candidate_count = 0;
    char* const* argv = nullptr;
    char* const* envp = nullptr;
    const char* cwd = nullptr;
    /// The parent's descriptor for 0, 1, 2 (which may be that number itself),
    /// or null_device.
    std::array<int, 3> stdio{null_device, null_device, null_device};
    /// Which of 0-2 pass on the parent's own descriptor of that number
    /// (StdioMode::Inherit). The child re-checks them (see (5) in child_main).
    std::array<bool, 3> inherited{false, false, false};
    /// The clone shares the parent's descriptor table (CLONE_FILES); the
    /// child's own table then keeps the parent's descriptors below
    /// keep_below (>= 3). Otherwise the clone copies all of them.
    bool share_table = true;
    unsigned keep_below = 3;
    int cgroup_procs_fd = -1;
    bool new_process_group = false;
    bool new_session = false;
    bool set_groups = false;
    const gid_t* groups = nullptr;
    std::size_t group_count = 0;
    bool set_gid = false;
    gid_t gid = 0;
    bool set_uid = false;
    uid_t uid = 0;
    bool kill_on_parent_death = false;
    pid_t parent_pid = 0;
    int fallback_close_limit = 0;

    // Written by the child only.
    volatile int stage = 0;
    volatile int error = 0;
    volatile int candidate = -1;
};

/// The child program, run between clone and execve with `arg` a ChildPlan*.
/// Raw system calls only; never returns on success (execve), and exits with
/// 127 after recording stage, errno and candidate in the plan on failure.
PK_CHILD_CODE int child_main(void* arg);

} // namespace processkit::os::spawn_detail
