#include "processkit/os/cgroup.hpp"

#include "processkit/core/error.hpp"
#include "processkit/os/procfs.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <utility>

namespace processkit::os {

namespace {

constexpr std::string_view name_prefix = "processkit-";
/// The inode number of the initial pid namespace (PROC_PID_INIT_INO, fixed
/// by the kernel).
constexpr std::uint64_t initial_pid_ns_inode = 0xEFFFFFFCU;
/// How long freeze() and stale removal wait for the kernel to report a state.
constexpr std::chrono::milliseconds settle_bound{1000};
constexpr std::uint64_t cpu_period_us = 100000;
constexpr std::uint64_t cpu_min_quota_us = 1000;
/// Far above anything meaningful; only keeps the double -> integer cast defined.
constexpr double cpu_max_quota_us = 1e15;

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc{} || ptr != end) {
        return std::nullopt;
    }
    return value;
}

/// Calls `f` with each line of `text` (without the '\n').
void for_each_line(std::string_view text, const std::function<void(std::string_view)>& f) {
    while (!text.empty()) {
        const auto nl = std::min(text.find('\n'), text.size());
        f(text.substr(0, nl));
        text.remove_prefix(std::min(nl + 1, text.size()));
    }
}

std::vector<std::string_view> split_spaces(std::string_view line) {
    std::vector<std::string_view> fields;
    while (!line.empty()) {
        const auto start = line.find_first_not_of(' ');
        if (start == std::string_view::npos) {
            break;
        }
        line.remove_prefix(start);
        const auto stop = std::min(line.find(' '), line.size());
        fields.push_back(line.substr(0, stop));
        line.remove_prefix(stop);
    }
    return fields;
}

bool has_token(std::string_view text, std::string_view token) {
    for (auto word : split_spaces(text)) {
        while (!word.empty() && word.back() == '\n') {
            word.remove_suffix(1);
        }
        if (word == token) {
            return true;
        }
    }
    return false;
}

/// The value of "<key> <value>" lines (cgroup.events, cpu.stat).
std::optional<std::uint64_t> keyed_value(std::string_view text, std::string_view key) {
    std::optional<std::uint64_t> value;
    for_each_line(text, [&](std::string_view line) {
        if (line.size() > key.size() && line.substr(0, key.size()) == key &&
            line[key.size()] == ' ') {
            value = parse_number<std::uint64_t>(line.substr(key.size() + 1));
        }
    });
    return value;
}

/// mountinfo escapes space, tab, newline and backslash as \ooo (octal).
std::string unescape_octal(std::string_view text) {
    const auto is_octal = [](char c) { return c >= '0' && c <= '7'; };
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' && text.size() - i > 3 && is_octal(text[i + 1]) &&
            is_octal(text[i + 2]) && is_octal(text[i + 3])) {
            const int value =
                (text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 + (text[i + 3] - '0');
            out += static_cast<char>(static_cast<unsigned char>(value & 0xff));
            i += 3;
        } else {
            out += text[i];
        }
    }
    return out;
}

struct Cgroup2Mount {
    std::string root;        ///< field 4: the path of the mount's root in the hierarchy
    std::string mount_point; ///< field 5
};

/// The first cgroup2 mount of the whole hierarchy (root "/"), else the first
/// cgroup2 mount at all.
std::optional<Cgroup2Mount> find_cgroup2(std::string_view mountinfo) {
    std::optional<Cgroup2Mount> first;
    std::optional<Cgroup2Mount> whole;
    for_each_line(mountinfo, [&](std::string_view line) {
        if (whole) {
            return;
        }
        const auto fields = split_spaces(line);
        // id parent major:minor root mount-point options [optional...] - type source super
        std::size_t sep = 6;
        while (sep < fields.size() && fields[sep] != "-") {
            ++sep;
        }
        if (fields.size() < 6 || sep + 1 >= fields.size() || fields[sep + 1] != "cgroup2") {
            return;
        }
        Cgroup2Mount m{unescape_octal(fields[3]), unescape_octal(fields[4])};
        if (m.root == "/") {
            whole = std::move(m);
        } else if (!first) {
            first = std::move(m);
        }
    });
    return whole ? whole : first;
}

/// `dir` + "/" + `name`, without doubled or trailing slashes.
std::string join_path(std::string_view dir, std::string_view name) {
    while (dir.size() > 1 && dir.back() == '/') {
        dir.remove_suffix(1);
    }
    while (!name.empty() && name.front() == '/') {
        name.remove_prefix(1);
    }
    while (!name.empty() && name.back() == '/') {
        name.remove_suffix(1);
    }
    std::string path(dir);
    if (name.empty()) {
        return path;
    }
    if (path.empty() || path.back() != '/') {
        path += '/';
    }
    path += name;
    return path;
}

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

/// The whole content of a small file from offset 0 (re-reads an open
/// cgroup.events, which also re-arms its POLLPRI notification).
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
        if (n == 0) {
            return content;
        }
        content.append(buffer, static_cast<std::size_t>(n));
    }
}

std::vector<pid_t> parse_pids(std::string_view text) {
    std::vector<pid_t> pids;
    for_each_line(text, [&](std::string_view line) {
        if (auto pid = parse_number<pid_t>(line); pid && *pid > 0) {
            pids.push_back(*pid);
        }
    });
    return pids;
}

std::optional<std::vector<pid_t>> read_pids(const std::string& dir) {
    auto text = read_small_file(dir + "/cgroup.procs");
    if (!text) {
        return std::nullopt;
    }
    return parse_pids(*text);
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

/// An unreadable figure counts as populated: callers then wait (bounded)
/// rather than remove too early.
bool populated_in(std::string_view events) {
    return keyed_value(events, "populated").value_or(1) != 0;
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
    const std::uint64_t want = frozen ? 1 : 0;
    wait_for_events(dir, [want](std::string_view events) {
        return keyed_value(events, "frozen") == want || !populated_in(events);
    });
}

bool is_directory(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

struct DirCloser {
    void operator()(DIR* d) const noexcept { ::closedir(d); }
};

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
            (entry->d_type == DT_UNKNOWN && is_directory(join_path(dir, name)))) {
            names.emplace_back(name);
        }
    }
    return names;
}

/// rmdir of every cgroup below `dir`, deepest first. True if all are gone.
bool remove_subdirectories(const std::string& dir) {
    bool all = true;
    for (const auto& name : subdirectory_names(dir)) {
        const std::string child = join_path(dir, name);
        all = remove_subdirectories(child) && all;
        if (::rmdir(child.c_str()) != 0 && errno != ENOENT) {
            all = false;
        }
    }
    return all;
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

/// The inode number of a /proc/self/ns link: which namespace this process
/// is in. 0 if the kernel has no such namespace type (then every process is
/// in the one there is); nullopt on any other failure.
std::optional<std::uint64_t> own_namespace_inode(const char* path) {
    struct stat st {};
    if (::stat(path, &st) == 0) {
        return static_cast<std::uint64_t>(st.st_ino);
    }
    if (errno == ENOENT) {
        return std::uint64_t{0};
    }
    return std::nullopt;
}

/// This process's identity for naming and sweeping: its namespaces, pid and
/// start time. Read from /proc once per process rather than on every
/// creation (it costs as much as the rest of a creation and never changes);
/// a forked child (another pid) reads its own. Everything comes through
/// /proc/self, which is this process whichever pid namespace /proc was
/// mounted from (as long as this process is visible in it).
std::optional<detail::SweeperView> own_identity() {
    static std::mutex mutex;
    static std::optional<detail::SweeperView> cached;
    const pid_t self = ::getpid();
    std::lock_guard lock(mutex);
    if (!cached || cached->pid != self) {
        cached.reset();
        // The start time first: it fails if /proc/self does not resolve,
        // which the namespace links would report as "no such namespace".
        const auto start = own_process_start_time();
        const auto pid_ns = own_namespace_inode("/proc/self/ns/pid");
        const auto time_ns = own_namespace_inode("/proc/self/ns/time");
        if (!start || !pid_ns || !time_ns) {
            return std::nullopt;
        }
        cached = detail::SweeperView{{*pid_ns, *time_ns}, self, *start, false};
    }
    return cached;
}

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

struct LimitFile {
    std::string limit;      ///< for messages: "memory limit"
    std::string controller; ///< "memory"
    std::string file;       ///< "memory.max"
    std::string value;
};

std::vector<LimitFile> limit_files(const ResourceLimits& limits) {
    std::vector<LimitFile> files;
    if (limits.memory_max_bytes) {
        files.push_back(
            {"memory limit", "memory", "memory.max", std::to_string(*limits.memory_max_bytes)});
    }
    if (limits.max_processes) {
        files.push_back(
            {"process limit", "pids", "pids.max", std::to_string(*limits.max_processes)});
    }
    if (limits.cpu_quota) {
        const double wanted = std::round(*limits.cpu_quota * static_cast<double>(cpu_period_us));
        const auto quota = std::max(cpu_min_quota_us,
                                    static_cast<std::uint64_t>(std::min(wanted, cpu_max_quota_us)));
        files.push_back({"CPU quota", "cpu", "cpu.max",
                         std::to_string(quota) + " " + std::to_string(cpu_period_us)});
    }
    return files;
}

void apply_limits(const std::string& parent, const std::string& dir, const ResourceLimits& limits) {
    const auto files = limit_files(limits);
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

std::optional<std::string> find_cgroup2_mount(std::string_view mountinfo) {
    if (auto m = find_cgroup2(mountinfo)) {
        return std::move(m->mount_point);
    }
    return std::nullopt;
}

std::optional<std::string> own_cgroup_path(std::string_view proc_self_cgroup) {
    std::optional<std::string> path;
    for_each_line(proc_self_cgroup, [&](std::string_view line) {
        if (!path && line.substr(0, 3) == "0::" && line.size() > 3 && line[3] == '/') {
            path = std::string(line.substr(3));
        }
    });
    return path;
}

std::optional<std::string> own_cgroup_dir() {
    const auto mountinfo = read_small_file("/proc/self/mountinfo");
    const auto cgroup = read_small_file("/proc/self/cgroup");
    if (!mountinfo || !cgroup) {
        return std::nullopt;
    }
    const auto mount = find_cgroup2(*mountinfo);
    auto path = own_cgroup_path(*cgroup);
    if (!mount || !path) {
        return std::nullopt;
    }
    if (mount->root != "/") {
        // A mount of a subtree: the own path is only reachable below its root.
        const std::string& root = mount->root;
        if (path->compare(0, root.size(), root) != 0 ||
            (path->size() > root.size() && (*path)[root.size()] != '/')) {
            return std::nullopt;
        }
        path->erase(0, root.size());
    }
    return join_path(mount->mount_point, *path);
}

Cgroup::Cgroup(std::string path, UniqueFd events)
    : path_(std::move(path))
    , events_fd_(std::move(events)) {}

Cgroup::Cgroup(Cgroup&& other) noexcept
    : path_(std::move(other.path_))
    , events_fd_(std::move(other.events_fd_))
    , removed_(std::exchange(other.removed_, true))
    , killed_(other.killed_) {}

Cgroup& Cgroup::operator=(Cgroup&& other) noexcept {
    if (this != &other) {
        release();
        path_ = std::move(other.path_);
        events_fd_ = std::move(other.events_fd_);
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
    // Only cgroup.events is kept open (see events_fd()); the directory and
    // cgroup.procs are opened when a spawn or an adoption needs them.
    UniqueFd events(above_stdio(::open((path + "/cgroup.events").c_str(), O_RDONLY | O_CLOEXEC)));
    if (!events) {
        throw io_error("cannot open " + path + "/cgroup.events", errno, path);
    }
    guard.armed = false;
    return Cgroup(std::move(path), std::move(events));
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
        kill_dir(path_);
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
    freeze_dir(path_, frozen);
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
    const auto events = pread_all(events_fd_.get());
    return events && populated_in(*events);
}

ProcessGroupStats Cgroup::stats() const {
    const auto pids = removed_ ? std::nullopt : read_pids(path_);
    if (!pids) {
        throw Error(ErrorKind::Io, {}, "cgroup " + path_ + " is gone").with_path(path_);
    }
    ProcessGroupStats stats;
    stats.active_process_count = pids->size();
    if (const auto cpu = read_small_file(path_ + "/cpu.stat")) {
        if (const auto usec = keyed_value(*cpu, "usage_usec")) {
            stats.total_cpu_time = std::chrono::duration_cast<Duration>(
                std::chrono::microseconds(static_cast<std::chrono::microseconds::rep>(*usec)));
        }
    }
    const auto number_in = [](const std::string& path) -> std::optional<std::uint64_t> {
        auto text = read_small_file(path);
        if (!text) {
            return std::nullopt;
        }
        while (!text->empty() && text->back() == '\n') {
            text->pop_back();
        }
        return parse_number<std::uint64_t>(*text);
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
    const int err = remove_cgroup_dir(path_);
    if (err != 0 && err != ENOENT) {
        return false;
    }
    events_fd_.reset();
    removed_ = true;
    return true;
}

std::string own_cgroup_name_prefix() {
    const auto me = own_identity();
    if (!me) {
        throw Error(ErrorKind::Io, {},
                    "cannot read the start time and namespaces of this process from "
                    "/proc/self (is /proc mounted from this process's pid namespace?)");
    }
    return std::string(name_prefix) + std::to_string(me->ns.pid_ns) + "-" +
           std::to_string(me->ns.time_ns) + "-" + std::to_string(me->pid) + "-" +
           std::to_string(me->start_time) + "-";
}

SweepResult remove_stale_cgroups(const std::string& parent_dir) {
    SweepResult result;
    const auto me = detail::sweeper_view();
    std::optional<std::vector<std::uint64_t>> live_namespaces;
    bool scanned = false;
    for (const auto& name : subdirectory_names(parent_dir)) {
        const auto owner = detail::parse_cgroup_name(name);
        if (!owner) {
            continue; // not a name of ours at all
        }
        // The scan of all of /proc happens at most once per sweep, and only
        // for a name of another pid namespace where it can prove something.
        if (me && me->sees_every_pid_namespace && owner->ns && owner->ns->pid_ns != me->ns.pid_ns &&
            !scanned) {
            live_namespaces = pid_namespaces_in_use();
            scanned = true;
        }
        const auto verdict =
            me ? detail::judge_owner(*owner, *me, live_namespaces ? &*live_namespaces : nullptr)
               : detail::OwnerVerdict::Unjudged;
        if (verdict == detail::OwnerVerdict::Unjudged) {
            ++result.unjudged;
            continue;
        }
        if (verdict == detail::OwnerVerdict::Alive) {
            continue;
        }
        const std::string dir = join_path(parent_dir, name);
        try {
            if (!kill_dir(dir)) {
                continue; // removed by someone else meanwhile
            }
        } catch (const Error&) {
            ++result.failed;
            continue; // cannot kill: leave it rather than guess
        }
        wait_for_events(dir, [](std::string_view events) { return !populated_in(events); });
        if (remove_cgroup_dir(dir) == 0) {
            ++result.removed;
        } else {
            ++result.failed;
        }
    }
    return result;
}

namespace detail {

std::optional<CgroupOwner> parse_cgroup_name(std::string_view name) {
    if (name.substr(0, name_prefix.size()) != name_prefix) {
        return std::nullopt;
    }
    name.remove_prefix(name_prefix.size());
    // 5 numbers (pid ns, time ns, pid, start, sequence) or the old 3.
    constexpr std::size_t max_parts = 5;
    std::uint64_t parts[max_parts] = {};
    std::size_t count = 0;
    for (;;) {
        const auto dash = std::min(name.find('-'), name.size());
        const std::string_view part = name.substr(0, dash);
        if (count == max_parts || part.empty() ||
            !std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; })) {
            return std::nullopt;
        }
        const auto value = parse_number<std::uint64_t>(part);
        if (!value) {
            return std::nullopt;
        }
        parts[count++] = *value;
        if (dash == name.size()) {
            break;
        }
        name.remove_prefix(dash + 1); // a trailing '-' leaves an empty part: rejected
    }
    if (count != 3 && count != max_parts) {
        return std::nullopt;
    }
    const std::uint64_t* rest = parts;
    CgroupOwner owner;
    if (count == max_parts) {
        owner.ns = NamespaceId{parts[0], parts[1]};
        rest += 2;
    }
    if (rest[0] == 0 || rest[0] > static_cast<std::uint64_t>(std::numeric_limits<pid_t>::max())) {
        return std::nullopt;
    }
    owner.pid = static_cast<pid_t>(rest[0]);
    owner.start_time = rest[1];
    owner.sequence = rest[2];
    return owner;
}

std::optional<SweeperView> sweeper_view() {
    auto me = own_identity();
    if (me) {
        // Not cached: /proc can be remounted, and a sweep is rare.
        me->proc_is_own = proc_shows_own_pid_namespace();
        me->sees_every_pid_namespace = me->proc_is_own && me->ns.pid_ns == initial_pid_ns_inode;
    }
    return me;
}

// Why names carry namespaces: a pid means nothing outside its pid namespace.
// A sweeper that read `processkit-<pid>-...` as its own pid killed the live
// trees of owners in other namespaces (pk inside `unshare --pid` and pk
// outside, both ways). So only a sweeper in the owner's pid namespace judges
// a name; and only in the owner's time namespace, since /proc start times
// carry the reader's boot-time offset (another time namespace would see a
// live owner's start time differ and take it for a reused pid).
//
// Proof of death is either kill(pid, 0) failing with ESRCH (the kernel's
// answer, in our namespace: right whatever /proc is), or a start time in
// /proc/<pid>/stat other than the recorded one (pid reused) - trusted only
// when /proc shows our own pid namespace. An nsfs inode number can be reused
// once its namespace is gone; then the owner is gone too, and a process of
// the new namespace still has to match both pid and start time (to the
// clock tick) to be taken for it, which at worst keeps a directory.
//
// A name of another pid namespace is judged only by a sweeper that sees every
// process (initial pid namespace, its own /proc): a live owner is a process
// of that namespace, so a namespace without any process has no live owner.
// This cleans up after namespaces killed whole (their guards die with them).
// A process alive through the whole /proc scan is listed by it; one that
// died meanwhile is gone anyway; a reused inode number only keeps a directory.
OwnerVerdict judge_owner(const CgroupOwner& owner, const SweeperView& me,
                         const std::vector<std::uint64_t>* live_pid_namespaces) {
    if (!owner.ns) {
        return OwnerVerdict::Unjudged;
    }
    if (owner.ns->pid_ns != me.ns.pid_ns) {
        if (me.sees_every_pid_namespace && live_pid_namespaces != nullptr &&
            !std::binary_search(live_pid_namespaces->begin(), live_pid_namespaces->end(),
                                owner.ns->pid_ns)) {
            return OwnerVerdict::Gone;
        }
        return OwnerVerdict::Unjudged;
    }
    if (owner.ns->time_ns != me.ns.time_ns) {
        return OwnerVerdict::Unjudged;
    }
    if (owner.pid == me.pid) {
        return owner.start_time == me.start_time ? OwnerVerdict::Alive : OwnerVerdict::Gone;
    }
    if (::kill(owner.pid, 0) != 0 && errno == ESRCH) {
        return OwnerVerdict::Gone;
    }
    if (!me.proc_is_own) {
        return OwnerVerdict::Unjudged; // exists; whether it is the owner /proc cannot say
    }
    if (const auto start = process_start_time(owner.pid)) {
        return *start == owner.start_time ? OwnerVerdict::Alive : OwnerVerdict::Gone;
    }
    // No readable stat: it exited meanwhile, or /proc hides it (hidepid).
    if (::kill(owner.pid, 0) != 0 && errno == ESRCH) {
        return OwnerVerdict::Gone;
    }
    return OwnerVerdict::Unjudged;
}

void kill_by_freezing(const std::string& dir) {
    freeze_dir(dir, true); // a frozen process cannot fork while we read the list
    for (const pid_t pid : read_pids(dir).value_or(std::vector<pid_t>{})) {
        ::kill(pid, SIGKILL); // SIGKILL reaches frozen processes; ESRCH is fine
    }
    freeze_dir(dir, false);
}

} // namespace detail

} // namespace processkit::os
