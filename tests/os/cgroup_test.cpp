// cgroup v2 and /proc helpers: parsing from strings, and the real kernel
// (skipped unless running as root with a writable cgroup2 hierarchy).

#include "cgroup_fs.hpp"
#include "processkit/core/error.hpp"
#include "processkit/os/cgroup.hpp"
#include "processkit/os/procfs.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <gtest/gtest.h>
#include <limits>
#include <optional>
#include <poll.h>
#include <set>
#include <signal.h>
#include <spawn.h>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using processkit::Error;
using processkit::ErrorKind;
using processkit::ResourceLimits;
using processkit::os::Cgroup;
using processkit::os::UniqueFd;

// ---------------------------------------------------------------- helpers

std::set<int> open_fds() {
    std::set<int> fds;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd", ec)) {
        fds.insert(std::stoi(entry.path().filename().string()));
    }
    return fds;
}

/// Our own `processkit-<ns>-<ns>-<getpid()>-*` directories under `parent`
/// (other processes may create theirs concurrently).
std::vector<std::string> own_processkit_dirs(const std::string& parent) {
    const std::string prefix = processkit::os::own_cgroup_name_prefix();
    std::vector<std::string> dirs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
        if (entry.path().filename().string().rfind(prefix, 0) == 0) {
            dirs.push_back(entry.path().string());
        }
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

bool exists(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0;
}

int write_text(const std::string& path, const std::string& text) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return errno;
    }
    const ssize_t n = ::write(fd, text.data(), text.size());
    const int err = n < 0 ? errno : 0;
    ::close(fd);
    return err;
}

std::optional<std::uint64_t> events_value(const std::string& dir, const std::string& key) {
    const auto text = processkit::os::read_small_file(dir + "/cgroup.events");
    if (!text) {
        return std::nullopt;
    }
    const auto at = text->find(key + " ");
    if (at == std::string::npos) {
        return std::nullopt;
    }
    return std::stoull(text->substr(at + key.size() + 1));
}

std::uint64_t cpu_usage_usec(const std::string& dir) {
    const auto text = processkit::os::read_small_file(dir + "/cpu.stat");
    if (!text) {
        return 0;
    }
    const auto at = text->find("usage_usec ");
    return at == std::string::npos ? 0 : std::stoull(text->substr(at + 11));
}

char process_state(pid_t pid) {
    const auto stat = processkit::os::read_small_file("/proc/" + std::to_string(pid) + "/stat");
    if (!stat) {
        return '?';
    }
    const auto close = stat->rfind(')');
    return close == std::string::npos || close + 2 >= stat->size() ? '?' : (*stat)[close + 2];
}

/// A child started with posix_spawnp; killed and reaped on destruction
/// unless the test reaped it.
class Child {
public:
    explicit Child(std::vector<std::string> argv, bool own_process_group = false) {
        std::vector<char*> args;
        for (auto& a : argv) {
            args.push_back(a.data());
        }
        args.push_back(nullptr);
        posix_spawnattr_t attr;
        posix_spawnattr_init(&attr);
        if (own_process_group) {
            posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
            posix_spawnattr_setpgroup(&attr, 0);
        }
        const int rc = ::posix_spawnp(&pid_, args[0], nullptr, &attr, args.data(), environ);
        posix_spawnattr_destroy(&attr);
        if (rc != 0) {
            pid_ = -1;
        }
    }
    Child(const Child&) = delete;
    Child& operator=(const Child&) = delete;
    ~Child() {
        if (pid_ > 0) {
            ::kill(pid_, SIGKILL);
            wait();
        }
    }
    pid_t pid() const { return pid_; }
    /// Reaps the child; its wait status.
    int wait() {
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        return status;
    }

private:
    pid_t pid_ = -1;
};

/// Polls events_fd (POLLPRI) until the group is empty, at most `timeout_ms`.
bool wait_unpopulated(const Cgroup& group, int timeout_ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (group.populated()) {
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                              deadline - std::chrono::steady_clock::now())
                              .count();
        if (left <= 0) {
            return false;
        }
        pollfd p{group.events_fd(), POLLPRI, 0};
        ::poll(&p, 1, static_cast<int>(left));
    }
    return true;
}

/// Kill, wait for empty, remove: what ProcessGroup's teardown does.
void teardown(Cgroup& group) {
    if (group.removed()) {
        return;
    }
    try {
        group.kill();
    } catch (const Error& e) {
        ADD_FAILURE() << e.what();
    }
    EXPECT_TRUE(wait_unpopulated(group));
    EXPECT_TRUE(group.try_remove());
}

/// A Cgroup torn down at scope exit (declare before the children in it).
struct ScopedGroup {
    explicit ScopedGroup(Cgroup g)
        : group(std::move(g)) {}
    ScopedGroup(const ScopedGroup&) = delete;
    ScopedGroup& operator=(const ScopedGroup&) = delete;
    ~ScopedGroup() { teardown(group); }
    Cgroup group;
};

/// rmdir of a directory tree made by a test (deepest first).
void remove_tree(const std::string& dir) {
    if (!exists(dir)) {
        return;
    }
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
        if (entry.is_directory() && !entry.is_symlink()) {
            remove_tree(entry.path().string());
        }
    }
    ::rmdir(dir.c_str());
}

std::optional<std::string> real_cgroup_parent(std::string& reason) {
    if (::geteuid() != 0) {
        reason = "needs root to create cgroups";
        return std::nullopt;
    }
    auto dir = processkit::os::own_cgroup_dir();
    if (!dir) {
        reason = "cgroup2 is not mounted";
        return std::nullopt;
    }
    if (!exists(*dir + "/cgroup.procs") || ::access(dir->c_str(), W_OK) != 0) {
        reason = "own cgroup " + *dir + " is not writable";
        return std::nullopt;
    }
    return dir;
}

/// Real-kernel tests: skipped without a writable cgroup2; afterwards no
/// descriptor, child or own cgroup directory may be left.
class RealCgroup : public ::testing::Test {
protected:
    void SetUp() override {
        std::string reason;
        auto dir = real_cgroup_parent(reason);
        if (!dir) {
            GTEST_SKIP() << reason;
        }
        parent_ = *dir;
        fds_ = open_fds();
        dirs_ = own_processkit_dirs(parent_);
        active_ = true;
    }
    void TearDown() override {
        if (!active_) {
            return;
        }
        EXPECT_EQ(open_fds(), fds_) << "descriptor leaked";
        EXPECT_EQ(own_processkit_dirs(parent_), dirs_) << "cgroup directory left";
        int status = 0;
        EXPECT_EQ(::waitpid(-1, &status, WNOHANG), -1) << "child left";
    }

    std::string parent_;

private:
    bool active_ = false;
    std::set<int> fds_;
    std::vector<std::string> dirs_;
};

// ---------------------------------------------------------------- parsing

constexpr const char* hybrid_mountinfo =
    "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
    "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";

TEST(CgroupParse, FindsPlainCgroup2Mount) {
    const char* text =
        "22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw\n"
        "25 22 0:23 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
        "29 24 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 master:1 - "
        "cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n";
    EXPECT_EQ(processkit::os::find_cgroup2_mount(text), "/sys/fs/cgroup");
}

TEST(CgroupParse, FindsHybridCgroup2Mount) {
    EXPECT_EQ(processkit::os::find_cgroup2_mount(hybrid_mountinfo), "/sys/fs/cgroup/unified");
}

TEST(CgroupParse, NoCgroup2Mount) {
    EXPECT_EQ(processkit::os::find_cgroup2_mount(""), std::nullopt);
    const char* v1_only = "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
                          "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
                          // "cgroup2" as a mount point or source is not the file system type
                          "50 22 0:40 / /cgroup2 rw,relatime - tmpfs cgroup2 rw\n"
                          "garbage line\n";
    EXPECT_EQ(processkit::os::find_cgroup2_mount(v1_only), std::nullopt);
}

TEST(CgroupParse, UnescapesMountPoint) {
    const char* text = "60 22 0:41 / /mnt/my\\040cgroups\\134x rw - cgroup2 none rw\n";
    EXPECT_EQ(processkit::os::find_cgroup2_mount(text), "/mnt/my cgroups\\x");
    // A backslash not followed by three octal digits stays as it is.
    EXPECT_EQ(processkit::os::find_cgroup2_mount("1 2 0:1 / /a\\9z rw - cgroup2 x rw\n"), "/a\\9z");
    EXPECT_EQ(processkit::os::find_cgroup2_mount("1 2 0:1 / /a\\04 rw - cgroup2 x rw\n"), "/a\\04");
}

TEST(CgroupParse, PrefersMountOfWholeHierarchy) {
    const char* text = "70 22 0:38 /some/sub /mnt/sub rw - cgroup2 cgroup2 rw\n"
                       "71 22 0:38 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n";
    EXPECT_EQ(processkit::os::find_cgroup2_mount(text), "/sys/fs/cgroup");
}

TEST(CgroupParse, OwnCgroupPath) {
    const char* hybrid = "9:name=systemd:/\n"
                         "4:memory:/process_api/7c0e3c\n"
                         "1:cpu:/\n"
                         "0::/\n";
    EXPECT_EQ(processkit::os::own_cgroup_path(hybrid), "/");
    EXPECT_EQ(processkit::os::own_cgroup_path("0::/user.slice/x.scope\n"), "/user.slice/x.scope");
    EXPECT_EQ(processkit::os::own_cgroup_path("0::/user.slice/x.scope"), "/user.slice/x.scope");
    EXPECT_EQ(processkit::os::own_cgroup_path("9:name=systemd:/\n1:cpu:/a\n"), std::nullopt);
    EXPECT_EQ(processkit::os::own_cgroup_path("10::/not-v2\n"), std::nullopt);
    EXPECT_EQ(processkit::os::own_cgroup_path(""), std::nullopt);
}

TEST(CgroupParse, CgroupName) {
    using processkit::os::detail::NamespaceId;
    using processkit::os::detail::parse_cgroup_name;
    const auto owner = parse_cgroup_name("processkit-4026531836-4026531834-1234-98765-7");
    ASSERT_TRUE(owner);
    ASSERT_TRUE(owner->ns);
    EXPECT_EQ(*owner->ns, (NamespaceId{4026531836U, 4026531834U}));
    EXPECT_EQ(owner->pid, 1234);
    EXPECT_EQ(owner->start_time, 98765U);
    EXPECT_EQ(owner->sequence, 7U);
    // A kernel without time (or pid) namespaces names them 0.
    const auto no_ns = parse_cgroup_name("processkit-0-0-1-2-3");
    ASSERT_TRUE(no_ns && no_ns->ns);
    EXPECT_EQ(*no_ns->ns, (NamespaceId{0, 0}));
    EXPECT_EQ(no_ns->pid, 1);

    // The old format: parsed, but without a namespace (the sweep leaves it).
    const auto old = parse_cgroup_name("processkit-1234-98765-7");
    ASSERT_TRUE(old);
    EXPECT_FALSE(old->ns);
    EXPECT_EQ(old->pid, 1234);
    EXPECT_EQ(old->start_time, 98765U);
    EXPECT_EQ(old->sequence, 7U);

    for (const char* bad : {"processkit-1234-98765",
                            "processkit-1234-98765-7-1",
                            "processkit-0-1-2",
                            "processkit--1-2",
                            "processkit-1-2-",
                            "processkit-1-x-2",
                            "processkit-99999999999-1-2",
                            "processkit-+1-2-3",
                            "other-1-2-3",
                            "processkit-1-2-3 ",
                            "processkit-",
                            "processkit-1-2-0-4-5",
                            "processkit-1-2-3-4-5-6",
                            "processkit-1-2-3-4-5-",
                            "processkit-1-2--4-5",
                            "processkit-1-2-99999999999-4-5",
                            "processkit-99999999999999999999999-2-3-4-5",
                            "processkit-1-2-3-4-x",
                            "processkit-1-2-guardtest-a-0",
                            "Processkit-1-2-3"}) {
        EXPECT_EQ(parse_cgroup_name(bad), std::nullopt) << bad;
    }
}

TEST(CgroupParse, OwnPrefixNamesThisProcessInItsNamespaces) {
    const std::string prefix = processkit::os::own_cgroup_name_prefix();
    const auto owner = processkit::os::detail::parse_cgroup_name(prefix + "42");
    ASSERT_TRUE(owner) << prefix;
    ASSERT_TRUE(owner->ns);
    struct stat pid_ns {};
    struct stat time_ns {};
    ASSERT_EQ(::stat("/proc/self/ns/pid", &pid_ns), 0);
    ASSERT_EQ(::stat("/proc/self/ns/time", &time_ns), 0);
    EXPECT_EQ(owner->ns->pid_ns, pid_ns.st_ino);
    EXPECT_EQ(owner->ns->time_ns, time_ns.st_ino);
    EXPECT_EQ(owner->pid, ::getpid());
    EXPECT_EQ(owner->start_time, processkit::os::own_process_start_time());
    EXPECT_EQ(owner->sequence, 42U);
}

// ---------------------------------------------------------------- procfs

TEST(Procfs, OwnStartTimeAndNamespace) {
    // The test runs where /proc belongs to its pid namespace.
    EXPECT_TRUE(processkit::os::proc_shows_own_pid_namespace());
    const auto own = processkit::os::own_process_start_time();
    ASSERT_TRUE(own);
    EXPECT_EQ(own, processkit::os::process_start_time(::getpid()));
    struct stat pid_ns {};
    ASSERT_EQ(::stat("/proc/self/ns/pid", &pid_ns), 0);
    const auto in_use = processkit::os::pid_namespaces_in_use();
    ASSERT_TRUE(in_use);
    EXPECT_TRUE(std::is_sorted(in_use->begin(), in_use->end()));
    EXPECT_TRUE(std::binary_search(in_use->begin(), in_use->end(), pid_ns.st_ino));
}

TEST(Procfs, ReadSmallFile) {
    EXPECT_EQ(processkit::os::read_small_file("/nonexistent/file"), std::nullopt);
    const auto self = processkit::os::read_small_file("/proc/self/stat");
    ASSERT_TRUE(self);
    EXPECT_EQ(self->substr(0, self->find(' ')), std::to_string(::getpid()));
    // Larger than one read.
    const auto maps = processkit::os::read_small_file("/proc/self/maps");
    ASSERT_TRUE(maps);
    EXPECT_FALSE(maps->empty());
}

TEST(Procfs, StartTimeAndResidentSize) {
    const auto own = processkit::os::process_start_time(::getpid());
    ASSERT_TRUE(own);
    EXPECT_EQ(processkit::os::process_start_time(::getpid()), own);
    EXPECT_GT(processkit::os::resident_bytes(::getpid()).value_or(0), 0U);
    EXPECT_EQ(processkit::os::process_start_time(0), std::nullopt);
    EXPECT_EQ(processkit::os::process_start_time(-1), std::nullopt);
    Child child({"sleep", "30"});
    ASSERT_GT(child.pid(), 0);
    const auto started = processkit::os::process_start_time(child.pid());
    ASSERT_TRUE(started);
    EXPECT_GE(*started, *own);
    const pid_t pid = child.pid();
    ::kill(pid, SIGKILL);
    child.wait();
    EXPECT_EQ(processkit::os::process_start_time(pid), std::nullopt);
    EXPECT_EQ(processkit::os::resident_bytes(pid), std::nullopt);
}

TEST(Procfs, CommandNameWithSpacesAndParentheses) {
    // comm is the executable's base name: a symlink named like a trap.
    const std::string dir = "/tmp/pk-procfs-" + std::to_string(::getpid());
    ASSERT_EQ(::mkdir(dir.c_str(), 0700), 0);
    const std::string link = dir + "/x) (y 1 2";
    ASSERT_EQ(::symlink("/bin/sleep", link.c_str()), 0);
    {
        Child child({link, "30"}, /*own_process_group=*/true);
        ::unlink(link.c_str());
        ::rmdir(dir.c_str());
        ASSERT_GT(child.pid(), 0);
        // Wait until the exec happened (comm changes from ours to the link's).
        for (int i = 0; i < 500; ++i) {
            const auto comm =
                processkit::os::read_small_file("/proc/" + std::to_string(child.pid()) + "/comm");
            if (comm && comm->rfind("x) (y", 0) == 0) {
                break;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        EXPECT_TRUE(processkit::os::process_start_time(child.pid()));
        EXPECT_EQ(processkit::os::processes_in_groups({child.pid()}),
                  std::vector<pid_t>{child.pid()});
    }
    EXPECT_FALSE(exists(dir));
}

TEST(Procfs, ProcessesInGroupsSkipsZombies) {
    EXPECT_TRUE(processkit::os::processes_in_groups({}).empty());
    const auto mine = processkit::os::processes_in_groups({::getpgrp()});
    EXPECT_NE(std::find(mine.begin(), mine.end(), ::getpid()), mine.end());

    Child child({"sleep", "30"}, /*own_process_group=*/true);
    ASSERT_GT(child.pid(), 0);
    EXPECT_EQ(processkit::os::processes_in_groups({child.pid()}), std::vector<pid_t>{child.pid()});
    ASSERT_EQ(::kill(child.pid(), SIGKILL), 0);
    // Not reaped: a zombie, which must not count.
    for (int i = 0; i < 500 && process_state(child.pid()) != 'Z'; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_EQ(process_state(child.pid()), 'Z');
    EXPECT_TRUE(processkit::os::processes_in_groups({child.pid()}).empty());
    EXPECT_EQ(processkit::os::resident_bytes(child.pid()).value_or(0), 0U);
}

// ---------------------------------------------------------------- no root needed

TEST(CgroupCreate, ValidatesLimitsFirst) {
    const auto expect_invalid = [](const ResourceLimits& limits) {
        try {
            Cgroup::create("/nonexistent/parent", limits);
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument) << e.what();
        }
    };
    ResourceLimits memory;
    memory.memory_max_bytes = 0;
    expect_invalid(memory);
    ResourceLimits processes;
    processes.max_processes = 0;
    expect_invalid(processes);
    for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), -1.0, 0.0}) {
        ResourceLimits cpu;
        cpu.cpu_quota = bad;
        expect_invalid(cpu);
    }
}

TEST(CgroupCreate, MissingParentIsIo) {
    try {
        Cgroup::create("/nonexistent/parent");
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Io);
        EXPECT_EQ(e.os_error(), ENOENT);
        EXPECT_NE(e.detail().find("cannot create cgroup directory /nonexistent/parent/processkit-"),
                  std::string::npos)
            << e.what();
        EXPECT_EQ(e.path().rfind("/nonexistent/parent/processkit-", 0), 0U);
    }
}

TEST(CgroupOwnDir, IsTheCgroupWeAreIn) {
    const auto dir = processkit::os::own_cgroup_dir();
    const auto mountinfo = processkit::os::read_small_file("/proc/self/mountinfo");
    ASSERT_TRUE(mountinfo);
    if (!processkit::os::find_cgroup2_mount(*mountinfo)) {
        EXPECT_EQ(dir, std::nullopt);
        GTEST_SKIP() << "cgroup2 is not mounted";
    }
    ASSERT_TRUE(dir);
    const auto procs = processkit::os::read_small_file(*dir + "/cgroup.procs");
    ASSERT_TRUE(procs) << *dir;
    EXPECT_NE(("\n" + *procs).find("\n" + std::to_string(::getpid()) + "\n"), std::string::npos);
    EXPECT_EQ(dir->find("//"), std::string::npos);
    // This machine (and CI): hybrid layout, running in the v2 root.
    const auto own = processkit::os::read_small_file("/proc/self/cgroup");
    if (*processkit::os::find_cgroup2_mount(*mountinfo) == "/sys/fs/cgroup/unified" && own &&
        processkit::os::own_cgroup_path(*own) == "/") {
        EXPECT_EQ(*dir, "/sys/fs/cgroup/unified");
    }
}

// ---------------------------------------------------------------- real kernel

TEST_F(RealCgroup, CreateAdoptStatsKillRemove) {
    ScopedGroup scoped(Cgroup::create(parent_));
    Cgroup& group = scoped.group;

    const std::string name = fs::path(group.path()).filename().string();
    EXPECT_EQ(group.path(), parent_ + "/" + name);
    const auto owner = processkit::os::detail::parse_cgroup_name(name);
    ASSERT_TRUE(owner) << name;
    EXPECT_TRUE(owner->ns);
    EXPECT_EQ(name.rfind(processkit::os::own_cgroup_name_prefix(), 0), 0U) << name;
    EXPECT_EQ(owner->pid, ::getpid());
    EXPECT_EQ(owner->start_time, processkit::os::process_start_time(::getpid()));
    EXPECT_GE(group.events_fd(), 0);
    EXPECT_TRUE(group.open_dir()); // opened on demand, not held
    EXPECT_TRUE(group.open_procs());
    EXPECT_FALSE(group.populated());
    EXPECT_TRUE(group.members().empty());
    EXPECT_EQ(group.stats().active_process_count, 0U);
    EXPECT_EQ(group.stats().memory_bytes, 0U);

    Child child({"sleep", "30"});
    ASSERT_GT(child.pid(), 0);
    group.adopt(child.pid());
    EXPECT_EQ(group.members(), std::vector<pid_t>{child.pid()});
    EXPECT_TRUE(group.populated());
    const auto in =
        processkit::os::read_small_file("/proc/" + std::to_string(child.pid()) + "/cgroup");
    ASSERT_TRUE(in);
    EXPECT_NE(in->find("0::/" + name), std::string::npos) << *in;

    const auto stats = group.stats();
    EXPECT_EQ(stats.active_process_count, 1U);
    EXPECT_TRUE(stats.total_cpu_time);
    EXPECT_GT(stats.memory_bytes.value_or(0), 0U);
    if (!exists(group.path() + "/memory.peak")) {
        EXPECT_EQ(stats.peak_memory_bytes, std::nullopt);
    }

    EXPECT_FALSE(group.try_remove()) << "removed while populated";
    EXPECT_TRUE(exists(group.path()));
    EXPECT_FALSE(group.removed());

    group.kill();
    const int status = child.wait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    EXPECT_TRUE(wait_unpopulated(group));
    EXPECT_FALSE(group.populated());

    const std::string path = group.path();
    EXPECT_TRUE(group.try_remove()); // cgroup.events is still open here
    EXPECT_TRUE(group.removed());
    EXPECT_FALSE(exists(path));
    EXPECT_EQ(group.events_fd(), -1);
    EXPECT_THROW((void)group.open_dir(), Error);
    EXPECT_THROW((void)group.open_procs(), Error);
    EXPECT_TRUE(group.try_remove());
    try {
        (void)group.stats();
        ADD_FAILURE() << "stats of a removed group";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Io);
        EXPECT_NE(e.detail().find("is gone"), std::string::npos);
    }
    group.kill(); // no-op once removed
}

TEST_F(RealCgroup, ZombieDoesNotKeepGroupPopulated) {
    ScopedGroup scoped(Cgroup::create(parent_));
    Cgroup& group = scoped.group;
    Child child({"sleep", "30"});
    ASSERT_GT(child.pid(), 0);
    group.adopt(child.pid());
    group.kill();
    // Observed on Linux 6.18: an exited, unreaped child is neither a member
    // nor keeps the group populated, and the directory can be removed.
    EXPECT_TRUE(wait_unpopulated(group));
    EXPECT_EQ(process_state(child.pid()), 'Z');
    EXPECT_TRUE(group.members().empty());
    EXPECT_TRUE(group.try_remove());
    const int status = child.wait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

TEST_F(RealCgroup, KillReachesGrandchildren) {
    ScopedGroup scoped(Cgroup::create(parent_));
    Cgroup& group = scoped.group;
    // The shell forks its children only once it is inside the group.
    const std::string go = "/tmp/pk-cgroup-go-" + std::to_string(::getpid());
    Child sh(
        {"sh", "-c", "while [ ! -e " + go + " ]; do sleep 0.01; done; sleep 30 & sleep 30 & wait"});
    ASSERT_GT(sh.pid(), 0);
    group.adopt(sh.pid());
    ASSERT_EQ(write_text(go, ""), ENOENT); // not there yet: create it
    const int fd = ::open(go.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    ASSERT_GE(fd, 0);
    ::close(fd);
    for (int i = 0; i < 500 && group.members().size() < 3; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ::unlink(go.c_str());
    const auto members = group.members();
    EXPECT_GE(members.size(), 3U);
    group.kill();
    EXPECT_TRUE(wait_unpopulated(group));
    const int status = sh.wait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    for (const pid_t pid : members) {
        const char state = process_state(pid); // gone, or a zombie for init to reap
        EXPECT_TRUE(state == '?' || state == 'Z') << pid << " " << state;
    }
}

TEST_F(RealCgroup, SignalEveryMember) {
    ScopedGroup scoped(Cgroup::create(parent_));
    Cgroup& group = scoped.group;
    Child a({"sleep", "30"});
    Child b({"sleep", "30"});
    ASSERT_GT(a.pid(), 0);
    ASSERT_GT(b.pid(), 0);
    group.adopt(a.pid());
    group.adopt(b.pid());
    group.signal(SIGTERM);
    for (Child* c : {&a, &b}) {
        const int status = c->wait();
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM);
    }
    EXPECT_TRUE(wait_unpopulated(group));
    group.signal(SIGTERM); // empty group: nothing to do
}

TEST_F(RealCgroup, FreezeAndThaw) {
    ScopedGroup scoped(Cgroup::create(parent_));
    Cgroup& group = scoped.group;
    Child busy({"sh", "-c", "while :; do :; done"});
    ASSERT_GT(busy.pid(), 0);
    group.adopt(busy.pid());
    for (int i = 0; i < 500 && cpu_usage_usec(group.path()) == 0; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    ASSERT_GT(cpu_usage_usec(group.path()), 0U);

    group.freeze(true);
    EXPECT_EQ(events_value(group.path(), "frozen"), 1U);
    EXPECT_NE(process_state(busy.pid()), 'R');
    const auto frozen_usage = cpu_usage_usec(group.path());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    EXPECT_EQ(cpu_usage_usec(group.path()), frozen_usage) << "ran while frozen";
    EXPECT_TRUE(group.populated());

    group.freeze(false);
    EXPECT_EQ(events_value(group.path(), "frozen"), 0U);
    for (int i = 0; i < 500 && cpu_usage_usec(group.path()) == frozen_usage; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    EXPECT_GT(cpu_usage_usec(group.path()), frozen_usage) << "did not run after thaw";

    // Killing a frozen group works too.
    group.freeze(true);
    group.kill();
    const int status = busy.wait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    EXPECT_TRUE(wait_unpopulated(group));
    group.freeze(false);
}

TEST_F(RealCgroup, KillByFreezingFallback) {
    ScopedGroup scoped(Cgroup::create(parent_));
    Cgroup& group = scoped.group;
    Child busy({"sh", "-c", "while :; do :; done"});
    Child sleeper({"sleep", "30"});
    ASSERT_GT(busy.pid(), 0);
    ASSERT_GT(sleeper.pid(), 0);
    group.adopt(busy.pid());
    group.adopt(sleeper.pid());
    processkit::os::detail::kill_by_freezing(group.path());
    for (Child* c : {&busy, &sleeper}) {
        const int status = c->wait();
        EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    }
    EXPECT_TRUE(wait_unpopulated(group));
    EXPECT_EQ(events_value(group.path(), "frozen"), 0U) << "left frozen";
}

TEST_F(RealCgroup, AdoptFailureNamesThePid) {
    ScopedGroup scoped(Cgroup::create(parent_));
    Child child({"true"});
    ASSERT_GT(child.pid(), 0);
    const pid_t gone = child.pid();
    child.wait();
    try {
        scoped.group.adopt(gone);
        ADD_FAILURE() << "adopted a reaped pid";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::Io);
        EXPECT_EQ(e.os_error(), ESRCH);
        EXPECT_NE(e.detail().find("process " + std::to_string(gone)), std::string::npos)
            << e.what();
    }
}

TEST_F(RealCgroup, MovesTransferOwnership) {
    Cgroup a = Cgroup::create(parent_);
    const std::string a_path = a.path();
    Cgroup b = Cgroup::create(parent_);
    const std::string b_path = b.path();
    EXPECT_NE(a_path, b_path);

    Cgroup c(std::move(a));
    EXPECT_TRUE(a.removed()); // NOLINT(bugprone-use-after-move): moved-from owns nothing
    EXPECT_EQ(c.path(), a_path);
    EXPECT_TRUE(exists(a_path));

    c = std::move(b); // tears down the group c owned
    EXPECT_FALSE(exists(a_path));
    EXPECT_EQ(c.path(), b_path);
    EXPECT_TRUE(exists(b_path));
    EXPECT_TRUE(c.try_remove());
    EXPECT_FALSE(exists(b_path));
}

TEST_F(RealCgroup, DestructorKillsWithoutWaiting) {
    Child child({"sleep", "30"});
    ASSERT_GT(child.pid(), 0);
    std::string path;
    {
        Cgroup group = Cgroup::create(parent_);
        path = group.path();
        group.adopt(child.pid());
    }
    const int status = child.wait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    // The directory may still be there (it was populated at destruction):
    // remove it now that it is empty.
    if (exists(path)) {
        for (int i = 0; i < 500 && events_value(path, "populated") != 0U; ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        EXPECT_EQ(::rmdir(path.c_str()), 0);
    }
}

TEST_F(RealCgroup, EmptyGroupRemovedByDestructor) {
    std::string path;
    {
        Cgroup group = Cgroup::create(parent_);
        path = group.path();
    }
    EXPECT_FALSE(exists(path));
}

/// The same directory (device and inode) behind two descriptors.
bool same_directory(int a, int b) {
    struct stat sa {};
    struct stat sb {};
    return ::fstat(a, &sa) == 0 && ::fstat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

TEST_F(RealCgroup, TheDirectoryOpenedAtCreationGoesToTheFirstTaker) {
    Cgroup group = Cgroup::create(parent_);
    const int held = group.held_dir_fd();
    ASSERT_GE(held, 0) << "create() holds the directory for the first spawn";
    const UniqueFd path_fd(::open(group.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    ASSERT_TRUE(path_fd);
    EXPECT_TRUE(same_directory(held, path_fd.get()));

    const UniqueFd first = group.take_dir();
    EXPECT_EQ(first.get(), held) << "the held descriptor itself, not a new one";
    EXPECT_EQ(group.held_dir_fd(), -1) << "handed over: the group no longer holds it";
    const UniqueFd second = group.take_dir();
    ASSERT_TRUE(second) << "later takers get a newly opened one";
    EXPECT_NE(second.get(), first.get());
    EXPECT_TRUE(same_directory(second.get(), path_fd.get()));
}

TEST_F(RealCgroup, FilesAreLookedUpFromTheHeldDirectory) {
    Cgroup group = Cgroup::create(parent_);
    (void)group.take_dir();
    ASSERT_EQ(group.held_dir_fd(), -1);
    // Without a held descriptor, by path; with one, by name from it.
    for (int round = 0; round < 2; ++round) {
        SCOPED_TRACE(round == 0 ? "by path" : "from the held directory");
        EXPECT_TRUE(group.has_file("cgroup.procs"));
        EXPECT_FALSE(group.has_file("processkit-no-such-file"));
        const auto events = group.read_file("cgroup.events");
        ASSERT_TRUE(events);
        EXPECT_NE(events->find("populated 0"), std::string::npos) << *events;
        EXPECT_FALSE(group.read_file("processkit-no-such-file"));
        EXPECT_TRUE(group.alive());
        ASSERT_TRUE(group.hold_dir());
        ASSERT_GE(group.held_dir_fd(), 0);
    }
    const int held = group.held_dir_fd();
    EXPECT_TRUE(group.hold_dir());
    EXPECT_EQ(group.held_dir_fd(), held) << "held once, not opened again";

    // Removed behind its back: every look-up says so, none throws.
    ASSERT_EQ(::rmdir(group.path().c_str()), 0) << std::strerror(errno);
    EXPECT_FALSE(group.alive());
    EXPECT_FALSE(group.has_file("cgroup.procs"));
    EXPECT_FALSE(group.read_file("cgroup.events"));
    EXPECT_TRUE(group.try_remove()) << "already gone counts as removed";
    EXPECT_FALSE(group.alive());
    EXPECT_FALSE(group.hold_dir());
    EXPECT_EQ(group.held_dir_fd(), -1) << "removal closes the held descriptor";
}

TEST_F(RealCgroup, ADestroyedGroupClosesItsHeldDirectory) {
    // TearDown checks that no descriptor is left open.
    {
        Cgroup untouched = Cgroup::create(parent_);
        ASSERT_GE(untouched.held_dir_fd(), 0);
    }
    {
        Cgroup moved_from = Cgroup::create(parent_);
        Cgroup moved_to(std::move(moved_from));
        EXPECT_GE(moved_to.held_dir_fd(), 0);
        EXPECT_EQ(moved_from.held_dir_fd(), -1); // NOLINT(bugprone-use-after-move)
    }
}

TEST(CgroupFs, PreadAllReadsEveryByteWhateverTheLength) {
    const std::string path = "/tmp/pk-pread-all-" + std::to_string(::getpid());
    for (const std::size_t size : {0U, 1U, 511U, 512U, 513U, 1024U, 5000U}) {
        SCOPED_TRACE(size);
        std::string content(size, '\0');
        for (std::size_t i = 0; i < size; ++i) {
            content[i] = static_cast<char>('a' + i % 26);
        }
        {
            const UniqueFd out(
                ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
            ASSERT_TRUE(out);
            ASSERT_EQ(::write(out.get(), content.data(), size), static_cast<ssize_t>(size));
        }
        const UniqueFd in(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
        ASSERT_TRUE(in);
        EXPECT_EQ(processkit::os::cgroup_fs::pread_all(in.get()), content);
    }
    ::unlink(path.c_str());
    EXPECT_FALSE(processkit::os::cgroup_fs::pread_all(-1)) << "an unreadable descriptor";
}

TEST_F(RealCgroup, LimitsNeedTheirControllers) {
    const auto controllers = processkit::os::read_small_file(parent_ + "/cgroup.controllers");
    ASSERT_TRUE(controllers);
    const auto available = [&](const std::string& c) {
        return (" " + *controllers + " ").find(" " + c + " ") != std::string::npos ||
               (" " + *controllers).find(" " + c + "\n") != std::string::npos;
    };
    struct Case {
        std::string controller;
        ResourceLimits limits;
        std::string file;
        std::string expected;
    };
    std::vector<Case> cases(3);
    cases[0] = {"memory", {}, "memory.max", "67108864"};
    cases[0].limits.memory_max_bytes = 64U << 20;
    cases[1] = {"pids", {}, "pids.max", "10"};
    cases[1].limits.max_processes = 10;
    cases[2] = {"cpu", {}, "cpu.max", "50000 100000"};
    cases[2].limits.cpu_quota = 0.5;

    for (const auto& c : cases) {
        const auto before = own_processkit_dirs(parent_);
        try {
            Cgroup group = Cgroup::create(parent_, c.limits);
            EXPECT_TRUE(available(c.controller)) << c.controller;
            const auto value = processkit::os::read_small_file(group.path() + "/" + c.file);
            EXPECT_EQ(value, c.expected + "\n");
            EXPECT_TRUE(group.try_remove());
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::ResourceLimit) << e.what();
            if (!available(c.controller)) {
                EXPECT_NE(e.detail().find("the " + c.controller +
                                          " controller is not available in " + parent_),
                          std::string::npos)
                    << e.what();
            }
        }
        EXPECT_EQ(own_processkit_dirs(parent_), before) << "directory left by " << c.controller;
    }
}

/// A pid that no process has now (searched from the top of the pid range).
pid_t unused_pid() {
    const std::string pid_max_text =
        processkit::os::read_small_file("/proc/sys/kernel/pid_max").value_or("32768");
    for (pid_t p = static_cast<pid_t>(std::stol(pid_max_text)) - 1; p > 300; --p) {
        if (::kill(p, 0) != 0 && errno == ESRCH) {
            return p;
        }
    }
    return 0;
}

/// The namespaces this process's names carry.
processkit::os::detail::NamespaceId own_namespaces() {
    const auto owner =
        processkit::os::detail::parse_cgroup_name(processkit::os::own_cgroup_name_prefix() + "0");
    return owner && owner->ns ? *owner->ns : processkit::os::detail::NamespaceId{};
}

bool alive_and_not_zombie(pid_t pid) {
    const auto stat = processkit::os::read_small_file("/proc/" + std::to_string(pid) + "/stat");
    return stat && stat->find(") Z ") == std::string::npos;
}

/// The pid namespace of the process that `unshare --pid --fork` (pid
/// `unshare_pid`) started, once it runs.
std::optional<std::uint64_t> neighbour_pid_namespace(pid_t unshare_pid) {
    struct stat own {};
    if (::stat("/proc/self/ns/pid", &own) != 0) {
        return std::nullopt;
    }
    const std::string children_file = "/proc/" + std::to_string(unshare_pid) + "/task/" +
                                      std::to_string(unshare_pid) + "/children";
    for (int i = 0; i < 500; ++i) {
        const auto children = processkit::os::read_small_file(children_file);
        if (children && !children->empty()) {
            const std::string child = children->substr(0, children->find(' '));
            struct stat st {};
            if (::stat(("/proc/" + child + "/ns/pid").c_str(), &st) == 0 &&
                st.st_ino != own.st_ino) {
                return static_cast<std::uint64_t>(st.st_ino);
            }
        }
        if (!alive_and_not_zombie(unshare_pid)) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return std::nullopt;
}

std::string new_name(const processkit::os::detail::NamespaceId& ns, pid_t pid, std::uint64_t start,
                     int seq) {
    return "processkit-" + std::to_string(ns.pid_ns) + "-" + std::to_string(ns.time_ns) + "-" +
           std::to_string(pid) + "-" + std::to_string(start) + "-" + std::to_string(seq);
}

std::string old_name(pid_t pid, std::uint64_t start, int seq) {
    return "processkit-" + std::to_string(pid) + "-" + std::to_string(start) + "-" +
           std::to_string(seq);
}

TEST_F(RealCgroup, RemovesOnlyStaleGroups) {
    // Everything happens inside a group of our own, so that other processes
    // cleaning the shared parent at the same time cannot interfere.
    ScopedGroup holder(Cgroup::create(parent_));
    const std::string root = holder.group.path();

    const pid_t dead_pid = unused_pid();
    ASSERT_GT(dead_pid, 0);
    const auto own_start = processkit::os::own_process_start_time();
    ASSERT_TRUE(own_start);
    const auto ns = own_namespaces();
    ASSERT_NE(ns.pid_ns, 0U);
    const auto me = processkit::os::detail::sweeper_view();
    ASSERT_TRUE(me);
    // A live neighbour: a pid namespace of its own, with a sleep in it.
    Child neighbour({"unshare", "--pid", "--fork", "--kill-child", "sleep", "30"});
    ASSERT_GT(neighbour.pid(), 0);
    const auto neighbour_ns = neighbour_pid_namespace(neighbour.pid());
    if (!neighbour_ns) {
        GTEST_SKIP() << "unshare --pid --fork does not work here";
    }
    auto live_pid_ns = ns;
    live_pid_ns.pid_ns = *neighbour_ns;
    auto dead_pid_ns = ns;
    dead_pid_ns.pid_ns = 1; // no namespace has this inode number: none lives
    auto other_time_ns = ns;
    other_time_ns.time_ns += 2;

    Child stale_member({"sleep", "30"});
    Child live_owner({"sleep", "30"});
    ASSERT_GT(stale_member.pid(), 0);
    ASSERT_GT(live_owner.pid(), 0);
    const auto live_start = processkit::os::process_start_time(live_owner.pid());
    ASSERT_TRUE(live_start);

    // Swept: owners of our namespaces proven gone.
    const std::string dead = root + "/" + new_name(ns, dead_pid, 123, 0);
    const std::string reused = root + "/" + new_name(ns, ::getpid(), *own_start + 1, 0);
    // Kept: live owners.
    const std::string mine = root + "/" + new_name(ns, ::getpid(), *own_start, 999);
    const std::string live = root + "/" + new_name(ns, live_owner.pid(), *live_start, 0);
    // Swept where every process is visible (initial pid namespace), else
    // kept and counted: a namespace without a process has no live owner.
    const std::string dead_ns = root + "/" + new_name(dead_pid_ns, dead_pid, 123, 0);
    // Kept and counted: owners that cannot be judged from here, even with a
    // pid that is free (or reused) in our namespace.
    const std::string other_pid = root + "/" + new_name(live_pid_ns, dead_pid, 123, 0);
    const std::string other_time = root + "/" + new_name(other_time_ns, dead_pid, 123, 0);
    const std::string old_dead = root + "/" + old_name(dead_pid, 123, 0);
    const std::string old_reused = root + "/" + old_name(live_owner.pid(), *live_start + 1, 0);
    // Ignored: not a name of ours.
    const std::string other = root + "/not-processkit";
    const std::vector<std::string> all{dead,      reused,     mine,     live,       dead_ns,
                                       other_pid, other_time, old_dead, old_reused, other};
    struct Cleanup {
        std::vector<std::string> dirs;
        ~Cleanup() {
            for (const auto& d : dirs) {
                remove_tree(d);
            }
        }
    } cleanup{all};

    for (const auto& d : all) {
        ASSERT_EQ(::mkdir(d.c_str(), 0755), 0) << d;
    }
    // The stale member sits in a nested cgroup of the dead owner's group.
    ASSERT_EQ(::mkdir((dead + "/inner").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((dead + "/inner/deeper").c_str(), 0755), 0);
    ASSERT_EQ(write_text(dead + "/inner/deeper/cgroup.procs", std::to_string(stale_member.pid())),
              0);
    ASSERT_EQ(events_value(dead, "populated"), 1U);
    // The live owner's tree (itself, here) sits in an unjudged directory.
    ASSERT_EQ(write_text(old_reused + "/cgroup.procs", std::to_string(live_owner.pid())), 0);

    const bool sees_all = me->sees_every_pid_namespace;
    const auto result = processkit::os::remove_stale_cgroups(root);
    EXPECT_EQ(result.removed, sees_all ? 3U : 2U);
    EXPECT_EQ(result.unjudged, sees_all ? 4U : 5U);
    EXPECT_EQ(result.failed, 0U);
    EXPECT_EQ(exists(dead_ns), !sees_all);
    EXPECT_TRUE(alive_and_not_zombie(neighbour.pid()));

    const int status = stale_member.wait();
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    EXPECT_FALSE(exists(dead));
    EXPECT_FALSE(exists(reused));
    for (const auto& d : {mine, live, other_pid, other_time, old_dead, old_reused, other}) {
        EXPECT_TRUE(exists(d)) << d;
    }
    EXPECT_EQ(::kill(live_owner.pid(), 0), 0) << "live owner touched";
    EXPECT_EQ(events_value(old_reused, "populated"), 1U);
    EXPECT_EQ(write_text(parent_ + "/cgroup.procs", std::to_string(live_owner.pid())), 0);

    const auto again = processkit::os::remove_stale_cgroups(root);
    EXPECT_EQ(again.removed, 0U);
    EXPECT_EQ(again.unjudged, sees_all ? 4U : 5U);
    const auto none = processkit::os::remove_stale_cgroups("/nonexistent/parent");
    EXPECT_EQ(none.removed + none.unjudged + none.failed, 0U);
}

TEST(StaleCgroupJudge, OnlyEsrchIsProofWhenProcIsForeign) {
    using processkit::os::detail::CgroupOwner;
    using processkit::os::detail::judge_owner;
    using processkit::os::detail::OwnerVerdict;
    auto me = processkit::os::detail::sweeper_view();
    ASSERT_TRUE(me);
    EXPECT_TRUE(me->proc_is_own);
    EXPECT_EQ(me->pid, ::getpid());

    Child live({"sleep", "30"});
    ASSERT_GT(live.pid(), 0);
    const auto live_start = processkit::os::process_start_time(live.pid());
    ASSERT_TRUE(live_start);
    const pid_t dead_pid = unused_pid();
    ASSERT_GT(dead_pid, 0);

    const CgroupOwner alive{me->ns, live.pid(), *live_start, 0};
    const CgroupOwner reused{me->ns, live.pid(), *live_start + 1, 0};
    const CgroupOwner gone{me->ns, dead_pid, 1, 0};
    const CgroupOwner self{me->ns, me->pid, me->start_time, 0};
    EXPECT_EQ(judge_owner(alive, *me), OwnerVerdict::Alive);
    EXPECT_EQ(judge_owner(reused, *me), OwnerVerdict::Gone);
    EXPECT_EQ(judge_owner(gone, *me), OwnerVerdict::Gone);
    EXPECT_EQ(judge_owner(self, *me), OwnerVerdict::Alive);

    // /proc from another pid namespace: /proc/<pid> may be someone else, so
    // a pid that exists is never taken for reused; ESRCH still proves death.
    me->proc_is_own = false;
    EXPECT_EQ(judge_owner(alive, *me), OwnerVerdict::Unjudged);
    EXPECT_EQ(judge_owner(reused, *me), OwnerVerdict::Unjudged);
    EXPECT_EQ(judge_owner(gone, *me), OwnerVerdict::Gone);
    EXPECT_EQ(judge_owner(self, *me), OwnerVerdict::Alive);

    // Another pid namespace: gone only when the sweeper sees every process
    // and none is in that namespace.
    auto elsewhere = gone;
    elsewhere.ns->pid_ns = 1;
    const std::vector<std::uint64_t> in_use{me->ns.pid_ns, 7};
    const std::vector<std::uint64_t> in_use_too{1, me->ns.pid_ns};
    EXPECT_EQ(judge_owner(elsewhere, *me), OwnerVerdict::Unjudged); // not scanned
    me->sees_every_pid_namespace = true;
    EXPECT_EQ(judge_owner(elsewhere, *me, &in_use), OwnerVerdict::Gone);
    EXPECT_EQ(judge_owner(elsewhere, *me, &in_use_too), OwnerVerdict::Unjudged);
    EXPECT_EQ(judge_owner(elsewhere, *me), OwnerVerdict::Unjudged);
    me->sees_every_pid_namespace = false;
    EXPECT_EQ(judge_owner(elsewhere, *me, &in_use), OwnerVerdict::Unjudged);
    // Our pid namespace but another time namespace, or no namespace recorded
    // (old format): never judged.
    me->sees_every_pid_namespace = true;
    elsewhere = gone;
    elsewhere.ns->time_ns += 1;
    EXPECT_EQ(judge_owner(elsewhere, *me, &in_use), OwnerVerdict::Unjudged);
    elsewhere = gone;
    elsewhere.ns.reset();
    EXPECT_EQ(judge_owner(elsewhere, *me, &in_use), OwnerVerdict::Unjudged);
}

} // namespace
