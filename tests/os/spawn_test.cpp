// os::spawn and os::Child with real processes (sh, sleep, cat, grep, id, env).
// Every test checks afterwards that it left no descriptor and no child
// (zombies included) behind; failing spawns check that at once.
#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "processkit/os/spawn.hpp"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <gtest/gtest.h>
#include <iterator>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <pthread.h>
#include <set>
#include <sstream>
#include <string>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

using processkit::Command;
using processkit::Error;
using processkit::ErrorKind;
using processkit::ExitStatus;
using processkit::StdioMode;
namespace os = processkit::os;
namespace fs = std::filesystem;

// ---------- helpers ----------

std::set<int> open_fds() {
    std::set<int> fds;
    DIR* d = ::opendir("/proc/self/fd");
    if (d == nullptr) {
        return fds;
    }
    const int own = ::dirfd(d);
    while (const dirent* e = ::readdir(d)) {
        if (e->d_name[0] != '.' && std::atoi(e->d_name) != own) {
            fds.insert(std::atoi(e->d_name));
        }
    }
    ::closedir(d);
    return fds;
}

std::string slurp(const std::string& path) {
    std::string content;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return content;
    }
    char buf[4096];
    ssize_t n = 0;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) {
        content.append(buf, static_cast<std::size_t>(n));
    }
    ::close(fd);
    return content;
}

/// Our children, zombies included (by the ppid field of /proc/<pid>/stat).
std::set<pid_t> my_children() {
    std::set<pid_t> kids;
    const std::string self = std::to_string(::getpid());
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename();
        if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) {
            continue;
        }
        const std::string stat = slurp("/proc/" + name + "/stat");
        const auto close = stat.rfind(')');
        if (close == std::string::npos) {
            continue;
        }
        std::istringstream rest(stat.substr(close + 2));
        std::string state;
        std::string ppid;
        rest >> state >> ppid;
        if (ppid == self) {
            kids.insert(std::stoi(name));
        }
    }
    return kids;
}

/// Field `index` (1-based, as in proc(5)) of /proc/<pid>/stat.
long stat_field(pid_t pid, int index) {
    const std::string stat = slurp("/proc/" + std::to_string(pid) + "/stat");
    std::istringstream rest(stat.substr(stat.rfind(')') + 2));
    std::string field;
    for (int i = 3; i <= index; ++i) {
        rest >> field;
    }
    return std::stol(field);
}

/// Reads both pipes (either may be invalid) until end of file.
void read_until_eof(int out_fd, int err_fd, std::string& out, std::string& err) {
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    std::string* sinks[2] = {&out, &err};
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    char buf[65536];
    while ((fds[0].fd >= 0 || fds[1].fd >= 0) && std::chrono::steady_clock::now() < deadline) {
        const int n = ::poll(fds, 2, 1000);
        if (n < 0 && errno != EINTR) {
            ADD_FAILURE() << "poll: " << std::strerror(errno);
            return;
        }
        for (std::size_t i = 0; i < 2; ++i) {
            if (fds[i].fd < 0 || fds[i].revents == 0) {
                continue;
            }
            const ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
            if (got > 0) {
                sinks[i]->append(buf, static_cast<std::size_t>(got));
            } else if (got == 0 || (errno != EAGAIN && errno != EINTR)) {
                fds[i].fd = -1; // end of file (pollfd ignores negative fds)
            }
        }
    }
    EXPECT_TRUE(fds[0].fd < 0 && fds[1].fd < 0) << "output did not end";
}

struct RunResult {
    std::string out;
    std::string err;
    os::ExitInfo exit;
};

RunResult run(const Command& command) {
    auto p = os::spawn(command, {});
    RunResult r;
    read_until_eof(p.stdout_pipe.get(), p.stderr_pipe.get(), r.out, r.err);
    r.exit = p.child.wait();
    return r;
}

Command sh(const std::string& script) {
    return std::move(Command("/bin/sh").args({"-c", script}));
}

/// Waits until `pred` holds, polling; at most `ms` milliseconds.
template <class Pred>
bool eventually(Pred pred, int ms = 5000) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
    while (!pred()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
}

/// Polls the pidfd (readable once the child has exited); EINTR is retried.
bool exited_within(const os::Child& child, int ms) {
    pollfd pfd{child.pidfd(), POLLIN, 0};
    int n = 0;
    while ((n = ::poll(&pfd, 1, ms)) < 0 && errno == EINTR) {
    }
    return n == 1;
}

class TempDir {
public:
    TempDir() {
        char tmpl[] = "/tmp/pk-spawn-test-XXXXXX";
        const char* made = ::mkdtemp(tmpl);
        EXPECT_NE(made, nullptr);
        path_ = made != nullptr ? made : "/tmp";
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::string& path() const { return path_; }
    std::string write(const std::string& name, const std::string& content, mode_t mode) const {
        const std::string file = path_ + "/" + name;
        {
            std::ofstream f(file, std::ios::binary);
            f << content;
        }
        ::chmod(file.c_str(), mode);
        return file;
    }

private:
    std::string path_;
};

/// Every test: no descriptor and no child (zombie or not) left behind.
class SpawnTest : public ::testing::Test {
protected:
    void SetUp() override {
        fds_ = open_fds();
        children_ = my_children();
    }
    void TearDown() override { expect_nothing_left(); }

    void expect_nothing_left() const {
        EXPECT_EQ(open_fds(), fds_) << "descriptor leaked";
        EXPECT_EQ(my_children(), children_) << "child (or zombie) left";
    }

    /// Spawns a command that must fail with `kind`; checks that the failure
    /// left nothing behind at once (before any destructor could tidy up).
    Error expect_spawn_error(const Command& command, ErrorKind kind) const {
        const auto fds = open_fds();
        const auto kids = my_children();
        try {
            auto p = os::spawn(command, {});
            ADD_FAILURE() << "spawn of '" << command.program() << "' succeeded";
            p.child.signal(SIGKILL);
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), kind) << e.what();
            EXPECT_EQ(e.program(), command.program()) << e.what();
            EXPECT_EQ(open_fds(), fds) << "descriptor leaked by a failed spawn";
            EXPECT_EQ(my_children(), kids) << "child left by a failed spawn";
            return e;
        }
        return Error(ErrorKind::Io, {}, "no error");
    }

private:
    std::set<int> fds_;
    std::set<pid_t> children_;
};

// ---------- exec_candidates ----------

TEST(ExecCandidates, PathIsSearchedInOrder) {
    EXPECT_EQ(os::exec_candidates("ls", std::string("/a:/b/:/c")),
              (std::vector<std::string>{"/a/ls", "/b/ls", "/c/ls"}));
}

TEST(ExecCandidates, EmptyEntriesMeanTheCurrentDirectory) {
    EXPECT_EQ(os::exec_candidates("x", std::string(":/a::/b:")),
              (std::vector<std::string>{"./x", "/a/x", "./x", "/b/x", "./x"}));
    EXPECT_EQ(os::exec_candidates("x", std::string()), (std::vector<std::string>{"./x"}));
}

TEST(ExecCandidates, UnsetPathUsesTheDefault) {
    EXPECT_EQ(os::exec_candidates("x", std::nullopt),
              (std::vector<std::string>{"/usr/local/bin/x", "/usr/bin/x", "/bin/x"}));
}

TEST(ExecCandidates, AnythingWithASlashIsAPath) {
    EXPECT_EQ(os::exec_candidates("/bin/sh", std::string("/a")),
              (std::vector<std::string>{"/bin/sh"}));
    EXPECT_EQ(os::exec_candidates("./run", std::string("/a")), (std::vector<std::string>{"./run"}));
    EXPECT_EQ(os::exec_candidates("sub/run", std::nullopt), (std::vector<std::string>{"sub/run"}));
}

// ---------- running ----------

TEST_F(SpawnTest, CapturesStdoutAndStderr) {
    const auto r = run(sh("echo hello; echo oops >&2"));
    EXPECT_EQ(r.out, "hello\n");
    EXPECT_EQ(r.err, "oops\n");
    EXPECT_EQ(r.exit.status, ExitStatus::exited(0));
}

TEST_F(SpawnTest, ReportsTheExitCode) {
    EXPECT_EQ(run(sh("exit 3")).exit.status, ExitStatus::exited(3));
    EXPECT_EQ(run(sh("exit 255")).exit.status, ExitStatus::exited(255));
}

TEST_F(SpawnTest, ReportsTheKillingSignal) {
    EXPECT_EQ(run(sh("kill -9 $$")).exit.status, ExitStatus::signalled(SIGKILL));
    EXPECT_EQ(run(sh("kill -TERM $$")).exit.status, ExitStatus::signalled(SIGTERM));
}

TEST_F(SpawnTest, ReportsResourceUsage) {
    const auto r = run(sh("i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"));
    EXPECT_EQ(r.exit.status, ExitStatus::exited(0));
    EXPECT_GT(r.exit.cpu_time.count(), 0);
    EXPECT_GT(r.exit.peak_memory_bytes, 0U);
}

TEST_F(SpawnTest, FindsABareNameOnPath) {
    auto r = run(Command("sh").args({"-c", "echo found"}));
    EXPECT_EQ(r.out, "found\n");
}

TEST_F(SpawnTest, Argv0IsTheProgramAsGiven) {
    EXPECT_EQ(run(Command("sh").args({"-c", "echo $0"})).out, "sh\n");
}

TEST_F(SpawnTest, StartedAtIsTakenAtSpawn) {
    const auto before = std::chrono::steady_clock::now();
    auto p = os::spawn(sh("exit 0"), {});
    EXPECT_GE(p.started_at, before);
    EXPECT_LE(p.started_at, std::chrono::steady_clock::now());
    EXPECT_GT(p.child.pid(), 0);
    p.child.wait();
}

// ---------- bad input: typed errors, nothing left behind ----------

TEST_F(SpawnTest, MissingBareNameListsTheSearchedPaths) {
    const std::string name = "processkit-no-such-program-4711";
    const char* path = std::getenv("PATH");
    ASSERT_NE(path, nullptr);
    const Error e = expect_spawn_error(Command(name), ErrorKind::NotFound);
    EXPECT_EQ(e.searched(), os::exec_candidates(name, std::string(path)));
    ASSERT_FALSE(e.searched().empty());
    for (const auto& c : e.searched()) {
        EXPECT_TRUE(c.ends_with("/" + name)) << c;
    }
    EXPECT_EQ(e.os_error(), ENOENT);
    EXPECT_NE(e.message().find(name), std::string::npos) << e.message();
}

TEST_F(SpawnTest, SearchUsesTheChildsPath) {
    TempDir dir;
    dir.write("pk-only-here", "#!/bin/sh\necho child-path\n", 0755);
    auto r = run(Command("pk-only-here").env("PATH", dir.path() + ":/usr/bin:/bin"));
    EXPECT_EQ(r.out, "child-path\n");
    // Without PATH in the child's environment the parent's is searched.
    const Error e = expect_spawn_error(Command("pk-only-here").env_clear(), ErrorKind::NotFound);
    EXPECT_EQ(e.searched(), os::exec_candidates("pk-only-here", std::string(std::getenv("PATH"))));
    EXPECT_EQ(run(Command("sh").env_clear().args({"-c", "echo ok"})).out, "ok\n");
}

TEST_F(SpawnTest, SearchSkipsANonExecutableCandidate) {
    TempDir first;
    TempDir second;
    first.write("pk-tool", "#!/bin/sh\necho wrong\n", 0644);
    second.write("pk-tool", "#!/bin/sh\necho right\n", 0755);
    const std::string path = first.path() + ":" + second.path();
    EXPECT_EQ(run(Command("pk-tool").env("PATH", path)).out, "right\n");
    // Only the non-executable one: EACCES wins over a later ENOENT (execvp).
    const Error e =
        expect_spawn_error(Command("pk-tool").env("PATH", first.path() + ":/nonexistent"),
                           ErrorKind::PermissionDenied);
    EXPECT_EQ(e.os_error(), EACCES);
    EXPECT_EQ(e.path(), first.path() + "/pk-tool");
}

TEST_F(SpawnTest, MissingAbsolutePath) {
    const Error e = expect_spawn_error(Command("/no/such/dir/program"), ErrorKind::NotFound);
    EXPECT_EQ(e.searched(), (std::vector<std::string>{"/no/such/dir/program"}));
    EXPECT_EQ(e.os_error(), ENOENT);
}

TEST_F(SpawnTest, MissingInterpreterIsNamed) {
    TempDir dir;
    const std::string script = dir.write("script", "#!/no/such/interpreter\n", 0755);
    const Error e = expect_spawn_error(Command(script), ErrorKind::NotFound);
    EXPECT_EQ(e.os_error(), ENOENT);
    EXPECT_NE(e.detail().find("interpreter"), std::string::npos) << e.message();
    EXPECT_EQ(e.path(), script);
}

TEST_F(SpawnTest, DirectoryAsProgram) {
    const Error e = expect_spawn_error(Command("/tmp"), ErrorKind::PermissionDenied);
    EXPECT_NE(e.detail().find("directory"), std::string::npos) << e.message();
    EXPECT_EQ(e.os_error(), EACCES);
    expect_spawn_error(Command("/"), ErrorKind::PermissionDenied);
}

TEST_F(SpawnTest, NonExecutableFile) {
    TempDir dir;
    const std::string file = dir.write("data.txt", "just text\n", 0644);
    const Error e = expect_spawn_error(Command(file), ErrorKind::PermissionDenied);
    EXPECT_EQ(e.os_error(), EACCES);
    EXPECT_EQ(e.path(), file);
}

TEST_F(SpawnTest, UnknownExecutableFormat) {
    TempDir dir;
    const std::string file = dir.write("garbage", std::string("\x01\x02\x03garbage", 10), 0755);
    const Error e = expect_spawn_error(Command(file), ErrorKind::PermissionDenied);
    EXPECT_EQ(e.os_error(), ENOEXEC);
    EXPECT_NE(e.detail().find("not an executable format"), std::string::npos) << e.message();
}

TEST_F(SpawnTest, MissingWorkingDirectory) {
    const std::string cwd = "/no/such/processkit/dir";
    const Error e = expect_spawn_error(sh("exit 0").cwd(cwd), ErrorKind::NotFound);
    EXPECT_EQ(e.path(), cwd);
    EXPECT_NE(e.detail().find("working directory '" + cwd + "'"), std::string::npos) << e.message();
    EXPECT_EQ(e.os_error(), ENOENT);
}

TEST_F(SpawnTest, WorkingDirectoryThatIsAFile) {
    const Error e = expect_spawn_error(sh("exit 0").cwd("/etc/passwd"), ErrorKind::NotFound);
    EXPECT_EQ(e.os_error(), ENOTDIR);
    EXPECT_EQ(e.path(), "/etc/passwd");
}

TEST_F(SpawnTest, NulByteIsRejectedBeforeAnythingIsCreated) {
    const Error e =
        expect_spawn_error(sh("exit 0").arg(std::string("a\0b", 3)), ErrorKind::InvalidArgument);
    EXPECT_NE(e.detail().find("NUL"), std::string::npos) << e.message();
    expect_spawn_error(sh("exit 0").env("X", std::string("a\0b", 3)), ErrorKind::InvalidArgument);
    expect_spawn_error(Command(""), ErrorKind::InvalidArgument);
}

TEST_F(SpawnTest, ArgumentListTooLong) {
    Command c("/bin/true");
    const std::string chunk(1024, 'x');
    for (int i = 0; i < 8 * 1024; ++i) { // 8 MiB: past any ARG_MAX
        c.arg(chunk);
    }
    const Error e = expect_spawn_error(c, ErrorKind::SpawnFailed);
    EXPECT_EQ(e.detail(), "argument list too long");
    EXPECT_EQ(e.os_error(), E2BIG);
    // A single argument longer than MAX_ARG_STRLEN (128 KiB) too.
    const Error one = expect_spawn_error(Command("/bin/true").arg(std::string(200 * 1024, 'y')),
                                         ErrorKind::SpawnFailed);
    EXPECT_EQ(one.os_error(), E2BIG);
}

TEST_F(SpawnTest, MissingStdinFile) {
    const Error e =
        expect_spawn_error(Command("/bin/cat").stdin_file("/no/such/input"), ErrorKind::NotFound);
    EXPECT_EQ(e.path(), "/no/such/input");
}

TEST_F(SpawnTest, CgroupPlacementFailureIsReported) {
    // Not a cgroup: a descriptor that cannot be written shows the failure path.
    const int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    const auto kids = my_children();
    try {
        os::spawn(sh("exit 0"), {os::Placement::Kind::Cgroup, fd});
        ADD_FAILURE() << "spawn succeeded";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::SpawnFailed);
        EXPECT_NE(e.detail().find("cannot enter the group"), std::string::npos) << e.what();
        EXPECT_EQ(e.os_error(), EBADF);
    }
    EXPECT_EQ(my_children(), kids);
    EXPECT_THROW(os::spawn(sh("exit 0"), {os::Placement::Kind::Cgroup, -1}), Error);
    ::close(fd);
}

// ---------- what the child inherits ----------

TEST_F(SpawnTest, ChildGetsOnlyStdio) {
    const int leaky = ::open("/dev/null", O_RDONLY); // no O_CLOEXEC on purpose
    ASSERT_GE(leaky, 3);
    auto p = os::spawn(Command("/bin/sleep").arg("30"), {});
    const std::string dir = "/proc/" + std::to_string(p.child.pid()) + "/fd";
    auto child_fds = [&] {
        std::set<std::string> names;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(dir, ec)) {
            names.insert(e.path().filename());
        }
        return names;
    };
    // sleep may briefly open a locale file; a leaked descriptor stays.
    EXPECT_TRUE(eventually([&] {
        return child_fds() == std::set<std::string>{"0", "1", "2"};
    })) << "child has "
        << child_fds().size() << " descriptors";
    EXPECT_EQ(fs::read_symlink(dir + "/0"), "/dev/null");
    EXPECT_TRUE(p.child.signal(SIGKILL));
    EXPECT_EQ(p.child.wait().status, ExitStatus::signalled(SIGKILL));
    ::close(leaky);
}

TEST_F(SpawnTest, SignalMaskAndDispositionsAreReset) {
    sigset_t usr1;
    sigset_t old_mask;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &usr1, &old_mask), 0);
    struct sigaction ignore {};
    struct sigaction old_term {};
    ignore.sa_handler = SIG_IGN;
    ASSERT_EQ(::sigaction(SIGTERM, &ignore, &old_term), 0);

    const auto r = run(Command("/bin/grep").args({"-E", "^Sig(Blk|Ign):", "/proc/self/status"}));

    ::sigaction(SIGTERM, &old_term, nullptr);
    ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);

    EXPECT_EQ(r.exit.status, ExitStatus::exited(0));
    EXPECT_NE(r.out.find("SigBlk:\t0000000000000000\n"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("SigIgn:\t0000000000000000\n"), std::string::npos) << r.out;
}

TEST_F(SpawnTest, StdinBytesPipe) {
    auto p = os::spawn(Command("/bin/cat").stdin_bytes("unused"), {});
    ASSERT_TRUE(p.stdin_pipe);
    ASSERT_EQ(::write(p.stdin_pipe.get(), "piped\n", 6), 6);
    p.stdin_pipe.reset();
    std::string out;
    std::string err;
    read_until_eof(p.stdout_pipe.get(), p.stderr_pipe.get(), out, err);
    EXPECT_EQ(out, "piped\n");
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
}

TEST_F(SpawnTest, StdinEmptyIsEndOfFile) {
    auto r = run(Command("/bin/cat"));
    EXPECT_EQ(r.out, "");
    EXPECT_EQ(r.exit.status, ExitStatus::exited(0));
}

TEST_F(SpawnTest, StdinFile) {
    TempDir dir;
    const std::string file = dir.write("input", "from a file\n", 0644);
    EXPECT_EQ(run(Command("/bin/cat").stdin_file(file)).out, "from a file\n");
}

TEST_F(SpawnTest, StdinInheritPassesOurDescriptor) {
    auto p = os::spawn(Command("/bin/sleep").arg("30").stdin_inherit(), {});
    const std::string ours = fs::read_symlink("/proc/self/fd/0");
    EXPECT_EQ(fs::read_symlink("/proc/" + std::to_string(p.child.pid()) + "/fd/0"), ours);
    p.child.signal(SIGKILL);
    p.child.wait();
}

TEST_F(SpawnTest, DiscardAndCaptureModes) {
    auto p = os::spawn(sh("echo out; echo err >&2").stdout_mode(StdioMode::Discard), {});
    EXPECT_FALSE(p.stdout_pipe);
    EXPECT_FALSE(p.stdin_pipe);
    ASSERT_TRUE(p.stderr_pipe);
    std::string out;
    std::string err;
    read_until_eof(-1, p.stderr_pipe.get(), out, err);
    EXPECT_EQ(err, "err\n");
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
}

TEST_F(SpawnTest, RedirectedStdoutAndStderrShareOneDescriptor) {
    // pk's status line hands the child one pseudo-terminal for both streams;
    // a pipe stands in for it here. The Command's own modes are not used.
    int ends[2];
    ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
    os::UniqueFd read_end(ends[0]);
    os::UniqueFd write_end(ends[1]);
    os::StdioRedirect redirect;
    redirect.stdout_fd = write_end.get();
    redirect.stderr_fd = write_end.get();
    auto p = os::spawn(sh("echo out; echo err >&2"), {}, redirect);
    EXPECT_FALSE(p.stdout_pipe);
    EXPECT_FALSE(p.stderr_pipe);
    write_end.reset(); // the child holds the only writers now
    std::string both;
    std::string unused;
    read_until_eof(read_end.get(), -1, both, unused);
    EXPECT_EQ(both, "out\nerr\n");
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
}

TEST_F(SpawnTest, RedirectedStderrAloneLeavesStdoutCaptured) {
    int ends[2];
    ASSERT_EQ(::pipe2(ends, O_CLOEXEC), 0);
    os::UniqueFd read_end(ends[0]);
    os::UniqueFd write_end(ends[1]);
    os::StdioRedirect redirect;
    redirect.stderr_fd = write_end.get();
    auto p = os::spawn(sh("echo out; echo err >&2"), {}, redirect);
    ASSERT_TRUE(p.stdout_pipe);
    EXPECT_FALSE(p.stderr_pipe);
    write_end.reset();
    std::string out;
    std::string err;
    read_until_eof(p.stdout_pipe.get(), read_end.get(), out, err);
    EXPECT_EQ(out, "out\n");
    EXPECT_EQ(err, "err\n");
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
}

TEST_F(SpawnTest, StdioIsShuffledWhenOurOwnStdioIsClosed) {
    // In a forked copy of this process, close 0, 1 and 2: the pipes then land
    // on those numbers, and the child must still get each on the right slot.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(0);
        ::close(1);
        ::close(2);
        int code = 0;
        try {
            auto p = os::spawn(sh("read line; echo \"out:$line\"; echo err >&2")
                                   .stdin_bytes("x")
                                   .stdout_mode(StdioMode::Capture)
                                   .stderr_mode(StdioMode::Capture),
                               {});
            if (::write(p.stdin_pipe.get(), "in\n", 3) != 3) {
                ::_exit(10);
            }
            p.stdin_pipe.reset();
            std::string out;
            std::string err;
            pollfd fds[2] = {{p.stdout_pipe.get(), POLLIN, 0}, {p.stderr_pipe.get(), POLLIN, 0}};
            char buf[256];
            int open_streams = 2;
            while (open_streams > 0 && ::poll(fds, 2, 10000) > 0) {
                for (int i = 0; i < 2; ++i) {
                    if (fds[i].fd >= 0 && fds[i].revents != 0) {
                        const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
                        if (n > 0) {
                            (i == 0 ? out : err).append(buf, static_cast<std::size_t>(n));
                        } else if (n == 0) {
                            fds[i].fd = -1;
                            --open_streams;
                        }
                    }
                }
            }
            const auto status = p.child.wait().status;
            code = out == "out:in\n" ? 0 : 11;
            code = code == 0 && err == "err\n" ? 0 : (code == 0 ? 12 : code);
            code = code == 0 && status == ExitStatus::exited(0) ? 0 : (code == 0 ? 13 : code);
        } catch (...) {
            code = 14;
        }
        ::_exit(code);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(SpawnTest, NullDeviceWhereOurOwnStdioIsClosed) {
    // Inherit with nothing open there, Empty and Discard: the child opens the
    // null device itself, and each lands on its slot with the right mode.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        ::close(0);
        ::close(2);
        int code = 0;
        try {
            auto p = os::spawn(Command("/bin/sleep")
                                   .arg("30")
                                   .stdin_inherit()
                                   .stdout_mode(StdioMode::Discard)
                                   .stderr_mode(StdioMode::Inherit),
                               {});
            const std::string fd = "/proc/" + std::to_string(p.child.pid()) + "/fd/";
            const std::string info = "/proc/" + std::to_string(p.child.pid()) + "/fdinfo/";
            for (int i = 0; i < 3 && code == 0; ++i) {
                std::error_code ec;
                if (fs::read_symlink(fd + std::to_string(i), ec) != "/dev/null") {
                    code = 20 + i;
                }
                // "flags:\t0100002" (octal): the access mode is the last digit.
                const std::string text = slurp(info + std::to_string(i));
                const auto at = text.find("flags:");
                const auto end = at == std::string::npos ? at : text.find('\n', at);
                const char mode = end == std::string::npos ? '?' : text[end - 1];
                if (mode != (i == 0 ? '0' : '1')) {
                    code = 30 + i;
                }
            }
            p.child.signal(SIGKILL);
            (void)p.child.wait();
        } catch (...) {
            code = 14;
        }
        ::_exit(code);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

#if defined(__x86_64__)
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
/// Makes close_range and unshare fail with EPERM in this process and its
/// children, as an old container runtime's seccomp filter does. Irreversible:
/// only in a forked copy of the test process.
bool refuse_close_range_and_unshare() {
    constexpr std::uint32_t arch_x86_64 = 0xc000003e; // AUDIT_ARCH_X86_64
    const auto stmt = [](std::uint16_t code, std::uint32_t k) {
        return sock_filter{code, 0, 0, k};
    };
    const auto jump_if = [](std::uint32_t k, std::uint8_t yes, std::uint8_t no) {
        return sock_filter{BPF_JMP | BPF_JEQ | BPF_K, yes, no, k};
    };
    sock_filter filter[] = {
        stmt(BPF_LD | BPF_W | BPF_ABS, 4), // seccomp_data.arch
        jump_if(arch_x86_64, 0, 5),
        stmt(BPF_LD | BPF_W | BPF_ABS, 0), // seccomp_data.nr
        jump_if(SYS_close_range, 2, 0),
        jump_if(SYS_unshare, 1, 0),
        stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        stmt(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
        stmt(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    sock_fprog program{static_cast<unsigned short>(std::size(filter)), filter};
    return ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0 &&
           ::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) == 0;
}

TEST_F(SpawnTest, ChildThatCannotLeaveOurDescriptorTableIsCloned) {
    // The child starts on our table and normally takes one of its own with
    // close_range or unshare. Where both are refused, spawn still works (the
    // children get a copy of the table) and still passes on only stdio.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        const int leaky = ::open("/dev/null", O_RDONLY); // no O_CLOEXEC on purpose
        if (leaky < 3 || !refuse_close_range_and_unshare()) {
            ::_exit(10);
        }
        int code = 0;
        try {
            auto p = os::spawn(Command("/bin/sleep").arg("30"), {});
            const std::string dir = "/proc/" + std::to_string(p.child.pid()) + "/fd";
            const bool only_stdio = eventually([&] {
                std::set<std::string> names;
                std::error_code ec;
                for (const auto& e : fs::directory_iterator(dir, ec)) {
                    names.insert(e.path().filename());
                }
                return names == std::set<std::string>{"0", "1", "2"};
            });
            code = only_stdio ? 0 : 11;
            p.child.signal(SIGKILL);
            (void)p.child.wait();
            // Later children are cloned with a copy of the table at once.
            auto again = os::spawn(Command("/bin/sh").args({"-c", "exit 3"}), {});
            if (code == 0 && again.child.wait().status != ExitStatus::exited(3)) {
                code = 12;
            }
        } catch (...) {
            code = 14;
        }
        ::_exit(code);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}
#endif

TEST_F(SpawnTest, SettingUpTheChildsStdioLeavesOursAlone) {
    // The child starts on our descriptor table (CLONE_FILES) and must take a
    // table of its own before it puts anything on 0-2.
    const auto ours = [] {
        std::vector<std::string> v;
        for (int i = 0; i < 3; ++i) {
            std::error_code ec;
            v.push_back(fs::read_symlink("/proc/self/fd/" + std::to_string(i), ec).string() + " " +
                        std::to_string(::fcntl(i, F_GETFD)));
        }
        return v;
    };
    const auto before = ours();
    auto p = os::spawn(sh("echo out; echo err >&2"), {}); // pipes on all three
    EXPECT_EQ(ours(), before);
    std::string out;
    std::string err;
    read_until_eof(p.stdout_pipe.get(), p.stderr_pipe.get(), out, err);
    EXPECT_EQ(out, "out\n");
    EXPECT_EQ(err, "err\n");
    EXPECT_EQ(p.child.wait().status, ExitStatus::exited(0));
}

// ---------- environment, directory, credentials, session ----------

TEST_F(SpawnTest, EnvironmentOperationsApply) {
    EXPECT_EQ(run(sh("echo \"$FOO\"").env("FOO", "bar")).out, "bar\n");
    EXPECT_EQ(run(Command("/usr/bin/env").env_clear().env("ONLY", "1")).out, "ONLY=1\n");
    EXPECT_EQ(run(sh("echo \"${FOO-unset}\"").env("FOO", "x").env_remove("FOO")).out, "unset\n");
    EXPECT_EQ(
        run(Command("/usr/bin/env").env_clear().env("A", "1").env("B", "2").env("A", "3")).out,
        "A=3\nB=2\n");
}

TEST_F(SpawnTest, WorkingDirectoryApplies) {
    TempDir dir;
    EXPECT_EQ(run(sh("pwd -P").cwd(dir.path())).out, dir.path() + "\n");
    // A relative program path is resolved in the new directory.
    dir.write("local-tool", "#!/bin/sh\necho local\n", 0755);
    EXPECT_EQ(run(Command("./local-tool").cwd(dir.path())).out, "local\n");
}

TEST_F(SpawnTest, DropsToUidAndGid) {
    if (::geteuid() != 0) {
        GTEST_SKIP() << "needs root";
    }
    const auto r = run(sh("id -u; id -g; id -G").uid(65534).gid(65534));
    EXPECT_EQ(r.out, "65534\n65534\n65534\n") << r.err;
    const auto g = run(sh("id -G").uid(65534).gid(65534).groups({65534, 100}));
    EXPECT_EQ(g.out, "65534 100\n") << g.err;
}

TEST_F(SpawnTest, RefusedUidIsPermissionDenied) {
    if (::geteuid() != 0) {
        expect_spawn_error(Command("/bin/true").uid(0), ErrorKind::PermissionDenied);
        return;
    }
    // As root every switch succeeds: try it from an unprivileged fork.
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
        if (::setgid(65534) != 0 || ::setuid(65534) != 0) {
            ::_exit(20);
        }
        int code = 21;
        try {
            os::spawn(Command("/bin/true").uid(0), {});
        } catch (const Error& e) {
            code = e.kind() == ErrorKind::PermissionDenied &&
                           e.detail().find("cannot switch to uid 0") != std::string::npos &&
                           e.os_error() == EPERM
                       ? 0
                       : 22;
        } catch (...) {
            code = 23;
        }
        // The failed child must already be reaped.
        siginfo_t info{};
        const int left = ::waitid(P_ALL, 0, &info, WEXITED | WNOHANG | __WALL);
        ::_exit(code != 0 ? code : (left == -1 && errno == ECHILD ? 0 : 24));
    }
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 0);
}

TEST_F(SpawnTest, NewSessionAndProcessGroup) {
    {
        auto p = os::spawn(Command("/bin/sleep").arg("30").new_session(), {});
        EXPECT_EQ(stat_field(p.child.pid(), 6), p.child.pid()); // session
        EXPECT_EQ(stat_field(p.child.pid(), 5), p.child.pid()); // process group
    }
    {
        auto p =
            os::spawn(Command("/bin/sleep").arg("30"), {os::Placement::Kind::NewProcessGroup, -1});
        EXPECT_EQ(stat_field(p.child.pid(), 5), p.child.pid());
        EXPECT_EQ(stat_field(p.child.pid(), 6), ::getsid(0));
    }
    {
        auto p = os::spawn(Command("/bin/sleep").arg("30").new_session(),
                           {os::Placement::Kind::NewProcessGroup, -1});
        EXPECT_EQ(stat_field(p.child.pid(), 6), p.child.pid());
        EXPECT_EQ(stat_field(p.child.pid(), 5), p.child.pid());
    }
    {
        auto p = os::spawn(Command("/bin/sleep").arg("30"), {});
        EXPECT_EQ(stat_field(p.child.pid(), 5), ::getpgrp());
    }
}

// PR_SET_PDEATHSIG fires when the *thread* that spawned the child exits, not
// the process: a child spawned from a short-lived thread with the flag set
// dies with that thread. (That is why the option is off by default.)
TEST_F(SpawnTest, KillOnParentDeathFollowsTheSpawningThread) {
    std::optional<os::SpawnedProcess> with_flag;
    std::optional<os::SpawnedProcess> without_flag;
    std::thread t([&] {
        with_flag.emplace(
            os::spawn(Command("/bin/sleep").arg("30").kill_on_parent_death(true), {}));
        without_flag.emplace(os::spawn(Command("/bin/sleep").arg("30"), {}));
    });
    t.join();
    ASSERT_TRUE(with_flag && without_flag);
    EXPECT_EQ(with_flag->child.wait().status, ExitStatus::signalled(SIGKILL));
    EXPECT_FALSE(without_flag->child.try_wait());
}

// ---------- coexistence with the program's own SIGCHLD handling ----------
//
// The kernel gives an exec'd process the exit signal SIGCHLD whatever it was
// cloned with, so a program's waitpid(-1) loop (or SIGCHLD = SIG_IGN) can
// reap a running child before processkit does. The exit status must still
// arrive through Child::wait (from the pidfd; rusage is then lost). A spawn
// that fails before exec stays a signal-less clone child: the program's
// handler never hears of it.

std::atomic<int> handler_calls{0};
std::atomic<int> handler_reaped{0};

void reaping_handler(int) {
    const int saved = errno;
    handler_calls.fetch_add(1);
    int status = 0;
    while (::waitpid(-1, &status, WNOHANG) > 0) {
        handler_reaped.fetch_add(1);
    }
    errno = saved;
}

TEST_F(SpawnTest, CoexistsWithAReapingSigchldHandler) {
    struct sigaction sa {};
    struct sigaction old {};
    sa.sa_handler = reaping_handler;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    ASSERT_EQ(::sigaction(SIGCHLD, &sa, &old), 0);
    handler_calls = 0;
    handler_reaped = 0;

    expect_spawn_error(Command("processkit-no-such-program-4711"), ErrorKind::NotFound);
    expect_spawn_error(Command("/tmp"), ErrorKind::PermissionDenied);
    EXPECT_EQ(handler_calls.load(), 0) << "a failed spawn raised SIGCHLD";

    std::vector<os::SpawnedProcess> kids;
    for (int i = 0; i < 5; ++i) {
        kids.push_back(os::spawn(sh("exit " + std::to_string(i + 1)), {}));
    }
    kids.push_back(os::spawn(sh("kill -9 $$"), {}));
    for (auto& k : kids) {
        EXPECT_TRUE(exited_within(k.child, 10000));
    }
    // Give the handler every chance to take them first.
    eventually([] { return handler_reaped.load() >= 6; }, 2000);
    for (std::size_t i = 0; i + 1 < kids.size(); ++i) {
        EXPECT_EQ(kids[i].child.wait().status, ExitStatus::exited(static_cast<int>(i) + 1));
    }
    EXPECT_EQ(kids.back().child.wait().status, ExitStatus::signalled(SIGKILL));
    ::sigaction(SIGCHLD, &old, nullptr);
    RecordProperty("reaped_by_the_handler", handler_reaped.load());
}

TEST_F(SpawnTest, SigchldIgnoredStillReportsTheStatus) {
    struct sigaction ignore {};
    struct sigaction old {};
    ignore.sa_handler = SIG_IGN;
    ASSERT_EQ(::sigaction(SIGCHLD, &ignore, &old), 0);
    auto quick = os::spawn(sh("exit 7"), {});
    EXPECT_TRUE(exited_within(quick.child, 10000));
    const auto quick_exit = quick.child.try_wait();
    // A blocking wait that is in progress when the child exits.
    auto slow = os::spawn(sh("sleep 0.2; exit 9"), {});
    EXPECT_FALSE(slow.child.try_wait());
    const auto slow_exit = slow.child.wait();
    ::sigaction(SIGCHLD, &old, nullptr);
    ASSERT_TRUE(quick_exit);
    EXPECT_EQ(quick_exit->status, ExitStatus::exited(7));
    EXPECT_EQ(slow_exit.status, ExitStatus::exited(9));
}

TEST_F(SpawnTest, UnderIgnoredSigchldAnExitedChildIsNeverReportedRunning) {
    // With SIGCHLD ignored the kernel reaps a child that exits, and keeps
    // its status on the pidfd only as the task is released, an instant
    // after the pidfd turns readable. An event loop calls try_wait() when
    // it does (edge-triggered: it will not be told twice), so try_wait()
    // must not answer "still running" in that instant.
    struct sigaction ignore {};
    struct sigaction old {};
    ignore.sa_handler = SIG_IGN;
    ASSERT_EQ(::sigaction(SIGCHLD, &ignore, &old), 0);
    int running_after_exit = 0;
    for (int i = 0; i < 200; ++i) {
        auto p = os::spawn(Command("/bin/true"), {});
        ASSERT_TRUE(exited_within(p.child, 10000));
        const auto exit = p.child.try_wait();
        if (!exit) {
            ++running_after_exit;
            continue;
        }
        EXPECT_EQ(exit->status, ExitStatus::exited(0));
    }
    ::sigaction(SIGCHLD, &old, nullptr);
    EXPECT_EQ(running_after_exit, 0) << "try_wait() said running after the pidfd said exited";
}

// ---------- Child ----------

TEST_F(SpawnTest, ChildTryWaitSignalAndReap) {
    auto p = os::spawn(Command("/bin/sleep").arg("30"), {});
    EXPECT_FALSE(p.child.try_wait());
    EXPECT_FALSE(p.child.reaped());
    EXPECT_TRUE(p.child.signal(SIGTERM));
    const auto exit = p.child.wait();
    EXPECT_EQ(exit.status, ExitStatus::signalled(SIGTERM));
    EXPECT_TRUE(p.child.reaped());
    EXPECT_FALSE(p.child.signal(SIGTERM)); // gone
    ASSERT_TRUE(p.child.try_wait());       // the result is kept
    EXPECT_EQ(p.child.try_wait()->status, exit.status);
}

TEST_F(SpawnTest, DestroyingAnUnreapedChildKillsIt) {
    pid_t pid = 0;
    {
        auto p = os::spawn(Command("/bin/sleep").arg("30"), {});
        pid = p.child.pid();
        os::Child moved = std::move(p.child);
        EXPECT_EQ(p.child.pidfd(), -1);
        EXPECT_EQ(moved.pid(), pid);
        os::Child assigned;
        assigned = std::move(moved);
        EXPECT_EQ(assigned.pid(), pid);
        EXPECT_TRUE(::kill(pid, 0) == 0);
    }
    EXPECT_EQ(::kill(pid, 0), -1); // killed and reaped: no zombie either
    EXPECT_EQ(errno, ESRCH);
}

TEST_F(SpawnTest, MoveAssignmentKillsTheOverwrittenChild) {
    auto a = os::spawn(Command("/bin/sleep").arg("30"), {});
    auto b = os::spawn(sh("exit 4"), {});
    const pid_t first = a.child.pid();
    a.child = std::move(b.child);
    EXPECT_EQ(::kill(first, 0), -1);
    EXPECT_EQ(a.child.wait().status, ExitStatus::exited(4));
}

TEST_F(SpawnTest, ManyThreadsSpawnConcurrently) {
    constexpr int threads = 4;
    constexpr int per_thread = 25;
    std::atomic<int> ok{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                try {
                    const int code = (t * per_thread + i) % 200;
                    auto p = os::spawn(
                        sh("exit " + std::to_string(code)).stdout_mode(StdioMode::Discard), {});
                    if (p.child.wait().status == ExitStatus::exited(code)) {
                        ok.fetch_add(1);
                    }
                } catch (const Error&) {
                }
            }
        });
    }
    for (auto& t : pool) {
        t.join();
    }
    EXPECT_EQ(ok.load(), threads * per_thread);
}

} // namespace
