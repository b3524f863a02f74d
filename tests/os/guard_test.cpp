// The owner-death guard (X1): when the owner is killed with SIGKILL, every
// process of its groups dies within a second, the whole tree on cgroups,
// every process of the registered process groups on the fallback, also for
// a multi-threaded owner. Plus the guard's own duties: it exits after its
// owner, removes killed cgroup directories once empty, and holds nothing
// else.
//
// The owner is tests/os/owner_program.cpp (PK_TEST_OWNER, or $PK_TEST_OWNER).

#include "processkit/os/owner_guard.hpp"
#include "processkit/os/procfs.hpp"
#include "test_support.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <iostream>
#include <optional>
#include <poll.h>
#include <random>
#include <spawn.h>
#include <sstream>
#include <string>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#ifndef PK_TEST_OWNER
#error "PK_TEST_OWNER must name the pk_test_owner binary"
#endif

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using processkit::os::OwnerGuard;

constexpr const char* cgroup_root = "/sys/fs/cgroup/unified";

// --- /proc helpers ---------------------------------------------------------

std::string slurp(const std::string& path) {
    return processkit::os::read_small_file(path).value_or("");
}

/// The state letter of a process, or 0 if it does not exist.
char process_state(pid_t pid) {
    const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    const auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size()) {
        return 0;
    }
    return stat[close + 2];
}

bool alive(pid_t pid) {
    const char s = process_state(pid);
    return s != 0 && s != 'Z' && s != 'X';
}

using pktest::processes_with_marker;
using pktest::unique_marker;

/// Polls until `pred` holds; returns the time it took, or nothing after `limit`.
template <class Pred>
std::optional<std::chrono::milliseconds> time_until(Pred pred, std::chrono::milliseconds limit) {
    const auto start = Clock::now();
    for (;;) {
        if (pred()) {
            return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
        }
        if (Clock::now() - start > limit) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
}

bool write_file(const std::string& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    const bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return ok;
}

std::string owner_program() {
    const char* env = std::getenv("PK_TEST_OWNER");
    return env != nullptr && *env != '\0' ? env : PK_TEST_OWNER;
}

/// The guard binary the library uses (it honours $PROCESSKIT_GUARD), as run
/// by this process's own guard.
std::string guard_program() {
    OwnerGuard* guard = OwnerGuard::instance();
    if (guard == nullptr) {
        return {};
    }
    std::error_code ec;
    return fs::read_symlink("/proc/" + std::to_string(guard->pid()) + "/exe", ec).string();
}

/// posix_spawn; `env` replaces the environment; `pgroup` puts the child in a
/// new process group; `fd3` (if >= 0) becomes the child's descriptor 3.
pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
            bool pgroup = false, int stdout_fd = -1, int fd3 = -1) {
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    ::posix_spawn_file_actions_init(&fa);
    ::posix_spawnattr_init(&attr);
    if (stdout_fd >= 0) {
        ::posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
    }
    if (fd3 >= 0) {
        ::posix_spawn_file_actions_adddup2(&fa, fd3, 3);
    }
    if (pgroup) {
        ::posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        ::posix_spawnattr_setpgroup(&attr, 0);
    }
    std::vector<char*> argv;
    for (const auto& a : args) {
        argv.push_back(const_cast<char*>(a.c_str()));
    }
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (const auto& e : env) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    envp.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, args[0].c_str(), &fa, &attr, argv.data(), envp.data());
    ::posix_spawn_file_actions_destroy(&fa);
    ::posix_spawnattr_destroy(&attr);
    return rc == 0 ? pid : -1;
}

std::vector<std::string> marked_env(const std::string& marker) {
    return {"PK_TEST_MARKER=" + marker, "PATH=/usr/local/bin:/usr/bin:/bin"};
}

/// The environment of this process plus nothing (the owner needs
/// PROCESSKIT_GUARD and PK_TEST_CGROUP_PARENT, if set).
std::vector<std::string> own_env() {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        env.emplace_back(*e);
    }
    return env;
}

/// Waits (bounded) for a child of this process; true if it was reaped.
bool reap(pid_t pid, std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
    const auto took = time_until(
        [&] {
            int status = 0;
            const pid_t r = ::waitpid(pid, &status, WNOHANG);
            return r == pid || (r < 0 && errno == ECHILD);
        },
        limit);
    return took.has_value();
}

/// Kills whatever a failed test left behind.
struct Cleanup {
    std::string marker;
    std::string cgroup;
    ~Cleanup() {
        for (int i = 0; i < 50 && !processes_with_marker(marker).empty(); ++i) {
            for (pid_t p : processes_with_marker(marker)) {
                ::kill(p, SIGKILL);
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (!cgroup.empty() && fs::exists(cgroup)) {
            write_file(cgroup + "/cgroup.kill", "1");
            for (int i = 0; i < 200 && !remove_tree(cgroup); ++i) {
                std::this_thread::sleep_for(std::chrono::milliseconds(10));
            }
        }
    }
    static bool remove_tree(const std::string& dir) {
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            if (e.is_directory(ec)) {
                remove_tree(e.path());
            }
        }
        return ::rmdir(dir.c_str()) == 0 || errno == ENOENT;
    }
};

/// A cgroup directory made by the test, or empty (and the reason) if cgroups
/// cannot be created here.
std::string make_cgroup(const std::string& tag, std::string& reason) {
    static std::atomic<int> seq{0};
    const std::string dir = std::string(cgroup_root) + "/processkit-" + std::to_string(::getpid()) +
                            "-guardtest-" + tag + "-" + std::to_string(seq++);
    if (::mkdir(dir.c_str(), 0755) != 0) {
        reason = "cannot create " + dir + ": " + std::strerror(errno);
        return {};
    }
    return dir;
}

// --- the guard of this process --------------------------------------------

TEST(OwnerGuard, InstanceIsRunningAndHoldsNothingElse) {
    OwnerGuard* guard = OwnerGuard::instance();
    ASSERT_NE(guard, nullptr) << OwnerGuard::last_error();
    EXPECT_EQ(OwnerGuard::instance(), guard);
    EXPECT_TRUE(alive(guard->pid()));

    // Same instance from many threads at once.
    std::vector<std::thread> threads;
    std::atomic<int> same{0};
    for (int i = 0; i < 8; ++i) {
        threads.emplace_back([&] { same += OwnerGuard::instance() == guard ? 1 : 0; });
    }
    for (auto& t : threads) {
        t.join();
    }
    EXPECT_EQ(same.load(), 8);

    // The guard is in a session of its own, and holds exactly 0-3 (3 being
    // its end of the socket) once it has closed what it inherited (a
    // descriptor of ours without close-on-exec, e.g. from the test runner).
    EXPECT_EQ(::getsid(guard->pid()), guard->pid());
    std::vector<int> guard_fds;
    std::string guard_socket;
    const auto settled = time_until(
        [&] {
            guard_fds.clear();
            std::error_code ec;
            const std::string dir = "/proc/" + std::to_string(guard->pid()) + "/fd";
            for (const auto& e : fs::directory_iterator(dir, ec)) {
                guard_fds.push_back(std::stoi(e.path().filename()));
                if (e.path().filename() == "3") {
                    guard_socket = fs::read_symlink(e.path(), ec);
                }
            }
            std::sort(guard_fds.begin(), guard_fds.end());
            return guard_fds == std::vector<int>{0, 1, 2, 3};
        },
        std::chrono::milliseconds(2000));
    EXPECT_TRUE(settled.has_value()) << "the guard holds " << ::testing::PrintToString(guard_fds);
    EXPECT_EQ(guard_socket.rfind("socket:", 0), 0U) << guard_socket;
    // Its standard streams are /dev/null, not ours.
    std::error_code link_error;
    EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(guard->pid()) + "/fd/1", link_error),
              "/dev/null");

    // The owner's end: every socket this process holds is close-on-exec
    // (the owner's end is one of them)...
    int sockets = 0;
    for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
        std::error_code ec;
        const std::string target = fs::read_symlink(e.path(), ec);
        if (target.rfind("socket:", 0) != 0) {
            continue;
        }
        const int fd = std::stoi(e.path().filename());
        const int flags = ::fcntl(fd, F_GETFD);
        if (flags < 0) {
            continue; // the directory's own descriptor, closed meanwhile
        }
        ++sockets;
        EXPECT_NE(flags & FD_CLOEXEC, 0) << "fd " << fd << " (" << target << ")";
    }
    EXPECT_GE(sockets, 1);

    // ...so a child holds no socket at all.
    const pid_t child = spawn({"/bin/sleep", "30"}, {});
    ASSERT_GT(child, 0);
    for (const auto& e : fs::directory_iterator("/proc/" + std::to_string(child) + "/fd")) {
        std::error_code ec;
        const std::string target = fs::read_symlink(e.path(), ec);
        EXPECT_EQ(target.rfind("socket:", 0), std::string::npos)
            << "child inherited fd " << e.path().filename() << " (" << target << ")";
    }
    ::kill(child, SIGKILL);
    EXPECT_TRUE(reap(child));
    EXPECT_EQ(OwnerGuard::last_error(), "");
}

TEST(OwnerGuard, ForkedChildDoesNotHoldTheOwnersEnd) {
    OwnerGuard* guard = OwnerGuard::instance();
    ASSERT_NE(guard, nullptr) << OwnerGuard::last_error();
    const pid_t parent_guard = guard->pid();
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        // Only the guard's end of a socket pair would show the owner's
        // socket; count the sockets before and after starting our own guard.
        int sockets = 0;
        for (const auto& e : fs::directory_iterator("/proc/self/fd")) {
            std::error_code ec;
            sockets += fs::read_symlink(e.path(), ec).string().rfind("socket:", 0) == 0 ? 1 : 0;
        }
        OwnerGuard* own = OwnerGuard::instance();
        const bool ok = sockets == 0 && own != nullptr && own != guard &&
                        own->pid() != parent_guard && alive(own->pid());
        ::_exit(ok ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
        << "the forked child kept the owner's socket or could not start its own guard";
    EXPECT_EQ(OwnerGuard::instance(), guard);
    EXPECT_TRUE(alive(parent_guard));
}

TEST(OwnerGuard, RemovesKilledCgroupOnceEmpty) {
    std::string reason;
    const std::string dir = make_cgroup("z", reason);
    if (dir.empty()) {
        GTEST_SKIP() << reason;
    }
    const std::string marker = unique_marker();
    Cleanup cleanup{marker, dir};
    OwnerGuard* guard = OwnerGuard::instance();
    ASSERT_NE(guard, nullptr) << OwnerGuard::last_error();

    const pid_t child = spawn({"/bin/sleep", "30"}, marked_env(marker));
    ASSERT_GT(child, 0);
    ASSERT_TRUE(write_file(dir + "/cgroup.procs", std::to_string(child)));
    ASSERT_TRUE(write_file(dir + "/cgroup.kill", "1"));
    guard->remove_when_empty(dir);
    // Nothing waits for the child here: the directory goes away by itself.
    const auto took = time_until([&] { return !fs::exists(dir); }, std::chrono::milliseconds(2000));
    EXPECT_TRUE(took.has_value()) << dir << " still exists after 2 s";
    if (took) {
        std::cout << "[ info ] killed cgroup removed by the guard after " << took->count()
                  << " ms\n";
    }
    EXPECT_TRUE(reap(child));
    EXPECT_EQ(OwnerGuard::last_error(), "");
}

TEST(OwnerGuard, WaitsForCgroupToEmptyBeforeRemoving) {
    std::string reason;
    const std::string dir = make_cgroup("zwait", reason);
    if (dir.empty()) {
        GTEST_SKIP() << reason;
    }
    const std::string marker = unique_marker();
    Cleanup cleanup{marker, dir};
    OwnerGuard* guard = OwnerGuard::instance();
    ASSERT_NE(guard, nullptr) << OwnerGuard::last_error();

    const pid_t child = spawn({"/bin/sleep", "30"}, marked_env(marker));
    ASSERT_GT(child, 0);
    ASSERT_TRUE(write_file(dir + "/cgroup.procs", std::to_string(child)));
    guard->remove_when_empty(dir); // still populated: the guard must wait
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_TRUE(fs::exists(dir));
    EXPECT_TRUE(alive(child)); // "remove when empty" never kills
    ASSERT_TRUE(write_file(dir + "/cgroup.kill", "1"));
    const auto took = time_until([&] { return !fs::exists(dir); }, std::chrono::milliseconds(2000));
    EXPECT_TRUE(took.has_value()) << dir << " still exists after 2 s";
    EXPECT_TRUE(reap(child));
}

// --- the guard program on its own -----------------------------------------

/// A guard started by the test itself, with the test holding the owner's end.
struct DirectGuard {
    pid_t pid = -1;
    int fd = -1;

    DirectGuard() {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
            return;
        }
        pid = spawn({guard_program()}, {}, false, -1, sv[1]);
        ::close(sv[1]);
        fd = sv[0];
    }
    ~DirectGuard() {
        if (fd >= 0) {
            ::close(fd);
        }
        if (pid > 0) {
            reap(pid);
        }
    }
    void send(const std::string& text) const {
        ASSERT_EQ(::send(fd, text.data(), text.size(), MSG_NOSIGNAL),
                  static_cast<ssize_t>(text.size()));
    }
    /// The owner "dies": end-of-file for the guard.
    void close_owner_end() {
        ::close(fd);
        fd = -1;
    }
};

TEST(OwnerGuard, ForgottenProcessGroupsAreLeftAlone) {
    const std::string marker_kill = unique_marker();
    const std::string marker_keep = unique_marker();
    Cleanup c1{marker_kill, {}};
    Cleanup c2{marker_keep, {}};
    const pid_t victim = spawn({"/bin/sleep", "30"}, marked_env(marker_kill), true);
    const pid_t kept = spawn({"/bin/sleep", "30"}, marked_env(marker_keep), true);
    ASSERT_GT(victim, 0);
    ASSERT_GT(kept, 0);

    DirectGuard guard;
    ASSERT_GT(guard.pid, 0) << "cannot start " << guard_program();
    // A command split over two writes, junk, an over-long line, refused pgids.
    const std::string v = std::to_string(victim);
    guard.send("P " + v.substr(0, 1));
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    guard.send(v.substr(1) + "\n");
    guard.send("P " + std::to_string(kept) + "\nX nonsense\nP 0\nP -" + std::to_string(kept) +
               "\nC relative/path\n" + std::string(20000, 'P') + "\n");
    guard.send("p " + std::to_string(kept) + "\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_TRUE(alive(victim));
    EXPECT_TRUE(alive(kept));
    EXPECT_TRUE(alive(guard.pid));

    guard.close_owner_end();
    const auto took = time_until([&] { return !alive(victim); }, std::chrono::milliseconds(1000));
    EXPECT_TRUE(took.has_value()) << "the watched group survived its owner";
    EXPECT_TRUE(reap(guard.pid, std::chrono::milliseconds(3000))) << "the guard did not exit";
    guard.pid = -1;
    EXPECT_TRUE(alive(kept)) << "a forgotten group was killed";
    ::kill(kept, SIGKILL);
    EXPECT_TRUE(reap(victim));
    EXPECT_TRUE(reap(kept));
}

TEST(OwnerGuard, KillsAndRemovesNestedCgroupsWhenItsOwnerGoes) {
    std::string reason;
    const std::string dir = make_cgroup("nested", reason);
    if (dir.empty()) {
        GTEST_SKIP() << reason;
    }
    const std::string marker = unique_marker();
    Cleanup cleanup{marker, dir};
    const std::string sub = dir + "/inner";
    ASSERT_EQ(::mkdir(sub.c_str(), 0755), 0) << std::strerror(errno);
    const pid_t top = spawn({"/bin/sleep", "30"}, marked_env(marker));
    const pid_t inner = spawn({"/bin/sleep", "30"}, marked_env(marker));
    ASSERT_GT(top, 0);
    ASSERT_GT(inner, 0);
    ASSERT_TRUE(write_file(dir + "/cgroup.procs", std::to_string(top)));
    ASSERT_TRUE(write_file(sub + "/cgroup.procs", std::to_string(inner)));

    DirectGuard guard;
    ASSERT_GT(guard.pid, 0) << "cannot start " << guard_program();
    guard.send("C " + dir + "\n");
    guard.close_owner_end();
    EXPECT_TRUE(time_until([&] { return processes_with_marker(marker).empty(); },
                           std::chrono::milliseconds(1000)));
    EXPECT_TRUE(time_until([&] { return !fs::exists(dir); }, std::chrono::milliseconds(2000)))
        << dir << " (with a nested cgroup) still exists";
    EXPECT_TRUE(reap(guard.pid, std::chrono::milliseconds(3000))) << "the guard did not exit";
    guard.pid = -1;
    EXPECT_TRUE(reap(top));
    EXPECT_TRUE(reap(inner));
}

TEST(OwnerGuard, KillsAndRemovesDirectoriesNamedLikeItsOwnersWhenItGoes) {
    // N: the guard is told how its owner's directories are named, once; it
    // finds them when the owner dies, including ones made after the command.
    std::string reason;
    const std::string ours = make_cgroup("named-a", reason);
    if (ours.empty()) {
        GTEST_SKIP() << reason;
    }
    const std::string prefix = fs::path(ours).filename().string();
    const std::string other = make_cgroup("other", reason); // another name: left alone
    ASSERT_FALSE(other.empty()) << reason;
    const std::string marker = unique_marker();
    const std::string other_marker = unique_marker();
    Cleanup cleanup{marker, ours};
    Cleanup other_cleanup{other_marker, other};

    DirectGuard guard;
    ASSERT_GT(guard.pid, 0) << "cannot start " << guard_program();
    guard.send("N " + std::string(cgroup_root) + "/" + prefix.substr(0, prefix.size() - 1) + "\n");
    guard.send("N relative/path\nN /no-name/\n"); // refused
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    // Made after the command: found by name when the owner dies.
    const std::string later = ours + "-later";
    ASSERT_EQ(::mkdir(later.c_str(), 0755), 0) << std::strerror(errno);
    Cleanup later_cleanup{marker, later};
    const pid_t in_ours = spawn({"/bin/sleep", "30"}, marked_env(marker));
    const pid_t in_later = spawn({"/bin/sleep", "30"}, marked_env(marker));
    const pid_t in_other = spawn({"/bin/sleep", "30"}, marked_env(other_marker));
    ASSERT_GT(in_ours, 0);
    ASSERT_GT(in_later, 0);
    ASSERT_GT(in_other, 0);
    ASSERT_TRUE(write_file(ours + "/cgroup.procs", std::to_string(in_ours)));
    ASSERT_TRUE(write_file(later + "/cgroup.procs", std::to_string(in_later)));
    ASSERT_TRUE(write_file(other + "/cgroup.procs", std::to_string(in_other)));
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(alive(in_ours)) << "killed while the owner lives";

    guard.close_owner_end();
    EXPECT_TRUE(time_until([&] { return processes_with_marker(marker).empty(); },
                           std::chrono::milliseconds(1000)));
    EXPECT_TRUE(time_until([&] { return !fs::exists(ours) && !fs::exists(later); },
                           std::chrono::milliseconds(2000)))
        << "the owner's directories still exist";
    EXPECT_TRUE(reap(guard.pid, std::chrono::milliseconds(3000))) << "the guard did not exit";
    guard.pid = -1;
    EXPECT_TRUE(alive(in_other)) << "a directory with another name was killed";
    EXPECT_TRUE(fs::exists(other));
    EXPECT_TRUE(reap(in_ours));
    EXPECT_TRUE(reap(in_later));
    ::kill(in_other, SIGKILL);
    EXPECT_TRUE(reap(in_other));
}

TEST(OwnerGuard, ReportsAGuardThatCannotStart) {
    const std::string marker = unique_marker();
    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    std::vector<std::string> env = own_env();
    env.erase(
        std::remove_if(env.begin(), env.end(),
                       [](const std::string& e) { return e.rfind("PROCESSKIT_GUARD=", 0) == 0; }),
        env.end());
    env.emplace_back("PROCESSKIT_GUARD=/nonexistent/processkit-guard");
    const pid_t owner = spawn({owner_program(), "pgroup", marker}, env, false, out[1]);
    ::close(out[1]);
    ASSERT_GT(owner, 0);
    std::string text;
    char buf[512];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) {
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    EXPECT_TRUE(reap(owner));
    EXPECT_EQ(text,
              "error cannot start /nonexistent/processkit-guard: No such file or directory\n");
    EXPECT_TRUE(processes_with_marker(marker).empty());
}

TEST(OwnerGuard, ExitsAtOnceWhenItsOwnerGoesWithNothingRegistered) {
    DirectGuard guard;
    ASSERT_GT(guard.pid, 0) << "cannot start " << guard_program();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    EXPECT_TRUE(alive(guard.pid));
    guard.close_owner_end();
    EXPECT_TRUE(reap(guard.pid, std::chrono::milliseconds(500)));
    guard.pid = -1;
}

// --- the owner killed with SIGKILL ----------------------------------------

struct OwnerCase {
    const char* mode;
    int threads;
};

class OwnerDeath : public ::testing::TestWithParam<OwnerCase> {};

TEST_P(OwnerDeath, EveryProcessDiesWithinOneSecond) {
    const OwnerCase param = GetParam();
    const std::string marker = unique_marker();
    Cleanup cleanup{marker, {}};

    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    const pid_t owner = spawn({owner_program(), param.mode, marker, std::to_string(param.threads)},
                              own_env(), false, out[1]);
    ::close(out[1]);
    ASSERT_GT(owner, 0) << "cannot start " << owner_program();

    // The owner's one line ("ready <guard pid> <where>"), 10 s at most.
    std::string line;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    while (line.find('\n') == std::string::npos && Clock::now() < deadline) {
        pollfd p{out[0], POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) {
            continue;
        }
        char buf[512];
        const ssize_t n = ::read(out[0], buf, sizeof buf);
        if (n <= 0) {
            break;
        }
        line.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    std::istringstream words(line);
    std::string word;
    words >> word;
    if (word != "ready") {
        ::kill(owner, SIGKILL);
        reap(owner);
        if (word == "skip") {
            GTEST_SKIP() << line;
        }
        FAIL() << "owner said: " << line;
    }
    pid_t guard_pid = -1;
    std::string where;
    words >> guard_pid >> where;
    const bool cgroup = where.rfind('/', 0) == 0; // a directory, not a pgid
    if (cgroup) {
        cleanup.cgroup = where;
        EXPECT_TRUE(fs::is_directory(where)) << where;
    }

    auto marked = processes_with_marker(marker);
    marked.erase(std::remove(marked.begin(), marked.end(), owner), marked.end());
    // cgroup: sh + 3 sleeps (one in a session of its own); pgroup: sh + 2.
    EXPECT_GE(marked.size(), cgroup ? 4U : 3U);
    ASSERT_TRUE(alive(guard_pid));

    const auto start = Clock::now();
    ASSERT_EQ(::kill(owner, SIGKILL), 0);
    ASSERT_TRUE(reap(owner));
    const auto took = time_until([&] { return processes_with_marker(marker).empty(); },
                                 std::chrono::milliseconds(1000));
    const auto since_kill =
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
    EXPECT_TRUE(took.has_value()) << "processes still alive " << since_kill.count()
                                  << " ms after the owner was killed";
    if (took) {
        std::cout << "[ info ] " << param.mode << ", " << param.threads
                  << " extra threads: every process gone " << since_kill.count()
                  << " ms after SIGKILL to the owner\n";
    }

    if (cgroup) {
        EXPECT_TRUE(time_until([&] { return !fs::exists(where); }, std::chrono::milliseconds(2000)))
            << where << " still exists 2 s after the owner died";
    }
    // The guard exits after its owner: it never outlives its job.
    EXPECT_TRUE(time_until([&] { return !alive(guard_pid); }, std::chrono::milliseconds(3000)))
        << "guard " << guard_pid << " outlived its owner";
}

INSTANTIATE_TEST_SUITE_P(Guard, OwnerDeath,
                         ::testing::Values(OwnerCase{"cgroup", 0}, OwnerCase{"cgroup", 4},
                                           OwnerCase{"pgroup", 0}, OwnerCase{"pgroup", 4},
                                           OwnerCase{"group", 0}, OwnerCase{"group", 4}),
                         [](const ::testing::TestParamInfo<OwnerCase>& p) {
                             return std::string(p.param.mode) + "_" +
                                    std::to_string(p.param.threads) + "_threads";
                         });

} // namespace
