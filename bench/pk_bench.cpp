// pk-bench JOB N — processkit's benchmark jobs and their raw baselines.
//
//   spawn N              N x (create a group, spawn /bin/true into it, wait, destroy it)
//   spawn-shared N       N x spawn /bin/true into one group and wait
//   spawn-bigparent N    as spawn, from a parent holding 1 GiB of touched memory
//   teardown N           a tree of N sleeping processes killed and fully gone
//   raw-teardown N       the kernel alone: a hand-made cgroup with the same tree,
//                        one write to cgroup.kill, wait for `populated 0`
//   raw-spawn N          baseline: N x posix_spawn(/bin/true) + waitpid
//   raw-spawn-bigparent N  the baseline from a 1 GiB parent
//   capture BYTES        output_bytes of `head -c BYTES /dev/zero` (reports peak RSS / BYTES)
//   raw-capture BYTES    baseline: `head -c BYTES /dev/zero | cat > /dev/null`
//   raw-capture-memory BYTES  the in-memory limit: the same bytes read straight
//                        into one buffer grown by remapping (pages touched once)
//   lines N              N lines of 100 bytes, each delivered to a line handler
//   raw-lines N          baseline: the same stream counted by `wc -l`
//   core-lines N         the core alone: the same lines replayed into a RunMachine
//                        (no process, no system call): user-space cost per line
//   fanout N             N concurrent `sleep 0.2` started and awaited in one reactor
//   fanout-shared N      the same, all N in one shared group (output_all(group, ...))
//   raw-fanout N         baseline: N posix_spawn(sleep 0.2), then N waitpid
//   raw-fanout-dirs N    raw-fanout with a cgroup directory made before each
//                        spawn and removed after each reap (the children not
//                        moved in): a floor for a directory per child
//   asio-fanout N        N concurrent `sleep 0.2` through one asio::io_context
//                        (processkit::asio::async_output_string, private groups);
//                        only when built with processkit::asio
//   idle N               N `sleep 3600` started with processkit::start (each in a
//                        group of its own, stdout and stderr captured) and held
//                        while idle: the owner's heap and resident memory per
//                        child (library only: the children's own memory is not
//                        in this process)
//   raw-idle N           baseline: N posix_spawn(sleep 3600), a stdout and a
//                        stderr pipe each, held as pids and descriptors
//   soak N               N runs cycling through four kinds (a short capture, a
//                        timeout with a TERM-ignoring grandchild, a setsid
//                        escaper in an explicit group, a missing program);
//                        fails if this process's descriptors, its live
//                        descendants, the processes carrying the run's marker
//                        or its own processkit-* cgroup directories differ
//                        after the runs from before them
//
// Prints one line: `job=... n=... total_ms=... per_op_us=... mechanism=...`.
// Exits 1 if any child did not exit as expected (or soak leaked), 2 on bad usage.
#include "processkit/core/run_machine.hpp"
#include "processkit/os/cgroup.hpp"
#include "processkit/processkit.hpp"
#include "raw_jobs.hpp"
#ifdef PK_BENCH_HAVE_ASIO
#include "processkit/asio/asio.hpp"

#include <asio/io_context.hpp>
#endif

#include <algorithm>
#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <functional>
#include <malloc.h>
#include <map>
#include <memory>
#include <optional>
#include <poll.h>
#include <set>
#include <sstream>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;
using processkit::Command;
using processkit::ProcessGroup;
using processkit::bench::line_stream;
using processkit::bench::raw_shell;

struct Outcome {
    bool ok = true;
    std::string mechanism = "none";
    std::string note;
};

Command true_command() {
    // Same stdio as the raw baseline: inherited, no pipes.
    Command c("/bin/true");
    c.stdin_inherit()
        .stdout_mode(processkit::StdioMode::Inherit)
        .stderr_mode(processkit::StdioMode::Inherit);
    return c;
}

bool exited_zero(processkit::os::Child& child) {
    return child.wait().status == processkit::ExitStatus::exited(0);
}

Outcome spawn_fresh(long n) {
    Outcome o;
    const Command cmd = true_command();
    for (long i = 0; i < n; ++i) {
        ProcessGroup group;
        o.mechanism = std::string(processkit::to_string(group.mechanism()));
        auto p = group.spawn(cmd);
        o.ok = exited_zero(p.child) && o.ok;
    }
    return o;
}

Outcome spawn_shared(long n) {
    Outcome o;
    const Command cmd = true_command();
    ProcessGroup group;
    o.mechanism = std::string(processkit::to_string(group.mechanism()));
    for (long i = 0; i < n; ++i) {
        auto p = group.spawn(cmd);
        o.ok = exited_zero(p.child) && o.ok;
    }
    return o;
}

#ifdef PK_BENCH_PK
/// `pk run -- true`, N times one after another, each waited for: what a
/// short command wrapped by `pk` costs, pk's own start, its guard and its
/// group included. Against `raw-pk-start`, `timeout 10 true` run the same way
/// (the wrapper pk is measured against, issue 16).
Outcome pk_start(long n) {
    Outcome o;
    o.ok = processkit::bench::raw_run_each(n, {PK_BENCH_PK, "run", "--", "true"});
    return o;
}

Outcome raw_pk_start(long n) {
    Outcome o;
    o.ok = processkit::bench::raw_run_each(n, {"timeout", "10", "true"});
    return o;
}
#endif

Outcome raw_spawn(long n) {
    Outcome o;
    o.ok = processkit::bench::raw_spawn(n);
    return o;
}

/// 1 GiB, every page written, kept alive for the whole job.
std::unique_ptr<char[]> big_parent_memory() {
    constexpr std::size_t size = std::size_t{1} << 30;
    auto memory = std::make_unique<char[]>(size);
    std::memset(memory.get(), 1, size);
    return memory;
}

Outcome teardown(long n) {
    Outcome o;
    ProcessGroup group;
    o.mechanism = std::string(processkit::to_string(group.mechanism()));
    Command c("sh");
    c.arg("-c").arg("for i in $(seq " + std::to_string(n) +
                    "); do sleep 300 & done; echo ready; wait");
    auto p = group.spawn(c);
    // Wait until the whole tree is up (not timed).
    std::string got;
    while (got.find('\n') == std::string::npos) {
        pollfd fd{p.stdout_pipe.get(), POLLIN, 0};
        ::poll(&fd, 1, 1000);
        char buf[64];
        const auto r = ::read(p.stdout_pipe.get(), buf, sizeof buf);
        if (r == 0) {
            break;
        }
        if (r > 0) {
            got.append(buf, static_cast<std::size_t>(r));
        }
    }
    const auto count = group.stats().active_process_count;
    if (count < static_cast<std::size_t>(n) + 1) {
        o.ok = false;
        o.note = "only " + std::to_string(count) + " processes started";
    }
    const auto start = Clock::now();
    group.kill_all();
    // "Fully gone": the kernel reports the tree empty and the child is reaped.
    while (!group.empty()) {
        if (group.events_fd() >= 0) {
            pollfd fd{group.events_fd(), POLLPRI, 0};
            ::poll(&fd, 1, 100);
        } else {
            ::usleep(1000);
        }
    }
    o.ok = p.child.wait().status.is_signalled() && o.ok;
    const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    o.note += "teardown_ms=" + std::to_string(ms);
    return o;
}

/// The kernel alone (see raw_jobs.hpp): the physical limit for `teardown N`.
Outcome raw_teardown(long n) {
    Outcome o;
    o.mechanism = "cgroup_v2";
    double ms = 0;
    o.ok = processkit::bench::raw_teardown(n, &ms, &o.note);
    if (o.ok) {
        o.note = "teardown_ms=" + std::to_string(ms);
    }
    return o;
}

long peak_rss_bytes() {
    rusage ru{};
    ::getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss * 1024;
}

Outcome capture(long bytes) {
    Outcome o;
    Command c("head");
    c.arg("-c").arg(std::to_string(bytes)).arg("/dev/zero");
    const auto r = processkit::output_bytes(c);
    o.ok = r.success() && r.stdout_bytes.size() == static_cast<std::size_t>(bytes);
    o.note = "peak_rss_ratio=" +
             std::to_string(static_cast<double>(peak_rss_bytes()) / static_cast<double>(bytes));
    return o;
}

Outcome raw_capture(long bytes) {
    Outcome o;
    raw_shell("head -c " + std::to_string(bytes) + " /dev/zero | cat > /dev/null", &o.ok);
    return o;
}

/// The in-memory limit for `capture`: the bytes read straight into one
/// buffer grown by remapping (each page touched once, no copy).
Outcome raw_capture_memory(long bytes) {
    Outcome o;
    o.ok = processkit::bench::raw_capture_to_memory(bytes);
    o.note = "peak_rss_ratio=" +
             std::to_string(static_cast<double>(peak_rss_bytes()) / static_cast<double>(bytes));
    return o;
}

Outcome lines(long n) {
    Outcome o;
    long seen = 0;
    Command c("sh");
    c.arg("-c").arg(line_stream(n));
    c.on_stdout_line([&](std::string_view line) { seen += line.size() == 99 ? 1 : 0; });
    c.stdout_policy(processkit::BufferPolicy::keep_newest_lines(1));
    const auto r = processkit::output_string(c);
    o.ok = r.success() && seen == n;
    return o;
}

Outcome raw_lines(long n) {
    Outcome o;
    const std::string out = raw_shell(line_stream(n) + " | wc -l", &o.ok);
    o.ok = o.ok && std::strtol(out.c_str(), nullptr, 10) == n;
    return o;
}

/// The core alone, no process and no system call: the `lines` job's stream
/// replayed into a RunMachine in 64 KiB chunks, one batch of lines a chunk
/// (RunOptions::batch_lines), each line handed to the handler and the
/// batch's storage recycled, as the reactors' driver does. What a line
/// costs in user space, steady enough for callgrind.
Outcome core_lines(long n) {
    Outcome o;
    long seen = 0;
    Command c("replay");
    c.on_stdout_line([&](std::string_view line) { seen += line.size() == 99 ? 1 : 0; });
    c.stdout_policy(processkit::BufferPolicy::keep_newest_lines(1));
    processkit::RunOptions options;
    options.batch_lines = true; // as RunDriver runs it
    processkit::RunMachine machine(c, options);
    const auto now = processkit::TimePoint{};
    const auto& handler = c.line_handler(processkit::Stream::Stdout);
    const auto apply_all = [&] {
        while (auto* a = machine.next_action()) {
            if (auto* l = std::get_if<processkit::action::DeliverLine>(a)) {
                processkit::for_each_batched_line(l->text, [&](std::string_view line) {
                    handler(line);
                    return true;
                });
                machine.recycle_line_text(std::move(l->text));
            }
        }
    };
    machine.handle(now, processkit::input::Start{});
    apply_all();
    machine.handle(now, processkit::input::Spawned{});
    const std::string line = std::string(99, 'x') + "\n";
    std::string chunk;
    for (long i = 0; i < n; ++i) {
        chunk += line;
        if (chunk.size() + line.size() > 64 * 1024 || i + 1 == n) {
            machine.handle(now, processkit::input::Output{processkit::Stream::Stdout, chunk});
            apply_all();
            chunk.clear();
        }
    }
    machine.handle(now, processkit::input::OutputClosed{processkit::Stream::Stdout});
    machine.handle(now, processkit::input::OutputClosed{processkit::Stream::Stderr});
    machine.handle(now, processkit::input::Exited{processkit::ExitStatus::exited(0), std::nullopt,
                                                  std::nullopt});
    apply_all();
    o.ok = machine.finished() && seen == n;
    return o;
}

/// The fan-out jobs' children: n × `sleep 0.2`, stdio inherited.
std::vector<Command> fanout_commands(long n) {
    Command sleep("sleep");
    sleep.arg("0.2")
        .stdin_inherit()
        .stdout_mode(processkit::StdioMode::Inherit)
        .stderr_mode(processkit::StdioMode::Inherit);
    return std::vector<Command>(static_cast<std::size_t>(n), sleep);
}

Outcome fanout(long n) {
    Outcome o;
    for (const auto& r : processkit::output_all(fanout_commands(n))) {
        o.ok = o.ok && r.success();
    }
    // Which container the runs had (a new group reuses a cached directory).
    o.mechanism = std::string(processkit::to_string(ProcessGroup().mechanism()));
    return o;
}

/// `fanout` with every child in one shared group (output_all(group, ...)):
/// the whole set contained as one, no directory made per child.
Outcome fanout_shared(long n) {
    Outcome o;
    ProcessGroup group;
    for (const auto& r : processkit::output_all(group, fanout_commands(n))) {
        o.ok = o.ok && r.success();
    }
    o.mechanism = std::string(processkit::to_string(group.mechanism()));
    return o;
}

Outcome raw_fanout(long n) {
    Outcome o;
    o.ok = processkit::bench::raw_fanout(n);
    return o;
}

/// The kernel's floor for `fanout`/`asio-fanout` (see raw_jobs.hpp).
Outcome raw_fanout_dirs(long n) {
    Outcome o;
    o.ok = processkit::bench::raw_fanout_dirs(n, &o.note);
    return o;
}

#ifdef PK_BENCH_HAVE_ASIO
/// N concurrent `/bin/sleep 0.2`, each in a private group of its own (the
/// default), all spawned from the initiating calls and awaited by one
/// io_context on this thread. Same stdio as raw-fanout.
Outcome asio_fanout(long n) {
    Outcome o;
    // The same program path as raw-fanout and the peers: no PATH search.
    Command c("/bin/sleep");
    c.arg("0.2")
        .stdin_inherit()
        .stdout_mode(processkit::StdioMode::Inherit)
        .stderr_mode(processkit::StdioMode::Inherit);
    ::asio::io_context io(1);
    long succeeded = 0;
    long completed = 0;
    for (long i = 0; i < n; ++i) {
        processkit::asio::async_output_string(
            io, c, [&](std::error_code ec, processkit::ProcessResult r) {
                ++completed;
                if (!ec && r.success() && r.exit_code() == 0) {
                    ++succeeded;
                } else if (o.note.empty()) {
                    o.note = "first_failure=" + (ec ? ec.message() : r.outcome.to_string());
                    std::replace(o.note.begin(), o.note.end(), ' ', '_'); // one field
                }
            });
    }
    io.run();
    o.ok = completed == n && succeeded == n;
    // Which container the runs had (a new group reuses a cached directory).
    o.mechanism = std::string(processkit::to_string(ProcessGroup().mechanism()));
    return o;
}
#endif

// --- idle -------------------------------------------------------------------

using processkit::bench::allow_descriptors;
using processkit::bench::idle_note;
using processkit::bench::memory_use;
using processkit::bench::MemoryUse;

Outcome idle(long n) {
    Outcome o;
    allow_descriptors(n);
    Command c("/bin/sleep");
    c.arg("3600");
    std::vector<processkit::RunningProcess> held;
    held.reserve(static_cast<std::size_t>(n)); // the vector is the caller's, not the library's
    const MemoryUse before = memory_use();
    for (long i = 0; i < n; ++i) {
        held.push_back(processkit::start(c));
    }
    const MemoryUse after = memory_use();
    o.note = idle_note(before, after, n);
    o.mechanism = std::string(processkit::to_string(ProcessGroup().mechanism()));
    for (auto& p : held) {
        p.kill();
        o.ok = p.wait() == processkit::Outcome::signalled(SIGKILL) && o.ok;
    }
    return o;
}

Outcome raw_idle(long n) {
    Outcome o;
    allow_descriptors(n);
    std::vector<processkit::bench::RawIdleChild> held;
    held.reserve(static_cast<std::size_t>(n));
    const MemoryUse before = memory_use();
    for (long i = 0; i < n && o.ok; ++i) {
        o.ok = processkit::bench::raw_start_idle(held);
    }
    const MemoryUse after = memory_use();
    o.note = idle_note(before, after, n);
    o.ok = processkit::bench::raw_stop_idle(held) && o.ok;
    return o;
}

// --- soak -------------------------------------------------------------------

/// The names in a directory, without . and .. (empty if it cannot be read).
std::vector<std::string> directory_names(const std::string& path) {
    std::vector<std::string> names;
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
        return names;
    }
    while (const dirent* e = ::readdir(dir)) {
        const std::string name = e->d_name;
        if (name != "." && name != "..") {
            names.push_back(name);
        }
    }
    ::closedir(dir);
    return names;
}

std::string read_whole(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// What the soak compares before and after: everything a run could leave.
struct Footprint {
    long descriptors = 0; ///< entries of /proc/self/fd (the listing's own included)
    long descendants = 0; ///< processes below this one, zombies included
    long marked = 0;      ///< live processes anywhere carrying the soak's marker
    long cgroups = 0;     ///< this process's processkit-* directories in its cgroup

    friend bool operator==(const Footprint&, const Footprint&) = default;
};

Footprint footprint(const std::string& marker, const std::optional<std::string>& cgroup_dir,
                    const std::string& cgroup_prefix) {
    Footprint f;
    f.descriptors = static_cast<long>(directory_names("/proc/self/fd").size());
    std::map<pid_t, pid_t> parent;
    for (const auto& entry : directory_names("/proc")) {
        if (entry.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        const std::string stat = read_whole("/proc/" + entry + "/stat");
        const auto close = stat.rfind(')');
        if (close == std::string::npos || close + 4 > stat.size()) {
            continue; // gone meanwhile
        }
        const pid_t pid = static_cast<pid_t>(std::stol(entry));
        const char state = stat[close + 2];
        parent[pid] = static_cast<pid_t>(std::strtol(stat.c_str() + close + 4, nullptr, 10));
        if (state != 'Z' && state != 'X') {
            const std::string env = read_whole("/proc/" + entry + "/environ");
            f.marked += env.find(marker) != std::string::npos ? 1 : 0;
        }
    }
    std::set<pid_t> below{::getpid()};
    for (bool grew = true; grew;) {
        grew = false;
        for (const auto& [pid, ppid] : parent) {
            if (below.count(ppid) != 0 && below.insert(pid).second) {
                grew = true;
            }
        }
    }
    f.descendants = static_cast<long>(below.size()) - 1;
    if (cgroup_dir) {
        for (const auto& name : directory_names(*cgroup_dir)) {
            f.cgroups += name.rfind(cgroup_prefix, 0) == 0 ? 1 : 0;
        }
    }
    return f;
}

/// The footprint once the asynchronous parts of teardown are over: cached
/// directories released, killed trees reaped, the guard's rmdirs done. Polls
/// every 10 ms for up to `patience` until `done` holds for what it reads.
Footprint settled_footprint(const std::function<bool(const Footprint&)>& done,
                            const std::string& marker, const std::optional<std::string>& cgroup_dir,
                            const std::string& cgroup_prefix, std::chrono::milliseconds patience,
                            double* waited_ms) {
    const auto start = Clock::now();
    for (;;) {
        ProcessGroup::release_cached_groups();
        const Footprint f = footprint(marker, cgroup_dir, cgroup_prefix);
        const auto waited = Clock::now() - start;
        if (done(f) || waited >= patience) {
            *waited_ms = std::chrono::duration<double, std::milli>(waited).count();
            return f;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

/// One soak run of kind `i % 4`; an empty string if it went as expected,
/// else what went wrong.
std::string soak_run(long i, const std::string& marker, bool setsid_escapes_are_contained) {
    switch (i % 4) {
    case 0: { // a short command, output captured
        Command c("sh");
        c.arg("-c").arg("echo soak $0").arg(std::to_string(i)).env("PK_BENCH_SOAK", marker);
        const auto r = processkit::output_string(c);
        if (!r.success() || r.stdout_text() != "soak " + std::to_string(i) + "\n") {
            return "capture: " + r.outcome.to_string();
        }
        return {};
    }
    case 1: { // killed by timeout; the grandchild ignores TERM and needs the KILL
        Command c("sh");
        c.arg("-c")
            .arg("(trap '' TERM; exec sleep 300) & exec sleep 300")
            .env("PK_BENCH_SOAK", marker)
            .timeout(std::chrono::milliseconds(20))
            .grace(std::chrono::milliseconds(20))
            // The grandchild holds stdout: once TERM ends the direct child, the
            // drain bound (not the grace) ends the run, so keep it short too.
            .drain_timeout(std::chrono::milliseconds(20));
        const auto r = processkit::output_string(c);
        if (r.outcome != processkit::Outcome::timed_out() || !r.timed_out) {
            return "timeout: " + r.outcome.to_string();
        }
        return {};
    }
    case 2: { // an escaper in an explicit group: the direct child exits at once
        ProcessGroup group;
        Command c("sh");
        // setsid escapes a POSIX process group (G2's documented weakness):
        // there, a plain background child stands in for it.
        c.arg("-c")
            .arg(setsid_escapes_are_contained ? "setsid sleep 300 >/dev/null 2>&1 </dev/null &"
                                              : "sleep 300 >/dev/null 2>&1 </dev/null &")
            .env("PK_BENCH_SOAK", marker);
        const auto r = processkit::output_string(group, c);
        if (!r.success()) {
            return "escaper: " + r.outcome.to_string();
        }
        return {}; // ~ProcessGroup kills the escaper
    }
    default: { // the program does not exist
        Command c("/nonexistent/pk-bench-soak-missing");
        c.env("PK_BENCH_SOAK", marker);
        const auto r = processkit::output_string(c);
        if (r.outcome != processkit::Outcome::spawn_failed() || !r.error ||
            r.error->kind() != processkit::ErrorKind::NotFound) {
            return "missing program: " + r.outcome.to_string() +
                   (r.error ? std::string(" ") + r.error->what() : std::string());
        }
        return {};
    }
    }
}

std::string describe(const char* name, long before, long after) {
    return std::string(name) + "=" + std::to_string(before) + "->" + std::to_string(after);
}

Outcome soak(long n) {
    Outcome o;
    const auto mechanism = ProcessGroup().mechanism();
    o.mechanism = std::string(processkit::to_string(mechanism));
    const bool contained = mechanism == processkit::Mechanism::CgroupV2;
    const std::string marker =
        "pk-bench-soak-" + std::to_string(::getpid()) + "-" +
        std::to_string(std::chrono::steady_clock::now().time_since_epoch().count());
    const auto cgroup_dir = processkit::os::own_cgroup_dir();
    const std::string prefix = processkit::os::own_cgroup_name_prefix();
    // One run of each kind first, uncounted: what the first run sets up for
    // the life of the process (the owner-death guard and its pipe) is in the
    // baseline, not a leak.
    for (long i = 0; i < 4; ++i) {
        if (auto e = soak_run(i, marker, contained); !e.empty()) {
            o.ok = false;
            o.note = "warmup_failure=" + e;
        }
    }
    // The baseline: once the warm-up's trees are gone (nothing marked, no
    // directory of ours left, no child being reaped), as the end state must be.
    double waited = 0;
    std::optional<Footprint> previous;
    const Footprint before = settled_footprint(
        [&](const Footprint& f) {
            const bool quiet = f.marked == 0 && f.cgroups == 0 && previous == f;
            previous = f;
            return quiet;
        },
        marker, cgroup_dir, prefix, std::chrono::milliseconds(5000), &waited);
    const double baseline_wait_ms = waited;
    long failures = 0;
    std::string first_failure;
    std::array<double, 4> kind_ms{};
    const auto start = Clock::now();
    for (long i = 0; i < n; ++i) {
        const auto run_start = Clock::now();
        if (auto e = soak_run(i, marker, contained); !e.empty()) {
            if (failures++ == 0) {
                first_failure = "run " + std::to_string(i) + " " + e;
            }
        }
        kind_ms[static_cast<std::size_t>(i % 4)] +=
            std::chrono::duration<double, std::milli>(Clock::now() - run_start).count();
    }
    const double runs_ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    // Trees killed at the end of the last runs may take a moment to be reaped
    // and their directories removed by the guard: wait for that, boundedly.
    const Footprint after =
        settled_footprint([&](const Footprint& f) { return f == before; }, marker, cgroup_dir,
                          prefix, std::chrono::milliseconds(5000), &waited);
    o.ok = o.ok && failures == 0 && after == before;
    // Mean wall time of one run of each kind (capture, timeout, escaper, missing).
    char rate[160];
    const auto mean = [&](std::size_t k) {
        const long runs = n / 4 + (static_cast<long>(k) < n % 4 ? 1 : 0);
        return runs == 0 ? 0.0 : kind_ms[k] / static_cast<double>(runs);
    };
    std::snprintf(rate, sizeof rate,
                  "runs_per_s=%.1f baseline_wait_ms=%.0f settle_ms=%.0f "
                  "mean_ms=capture:%.2f,timeout:%.2f,escaper:%.2f,"
                  "missing:%.2f",
                  1000.0 * static_cast<double>(n) / runs_ms, baseline_wait_ms, waited, mean(0),
                  mean(1), mean(2), mean(3));
    std::string note = std::string(rate) + " " +
                       describe("fds", before.descriptors, after.descriptors) + " " +
                       describe("descendants", before.descendants, after.descendants) + " " +
                       describe("marked", before.marked, after.marked) + " " +
                       describe("cgroup_dirs", before.cgroups, after.cgroups) +
                       " failed_runs=" + std::to_string(failures);
    if (!contained) {
        note += " escaper=background(setsid_not_contained_by_" + o.mechanism + ")";
    }
    if (!first_failure.empty()) {
        std::replace(first_failure.begin(), first_failure.end(), ' ', '_'); // one field
        note += " first_failure=" + first_failure;
    }
    o.note = o.note.empty() ? note : o.note + " " + note;
    return o;
}

int usage() {
    std::fprintf(stderr,
                 "usage: pk-bench JOB N\n"
                 "jobs: spawn, spawn-shared, spawn-bigparent, teardown, raw-teardown, raw-spawn, "
                 "raw-spawn-bigparent, capture, raw-capture, raw-capture-memory, lines, raw-lines, "
                 "core-lines, fanout, fanout-shared, "
                 "raw-fanout, raw-fanout-dirs, idle, raw-idle, soak"
#ifdef PK_BENCH_HAVE_ASIO
                 ", asio-fanout"
#endif
#ifdef PK_BENCH_PK
                 ", pk-start, raw-pk-start"
#endif
                 "\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        return usage();
    }
    const std::string job = argv[1];
    char* end = nullptr;
    const long n = std::strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || n <= 0) {
        std::fprintf(stderr, "pk-bench: N must be a positive integer, got '%s'\n", argv[2]);
        return 2;
    }
    std::unique_ptr<char[]> ballast;
    if (job == "spawn-bigparent" || job == "raw-spawn-bigparent") {
        ballast = big_parent_memory();
    }
    const std::map<std::string, std::function<Outcome(long)>> jobs{
        {"spawn", spawn_fresh},
        {"spawn-shared", spawn_shared},
        {"spawn-bigparent", spawn_fresh},
        {"teardown", teardown},
        {"raw-teardown", raw_teardown},
        {"raw-spawn", raw_spawn},
        {"raw-spawn-bigparent", raw_spawn},
        {"capture", capture},
        {"raw-capture", raw_capture},
        {"raw-capture-memory", raw_capture_memory},
        {"lines", lines},
        {"raw-lines", raw_lines},
        {"core-lines", core_lines},
        {"fanout", fanout},
        {"fanout-shared", fanout_shared},
        {"raw-fanout", raw_fanout},
        {"raw-fanout-dirs", raw_fanout_dirs},
        {"idle", idle},
        {"raw-idle", raw_idle},
        {"soak", soak},
#ifdef PK_BENCH_PK
        {"pk-start", pk_start},
        {"raw-pk-start", raw_pk_start},
#endif
#ifdef PK_BENCH_HAVE_ASIO
        {"asio-fanout", asio_fanout},
#endif
    };
    const auto it = jobs.find(job);
    if (it == jobs.end()) {
        std::fprintf(stderr, "pk-bench: unknown job '%s'\n", job.c_str());
        return usage();
    }
    Outcome o;
    const auto start = Clock::now();
    try {
        o = it->second(n);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "pk-bench: %s failed: %s\n", job.c_str(), e.what());
        return 1;
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::printf("job=%s n=%ld total_ms=%.3f per_op_us=%.2f mechanism=%s ok=%s%s%s\n", job.c_str(),
                n, ms, ms * 1000.0 / static_cast<double>(n), o.mechanism.c_str(),
                o.ok ? "true" : "false", o.note.empty() ? "" : " ", o.note.c_str());
    return o.ok ? 0 : 1;
}
