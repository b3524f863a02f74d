// The raw posix_spawn baselines, shared by pk-bench's raw-* jobs and the
// peer-raw-spawn program: no library between the job and the kernel.
#pragma once

#include <string>
#include <vector>

namespace processkit::bench {

/// N x posix_spawn(/bin/true) + waitpid, stdio inherited. True if every
/// child exited 0.
bool raw_spawn(long n);

/// N x posix_spawnp(argv) + waitpid, one after another, stdio inherited.
/// True if every run exited 0.
bool raw_run_each(long n, const std::vector<std::string>& argv);

/// N x posix_spawn(/bin/sleep 0.2), then N waitpid. True if every child
/// exited 0.
bool raw_fanout(long n);

/// raw_fanout with one cgroup2 directory made (mkdir, under this process's
/// own) before each spawn and removed (rmdir) after each reap. The children
/// are not moved into them: a lower bound of what a directory per child
/// costs the kernel. False with `*note` set if there is no writable cgroup2.
bool raw_fanout_dirs(long n, std::string* note);

/// Runs `/bin/sh -c script` with posix_spawn and returns its stdout, read
/// through a pipe to the end. `*ok` is whether it started and exited 0.
std::string raw_shell(const std::string& script, bool* ok);

/// posix_spawn(`head -c BYTES /dev/zero`), its stdout read into memory. True
/// if it exited 0 and exactly BYTES bytes arrived (pk-bench capture's check).
bool raw_capture_to_memory(long bytes);

/// The kernel alone tearing down a tree: a cgroup made by hand under this
/// process's own cgroup2 directory, `sh` moved into it starting N `sleep 300`,
/// then one write to `cgroup.kill` and a wait for `populated 0` (POLLPRI on
/// `cgroup.events`) and for `sh` to be reaped. `*ms` is that last part.
/// False with `*note` set if there is no writable cgroup2 or the tree did not
/// start or end.
bool raw_teardown(long n, double* ms, std::string* note);

/// The stream of `line_stream(n)` read through a pipe and split into lines
/// in this process. True if it exited 0 and n lines of 99 characters came.
bool raw_count_lines(long n);

/// A child started by raw_start_idle: its pid and the parent's ends of its
/// stdout and stderr pipes.
struct RawIdleChild {
    int pid = 0;
    int stdout_fd = -1;
    int stderr_fd = -1;
};

/// posix_spawn(`/bin/sleep 3600`) with a stdout and a stderr pipe, appended
/// to `held`. False if it could not be started.
bool raw_start_idle(std::vector<RawIdleChild>& held);

/// SIGKILL to each child of `held`, reaped, its descriptors closed. True if
/// each died of SIGKILL.
bool raw_stop_idle(std::vector<RawIdleChild>& held);

/// This process's heap in use (glibc's count, mmap'ed blocks included) and
/// resident memory, in bytes: what the idle jobs measure before and after.
struct MemoryUse {
    double heap = 0;
    double rss = 0;
};
MemoryUse memory_use();

/// The idle jobs' extra fields: `idle_heap_bytes_per_child=...
/// idle_rss_bytes_per_child=...`, the growth from `before` to `after` over `n`.
std::string idle_note(const MemoryUse& before, const MemoryUse& after, long n);

/// Raises the soft descriptor limit to room for `n` children's descriptors
/// (three each at most), as far as the hard limit allows.
void allow_descriptors(long n);

/// The shell script that writes N lines of 100 bytes (99 characters + '\n').
std::string line_stream(long n);

} // namespace processkit::bench
