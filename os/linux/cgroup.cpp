// Cgroup (G1-G8, G10): one cgroup v2 directory this process created — mkdir
// with limits (enabling the controllers they need in the parent), opening
// its files on demand, adoption, kill, signal through pidfds, freeze,
// members, populated, stats, rmdir — and the detection of the own cgroup.
// Shared file operations are in cgroup_fs.cpp, text parsing in
// cgroup_text.cpp, names and the stale-directory sweep in cgroup_sweep.cpp.
#include "processkit/os/cgroup.hpp"

#include "cgroup_fs.hpp"
#include "cgroup_text.hpp"
#include "processkit/core/error.hpp"
#include "processkit/os/procfs.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <utility>

namespace processkit::os {

namespace {

using cgroup_fs::io_error;
using cgroup_fs::read_pids;
using cgroup_fs::write_file;
using cgroup_text::has_token;
using cgroup_text::join_path;

/// Enables `controller` in the parent's subtree_control (if needed) so the
/// child gets its interface files. Throws ResourceLimit.
void enable_controller(const std::string& parent, const std::string& controller,
                       const std::string& limit) {
    const std::string unavailable = "cannot enforce " + limit + ": the " + controller +
                                    " controller is not available in " + parent;
    const auto available = read_small_file(join_path(parent, "cgroup.controllers"));
    if (!available || !has_token(*available, controller)) {
        throw Error(ErrorKind::ResourceLimit, {}, unavailable).with_path(parent);
    }
    const std::string subtree = join_path(parent, "cgroup.subtree_control");
    if (const auto enabled = read_small_file(subtree); enabled && has_token(*enabled, controller)) {
        return;
    }
    if (const int err = write_file(subtree, "+" + controller); err != 0) {
        throw Error(ErrorKind::ResourceLimit, {},
                    unavailable + " (enabling it in " + subtree + " failed: " + std::strerror(err) +
                        ")")
            .with_os_error(err)
            .with_path(parent);
    }
}

void apply_limits(const std::string& parent, const std::string& dir, const ResourceLimits& limits) {
    const auto files = cgroup_text::limit_files(limits);
    for (const auto& f : files) {
        enable_controller(parent, f.controller, f.limit);
    }
    for (const auto& f : files) {
        const std::string path = join_path(dir, f.file);
        if (const int err = write_file(path, f.value); err != 0) {
            throw Error(ErrorKind::ResourceLimit, {},
                        "cannot enforce " + f.limit + ": cannot write " + path + ": " +
                            std::strerror(err))
                .with_os_error(err)
                .with_path(path);
        }
    }
}

} // namespace

std::optional<std::string> own_cgroup_dir() {
    const auto mountinfo = read_small_file("/proc/self/mountinfo");
    const auto cgroup = read_small_file("/proc/self/cgroup");
    if (!mountinfo || !cgroup) {
        return std::nullopt;
    }
    return cgroup_text::cgroup_dir_from(*mountinfo, *cgroup);
}

Cgroup::Cgroup(std::string path, UniqueFd events, UniqueFd dir)
    : path_(std::move(path))
    , events_fd_(std::move(events))
    , dir_fd_(std::move(dir)) {}

Cgroup::Cgroup(Cgroup&& other) noexcept
    : path_(std::move(other.path_))
    , events_fd_(std::move(other.events_fd_))
    , dir_fd_(std::move(other.dir_fd_))
    , removed_(std::exchange(other.removed_, true))
    , killed_(other.killed_) {}

Cgroup& Cgroup::operator=(Cgroup&& other) noexcept {
    if (this != &other) {
        release();
        path_ = std::move(other.path_);
        events_fd_ = std::move(other.events_fd_);
        dir_fd_ = std::move(other.dir_fd_);
        removed_ = std::exchange(other.removed_, true);
        killed_ = other.killed_;
    }
    return *this;
}

Cgroup::~Cgroup() {
    release();
}

void Cgroup::release() noexcept {
    if (removed_) {
        return;
    }
    try {
        kill();
    } catch (...) { // NOLINT(bugprone-empty-catch): nothing more to do in teardown
    }
    try {
        try_remove(); // usually EBUSY right after the kill: never waits
    } catch (...) {
    }
}

Cgroup Cgroup::create(const std::string& parent_dir, const ResourceLimits& limits) {
    if (auto invalid = limits.validate()) {
        throw *invalid;
    }
    static std::atomic<std::uint64_t> sequence{0};
    std::string path =
        join_path(parent_dir, own_cgroup_name_prefix() + std::to_string(sequence.fetch_add(1)));
    if (::mkdir(path.c_str(), 0755) != 0) {
        const int err = errno;
        throw Error(ErrorKind::Io, {},
                    "cannot create cgroup directory " + path + ": " + std::strerror(err))
            .with_os_error(err)
            .with_path(path);
    }
    // From here on, any failure removes the directory again.
    struct RemoveOnFailure {
        const std::string& dir;
        bool armed = true;
        ~RemoveOnFailure() {
            if (armed) {
                ::rmdir(dir.c_str());
            }
        }
    } guard{path};

    if (limits.any()) {
        apply_limits(parent_dir, path, limits);
    }
    // cgroup.events is kept open (see events_fd()); the directory is held
    // until the first spawn takes it (take_dir()), and cgroup.events is
    // opened from it: one path lookup serves the guard's registration, this
    // open and that spawn.
    UniqueFd dir(above_stdio(::open(path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)));
    if (!dir) {
        throw io_error("cannot open " + path, errno, path);
    }
    UniqueFd events(
        above_stdio(::openat(dir.get(), "cgroup.events", O_RDONLY | O_CLOEXEC | O_NOCTTY)));
    if (!events) {
        throw io_error("cannot open " + path + "/cgroup.events", errno, path);
    }
    guard.armed = false;
    return Cgroup(std::move(path), std::move(events), std::move(dir));
}

UniqueFd Cgroup::open_in_dir(const char* name, int flags) const {
    const std::string file = *name == '\0' ? path_ : path_ + "/" + name;
    if (removed_) {
        throw Error(ErrorKind::Io, {}, "cannot open " + file + ": the cgroup was removed")
            .with_path(path_);
    }
    UniqueFd fd(above_stdio(::open(file.c_str(), flags | O_CLOEXEC)));
    if (!fd) {
        throw io_error("cannot open " + file, errno, path_);
    }
    return fd;
}

UniqueFd Cgroup::open_dir() const {
    // O_PATH is enough for CLONE_INTO_CGROUP (the kernel takes the file with
    // fget_raw) and skips the open of the directory itself.
    return open_in_dir("", O_PATH | O_DIRECTORY);
}

UniqueFd Cgroup::take_dir() {
    if (dir_fd_ && !removed_) {
        return std::move(dir_fd_);
    }
    return open_dir();
}

bool Cgroup::hold_dir() noexcept {
    if (removed_) {
        return false;
    }
    if (!dir_fd_) {
        dir_fd_ = UniqueFd(above_stdio(::open(path_.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)));
    }
    return static_cast<bool>(dir_fd_);
}

bool Cgroup::has_file(const char* name) const {
    if (removed_) {
        return false;
    }
    if (dir_fd_) {
        return ::faccessat(dir_fd_.get(), name, F_OK, 0) == 0;
    }
    return ::access((path_ + "/" + name).c_str(), F_OK) == 0;
}

std::optional<std::string> Cgroup::read_file(const char* name) const {
    if (removed_) {
        return std::nullopt;
    }
    if (!dir_fd_) {
        return read_small_file(path_ + "/" + name);
    }
    UniqueFd fd(above_stdio(::openat(dir_fd_.get(), name, O_RDONLY | O_CLOEXEC | O_NOCTTY)));
    if (!fd) {
        return std::nullopt;
    }
    return cgroup_fs::pread_all(fd.get());
}

bool Cgroup::alive() const {
    return !removed_ && events_fd_ && cgroup_fs::pread_all(events_fd_.get()).has_value();
}

UniqueFd Cgroup::open_procs() const {
    return open_in_dir("cgroup.procs", O_WRONLY);
}

void Cgroup::adopt(pid_t pid) {
    const std::string what = "cannot move process " + std::to_string(pid) + " into cgroup " + path_;
    if (removed_) {
        throw Error(ErrorKind::Io, {}, what + ": the cgroup was removed").with_path(path_);
    }
    // Adoption is rare: cgroup.procs is opened for it rather than held by
    // every group.
    UniqueFd procs(above_stdio(::open((path_ + "/cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC)));
    if (!procs) {
        throw io_error(what, errno, path_);
    }
    const std::string text = std::to_string(pid);
    for (;;) {
        const ssize_t n = ::write(procs.get(), text.data(), text.size());
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 || static_cast<std::size_t>(n) != text.size()) {
            throw io_error(what, n < 0 ? errno : EIO, path_);
        }
        return;
    }
}

void Cgroup::kill() {
    if (!removed_) {
        killed_ = true;
        cgroup_fs::kill_dir(path_);
    }
}

void Cgroup::signal(int native_signal) {
    // A pid read from cgroup.procs may be reaped and reused before we signal
    // it (S1). So: a pidfd of each member first, then cgroup.procs read
    // again; a pid still listed names the process its pidfd holds (a
    // reused number can only be listed if it was born in this cgroup: ours
    // anyway). Only then is the signal sent, through the pidfd.
    std::vector<std::pair<pid_t, UniqueFd>> held;
    for (const pid_t pid : members()) {
        UniqueFd fd(above_stdio(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0))));
        if (fd) {
            held.emplace_back(pid, std::move(fd));
        }
    }
    const auto still = members();
    int first_error = 0;
    for (const auto& [pid, fd] : held) {
        if (std::find(still.begin(), still.end(), pid) == still.end()) {
            continue; // gone meanwhile
        }
        if (::syscall(SYS_pidfd_send_signal, fd.get(), native_signal, nullptr, 0) != 0 &&
            errno != ESRCH && first_error == 0) {
            first_error = errno;
        }
    }
    if (first_error != 0) {
        throw io_error("cannot signal the processes of cgroup " + path_, first_error, path_);
    }
}

void Cgroup::freeze(bool frozen) {
    if (removed_) {
        throw Error(ErrorKind::Io, {}, "cgroup " + path_ + " was removed").with_path(path_);
    }
    cgroup_fs::freeze_dir(path_, frozen);
}

std::vector<pid_t> Cgroup::members() const {
    if (removed_) {
        return {};
    }
    return read_pids(path_).value_or(std::vector<pid_t>{});
}

bool Cgroup::populated() const {
    if (removed_ || !events_fd_) {
        return false;
    }
    const auto events = cgroup_fs::pread_all(events_fd_.get());
    return events && cgroup_text::populated_in(*events);
}

ProcessGroupStats Cgroup::stats() const {
    const auto pids = removed_ ? std::nullopt : read_pids(path_);
    if (!pids) {
        throw Error(ErrorKind::Io, {}, "cgroup " + path_ + " is gone").with_path(path_);
    }
    ProcessGroupStats stats;
    stats.active_process_count = pids->size();
    if (const auto cpu = read_small_file(path_ + "/cpu.stat")) {
        if (const auto usec = cgroup_text::cpu_usage_usec(*cpu)) {
            stats.total_cpu_time = std::chrono::duration_cast<Duration>(
                std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(*usec)));
        }
    }
    const auto number_in = [](const std::string& path) -> std::optional<std::uint64_t> {
        const auto text = read_small_file(path);
        return text ? cgroup_text::single_number(*text) : std::nullopt;
    };
    stats.peak_memory_bytes = number_in(path_ + "/memory.peak");
    stats.memory_bytes = number_in(path_ + "/memory.current");
    if (!stats.memory_bytes) {
        std::uint64_t sum = 0; // an empty tree honestly uses nothing
        for (const pid_t pid : *pids) {
            sum += resident_bytes(pid).value_or(0);
        }
        stats.memory_bytes = sum;
    }
    return stats;
}

bool Cgroup::try_remove() {
    if (removed_) {
        return true;
    }
    // rmdir does not care about our open descriptor of cgroup.events.
    const int err = cgroup_fs::remove_cgroup_dir(path_);
    if (err != 0 && err != ENOENT) {
        return false;
    }
    events_fd_.reset();
    dir_fd_.reset();
    removed_ = true;
    return true;
}

} // namespace processkit::os
