// pk-bench JOB N — processkit's benchmark jobs and their raw baselines.
//
//   spawn N              N x (create a group, spawn /bin/true into it, wait, destroy it)
//   spawn-shared N       N x spawn /bin/true into one group and wait
//   spawn-bigparent N    as spawn, from a parent holding 1 GiB of touched memory
//   teardown N           a tree of N sleeping processes killed and fully gone
//   raw-spawn N          baseline: N x posix_spawn(/bin/true) + waitpid
//   raw-spawn-bigparent N  the baseline from a 1 GiB parent
//   capture BYTES        output_bytes of `head -c BYTES /dev/zero` (reports peak RSS / BYTES)
//   raw-capture BYTES    baseline: `head -c BYTES /dev/zero | cat > /dev/null`
//   lines N              N lines of 100 bytes, each delivered to a line handler
//   raw-lines N          baseline: the same stream counted by `wc -l`
//   fanout N             N concurrent `sleep 0.2` started and awaited in one reactor
//   raw-fanout N         baseline: N posix_spawn(sleep 0.2), then N waitpid
//   asio-fanout N        N concurrent `sleep 0.2` through one asio::io_context
//                        (processkit::asio::async_output_string, private groups);
//                        only when built with processkit::asio
//
// Prints one line: `job=... n=... total_ms=... per_op_us=... mechanism=...`.
// Exits 1 if any child did not exit as expected, 2 on bad usage.
#include "processkit/processkit.hpp"
#include "raw_jobs.hpp"
#ifdef PK_BENCH_HAVE_ASIO
#include "processkit/asio/asio.hpp"

#include <asio/io_context.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <poll.h>
#include <string>
#include <sys/resource.h>
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

Outcome fanout(long n) {
    Outcome o;
    std::vector<Command> commands(static_cast<std::size_t>(n), Command("sleep"));
    for (auto& c : commands) {
        c.arg("0.2")
            .stdin_inherit()
            .stdout_mode(processkit::StdioMode::Inherit)
            .stderr_mode(processkit::StdioMode::Inherit);
    }
    for (const auto& r : processkit::output_all(commands)) {
        o.ok = o.ok && r.success();
    }
    return o;
}

Outcome raw_fanout(long n) {
    Outcome o;
    o.ok = processkit::bench::raw_fanout(n);
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

int usage() {
    std::fprintf(stderr, "usage: pk-bench JOB N\n"
                         "jobs: spawn, spawn-shared, spawn-bigparent, teardown, raw-spawn, "
                         "raw-spawn-bigparent, capture, raw-capture, lines, raw-lines, fanout, "
                         "raw-fanout"
#ifdef PK_BENCH_HAVE_ASIO
                         ", asio-fanout"
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
        {"raw-spawn", raw_spawn},
        {"raw-spawn-bigparent", raw_spawn},
        {"capture", capture},
        {"raw-capture", raw_capture},
        {"lines", lines},
        {"raw-lines", raw_lines},
        {"fanout", fanout},
        {"raw-fanout", raw_fanout},
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
