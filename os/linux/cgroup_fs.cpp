// File operations on cgroup v2 directories, shared by Cgroup (cgroup.cpp)
// and the stale-directory sweep (cgroup_sweep.cpp): open/write of control
// files, pread + poll(POLLPRI) of cgroup.events, cgroup.procs, cgroup.freeze,
// cgroup.kill (and the freezer fallback before Linux 5.14), readdir and rmdir.
// What the files say is parsed in cgroup_text.cpp.
#include "cgroup_fs.hpp"

#include "cgroup_text.hpp"
#include "processkit/os/cgroup.hpp"
#include "processkit/os/procfs.hpp"
#include "processkit/os/unique_fd.hpp"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <memory>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

namespace processkit::os {

namespace cgroup_fs {

namespace {

/// How long freeze() and stale removal wait for the kernel to report a state.
constexpr std::chrono::milliseconds settle_bound{1000};

struct DirCloser {
    void operator()(DIR* d) const noexcept { ::closedir(d); }
};

/// rmdir of every cgroup below `dir`, deepest first. True if all are gone.
bool remove_subdirectories(const std::string& dir) {
    bool all = true;
    for (const auto& name : subdirectory_names(dir)) {
        const std::string child = cgroup_text::join_path(dir, name);
        all = remove_subdirectories(child) && all;
        if (::rmdir(child.c_str()) != 0 && errno != ENOENT) {
            all = false;
        }
    }
    return all;
}

} // namespace

/// 0 on success, else the errno of open or write.
int write_file(const std::string& path, std::string_view content) {
    UniqueFd fd(above_stdio(::open(path.c_str(), O_WRONLY | O_CLOEXEC)));
    if (!fd) {
        return errno;
    }
    for (;;) {
        const ssize_t n = ::write(fd.get(), content.data(), content.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return errno;
        }
        return static_cast<std::size_t>(n) == content.size() ? 0 : EIO;
    }
}

/// The whole content of a small cgroup interface file from offset 0
/// (re-reads an open cgroup.events, which also re-arms its POLLPRI
/// notification). These are seq_files: a read fills the buffer or returns
/// everything that is left, so a short read is the end and the read that
/// would return 0 is skipped.
std::optional<std::string> pread_all(int fd) {
    std::string content;
    char buffer[512];
    for (;;) {
        const ssize_t n = ::pread(fd, buffer, sizeof buffer, static_cast<off_t>(content.size()));
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return std::nullopt;
        }
        content.append(buffer, static_cast<std::size_t>(n));
        if (static_cast<std::size_t>(n) < sizeof buffer) {
            return content;
        }
    }
}

std::optional<std::vector<pid_t>> read_pids(const std::string& dir) {
    auto text = read_small_file(dir + "/cgroup.procs");
    if (!text) {
        return std::nullopt;
    }
    return cgroup_text::parse_pids(*text);
}

/// Re-reads `dir`/cgroup.events until `done(content)` holds, waiting for
/// POLLPRI in between, for at most settle_bound. True if `done` held.
bool wait_for_events(const std::string& dir, const std::function<bool(std::string_view)>& done) {
    UniqueFd fd(above_stdio(::open((dir + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC)));
    if (!fd) {
        return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + settle_bound;
    for (;;) {
        const auto content = pread_all(fd.get());
        if (!content) {
            return false;
        }
        if (done(*content)) {
            return true;
        }
        const auto left = std::chrono::ceil<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) {
            return false;
        }
        pollfd p{fd.get(), POLLPRI, 0};
        if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
            return false;
        }
    }
}

Error io_error(const std::string& what, int err, const std::string& path) {
    return Error(ErrorKind::Io, {}, what + ": " + std::strerror(err))
        .with_os_error(err)
        .with_path(path);
}

/// Writes cgroup.freeze and waits (bounded) until the kernel reports the
/// state or the group is empty. Throws Io if the file cannot be written.
void freeze_dir(const std::string& dir, bool frozen) {
    if (const int err = write_file(dir + "/cgroup.freeze", frozen ? "1" : "0"); err != 0) {
        throw io_error("cannot " + std::string(frozen ? "freeze" : "thaw") + " cgroup " + dir, err,
                       dir);
    }
    wait_for_events(dir, [frozen](std::string_view events) {
        return cgroup_text::freeze_settled(events, frozen);
    });
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

std::vector<std::string> subdirectory_names(const std::string& dir) {
    std::vector<std::string> names;
    std::unique_ptr<DIR, DirCloser> d(open_directory(dir));
    if (!d) {
        return names;
    }
    while (const dirent* entry = ::readdir(d.get())) {
        const std::string_view name = entry->d_name;
        if (name == "." || name == "..") {
            continue;
        }
        if (entry->d_type == DT_DIR ||
            (entry->d_type == DT_UNKNOWN && is_directory(cgroup_text::join_path(dir, name)))) {
            names.emplace_back(name);
        }
    }
    return names;
}

/// rmdir of `dir` (and, if processes left nested cgroups, of those first).
/// 0 on success, else errno.
int remove_cgroup_dir(const std::string& dir) {
    if (::rmdir(dir.c_str()) == 0) {
        return 0;
    }
    int err = errno;
    if (err == EBUSY && remove_subdirectories(dir)) {
        err = ::rmdir(dir.c_str()) == 0 ? 0 : errno;
    }
    return err;
}

/// cgroup.kill, or the freezer fallback where it does not exist. Returns
/// false if `dir` does not exist (nothing to kill). Throws Error (Io).
bool kill_dir(const std::string& dir) {
    const int err = write_file(dir + "/cgroup.kill", "1");
    if (err == 0) {
        return true;
    }
    if (err == ENOENT) {
        if (!is_directory(dir)) {
            return false;
        }
        detail::kill_by_freezing(dir); // kernel < 5.14
        return true;
    }
    throw io_error("cannot kill the processes of cgroup " + dir, err, dir);
}

} // namespace cgroup_fs

namespace detail {

void kill_by_freezing(const std::string& dir) {
    cgroup_fs::freeze_dir(dir, true); // a frozen process cannot fork while we read the list
    for (const pid_t pid : cgroup_fs::read_pids(dir).value_or(std::vector<pid_t>{})) {
        ::kill(pid, SIGKILL); // SIGKILL reaches frozen processes; ESRCH is fine
    }
    cgroup_fs::freeze_dir(dir, false);
}

} // namespace detail

} // namespace processkit::os
