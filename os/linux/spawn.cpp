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
//
// This file is the clone machinery: the plan built from the Command, the
// child's stack, clone3(CLONE_INTO_CGROUP) and its fallbacks, and the
// SpawnedProcess handed back. What runs in the child is spawn_child.cpp, the
// stdio set-up on the parent's side spawn_stdio.cpp, and how a failure
// becomes a typed Error spawn_errors.cpp.
#include "processkit/os/spawn.hpp"

#include "processkit/core/error.hpp"
#include "spawn_child.hpp"
#include "spawn_errors.hpp"
#include "spawn_stdio.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <string_view>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char** environ; // NOLINT: POSIX

#if defined(__GLIBC__)
// glibc's clone() under its own name (see libc_clone()).
extern "C" int __clone(int (*fn)(void*), void* stack, int flags, void* arg, ...) noexcept;
#endif

namespace processkit::os {

namespace {

using spawn_detail::ChildPlan;
using spawn_detail::kernel_sigset_bytes;
using spawn_detail::Stage;
using spawn_detail::Stdio;

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif

/// The child's stack: the child only makes system calls, in a few frames.
constexpr std::size_t child_stack_bytes = 64 * 1024;
/// Descriptors closed one by one if close_range(2) is unavailable.
constexpr rlim_t max_fallback_close = 1 << 16;

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
/// state in the child — which, with CLONE_VM, is the parent's state. glibc
/// exports the same entry as __clone (GLIBC_2.2.5), which they leave alone;
/// no dynamic look-up is needed, so a statically linked program (pk) works
/// the same way.
CloneFunction libc_clone() noexcept {
#if defined(__GLIBC__)
    return &::__clone;
#else
    return &::clone;
#endif
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
        throw Error(ErrorKind::SpawnFailed, program,
                    "cannot enter the group: " + spawn_detail::errno_text(err))
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
        const long r = clone3_on_stack(&args, spawn_detail::child_main, &plan);
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
    c.pid = libc_clone()(spawn_detail::child_main, stack.top(),
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

    Stdio stdio = named_after(command.program(),
                              [&] { return spawn_detail::prepare_stdio(command, redirect); });

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
    const TimePoint started_at = Clock::now();
    if (pid < 0) {
        throw spawn_detail::clone_error(program, cloned.error);
    }
    // The pidfd is the lowest free number: keep it off 0-2 (S2).
    Child child(pid, UniqueFd(above_stdio(pidfd)));
    for (auto& fd : stdio.child) {
        fd.reset(); // the child has its copies (or is gone)
    }

    if (const int stage = plan.stage; stage != static_cast<int>(Stage::None)) {
        const Error error = spawn_detail::spawn_error(
            command, candidates, static_cast<Stage>(stage), plan.error, plan.candidate);
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
