// The owner-death guard (X1): when the owner is killed with SIGKILL, every
// process of its groups dies within a second, the whole tree on cgroups,
// every process of the registered process groups on the fallback, also for
// a multi-threaded owner. Plus the guard's own duties: it exits after its
// owner, removes killed cgroup directories once empty, and holds nothing
// else.
//
// The owner is tests/os/owner_program.cpp (PK_TEST_OWNER, or $PK_TEST_OWNER).

#include "guard_protocol.hpp"
#include "processkit/core/error.hpp"
#include "processkit/os/owner_guard.hpp"
#include "processkit/os/process_group.hpp"
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
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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
/// new process group; `fd3` and `fd4` (if >= 0) become the child's
/// descriptors 3 and 4 (neither may be 3 or 4 already).
pid_t spawn(const std::vector<std::string>& args, const std::vector<std::string>& env,
            bool pgroup = false, int stdout_fd = -1, int fd3 = -1, int fd4 = -1) {
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
    if (fd4 >= 0) {
        ::posix_spawn_file_actions_adddup2(&fa, fd4, 4);
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

    // The guard is in a session of its own, and holds 0-4 (3 being its end
    // of the socket, 4 its end of the wake-up channel) once it has closed
    // what it inherited (a descriptor of ours without close-on-exec, e.g.
    // from the test runner); beyond them only what it was handed: cgroup
    // directories and pidfds of groups that other tests of this process
    // registered.
    EXPECT_EQ(::getsid(guard->pid()), guard->pid());
    std::vector<int> guard_fds;
    std::vector<std::string> unexpected;
    std::string guard_socket;
    std::string guard_nudge;
    const auto settled = time_until(
        [&] {
            guard_fds.clear();
            unexpected.clear();
            std::error_code ec;
            const std::string dir = "/proc/" + std::to_string(guard->pid()) + "/fd";
            for (const auto& e : fs::directory_iterator(dir, ec)) {
                const int fd = std::stoi(e.path().filename());
                const std::string target = fs::read_symlink(e.path(), ec).string();
                if (fd <= 4) {
                    guard_fds.push_back(fd);
                } else if (target.rfind("/sys/fs/cgroup", 0) != 0 &&
                           target.find("pidfd") == std::string::npos) {
                    unexpected.push_back(target);
                }
                if (fd == 3) {
                    guard_socket = target;
                }
                if (fd == 4) {
                    guard_nudge = target;
                }
            }
            std::sort(guard_fds.begin(), guard_fds.end());
            return guard_fds == std::vector<int>{0, 1, 2, 3, 4} && unexpected.empty();
        },
        std::chrono::milliseconds(2000));
    EXPECT_TRUE(unexpected.empty()) << ::testing::PrintToString(unexpected);
    EXPECT_TRUE(settled.has_value()) << "the guard holds " << ::testing::PrintToString(guard_fds);
    EXPECT_EQ(guard_socket.rfind("socket:", 0), 0U) << guard_socket;
    EXPECT_EQ(guard_nudge.rfind("socket:", 0), 0U) << guard_nudge;
    EXPECT_NE(guard_nudge, guard_socket);
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

    // ...so a child holds no socket at all (the wake-up channel is one too).
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
        // Only the guard's ends of its two socket pairs (messages, wake-up)
        // would show the owner's sockets; count the sockets before and after
        // starting our own guard.
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

/// A populated cgroup registered with the guard (by path, or by a
/// descriptor of the directory as a new group does), killed, then handed to
/// the guard to remove: the directory must go away by itself.
void expect_guard_removes_killed_cgroup(const char* name, bool by_descriptor) {
    std::string reason;
    const std::string dir = make_cgroup(name, reason);
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
    OwnerGuard::Registration registration = 0;
    if (by_descriptor) {
        const int dir_fd = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        ASSERT_GE(dir_fd, 0) << std::strerror(errno);
        registration = guard->watch_cgroup(dir, dir_fd);
        ::close(dir_fd); // the guard has its own copy
    } else {
        registration = guard->watch_cgroup(dir);
    }
    ASSERT_NE(registration, 0U) << OwnerGuard::last_error();
    ASSERT_TRUE(write_file(dir + "/cgroup.kill", "1"));
    guard->remove_when_empty(registration);
    // Nothing waits for the child here: the directory goes away by itself.
    const auto took = time_until([&] { return !fs::exists(dir); }, std::chrono::milliseconds(2000));
    EXPECT_TRUE(took.has_value()) << dir << " still exists after 2 s: the guard did not take it";
    if (took) {
        std::cout << "[ info ] killed cgroup removed by the guard after " << took->count()
                  << " ms\n";
    }
    EXPECT_TRUE(reap(child));
    EXPECT_EQ(OwnerGuard::last_error(), "");
}

TEST(OwnerGuard, RemovesKilledCgroupOnceEmpty) {
    expect_guard_removes_killed_cgroup("z", false);
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
    const auto registration = guard->watch_cgroup(dir);
    ASSERT_NE(registration, 0U) << OwnerGuard::last_error();
    guard->remove_when_empty(registration); // still populated: the guard must wait
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    EXPECT_TRUE(fs::exists(dir));
    EXPECT_TRUE(alive(child)); // "remove when empty" never kills
    ASSERT_TRUE(write_file(dir + "/cgroup.kill", "1"));
    const auto took = time_until([&] { return !fs::exists(dir); }, std::chrono::milliseconds(2000));
    EXPECT_TRUE(took.has_value()) << dir << " still exists after 2 s";
    EXPECT_TRUE(reap(child));
}

TEST(OwnerGuard, RegistersACgroupByTheDescriptorItWasCreatedWith) {
    // What a new group does (one open of the directory serves the
    // registration, which opens the parent from it): the guard must accept
    // the registration and act on it like one made by path.
    expect_guard_removes_killed_cgroup("zfd", true);
}

// --- the guard program on its own -----------------------------------------

namespace proto = processkit::os::guard_protocol;

int pidfd_of(pid_t pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

/// A guard started by the test itself, with the test holding the owner's end
/// (as OwnerGuard starts it: SOCK_SEQPACKET, SO_PASSCRED on the guard's end,
/// --owner naming this process).
struct DirectGuard {
    pid_t pid = -1;
    int fd = -1;
    int nudge = -1; ///< our end of the wake-up channel, if the guard has one

    /// `with_nudge`: with a wake-up channel, so the guard reads in batches.
    explicit DirectGuard(bool with_nudge = false) {
        int sv[2];
        if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
            return;
        }
        const int on = 1;
        ::setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
        // Off 3 and 4, which spawn() dup2()s them onto.
        const int guard_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 5);
        ::close(sv[1]);
        std::vector<std::string> args{guard_program(), "--owner", std::to_string(::getpid())};
        int np[2] = {-1, -1};
        int nudge_guard_end = -1;
        if (with_nudge &&
            ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, np) == 0) {
            nudge_guard_end = ::fcntl(np[0], F_DUPFD_CLOEXEC, 5);
            ::close(np[0]);
            nudge = np[1];
            args.insert(args.end(), {"--nudge-fd", "4"});
        }
        pid = spawn(args, {}, false, -1, guard_end, nudge_guard_end);
        ::close(guard_end);
        if (nudge_guard_end >= 0) {
            ::close(nudge_guard_end);
        }
        fd = sv[0];
    }
    ~DirectGuard() {
        if (fd >= 0) {
            ::close(fd);
        }
        if (nudge >= 0) {
            ::close(nudge);
        }
        if (pid > 0) {
            reap(pid);
        }
    }
    DirectGuard(const DirectGuard&) = delete;
    DirectGuard& operator=(const DirectGuard&) = delete;

    /// Sends raw bytes with descriptors attached; true if the socket took them.
    bool send_raw(const void* data, std::size_t size, const std::vector<int>& fds = {}) const {
        iovec iov{const_cast<void*>(data), size};
        alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)] = {};
        msghdr h{};
        h.msg_iov = &iov;
        h.msg_iovlen = 1;
        if (!fds.empty()) {
            h.msg_control = control;
            h.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
            cmsghdr* c = CMSG_FIRSTHDR(&h);
            c->cmsg_level = SOL_SOCKET;
            c->cmsg_type = SCM_RIGHTS;
            c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
            std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
        }
        return ::sendmsg(fd, &h, MSG_NOSIGNAL) == static_cast<ssize_t>(size);
    }
    bool send(proto::Op op, std::uint64_t id, const std::vector<int>& fds = {},
              std::int64_t number = 0, const std::string& name = {}) const {
        proto::Message m;
        m.op = op;
        m.id = id;
        m.number = number;
        std::memcpy(m.name, name.data(), std::min<std::size_t>(name.size(), proto::max_name));
        return send_raw(&m, sizeof m, fds);
    }
    /// Registers a cgroup directory as OwnerGuard does.
    bool watch_cgroup(std::uint64_t id, const std::string& dir) const {
        const auto path = fs::path(dir);
        const int d = ::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        const int p = ::open(path.parent_path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
        const bool ok = d >= 0 && p >= 0 &&
                        send(proto::Op::WatchCgroup, id, {d, p}, 0, path.filename().string());
        ::close(d);
        ::close(p);
        return ok;
    }
    bool watch_group(std::uint64_t id, pid_t pgid) const {
        const int pidfd = pidfd_of(pgid);
        const bool ok = pidfd >= 0 && send(proto::Op::WatchProcessGroup, id, {pidfd}, pgid);
        ::close(pidfd);
        return ok;
    }
    /// Waits until the guard has read everything sent so far.
    void settle() const { std::this_thread::sleep_for(std::chrono::milliseconds(100)); }
    /// The owner "dies": end-of-file for the guard.
    void close_owner_end() {
        ::close(fd);
        fd = -1;
        if (nudge >= 0) {
            ::close(nudge);
            nudge = -1;
        }
    }
};

TEST(OwnerGuard, ForgottenAndMalformedRegistrationsChangeNothing) {
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
    ASSERT_TRUE(guard.watch_group(1, victim));
    ASSERT_TRUE(guard.watch_group(2, kept));
    ASSERT_TRUE(guard.send(proto::Op::Forget, 2));
    // Malformed: each is refused, and none may register `kept` again.
    const int kept_pidfd = pidfd_of(kept);
    const int null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(kept_pidfd, 0);
    proto::Message bad_magic;
    bad_magic.magic = 0x41414141;
    bad_magic.op = proto::Op::WatchProcessGroup;
    bad_magic.id = 3;
    bad_magic.number = kept;
    EXPECT_TRUE(guard.send_raw(&bad_magic, sizeof bad_magic, {kept_pidfd}));
    proto::Message m;
    m.op = proto::Op::WatchProcessGroup;
    m.id = 4;
    m.number = kept;
    EXPECT_TRUE(guard.send_raw(&m, sizeof m - 1, {kept_pidfd}));                  // short
    EXPECT_TRUE(guard.send(proto::Op::WatchProcessGroup, 5, {}, kept));           // no pidfd
    EXPECT_TRUE(guard.send(proto::Op::WatchProcessGroup, 6, {null}, kept));       // not a pidfd
    EXPECT_TRUE(guard.send(proto::Op::WatchProcessGroup, 7, {kept_pidfd}, 1));    // kill(-1)
    EXPECT_TRUE(guard.send(proto::Op::WatchProcessGroup, 8, {kept_pidfd}, 0));    // own group
    EXPECT_TRUE(guard.send(proto::Op::WatchProcessGroup, 0, {kept_pidfd}, kept)); // id 0
    EXPECT_TRUE(guard.send(static_cast<proto::Op>(99), 9, {kept_pidfd}, kept));   // unknown
    EXPECT_TRUE(guard.send(proto::Op::WatchProcessGroup, 10, {kept_pidfd, null}, kept)); // 2 fds
    ::close(kept_pidfd);
    ::close(null);
    guard.settle();
    EXPECT_TRUE(alive(victim));
    EXPECT_TRUE(alive(kept));
    EXPECT_TRUE(alive(guard.pid));
    // The guard keeps no descriptor of what it refused: 0-3 plus the
    // victim's pidfd.
    std::size_t held = 0;
    for ([[maybe_unused]] const auto& e :
         fs::directory_iterator("/proc/" + std::to_string(guard.pid) + "/fd")) {
        ++held;
    }
    EXPECT_EQ(held, 5U);

    guard.close_owner_end();
    const auto took = time_until([&] { return !alive(victim); }, std::chrono::milliseconds(1000));
    EXPECT_TRUE(took.has_value()) << "the watched group survived its owner";
    EXPECT_TRUE(reap(guard.pid, std::chrono::milliseconds(3000))) << "the guard did not exit";
    guard.pid = -1;
    EXPECT_TRUE(alive(kept)) << "a forgotten or refused group was killed";
    ::kill(kept, SIGKILL);
    EXPECT_TRUE(reap(victim));
    EXPECT_TRUE(reap(kept));
}

TEST(OwnerGuard, ABurstOfRegistrationsJustBeforeTheOwnerGoesIsKeptWhole) {
    // The guard lets a burst of messages queue up instead of waking for each
    // one; an owner that dies in the middle of such a burst must still have
    // every group it registered killed, the last one included.
    const std::string marker = unique_marker();
    Cleanup cleanup{marker, {}};
    constexpr int count = 64;
    std::vector<pid_t> sleepers;
    for (int i = 0; i < count; ++i) {
        const pid_t p = spawn({"/bin/sleep", "30"}, marked_env(marker), true);
        ASSERT_GT(p, 0);
        sleepers.push_back(p);
    }
    DirectGuard guard(true);
    ASSERT_GT(guard.pid, 0) << "cannot start " << guard_program();
    ASSERT_GE(guard.nudge, 0);
    // More registrations in a row than the socket's queue holds
    // (net.unix.max_dgram_qlen, 10 by default): the sends must not fail.
    std::size_t next = 0;
    for (; next < sleepers.size() - 10; ++next) {
        ASSERT_TRUE(guard.watch_group(next + 1, sleepers[next]));
    }
    // Then one message that ends the guard's idle wait; the rest arrive while
    // it lets messages queue up, and the owner goes before it reads them.
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    ASSERT_TRUE(guard.watch_group(next + 1, sleepers[next]));
    ++next;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (; next < sleepers.size(); ++next) {
        ASSERT_TRUE(guard.watch_group(next + 1, sleepers[next]));
    }
    guard.close_owner_end(); // at once, with messages still queued

    const auto took = time_until(
        [&] {
            return std::none_of(sleepers.begin(), sleepers.end(), [](pid_t p) { return alive(p); });
        },
        std::chrono::milliseconds(2000));
    EXPECT_TRUE(took.has_value()) << "a group registered in the burst survived its owner";
    EXPECT_TRUE(reap(guard.pid, std::chrono::milliseconds(3000))) << "the guard did not exit";
    guard.pid = -1;
    for (const pid_t p : sleepers) {
        ::kill(p, SIGKILL); // (only a survivor: the check above has failed)
        EXPECT_TRUE(reap(p));
    }
}

TEST(OwnerGuard, IgnoresMessagesFromAnyProcessButItsOwner) {
    // Another process holding the socket (it should never get it: S2) can
    // neither make the guard forget the owner's group nor register its own.
    const std::string marker_kill = unique_marker();
    const std::string marker_keep = unique_marker();
    Cleanup c1{marker_kill, {}};
    Cleanup c2{marker_keep, {}};
    const pid_t victim = spawn({"/bin/sleep", "30"}, marked_env(marker_kill), true);
    const pid_t bystander = spawn({"/bin/sleep", "30"}, marked_env(marker_keep), true);
    ASSERT_GT(victim, 0);
    ASSERT_GT(bystander, 0);
    DirectGuard guard;
    ASSERT_GT(guard.pid, 0) << "cannot start " << guard_program();
    ASSERT_TRUE(guard.watch_group(1, victim));

    const pid_t forger = ::fork();
    ASSERT_GE(forger, 0);
    if (forger == 0) {
        // Replays of the owner's own messages, from another pid.
        const bool sent = guard.send(proto::Op::Forget, 1) && guard.watch_group(2, bystander) &&
                          guard.send(proto::Op::Forget, 1);
        ::_exit(sent ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(forger, &status, 0), forger);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the forger could not send";
    guard.settle();

    guard.close_owner_end();
    EXPECT_TRUE(time_until([&] { return !alive(victim); }, std::chrono::milliseconds(1000)))
        << "a forged Forget was obeyed";
    EXPECT_TRUE(reap(guard.pid, std::chrono::milliseconds(3000))) << "the guard did not exit";
    guard.pid = -1;
    EXPECT_TRUE(alive(bystander)) << "a forged registration was obeyed";
    ::kill(bystander, SIGKILL);
    EXPECT_TRUE(reap(victim));
    EXPECT_TRUE(reap(bystander));
}

TEST(OwnerGuard, RefusesDirectoriesItCannotVerify) {
    // Not on cgroup2, not named like ours, or not the entry the name says:
    // none of them is ever removed, and their processes are left alone.
    std::string reason;
    const std::string real = make_cgroup("verify", reason);
    if (real.empty()) {
        GTEST_SKIP() << reason;
    }
    const std::string other = make_cgroup("other", reason);
    ASSERT_FALSE(other.empty()) << reason;
    const std::string plain = std::string(cgroup_root) + "/unnamed-" + unique_marker();
    ASSERT_EQ(::mkdir(plain.c_str(), 0755), 0) << std::strerror(errno);
    const std::string marker = unique_marker();
    Cleanup cleanup{marker, real};
    Cleanup other_cleanup{marker, other};
    Cleanup plain_cleanup{marker, plain};
    const fs::path tmp = fs::temp_directory_path() / ("processkit-guardtest-" + unique_marker());
    fs::create_directory(tmp);
    const pid_t in_real = spawn({"/bin/sleep", "30"}, marked_env(marker));
    const pid_t in_plain = spawn({"/bin/sleep", "30"}, marked_env(marker));
    ASSERT_GT(in_real, 0);
    ASSERT_GT(in_plain, 0);
    ASSERT_TRUE(write_file(real + "/cgroup.procs", std::to_string(in_real)));
    ASSERT_TRUE(write_file(plain + "/cgroup.procs", std::to_string(in_plain)));

    DirectGuard guard;
    ASSERT_GT(guard.pid, 0) << "cannot start " << guard_program();
    auto open_path = [](const std::string& p) {
        return ::open(p.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    };
    const int real_fd = open_path(real);
    const int root_fd = open_path(cgroup_root);
    const int plain_fd = open_path(plain);
    const int tmp_fd = open_path(tmp.string());
    const int tmp_parent = open_path(tmp.parent_path().string());
    const std::string real_name = fs::path(real).filename().string();
    const std::string other_name = fs::path(other).filename().string();
    // The name of another directory than the one handed over.
    EXPECT_TRUE(guard.send(proto::Op::WatchCgroup, 1, {real_fd, root_fd}, 0, other_name));
    // Not named processkit-*.
    EXPECT_TRUE(guard.send(proto::Op::WatchCgroup, 2, {plain_fd, root_fd}, 0,
                           fs::path(plain).filename().string()));
    // Not on the cgroup2 filesystem.
    EXPECT_TRUE(
        guard.send(proto::Op::WatchCgroup, 3, {tmp_fd, tmp_parent}, 0, tmp.filename().string()));
    // A path instead of a name.
    EXPECT_TRUE(guard.send(proto::Op::WatchCgroup, 4, {real_fd, root_fd}, 0, "../" + real_name));
    for (const int fd : {real_fd, root_fd, plain_fd, tmp_fd, tmp_parent}) {
        ::close(fd);
    }
    guard.settle();
    guard.close_owner_end();
    EXPECT_TRUE(reap(guard.pid, std::chrono::milliseconds(3000))) << "the guard did not exit";
    guard.pid = -1;
    EXPECT_TRUE(alive(in_real));
    EXPECT_TRUE(alive(in_plain));
    EXPECT_TRUE(fs::exists(real));
    EXPECT_TRUE(fs::exists(other));
    EXPECT_TRUE(fs::exists(plain));
    EXPECT_TRUE(fs::exists(tmp));
    fs::remove(tmp);
    ::kill(in_real, SIGKILL);
    ::kill(in_plain, SIGKILL);
    EXPECT_TRUE(reap(in_real));
    EXPECT_TRUE(reap(in_plain));
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
    ASSERT_TRUE(guard.watch_cgroup(1, dir));
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

TEST(OwnerGuard, LeavesADirectoryAloneOnceItsNameIsAnotherDirectory) {
    // The registered directory is removed and a new one made under its name
    // (by anyone): the guard removes only the directory it was handed.
    std::string reason;
    const std::string dir = make_cgroup("swap", reason);
    if (dir.empty()) {
        GTEST_SKIP() << reason;
    }
    const std::string marker = unique_marker();
    Cleanup cleanup{marker, dir};
    DirectGuard guard;
    ASSERT_GT(guard.pid, 0) << "cannot start " << guard_program();
    ASSERT_TRUE(guard.watch_cgroup(1, dir));
    guard.settle();
    ASSERT_EQ(::rmdir(dir.c_str()), 0) << std::strerror(errno);
    ASSERT_EQ(::mkdir(dir.c_str(), 0755), 0) << std::strerror(errno);
    const pid_t newcomer = spawn({"/bin/sleep", "30"}, marked_env(marker));
    ASSERT_GT(newcomer, 0);
    ASSERT_TRUE(write_file(dir + "/cgroup.procs", std::to_string(newcomer)));
    guard.close_owner_end();
    EXPECT_TRUE(reap(guard.pid, std::chrono::milliseconds(3000))) << "the guard did not exit";
    guard.pid = -1;
    EXPECT_TRUE(alive(newcomer)) << "the guard killed a directory it was never given";
    EXPECT_TRUE(fs::exists(dir));
    ::kill(newcomer, SIGKILL);
    EXPECT_TRUE(reap(newcomer));
}

TEST(OwnerGuard, PrintsItsVersionAndRefusesToRunWithoutAnOwner) {
    int out[2];
    ASSERT_EQ(::pipe2(out, O_CLOEXEC), 0);
    const pid_t version = spawn({guard_program(), "--version"}, {}, false, out[1]);
    ::close(out[1]);
    ASSERT_GT(version, 0);
    std::string text;
    char buf[256];
    for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) > 0;) {
        text.append(buf, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    int status = 0;
    ASSERT_EQ(::waitpid(version, &status, 0), version);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    EXPECT_EQ(text.rfind("processkit-guard ", 0), 0U) << text;
    // No socket on 3, or no --owner: usage, exit 2.
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{guard_program()},
          std::vector<std::string>{guard_program(), "--owner", "1"},
          std::vector<std::string>{guard_program(), "--owner", "x"}}) {
        const pid_t p = spawn(args, {});
        ASSERT_GT(p, 0);
        ASSERT_EQ(::waitpid(p, &status, 0), p);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << args.size();
    }
    // A socket on 3, but a wake-up channel named wrongly or not a socket:
    // usage.
    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv), 0);
    const int socket_end = ::fcntl(sv[1], F_DUPFD_CLOEXEC, 5);
    const int not_a_socket = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    const int fd_of_null =
        not_a_socket >= 5 ? not_a_socket : ::fcntl(not_a_socket, F_DUPFD_CLOEXEC, 5);
    ASSERT_GE(socket_end, 5);
    ASSERT_GE(fd_of_null, 5);
    ::close(sv[0]); // a guard that wrongly ran would see its owner gone, not hang
    ::close(sv[1]);
    const std::string me = std::to_string(::getpid());
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{guard_program(), "--owner", me, "--nudge-fd", "4"},
          std::vector<std::string>{guard_program(), "--owner", me, "--nudge-fd", "5"},
          std::vector<std::string>{guard_program(), "--owner", me, "--nudge", "4"}}) {
        const pid_t p = spawn(args, {}, false, -1, socket_end, fd_of_null);
        ASSERT_GT(p, 0);
        ASSERT_EQ(::waitpid(p, &status, 0), p);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 2) << args[3] << " " << args[4];
    }
    ::close(socket_end);
    ::close(fd_of_null);
    if (not_a_socket != fd_of_null) {
        ::close(not_a_socket);
    }
}

TEST(OwnerGuard, ADeadGuardIsReportedAndReplaced) {
    // In a forked child, so this process's own guard is left alone.
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        OwnerGuard* first = OwnerGuard::instance();
        if (first == nullptr || !first->alive()) {
            ::_exit(10);
        }
        processkit::ProcessGroup group;
        if (!group.owner_death_protected()) {
            ::_exit(11);
        }
        ::kill(first->pid(), SIGKILL);
        for (int i = 0; i < 200 && first->alive(); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        if (first->alive()) {
            ::_exit(12);
        }
        if (group.owner_death_protected()) {
            ::_exit(13); // the group's guard is gone: it must say so
        }
        OwnerGuard* second = OwnerGuard::instance();
        if (second == nullptr || second == first || !second->alive() ||
            second->pid() == first->pid()) {
            ::_exit(14);
        }
        // The dead guard was reaped, not left a zombie.
        if (process_state(first->pid()) == 'Z') {
            ::_exit(15);
        }
        processkit::ProcessGroup fresh;
        if (!fresh.owner_death_protected()) {
            ::_exit(16);
        }
        // The old group registers itself with the new guard.
        if (!group.renew_owner_death_protection() || !group.owner_death_protected()) {
            ::_exit(17);
        }
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0) << "step that failed (see the test)";
}

TEST(OwnerGuard, AGroupCanRequireProtection) {
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::setenv("PROCESSKIT_GUARD", "/nonexistent/processkit-guard", 1);
        processkit::GroupOptions lenient;
        processkit::ProcessGroup unprotected(lenient);
        if (unprotected.owner_death_protected()) {
            ::_exit(10);
        }
        processkit::GroupOptions strict;
        strict.require_owner_death_protection = true;
        try {
            processkit::ProcessGroup g(strict);
            ::_exit(11);
        } catch (const processkit::Error& e) {
            const bool names_it =
                e.message().find("/nonexistent/processkit-guard") != std::string::npos;
            ::_exit(e.kind() == processkit::ErrorKind::Unsupported && names_it ? 0 : 12);
        }
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status)) << status;
    EXPECT_EQ(WEXITSTATUS(status), 0) << "step that failed (see the test)";
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

// --- an owner running with its standard streams closed (S2) ---------------

/// Reads a (non-blocking) descriptor to end-of-file, 5 s at most.
std::string read_all(int fd) {
    std::string text;
    char buf[512];
    const auto deadline = Clock::now() + std::chrono::seconds(5);
    while (Clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        ::poll(&p, 1, 100);
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
            break;
        }
        if (n > 0) {
            text.append(buf, static_cast<std::size_t>(n));
        }
    }
    return text;
}

TEST(ClosedStdio, NoInternalDescriptorBecomesTheOwnersOrAChildsStdio) {
    const std::string marker = unique_marker();
    Cleanup cleanup{marker, {}};
    int report[2];
    ASSERT_EQ(::pipe2(report, O_CLOEXEC), 0);
    const pid_t owner = ::fork();
    ASSERT_GE(owner, 0);
    if (owner == 0) {
        ::close(report[0]);
        ::close(0);
        ::close(1);
        ::close(2);
        int step = 10;
        try {
            processkit::ProcessGroup group; // the guard, its socket, cgroup files
            ++step;
            for (int fd = 0; fd <= 2; ++fd) {
                if (::fcntl(fd, F_GETFD) >= 0) {
                    ::_exit(step); // something of ours landed on a standard stream
                }
            }
            ++step;
            // Somebody else's close-on-exec descriptor (an event loop's
            // eventfd, say) on 0: not a standard stream, not for children.
            const int foreign = ::eventfd(0, EFD_CLOEXEC);
            if (foreign != 0) {
                ::_exit(step);
            }
            processkit::Command c("/bin/sh");
            c.args({"-c",
                    "readlink /proc/self/fd/0; readlink /proc/self/fd/2 >&2 || echo none >&2; "
                    "readlink /proc/self/fd/2"});
            c.stdin_inherit().stderr_mode(processkit::StdioMode::Inherit);
            c.env("PK_TEST_MARKER", marker);
            auto spawned = group.spawn(c);
            const std::string out = read_all(spawned.stdout_pipe.get());
            (void)spawned.child.wait();
            ::close(foreign);
            ++step;
            if (out != "/dev/null\n/dev/null\n") {
                const std::string msg = "child saw: " + out;
                (void)!::write(report[1], msg.data(), msg.size());
                ::_exit(step);
            }
            ++step;
            for (int fd = 0; fd <= 2; ++fd) {
                if (::fcntl(fd, F_GETFD) >= 0) {
                    ::_exit(step);
                }
            }
            // Owner death still works: the guard's socket is not on 0-2,
            // so the guard sees end-of-file when we die.
            processkit::Command sleeper("/bin/sleep");
            sleeper.args({"300"}).env("PK_TEST_MARKER", marker);
            auto kept = group.spawn(sleeper);
            (void)!::write(report[1], "ready\n", 6);
            for (;;) {
                ::pause();
            }
        } catch (const std::exception& e) {
            (void)!::write(report[1], e.what(), std::strlen(e.what()));
            ::_exit(step);
        }
    }
    ::close(report[1]);
    std::string said;
    const auto ready = time_until(
        [&] {
            pollfd p{report[0], POLLIN, 0};
            if (::poll(&p, 1, 10) > 0) {
                char buf[256];
                const ssize_t n = ::read(report[0], buf, sizeof buf);
                if (n <= 0) {
                    return true;
                }
                said.append(buf, static_cast<std::size_t>(n));
            }
            return said.find('\n') != std::string::npos;
        },
        std::chrono::milliseconds(5000));
    ::close(report[0]);
    if (said != "ready\n") {
        ::kill(owner, SIGKILL);
        int status = 0;
        ::waitpid(owner, &status, 0);
        FAIL() << "owner said '" << said << "', exit " << WEXITSTATUS(status);
    }
    ASSERT_TRUE(ready.has_value());
    // spawn() returns once the kernel lets the parent go in execve, which is
    // before the new image's environment is on its stack: the marker may show
    // in /proc a moment later (seen on a loaded machine).
    ASSERT_TRUE(time_until([&] { return !processes_with_marker(marker).empty(); },
                           std::chrono::milliseconds(2000)))
        << "the owner's sleeper never appeared";
    ASSERT_EQ(::kill(owner, SIGKILL), 0);
    ASSERT_TRUE(reap(owner));
    EXPECT_TRUE(time_until([&] { return processes_with_marker(marker).empty(); },
                           std::chrono::milliseconds(1000)))
        << "the tree of an owner with closed stdio survived its SIGKILL";
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
