// The child program of spawn (X2): what runs in the vfork-style child between
// clone and execve. It enters its container if clone3 did not place it,
// takes a descriptor table of its own, starts a session or process group,
// resets signals, sets up stdio, closes every other descriptor, changes
// directory and credentials, arms the parent-death signal, and execs the
// candidates in order. A failure is written into the ChildPlan (stage, errno,
// candidate) that the parent shares (CLONE_VM), then the child exits.
//
// The child runs on the parent's memory with the parent thread's TLS, so it
// must only make raw system calls: no allocation, no locks, no exceptions, no
// stdio, and no glibc wrappers that consult process-wide state (setuid() in
// glibc would broadcast to the *parent's* threads; sigaction() under a
// sanitizer would rewrite the parent's interceptor tables). Everything it
// needs is prepared beforehand by the parent (spawn.cpp).
#include "spawn_child.hpp"

#include <cerrno>
#include <csignal>
#include <cstddef>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace processkit::os::spawn_detail {

namespace {

#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

[[noreturn]] PK_CHILD_CODE void child_fail(ChildPlan& plan, Stage stage, int err) {
    plan.error = err != 0 ? err : EIO;
    plan.stage = static_cast<int>(stage);
    for (;;) {
        ::syscall(SYS_exit_group, 127);
    }
}

PK_CHILD_CODE bool child_syscall_ok(long result) {
    return result >= 0;
}

} // namespace

/// Runs in the child, between clone and execve. Raw system calls only.
PK_CHILD_CODE int child_main(void* arg) {
    ChildPlan& plan = *static_cast<ChildPlan*>(arg);

    // (1) Into the container first, before anything else runs and while we
    // still have the privileges to write cgroup.procs.
    if (plan.cgroup_procs_fd >= 0) {
        if (::syscall(SYS_write, plan.cgroup_procs_fd, "0", 1) != 1) {
            child_fail(plan, Stage::Cgroup, errno);
        }
    }
    // (2) A descriptor table of our own before touching any descriptor, if
    // the clone shared the parent's (CLONE_FILES). Only the descriptors
    // below keep_below are copied into it. Without close_range (before 5.9),
    // a copy of the whole table. If both are refused (a seccomp filter), the
    // parent clones again without sharing.
    if (plan.share_table &&
        ::syscall(SYS_close_range, plan.keep_below, ~0U, CLOSE_RANGE_UNSHARE) != 0 &&
        !child_syscall_ok(::syscall(SYS_unshare, CLONE_FILES))) {
        child_fail(plan, Stage::Descriptors, errno);
    }
    // (3) A session leader also leads a new group; after setpgid(0, 0) setsid
    // would fail with EPERM, so with both wanted only setsid runs.
    if (plan.new_session) {
        if (!child_syscall_ok(::syscall(SYS_setsid))) {
            child_fail(plan, Stage::Session, errno);
        }
    } else if (plan.new_process_group) {
        if (!child_syscall_ok(::syscall(SYS_setpgid, 0, 0))) {
            child_fail(plan, Stage::ProcessGroup, errno);
        }
    }
    // (4) Default dispositions, then an empty mask (all signals are blocked
    // until now: the parent blocked them before clone). An all-zero kernel
    // sigaction is SIG_DFL, no flags, empty mask, on every architecture.
    const unsigned long zeros[16] = {};
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig != SIGKILL && sig != SIGSTOP) {
            (void)::syscall(SYS_rt_sigaction, sig, zeros, nullptr, kernel_sigset_bytes);
        }
    }
    (void)::syscall(SYS_rt_sigprocmask, SIG_SETMASK, zeros, nullptr, kernel_sigset_bytes);

    // (5) stdio. The sources are descriptors owned by the parent (or the
    // parent's own 0-2; one may serve two slots, e.g. a terminal for stdout
    // and stderr), or the null device opened here; a source that sits on
    // another stdio slot is first moved out of the way.
    // An inherited slot passes on only a standard stream: if the number is
    // closed, or close-on-exec (then it is somebody's internal descriptor —
    // a library's eventfd, a /proc read in flight — that landed on 0-2
    // because the program runs with them closed), the child gets the null
    // device instead (S2). Checked here, on the child's own copy of the
    // table, so no other thread can swap the descriptor after the check.
    int src[3] = {plan.stdio[0], plan.stdio[1], plan.stdio[2]};
    for (int i = 0; i < 3; ++i) {
        if (plan.inherited[static_cast<std::size_t>(i)]) {
            const long fd_flags = ::syscall(SYS_fcntl, i, F_GETFD);
            if (fd_flags < 0 || (fd_flags & FD_CLOEXEC) != 0) {
                src[i] = null_device;
            }
        }
    }
    for (int i = 0; i < 3; ++i) {
        if (src[i] == null_device) {
            const int flags = (i == 0 ? O_RDONLY : O_WRONLY) | O_CLOEXEC | O_NOCTTY;
            const long opened = ::syscall(SYS_openat, AT_FDCWD, "/dev/null", flags);
            if (!child_syscall_ok(opened)) {
                child_fail(plan, Stage::Stdio, errno);
            }
            src[i] = static_cast<int>(opened);
        }
    }
    for (int i = 0; i < 3; ++i) {
        if (src[i] < 3 && src[i] != i) {
            const long moved = ::syscall(SYS_fcntl, src[i], F_DUPFD_CLOEXEC, 3);
            if (!child_syscall_ok(moved)) {
                child_fail(plan, Stage::Stdio, errno);
            }
            src[i] = static_cast<int>(moved);
        }
    }
    for (int i = 0; i < 3; ++i) {
        // Already in place (close-on-exec must go) or duplicated (dup3 with
        // no flags leaves the new descriptor inheritable).
        const long r =
            src[i] == i ? ::syscall(SYS_fcntl, i, F_SETFD, 0) : ::syscall(SYS_dup3, src[i], i, 0);
        if (!child_syscall_ok(r)) {
            child_fail(plan, Stage::Stdio, errno);
        }
    }
    // (6) Nothing else is inherited, close-on-exec or not. Marking every
    // descriptor from 3 up close-on-exec (Linux 5.11+) rather than closing
    // them here leaves the closing to execve, which does it after it has
    // released the parent (CLONE_VFORK): when the table holds many (the
    // parent's pipes sit high in a full table, or (2) had to copy all of
    // it), the parent goes on meanwhile instead of waiting for every one.
    // 0-2 (set up above, inheritable) are below the range; a failing execve
    // keeps them all until the exit closes them.
    if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0 &&
        ::syscall(SYS_close_range, 3U, ~0U, 0U) != 0) {
        for (int fd = 3; fd < plan.fallback_close_limit; ++fd) {
            (void)::syscall(SYS_close, fd);
        }
    }
    // (7) Working directory.
    if (plan.cwd != nullptr && !child_syscall_ok(::syscall(SYS_chdir, plan.cwd))) {
        child_fail(plan, Stage::Chdir, errno);
    }
    // (8) Credentials: groups, then gid, then uid (afterwards we could not).
    // Raw calls change this process only, which is exactly the child.
    if (plan.set_groups &&
        !child_syscall_ok(::syscall(SYS_setgroups, plan.group_count, plan.groups))) {
        child_fail(plan, Stage::Groups, errno);
    }
    if (plan.set_gid && !child_syscall_ok(::syscall(SYS_setgid, plan.gid))) {
        child_fail(plan, Stage::Gid, errno);
    }
    if (plan.set_uid && !child_syscall_ok(::syscall(SYS_setuid, plan.uid))) {
        child_fail(plan, Stage::Uid, errno);
    }
    // (9) After the credential change, which would clear it.
    if (plan.kill_on_parent_death) {
        if (!child_syscall_ok(::syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))) {
            child_fail(plan, Stage::ParentDeathSignal, errno);
        }
        if (::syscall(SYS_getppid) != plan.parent_pid) {
            child_fail(plan, Stage::ParentGone, ESRCH);
        }
    }
    // (10) Exec the candidates in order, as execvp does (without its /bin/sh
    // fallback for ENOEXEC).
    int last_error = ENOENT;
    int last_index = -1;
    int eacces_index = -1;
    for (std::size_t i = 0; i < plan.candidate_count; ++i) {
        (void)::syscall(SYS_execve, plan.candidates[i], plan.argv, plan.envp);
        const int err = errno;
        switch (err) {
        case EACCES:
            if (eacces_index < 0) {
                eacces_index = static_cast<int>(i);
            }
            [[fallthrough]];
        case ENOENT:
        case ENOTDIR:
        case ESTALE:
        case ENODEV:
        case ETIMEDOUT:
            last_error = err;
            last_index = static_cast<int>(i);
            continue;
        default:
            plan.candidate = static_cast<int>(i);
            child_fail(plan, Stage::Exec, err);
        }
    }
    if (eacces_index >= 0) {
        plan.candidate = eacces_index;
        child_fail(plan, Stage::Exec, EACCES);
    }
    plan.candidate = last_index;
    child_fail(plan, Stage::Exec, last_error);
}

} // namespace processkit::os::spawn_detail
