// pk_test_owner <mode> <marker> [threads]: a program that owns a group of
// processes and waits to be killed (owner-death tests, X1). It uses only the
// low-level pieces (OwnerGuard, posix_spawn), not ProcessGroup.
//
//   cgroup  creates <parent>/<own_cgroup_name_prefix()>0 (parent:
//           $PK_TEST_CGROUP_PARENT, else /sys/fs/cgroup/unified), has the
//           guard watch it, and starts a shell in it that starts two
//           sleeps and a third one in a session of its own (so only the
//           cgroup holds it).
//   pgroup  starts a shell with two sleeps in a new process group and has
//           the guard watch that group.
//   group   the same through a ProcessGroup: the cgroup case's shell in a cgroup, the pgroup
//           case's where the group is process groups
//           ($PROCESSKIT_TEST_MECHANISM is honoured).
// Every process started carries PK_TEST_MARKER=<marker> in its environment.
// With [threads] > 0 the group is started from a thread that then exits,
// and that many extra threads sleep until the end.
//
// Prints one line on stdout, then waits for a signal forever:
//   "ready <guard pid> <cgroup directory | process group>"
//   "skip <reason>"    (cgroups cannot be created here)
//   "error <reason>"

#include "processkit/os/cgroup.hpp"
#include "processkit/os/owner_guard.hpp"
#include "processkit/os/process_group.hpp"
#include "processkit/os/procfs.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

std::string slurp(const std::string& path) {
    return processkit::os::read_small_file(path).value_or("");
}

bool is_sleep(const std::string& pid) {
    return slurp("/proc/" + pid + "/comm") == "sleep\n";
}

/// Fields after the ")" of /proc/<pid>/stat, numbered from 3 (state).
std::vector<std::string> stat_fields(const std::string& pid) {
    const std::string stat = slurp("/proc/" + pid + "/stat");
    const auto close = stat.rfind(')');
    std::vector<std::string> fields;
    if (close == std::string::npos) {
        return fields;
    }
    std::istringstream in(stat.substr(close + 1));
    for (std::string f; in >> f;) {
        fields.push_back(f);
    }
    return fields;
}

/// Live `sleep` processes among the pids listed in `text` (cgroup.procs).
std::size_t sleeps_in(const std::string& text) {
    std::istringstream in(text);
    std::size_t n = 0;
    for (std::string pid; in >> pid;) {
        const auto f = stat_fields(pid);
        n += !f.empty() && f[0] != "Z" && is_sleep(pid) ? 1U : 0U;
    }
    return n;
}

/// Live `sleep` processes in process group `pgid`.
std::size_t sleeps_in_group(pid_t pgid) {
    std::size_t n = 0;
    DIR* d = ::opendir("/proc");
    if (d == nullptr) {
        return 0;
    }
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9') {
            continue;
        }
        const auto f = stat_fields(e->d_name);
        if (f.size() > 2 && f[0] != "Z" && f[2] == std::to_string(pgid) && is_sleep(e->d_name)) {
            ++n;
        }
    }
    ::closedir(d);
    return n;
}

template <class Pred>
bool wait_for(Pred pred) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

/// posix_spawn of `sh -c script` with the marker, stdin/stdout on /dev/null.
pid_t spawn_shell(const std::string& script, const std::string& marker, bool new_group,
                  std::string& error) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    ::posix_spawn_file_actions_init(&fa);
    ::posix_spawnattr_init(&attr);
    ::posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    ::posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (new_group) {
        ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        ::posix_spawnattr_setpgroup(&attr, 0);
    }
    std::string marker_env = "PK_TEST_MARKER=" + marker;
    std::string path_env = "PATH=/usr/local/bin:/usr/bin:/bin";
    char* argv[] = {const_cast<char*>("sh"), const_cast<char*>("-c"),
                    const_cast<char*>(script.c_str()), nullptr};
    char* envp[] = {marker_env.data(), path_env.data(), nullptr};
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, envp);
    ::posix_spawn_file_actions_destroy(&fa);
    ::posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        error = std::string("cannot start /bin/sh: ") + std::strerror(rc);
        return -1;
    }
    return pid;
}

/// The group of the "group" mode, which lives until the owner is killed.
/// Returns the cgroup directory or the pgid of the shell.
std::string start_process_group(const std::string& marker, std::string& error) {
    processkit::GroupOptions options;
    if (const char* m = std::getenv("PROCESSKIT_TEST_MECHANISM"); m != nullptr && *m != '\0') {
        options.require = processkit::parse_mechanism(m);
    }
    if (const char* p = std::getenv("PK_TEST_CGROUP_PARENT"); p != nullptr && *p != '\0') {
        options.cgroup_parent = p;
    }
    auto* group = new processkit::ProcessGroup(options); // never destroyed
    const bool cgroup = group->mechanism() == processkit::Mechanism::CgroupV2;
    processkit::Command shell("sh");
    shell.arg("-c")
        .arg(cgroup ? "sleep 300 & sleep 300 & (setsid sleep 300 &) ; wait"
                    : "sleep 300 & sleep 300 & wait")
        .env("PK_TEST_MARKER", marker)
        .stdout_mode(processkit::StdioMode::Discard)
        .stderr_mode(processkit::StdioMode::Discard);
    auto* spawned = new processkit::os::SpawnedProcess(group->spawn(shell)); // never reaped
    const pid_t pid = spawned->child.pid();
    const bool started = wait_for([&] {
        return cgroup ? sleeps_in(slurp(group->cgroup_path() + "/cgroup.procs")) >= 3
                      : sleeps_in_group(pid) >= 2;
    });
    if (!started) {
        error = "the processes did not start in the group";
    }
    return cgroup ? group->cgroup_path() : std::to_string(pid);
}

int fail(const std::string& what) {
    std::printf("error %s\n", what.c_str());
    std::fflush(stdout);
    return 1;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 3) {
        std::fprintf(stderr, "usage: pk_test_owner cgroup|pgroup|group <marker> [threads]\n");
        return 2;
    }
    const std::string mode = argv[1];
    const std::string marker = argv[2];
    const int threads = argc > 3 ? std::atoi(argv[3]) : 0;

    processkit::os::OwnerGuard* guard = processkit::os::OwnerGuard::instance();
    if (guard == nullptr) {
        return fail(processkit::os::OwnerGuard::last_error());
    }

    std::string where; // the cgroup directory or the process group
    std::string error;
    std::string skip;
    auto start_group = [&] {
        if (mode == "cgroup") {
            const char* parent_env = std::getenv("PK_TEST_CGROUP_PARENT");
            const std::string parent = parent_env != nullptr && *parent_env != '\0'
                                           ? parent_env
                                           : "/sys/fs/cgroup/unified";
            // Named as a Cgroup of this process would be (so a sweep can judge it).
            std::string prefix;
            try {
                prefix = processkit::os::own_cgroup_name_prefix();
            } catch (const std::exception& e) {
                error = e.what();
                return;
            }
            const std::string dir = parent + "/" + prefix + "0";
            if (::mkdir(dir.c_str(), 0755) != 0) {
                skip = "cannot create " + dir + ": " + std::strerror(errno);
                return;
            }
            where = dir;
            if (guard->watch_cgroup(dir) == 0) {
                error = processkit::os::OwnerGuard::last_error();
                return;
            }
            // The shell moves itself into the cgroup before it starts anything.
            const std::string script =
                "echo $$ > " + dir +
                "/cgroup.procs && exec sh -c 'sleep 300 & sleep 300 & (setsid sleep 300 &) ; wait'";
            if (spawn_shell(script, marker, false, error) < 0) {
                return;
            }
            if (!wait_for([&] { return sleeps_in(slurp(dir + "/cgroup.procs")) >= 3; })) {
                error = "the processes did not start in " + dir;
            }
        } else if (mode == "pgroup") {
            const pid_t pid = spawn_shell("sleep 300 & sleep 300 & wait", marker, true, error);
            if (pid < 0) {
                return;
            }
            // The guard takes the leader's pidfd, never a bare number.
            const int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
            const bool registered = pidfd >= 0 && guard->watch_process_group(pid, pidfd) != 0;
            if (pidfd >= 0) {
                ::close(pidfd);
            }
            if (!registered) {
                error = "cannot register group " + std::to_string(pid) + ": " +
                        processkit::os::OwnerGuard::last_error();
                return;
            }
            where = std::to_string(pid);
            if (!wait_for([&] { return sleeps_in_group(pid) >= 2; })) {
                error = "the processes did not start in group " + where;
            }
        } else if (mode == "group") {
            try {
                where = start_process_group(marker, error);
            } catch (const std::exception& e) {
                error = e.what();
            }
        } else {
            error = "unknown mode " + mode;
        }
    };
    if (threads > 0) {
        // Started from a thread that ends before "ready": the group must not
        // depend on the thread that created it (unlike PR_SET_PDEATHSIG).
        std::thread(start_group).join();
        for (int i = 0; i < threads; ++i) {
            std::thread([] {
                for (;;) {
                    ::pause();
                }
            }).detach();
        }
    } else {
        start_group();
    }
    if (!skip.empty()) {
        std::printf("skip %s\n", skip.c_str());
        std::fflush(stdout);
        return 0;
    }
    if (!error.empty()) {
        return fail(error);
    }
    const std::string guard_error = processkit::os::OwnerGuard::last_error();
    if (!guard_error.empty()) {
        return fail(guard_error);
    }
    std::printf("ready %d %s\n", static_cast<int>(guard->pid()), where.c_str());
    std::fflush(stdout);
    for (;;) {
        ::pause();
    }
}
