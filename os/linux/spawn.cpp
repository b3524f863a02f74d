// Spawning on Linux (X2): a vfork-style clone whose cost does not grow with
// the parent's memory, with a pidfd and no exit signal.
//
//   clone(child_main, stack, CLONE_VM | CLONE_VFORK | CLONE_PIDFD, &plan, &pidfd)
//
// * CLONE_VM | CLONE_VFORK: the child borrows the parent's address space, and
//   the calling thread sleeps until the child has called execve or exited, so
//   no page table is copied. Whatever the child writes into `plan` (how it
//   failed) is visible to the parent when clone returns: no error pipe needed.
// * No exit signal (low byte 0): until it execs, the child is a "clone
//   child": no SIGCHLD is sent for it, and neither waitpid(-1) without __WALL
//   nor SIG_IGN on SIGCHLD can take it. A spawn that fails before exec is
//   therefore always reaped here, with its error, whatever the program's own
//   SIGCHLD handling does. At execve the kernel resets the exit signal to
//   SIGCHLD (fs/exec.c), so a running program is an ordinary child again;
//   child.cpp still gets its status if someone else reaps it.
// * CLONE_PIDFD: the pidfd arrives with the pid (close-on-exec), no race.
// * CLONE_FILES: the child starts on the parent's descriptor table instead of
//   a copy of all of it (which costs the parent time for every descriptor it
//   holds, and the child as much again to close them). Its first step takes a
//   table of its own holding only the descriptors below the ones it needs
//   (close_range(CLOSE_RANGE_UNSHARE)); stdio the parent passes on as it is
//   is taken from the parent's 0-2, and /dev/null is opened by the child, so
//   that copy is usually 0-2 alone.
//
// The child runs on the parent's memory with the parent thread's TLS, so it
// must only make raw system calls: no allocation, no locks, no exceptions, no
// stdio, and no glibc wrappers that consult process-wide state (setuid() in
// glibc would broadcast to the *parent's* threads; sigaction() under a
// sanitizer would rewrite the parent's interceptor tables). Everything it
// needs is prepared beforehand, here in the parent.
#include "processkit/os/spawn.hpp"

#include "processkit/core/error.hpp"

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <dlfcn.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string_view>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char** environ; // NOLINT: POSIX

namespace processkit::os {

namespace {

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef CLOSE_RANGE_UNSHARE
#define CLOSE_RANGE_UNSHARE (1U << 1)
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

// The child must not be instrumented: it runs on a private stack that the
// sanitizers know nothing about, with the parent thread's sanitizer state.
#if defined(__clang__) || defined(__GNUC__)
#define PK_CHILD_CODE __attribute__((no_sanitize("address", "thread", "undefined")))
#else
#define PK_CHILD_CODE
#endif

/// The kernel's sigset_t (64 signals on x86_64 and arm64), not glibc's 1024.
constexpr unsigned kernel_sigset_bytes = (NSIG - 1) / 8;
/// The child's stack: the child only makes system calls, in a few frames.
constexpr std::size_t child_stack_bytes = 64 * 1024;
/// Descriptors closed one by one if close_range(2) is unavailable.
constexpr rlim_t max_fallback_close = 1 << 16;
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
    /// (StdioMode::Inherit). The child re-checks them (see (5)).
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

    // (5) stdio. The sources are distinct descriptors owned by the parent
    // (or the parent's own 0-2), or the null device opened here; a source
    // that sits on another stdio slot is first moved out of the way.
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

/// Blocks every signal (including glibc's internal ones, which
/// pthread_sigmask would leave open) and disables cancellation for the
/// duration of the clone: the child must not run a handler on shared memory
/// before it has reset the dispositions, and the parent must not be
/// cancelled while the child borrows its stack.
class CriticalSection {
public:
    CriticalSection() noexcept {
        (void)::pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state_);
        sigset_t all;
        ::sigfillset(&all);
        (void)::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &old_mask_, kernel_sigset_bytes);
    }
    ~CriticalSection() {
        (void)::syscall(SYS_rt_sigprocmask, SIG_SETMASK, &old_mask_, nullptr, kernel_sigset_bytes);
        (void)::pthread_setcancelstate(cancel_state_, nullptr);
    }
    CriticalSection(const CriticalSection&) = delete;
    CriticalSection& operator=(const CriticalSection&) = delete;

private:
    sigset_t old_mask_{};
    int cancel_state_ = PTHREAD_CANCEL_ENABLE;
};

using CloneFunction = int (*)(int (*)(void*), void*, int, void*, ...);

/// glibc's own clone(), not an interposed one: ThreadSanitizer (and other
/// runtimes) intercept clone() and treat it as fork, re-initialising their
/// state in the child — which, with CLONE_VM, is the parent's state.
CloneFunction libc_clone() noexcept {
    static const CloneFunction function = [] {
        CloneFunction found = &::clone;
        if (void* libc = ::dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD)) {
            if (void* symbol = ::dlsym(libc, "clone")) {
                static_assert(sizeof(symbol) == sizeof(found));
                std::memcpy(&found, &symbol, sizeof found);
            }
            ::dlclose(libc);
        }
        return found;
    }();
    return function;
}

#if defined(__x86_64__)
/// The kernel's struct clone_args (version 2, with `cgroup`: Linux 5.7).
struct CloneArgs {
    std::uint64_t flags;
    std::uint64_t pidfd;
    std::uint64_t child_tid;
    std::uint64_t parent_tid;
    std::uint64_t exit_signal;
    std::uint64_t stack;
    std::uint64_t stack_size;
    std::uint64_t tls;
    std::uint64_t set_tid;
    std::uint64_t set_tid_size;
    std::uint64_t cgroup;
};
constexpr std::uint64_t clone_into_cgroup = 0x200000000ULL;
constexpr long sys_clone3 = 435;

/// clone3 with a stack of our own. glibc has no public clone3 wrapper, and a
/// plain syscall() cannot be used with CLONE_VM: the child would return into
/// the parent's frames on a different stack. So the child leaves the syscall
/// instruction straight into fn(arg) and exits with its result; the parent
/// gets the pid, or -errno. fn and arg travel in r12/r13, which the syscall
/// preserves; the kernel points the child's rsp at the (16-byte aligned) top.
PK_CHILD_CODE __attribute__((noinline)) long clone3_on_stack(CloneArgs* args, int (*fn)(void*),
                                                             void* arg) noexcept {
    register long rax asm("rax") = sys_clone3;
    register CloneArgs* rdi asm("rdi") = args;
    register std::size_t rsi asm("rsi") = sizeof(CloneArgs);
    register int (*r12)(void*) asm("r12") = fn;
    register void* r13 asm("r13") = arg;
    asm volatile("syscall\n\t"
                 "test %%rax, %%rax\n\t"
                 "jnz 1f\n\t"
                 "xor %%ebp, %%ebp\n\t"
                 "mov %%r13, %%rdi\n\t"
                 "call *%%r12\n\t"
                 "mov %%eax, %%edi\n\t"
                 "mov $60, %%eax\n\t" // SYS_exit
                 "syscall\n\t"
                 "ud2\n"
                 "1:\n\t"
                 : "+r"(rax)
                 : "r"(rdi), "r"(rsi), "r"(r12), "r"(r13)
                 : "rcx", "r11", "memory", "cc");
    return rax;
}
#endif

/// The child's stack, mapped once per spawning thread and reused: a mapping
/// per spawn cost an mmap, fresh zeroed pages, and a munmap that flushes the
/// TLB of every CPU the child ran on. It is free again as soon as clone has
/// returned: the child then runs on a memory of its own (execve) or is gone
/// (exit); and a thread is in at most one clone at a time (it sleeps until
/// the child has exec'd, with every signal blocked).
class ChildStack {
public:
    /// Throws SpawnFailed naming `program` if the stack cannot be mapped.
    static ChildStack& of_this_thread(const std::string& program) {
        thread_local ChildStack stack;
        if (stack.mem_ == MAP_FAILED) {
            stack.map(program);
        }
        return stack;
    }
    ~ChildStack() {
        if (mem_ != MAP_FAILED) {
            ::munmap(mem_, child_stack_bytes);
        }
    }
    ChildStack(const ChildStack&) = delete;
    ChildStack& operator=(const ChildStack&) = delete;
    void* top() const noexcept { return static_cast<char*>(mem_) + child_stack_bytes; }
    void* base() const noexcept { return mem_; }
    static constexpr std::size_t size() noexcept { return child_stack_bytes; }

private:
    ChildStack() = default;
    void map(const std::string& program) {
        mem_ = ::mmap(nullptr, child_stack_bytes, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        if (mem_ == MAP_FAILED) {
            const int err = errno;
            throw Error(ErrorKind::SpawnFailed, program,
                        std::string("cannot map the child's stack: ") + std::strerror(err))
                .with_os_error(err);
        }
    }

    void* mem_ = MAP_FAILED;
};

template <class Range>
std::optional<std::string> find_path(const Range& env) {
    for (const auto& entry : env) {
        const std::string_view e(entry);
        if (e.starts_with("PATH=")) {
            return std::string(e.substr(5));
        }
    }
    return std::nullopt;
}

struct Stdio {
    /// The ends the child gets as 0, 1, 2, opened here (pipes, files).
    std::array<UniqueFd, 3> child;
    /// What the child takes as 0, 1, 2: child[i], the parent's own i
    /// (inherited), or null_device.
    std::array<int, 3> source{null_device, null_device, null_device};
    std::array<bool, 3> inherited{false, false, false};
    UniqueFd stdin_pipe;
    UniqueFd stdout_pipe;
    UniqueFd stderr_pipe;

    void set(int target, UniqueFd fd) {
        const auto i = static_cast<std::size_t>(target);
        source[i] = fd.get();
        child[i] = std::move(fd);
    }
    /// The parent's own descriptor as it is (not a duplicate: the child's
    /// table copy then stays below 3), or the null device if the parent has
    /// nothing open there. Like a duplicate made here, it is the parent's
    /// descriptor at one moment of the spawn.
    /// A closed or close-on-exec descriptor is not a standard stream: the
    /// null device instead (checked again by the child, see child_main).
    void inherit(int target) {
        const auto i = static_cast<std::size_t>(target);
        const int fd_flags = ::fcntl(target, F_GETFD);
        const bool stream = fd_flags >= 0 && (fd_flags & FD_CLOEXEC) == 0;
        source[i] = stream ? target : null_device;
        inherited[i] = stream;
    }
    /// 1 + the highest parent descriptor the child needs (at least 3).
    unsigned keep_below() const {
        int top = 2;
        for (const int fd : source) {
            top = std::max(top, fd);
        }
        return static_cast<unsigned>(top) + 1;
    }
};

Stdio prepare_stdio(const Command& command, const StdioRedirect& redirect) {
    const std::string& program = command.program();
    Stdio s;
    const StdinSource& in = command.stdin_source();
    // A redirected stdin opens nothing for the Command's own source.
    switch (redirect.stdin_fd >= 0 ? StdinSource::Kind::Inherit : in.kind) {
    case StdinSource::Kind::Empty:
        break; // the null device, opened by the child
    case StdinSource::Kind::Bytes:
    case StdinSource::Kind::Interactive: {
        Pipe p = make_child_pipe(ParentEnd::Write);
        s.set(0, std::move(p.read));
        s.stdin_pipe = std::move(p.write);
        break;
    }
    case StdinSource::Kind::File:
        s.set(0, open_for_child(in.data.c_str(), false, program));
        break;
    case StdinSource::Kind::Inherit:
        s.inherit(0);
        break;
    }
    if (redirect.stdin_fd >= 0) {
        s.source[0] = redirect.stdin_fd;
        s.inherited[0] = false; // the caller's descriptor, taken as given
    }
    for (Stream stream : {Stream::Stdout, Stream::Stderr}) {
        const int target = stream == Stream::Stdout ? 1 : 2;
        UniqueFd& parent_end = stream == Stream::Stdout ? s.stdout_pipe : s.stderr_pipe;
        if (stream == Stream::Stdout && redirect.stdout_fd >= 0) {
            s.source[1] = redirect.stdout_fd;
            s.inherited[1] = false;
            continue;
        }
        switch (command.mode(stream)) {
        case StdioMode::Capture:
        case StdioMode::Tee: {
            Pipe p = make_child_pipe(ParentEnd::Read);
            s.set(target, std::move(p.write));
            parent_end = std::move(p.read);
            break;
        }
        case StdioMode::Inherit:
            s.inherit(target);
            break;
        case StdioMode::Discard:
            break; // the null device, opened by the child
        }
    }
    return s;
}

std::string errno_text(int err) {
    return std::strerror(err);
}

/// The `cgroup.procs` the child writes itself into when clone3 cannot place
/// it: the caller's, or opened here from the directory (into `opened`).
/// Throws SpawnFailed as a child that could not enter the group would.
int procs_fd_for_child(const Placement& placement, UniqueFd& opened, const std::string& program) {
    if (placement.cgroup_procs_fd >= 0) {
        return placement.cgroup_procs_fd;
    }
    opened.reset(
        above_stdio(::openat(placement.cgroup_dir_fd, "cgroup.procs", O_WRONLY | O_CLOEXEC)));
    if (!opened) {
        const int err = errno;
        throw Error(ErrorKind::SpawnFailed, program, "cannot enter the group: " + errno_text(err))
            .with_os_error(err);
    }
    return opened.get();
}

/// False once a child could not take a descriptor table of its own (see
/// child_main): clones then copy the parent's table instead of sharing it.
std::atomic<bool> g_share_table{true};

struct Cloned {
    pid_t pid = -1;
    int pidfd = -1;
    int error = 0; ///< errno, when pid < 0
};

/// The clone itself: returns once the child has exec'd or exited (how it
/// failed is then in `plan`).
Cloned clone_child(ChildPlan& plan, const Placement& placement, UniqueFd& opened_procs,
                   const std::string& program) {
    const unsigned long share = plan.share_table ? CLONE_FILES : 0UL;
    Cloned c;
    ChildStack& stack = ChildStack::of_this_thread(program);
    CriticalSection quiet;
#if defined(__x86_64__)
    if (placement.kind == Placement::Kind::Cgroup && placement.cgroup_dir_fd >= 0) {
        // Created inside the cgroup by the kernel: atomic, and no migration
        // (which takes a global lock) on the spawn path.
        CloneArgs args{};
        args.flags = CLONE_VM | CLONE_VFORK | share | CLONE_PIDFD | clone_into_cgroup;
        args.pidfd = reinterpret_cast<std::uintptr_t>(&c.pidfd);
        args.stack = reinterpret_cast<std::uintptr_t>(stack.base());
        args.stack_size = ChildStack::size();
        args.cgroup = static_cast<std::uint64_t>(placement.cgroup_dir_fd);
        plan.cgroup_procs_fd = -1; // nothing for the child to do
        const long r = clone3_on_stack(&args, child_main, &plan);
        if (r >= 0) {
            c.pid = static_cast<pid_t>(r);
            return c;
        }
        if (r != -ENOSYS && r != -EINVAL && r != -E2BIG) {
            c.error = static_cast<int>(-r);
            return c;
        }
        // Otherwise an older kernel: clone, and the child writes itself into
        // cgroup.procs.
    }
#endif
    if (placement.kind == Placement::Kind::Cgroup) {
        plan.cgroup_procs_fd = procs_fd_for_child(placement, opened_procs, program);
    }
    c.pid = libc_clone()(child_main, stack.top(),
                         static_cast<int>(CLONE_VM | CLONE_VFORK | share | CLONE_PIDFD), &plan,
                         &c.pidfd);
    c.error = c.pid < 0 ? errno : 0;
    return c;
}

/// Reaps a child that has exited (its failure is known already).
void reap(const Cloned& c) {
    Child child(c.pid, UniqueFd(c.pidfd));
    try {
        (void)child.wait();
    } catch (...) {
        // The destructor of `child` tries once more.
    }
}

/// clone_child, sharing our descriptor table while children can leave it.
Cloned clone_with_table_of_its_own(ChildPlan& plan, const Placement& placement,
                                   UniqueFd& opened_procs, const std::string& program) {
    plan.share_table = g_share_table.load(std::memory_order_relaxed);
    const Cloned cloned = clone_child(plan, placement, opened_procs, program);
    if (!plan.share_table || cloned.pid < 0 || plan.stage != static_cast<int>(Stage::Descriptors)) {
        return cloned;
    }
    // The child could not leave our table (close_range and unshare both
    // refused) and did nothing else. This and every later child get a copy
    // of the table instead, as fork gives.
    reap(cloned);
    g_share_table.store(false, std::memory_order_relaxed);
    plan.share_table = false;
    plan.stage = static_cast<int>(Stage::None);
    plan.error = 0;
    return clone_child(plan, placement, opened_procs, program);
}

/// stat(2) of a path as the child saw it (relative to its directory).
bool stat_as_child(const std::string& path, const std::optional<std::string>& cwd,
                   struct stat& st) {
    std::string full = path;
    if (cwd && !path.starts_with('/')) {
        full = *cwd + "/" + path; // the child resolved it after chdir
    }
    return ::stat(full.c_str(), &st) == 0;
}

bool is_directory(const std::string& path, const std::optional<std::string>& cwd) {
    struct stat st {};
    return stat_as_child(path, cwd, st) && S_ISDIR(st.st_mode);
}

bool exists(const std::string& path, const std::optional<std::string>& cwd) {
    struct stat st {};
    return stat_as_child(path, cwd, st) && S_ISREG(st.st_mode);
}

/// The typed error for a child that stopped at `stage` with `err`.
Error spawn_error(const Command& command, const std::vector<std::string>& candidates, Stage stage,
                  int err, int candidate) {
    const std::string& program = command.program();
    const PosixOptions& posix = command.posix();
    switch (stage) {
    case Stage::Exec: {
        const std::string path =
            candidate >= 0 && static_cast<std::size_t>(candidate) < candidates.size()
                ? candidates[static_cast<std::size_t>(candidate)]
                : program;
        switch (err) {
        case ENOENT:
        case ENOTDIR:
        case ESTALE:
        case ENODEV:
        case ETIMEDOUT: {
            std::string detail = program.find('/') == std::string::npos ? "no such program on PATH"
                                 : err == ENOENT ? std::string("no such file")
                                                 : "cannot reach the file: " + errno_text(err);
            std::string where = path;
            if (err == ENOENT) {
                // ENOENT for a file that exists: its #! interpreter or its
                // ELF loader is missing.
                for (const auto& c : candidates) {
                    if (exists(c, command.working_directory())) {
                        detail = "'" + c +
                                 "' exists, but its interpreter (#! line) or "
                                 "dynamic loader was not found";
                        where = c;
                        break;
                    }
                }
            }
            return Error(ErrorKind::NotFound, program, detail)
                .with_os_error(err)
                .with_searched(candidates)
                .with_path(where);
        }
        case EACCES:
        case EISDIR:
            return Error(ErrorKind::PermissionDenied, program,
                         err == EISDIR || is_directory(path, command.working_directory())
                             ? "'" + path + "' is a directory"
                             : "'" + path + "' is not executable: " + errno_text(err))
                .with_os_error(err)
                .with_path(path);
        case ENOEXEC:
            return Error(ErrorKind::PermissionDenied, program,
                         "'" + path + "' is not an executable format")
                .with_os_error(err)
                .with_path(path);
        case E2BIG:
            return Error(ErrorKind::SpawnFailed, program, "argument list too long")
                .with_os_error(err);
        default:
            return Error(ErrorKind::SpawnFailed, program,
                         "cannot execute '" + path + "': " + errno_text(err))
                .with_os_error(err)
                .with_path(path);
        }
    }
    case Stage::Chdir: {
        const std::string& cwd = *command.working_directory();
        const std::string where = "working directory '" + cwd + "' ";
        ErrorKind kind = ErrorKind::SpawnFailed;
        std::string detail = where + "cannot be entered: " + errno_text(err);
        if (err == ENOENT) {
            kind = ErrorKind::NotFound;
            detail = where + "does not exist";
        } else if (err == ENOTDIR) {
            kind = ErrorKind::NotFound;
            detail = where + "is not a directory";
        } else if (err == EACCES) {
            kind = ErrorKind::PermissionDenied;
            detail = where + "is not accessible: " + errno_text(err);
        }
        return Error(kind, program, detail).with_os_error(err).with_path(cwd);
    }
    case Stage::Cgroup:
        return Error(ErrorKind::SpawnFailed, program, "cannot enter the group: " + errno_text(err))
            .with_os_error(err);
    case Stage::ProcessGroup:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot create a process group: " + errno_text(err))
            .with_os_error(err);
    case Stage::Descriptors:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot give the child a descriptor table of its own: " + errno_text(err))
            .with_os_error(err);
    case Stage::Session:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot start a new session: " + errno_text(err))
            .with_os_error(err);
    case Stage::Stdio:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot set up stdin/stdout/stderr: " + errno_text(err))
            .with_os_error(err);
    case Stage::Groups:
        return Error(ErrorKind::PermissionDenied, program,
                     "cannot set the supplementary groups: " + errno_text(err))
            .with_os_error(err);
    case Stage::Gid:
        return Error(ErrorKind::PermissionDenied, program,
                     "cannot switch to gid " + std::to_string(posix.gid.value_or(0)) + ": " +
                         errno_text(err))
            .with_os_error(err);
    case Stage::Uid:
        return Error(ErrorKind::PermissionDenied, program,
                     "cannot switch to uid " + std::to_string(posix.uid.value_or(0)) + ": " +
                         errno_text(err))
            .with_os_error(err);
    case Stage::ParentDeathSignal:
        return Error(ErrorKind::SpawnFailed, program,
                     "cannot set the parent-death signal: " + errno_text(err))
            .with_os_error(err);
    case Stage::ParentGone:
        return Error(ErrorKind::SpawnFailed, program, "the parent exited during the spawn")
            .with_os_error(err);
    case Stage::None:
        break;
    }
    return Error(ErrorKind::SpawnFailed, program, "unknown failure: " + errno_text(err))
        .with_os_error(err);
}

} // namespace

SpawnedProcess spawn(const Command& command, const Placement& placement) {
    return spawn(command, placement, StdioRedirect{});
}

SpawnedProcess spawn(const Command& command, const Placement& placement,
                     const StdioRedirect& redirect) {
    if (auto invalid = command.validate()) {
        throw *invalid;
    }
    const std::string& program = command.program();
    if (placement.kind == Placement::Kind::Cgroup && placement.cgroup_procs_fd < 0 &&
        placement.cgroup_dir_fd < 0) {
        throw Error(ErrorKind::InvalidArgument, program,
                    "cgroup placement without an open cgroup directory or cgroup.procs");
    }

    // --- everything the child will read, prepared here ---
    std::vector<std::string_view> parent_env;
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
        parent_env.emplace_back(*e);
    }
    // Without environment operations the child gets the parent's environment
    // as it is (as posix_spawn would): no copy on the spawn path.
    const bool own_env = !command.env_ops().empty();
    std::vector<std::string> env;
    if (own_env) {
        env = resolve_environment(parent_env, command.env_ops());
    }
    std::optional<std::string> path_variable = own_env ? find_path(env) : std::nullopt;
    if (!path_variable) {
        path_variable = find_path(parent_env);
    }
    const std::vector<std::string> candidates = exec_candidates(program, path_variable);

    std::vector<const char*> candidate_ptrs;
    candidate_ptrs.reserve(candidates.size());
    for (const auto& c : candidates) {
        candidate_ptrs.push_back(c.c_str());
    }
    std::vector<char*> argv;
    argv.reserve(command.arguments().size() + 2);
    argv.push_back(const_cast<char*>(program.c_str()));
    for (const auto& a : command.arguments()) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    if (own_env) {
        envp.reserve(env.size() + 1);
        for (auto& e : env) {
            envp.push_back(e.data());
        }
    } else {
        envp.reserve(parent_env.size() + 1);
        for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
            envp.push_back(*e);
        }
    }
    envp.push_back(nullptr);

    const PosixOptions& posix = command.posix();
    std::vector<gid_t> groups;
    if (posix.groups) {
        groups.assign(posix.groups->begin(), posix.groups->end());
    }

    rlimit nofile{};
    rlim_t close_limit = max_fallback_close;
    if (::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < close_limit) {
        close_limit = nofile.rlim_cur;
    }

    Stdio stdio = named_after(command.program(), [&] { return prepare_stdio(command, redirect); });

    ChildPlan plan;
    plan.candidates = candidate_ptrs.data();
    plan.candidate_count = candidate_ptrs.size();
    plan.argv = argv.data();
    plan.envp = envp.data();
    plan.cwd = command.working_directory() ? command.working_directory()->c_str() : nullptr;
    plan.stdio = stdio.source;
    plan.inherited = stdio.inherited;
    plan.keep_below = stdio.keep_below();
    plan.new_process_group = placement.kind == Placement::Kind::NewProcessGroup;
    plan.new_session = posix.new_session;
    plan.set_groups = posix.groups.has_value() || (posix.uid && ::geteuid() == 0);
    plan.groups = groups.data();
    plan.group_count = groups.size();
    plan.set_gid = posix.gid.has_value();
    plan.gid = posix.gid.value_or(0);
    plan.set_uid = posix.uid.has_value();
    plan.uid = posix.uid.value_or(0);
    plan.kill_on_parent_death = posix.kill_on_parent_death;
    plan.parent_pid = ::getpid();
    plan.fallback_close_limit = static_cast<int>(close_limit);

    // --- the clone: returns once the child has exec'd or exited ---
    UniqueFd opened_procs; // cgroup.procs, when opened here for the child
    const Cloned cloned = clone_with_table_of_its_own(plan, placement, opened_procs, program);
    const pid_t pid = cloned.pid;
    const int pidfd = cloned.pidfd;
    const int clone_error = cloned.error;
    const TimePoint started_at = Clock::now();
    if (pid < 0) {
        throw Error(ErrorKind::SpawnFailed, program,
                    "cannot create a process: " + errno_text(clone_error))
            .with_os_error(clone_error);
    }
    // The pidfd is the lowest free number: keep it off 0-2 (S2).
    Child child(pid, UniqueFd(above_stdio(pidfd)));
    for (auto& fd : stdio.child) {
        fd.reset(); // the child has its copies (or is gone)
    }

    if (const int stage = plan.stage; stage != static_cast<int>(Stage::None)) {
        const Error error =
            spawn_error(command, candidates, static_cast<Stage>(stage), plan.error, plan.candidate);
        try {
            (void)child.wait(); // it has exited: reap it now, leave no zombie
        } catch (...) {
            // The destructor of `child` tries once more.
        }
        throw error;
    }
    return SpawnedProcess{std::move(child), started_at, std::move(stdio.stdin_pipe),
                          std::move(stdio.stdout_pipe), std::move(stdio.stderr_pipe)};
}

} // namespace processkit::os
