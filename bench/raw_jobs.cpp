#include "raw_jobs.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <malloc.h>
#include <poll.h>
#include <spawn.h>
#include <string_view>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace processkit::bench {
namespace {

bool reaped_zero(pid_t pid) {
    int status = 0;
    return ::waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/// Spawns argv[0] with its stdout on a new pipe; returns the read end (-1 on
/// failure) and sets *pid.
int spawn_with_stdout_pipe(char* const argv[], pid_t* pid) {
    int fds[2];
    if (::pipe(fds) != 0) {
        return -1;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    const int rc = posix_spawn(pid, argv[0], &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(fds[1]);
    if (rc != 0) {
        ::close(fds[0]);
        return -1;
    }
    return fds[0];
}

} // namespace

bool raw_spawn(long n) {
    bool ok = true;
    char prog[] = "/bin/true";
    char* argv[] = {prog, nullptr};
    for (long i = 0; i < n; ++i) {
        pid_t pid = 0;
        if (posix_spawn(&pid, prog, nullptr, nullptr, argv, environ) != 0) {
            ok = false;
            continue;
        }
        ok = reaped_zero(pid) && ok;
    }
    return ok;
}

bool raw_run_each(long n, const std::vector<std::string>& argv) {
    std::vector<std::string> owned = argv;
    std::vector<char*> args;
    for (auto& a : owned) {
        args.push_back(a.data());
    }
    args.push_back(nullptr);
    bool ok = !owned.empty();
    for (long i = 0; ok && i < n; ++i) {
        pid_t pid = 0;
        ok = posix_spawnp(&pid, args[0], nullptr, nullptr, args.data(), environ) == 0 &&
             reaped_zero(pid);
    }
    return ok;
}

bool raw_fanout(long n) {
    bool ok = true;
    char prog[] = "/bin/sleep";
    char arg[] = "0.2";
    char* argv[] = {prog, arg, nullptr};
    std::vector<pid_t> pids;
    for (long i = 0; i < n; ++i) {
        pid_t pid = 0;
        if (posix_spawn(&pid, prog, nullptr, nullptr, argv, environ) != 0) {
            ok = false;
            continue;
        }
        pids.push_back(pid);
    }
    for (pid_t pid : pids) {
        ok = reaped_zero(pid) && ok;
    }
    return ok;
}

bool raw_start_idle(std::vector<RawIdleChild>& held) {
    int out[2];
    int err[2];
    if (::pipe2(out, O_CLOEXEC) != 0) {
        return false;
    }
    if (::pipe2(err, O_CLOEXEC) != 0) {
        ::close(out[0]);
        ::close(out[1]);
        return false;
    }
    char prog[] = "/bin/sleep";
    char arg[] = "3600";
    char* argv[] = {prog, arg, nullptr};
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, prog, &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    ::close(out[1]);
    ::close(err[1]);
    if (rc != 0) {
        ::close(out[0]);
        ::close(err[0]);
        return false;
    }
    held.push_back(RawIdleChild{pid, out[0], err[0]});
    return true;
}

bool raw_stop_idle(std::vector<RawIdleChild>& held) {
    bool ok = true;
    for (const auto& c : held) {
        ::kill(c.pid, SIGKILL);
        int status = 0;
        ok = ::waitpid(c.pid, &status, 0) == c.pid && WIFSIGNALED(status) &&
             WTERMSIG(status) == SIGKILL && ok;
        ::close(c.stdout_fd);
        ::close(c.stderr_fd);
    }
    held.clear();
    return ok;
}

std::string raw_shell(const std::string& script, bool* ok) {
    std::string s = script;
    char sh[] = "/bin/sh";
    char c[] = "-c";
    char* argv[] = {sh, c, s.data(), nullptr};
    pid_t pid = 0;
    const int fd = spawn_with_stdout_pipe(argv, &pid);
    if (fd < 0) {
        *ok = false;
        return {};
    }
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) {
        out.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    *ok = reaped_zero(pid);
    return out;
}

bool raw_capture_to_memory(long bytes) {
    std::string count = std::to_string(bytes);
    char head[] = "/usr/bin/head";
    char c[] = "-c";
    char zero[] = "/dev/zero";
    char* argv[] = {head, c, count.data(), zero, nullptr};
    pid_t pid = 0;
    const int fd = spawn_with_stdout_pipe(argv, &pid);
    if (fd < 0) {
        return false;
    }
    // Grown as the data comes, as a caller that does not know the size
    // would: realloc, which moves large blocks by remapping, not copying.
    struct Buffer {
        char* data = nullptr;
        std::size_t capacity = 0;
        ~Buffer() { std::free(data); }
    } out;
    std::size_t used = 0;
    bool ok = true;
    for (;;) {
        if (out.capacity - used < 65536) {
            const std::size_t grown = std::max<std::size_t>(out.capacity * 2, 1 << 20);
            auto* p = static_cast<char*>(std::realloc(out.data, grown));
            if (p == nullptr) {
                ok = false;
                break;
            }
            out.data = p;
            out.capacity = grown;
        }
        const ssize_t n = ::read(fd, out.data + used, out.capacity - used);
        if (n <= 0) {
            break;
        }
        used += static_cast<std::size_t>(n);
    }
    ::close(fd);
    return reaped_zero(pid) && ok && used == static_cast<std::size_t>(bytes);
}

bool raw_count_lines(long n) {
    std::string script = line_stream(n);
    char sh[] = "/bin/sh";
    char c[] = "-c";
    char* argv[] = {sh, c, script.data(), nullptr};
    pid_t pid = 0;
    const int fd = spawn_with_stdout_pipe(argv, &pid);
    if (fd < 0) {
        return false;
    }
    long good = 0;
    std::size_t line_length = 0;
    char buf[65536];
    for (ssize_t r; (r = ::read(fd, buf, sizeof buf)) > 0;) {
        const char* p = buf;
        const char* end = buf + r;
        while (p < end) {
            const auto* nl =
                static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(end - p)));
            if (nl == nullptr) {
                line_length += static_cast<std::size_t>(end - p);
                break;
            }
            line_length += static_cast<std::size_t>(nl - p);
            good += line_length == 99 ? 1 : 0;
            line_length = 0;
            p = nl + 1;
        }
    }
    ::close(fd);
    return reaped_zero(pid) && good == n && line_length == 0;
}

std::string line_stream(long n) {
    // 99 characters + newline = 100 bytes a line.
    return "yes " + std::string(99, 'x') + " | head -n " + std::to_string(n);
}

} // namespace processkit::bench

namespace processkit::bench {
namespace {

/// This process's cgroup2 directory, or "" (no cgroup2 mounted).
std::string own_cgroup2_dir() {
    std::string mount;
    {
        std::ifstream mounts("/proc/mounts");
        std::string dev, dir, type, rest;
        while (mounts >> dev >> dir >> type && std::getline(mounts, rest)) {
            if (type == "cgroup2") {
                mount = dir;
                break;
            }
        }
    }
    std::ifstream self("/proc/self/cgroup");
    for (std::string line; std::getline(self, line);) {
        if (!mount.empty() && line.rfind("0::", 0) == 0) {
            const std::string rel = line.substr(3);
            return rel == "/" ? mount : mount + rel;
        }
    }
    return {};
}

bool write_file(const std::string& path, const std::string& text) {
    std::ofstream f(path);
    f << text;
    f.flush();
    return static_cast<bool>(f);
}

bool populated(int events_fd) {
    char buf[256];
    const ssize_t r = ::pread(events_fd, buf, sizeof buf - 1, 0);
    if (r <= 0) {
        return false;
    }
    return std::string_view(buf, static_cast<std::size_t>(r)).find("populated 1") !=
           std::string_view::npos;
}

} // namespace

bool raw_teardown(long n, double* ms, std::string* note) {
    const std::string own = own_cgroup2_dir();
    const std::string dir = own + "/raw-teardown-" + std::to_string(::getpid());
    if (own.empty() || ::mkdir(dir.c_str(), 0755) != 0) {
        *note = "no_writable_cgroup2";
        return false;
    }
    bool ok = false;
    const std::string script = "echo $$ > '" + dir + "/cgroup.procs' || exit 1; for i in $(seq " +
                               std::to_string(n) + "); do sleep 300 & done; echo ready; wait";
    char sh[] = "/bin/sh";
    char c[] = "-c";
    std::string s = script;
    char* argv[] = {sh, c, s.data(), nullptr};
    pid_t pid = 0;
    const int out = spawn_with_stdout_pipe(argv, &pid);
    const int events = ::open((dir + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC);
    if (out >= 0 && events >= 0) {
        // Not timed: until the whole tree is up ("ready").
        char buf[64];
        for (ssize_t r = 0; (r = ::read(out, buf, sizeof buf)) > 0;) {
            if (std::memchr(buf, '\n', static_cast<std::size_t>(r)) != nullptr) {
                break;
            }
        }
        const auto start = std::chrono::steady_clock::now();
        write_file(dir + "/cgroup.kill", "1");
        while (populated(events)) {
            pollfd p{events, POLLPRI, 0};
            ::poll(&p, 1, 100);
        }
        int status = 0;
        ok = ::waitpid(pid, &status, 0) == pid && WIFSIGNALED(status);
        *ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
                  .count();
    } else {
        *note = "could_not_start";
        if (out >= 0) {
            ::kill(pid, SIGKILL);
            ::waitpid(pid, nullptr, 0);
        }
    }
    if (out >= 0) {
        ::close(out);
    }
    if (events >= 0) {
        ::close(events);
    }
    write_file(dir + "/cgroup.kill", "1");
    for (int i = 0; i < 1000 && ::rmdir(dir.c_str()) != 0; ++i) {
        ::usleep(1000);
    }
    return ok;
}

bool raw_fanout_dirs(long n, std::string* note) {
    const std::string own = own_cgroup2_dir();
    if (own.empty()) {
        *note = "no_cgroup2";
        return false;
    }
    const std::string prefix = own + "/raw-fanout-" + std::to_string(::getpid()) + "-";
    bool ok = true;
    char prog[] = "/bin/sleep";
    char arg[] = "0.2";
    char* argv[] = {prog, arg, nullptr};
    std::vector<std::pair<pid_t, std::string>> children;
    children.reserve(static_cast<std::size_t>(n));
    for (long i = 0; i < n; ++i) {
        std::string dir = prefix + std::to_string(i);
        if (::mkdir(dir.c_str(), 0755) != 0) {
            *note = "no_writable_cgroup2";
            ok = false;
            break;
        }
        pid_t pid = 0;
        if (posix_spawn(&pid, prog, nullptr, nullptr, argv, environ) != 0) {
            ::rmdir(dir.c_str());
            ok = false;
            continue;
        }
        children.emplace_back(pid, std::move(dir));
    }
    for (const auto& [pid, dir] : children) {
        ok = reaped_zero(pid) && ok;
        ok = ::rmdir(dir.c_str()) == 0 && ok;
    }
    return ok;
}

MemoryUse memory_use() {
    MemoryUse m;
    const auto info = ::mallinfo2();
    m.heap = static_cast<double>(info.uordblks + info.hblkhd);
    std::ifstream status("/proc/self/status");
    for (std::string line; std::getline(status, line);) {
        if (line.rfind("VmRSS:", 0) == 0) {
            m.rss = std::strtod(line.c_str() + 6, nullptr) * 1024.0; // kB
        }
    }
    return m;
}

std::string idle_note(const MemoryUse& before, const MemoryUse& after, long n) {
    char text[160];
    std::snprintf(text, sizeof text, "idle_heap_bytes_per_child=%.0f idle_rss_bytes_per_child=%.0f",
                  (after.heap - before.heap) / static_cast<double>(n),
                  (after.rss - before.rss) / static_cast<double>(n));
    return text;
}

void allow_descriptors(long n) {
    rlimit files{};
    if (::getrlimit(RLIMIT_NOFILE, &files) == 0) {
        const auto want = static_cast<rlim_t>(3 * n + 64);
        if (files.rlim_cur < want) {
            files.rlim_cur = std::min(want, files.rlim_max);
            ::setrlimit(RLIMIT_NOFILE, &files);
        }
    }
}

} // namespace processkit::bench
