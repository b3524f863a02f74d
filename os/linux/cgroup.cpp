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
#include <memory>
#include <mutex>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utility>

namespace processkit::os {

namespace {

constexpr std::string_view name_prefix = "processkit-";
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

/// This process's start time, for the names of its directories. Read from
/// /proc once per process rather than on every creation: it never changes,
/// and reading /proc/self/stat costs as much as the rest of a creation. A
/// forked child (another pid) reads its own.
std::optional<std::uint64_t> own_start_time(pid_t self) {
    static std::mutex mutex;
    static pid_t cached_pid = 0;
    static std::optional<std::uint64_t> cached_start;
    std::lock_guard lock(mutex);
    if (cached_pid != self || !cached_start) {
        cached_start = process_start_time(self);
        cached_pid = self;
    }
    return cached_start;
}

bool owner_is_dead(const detail::CgroupOwner& owner) {
    if (const auto start = process_start_time(owner.pid)) {
        return *start != owner.start_time; // reused pid
    }
    // No readable stat (e.g. /proc mounted with hidepid): only a pid that
    // does not exist at all is proof of death.
    return ::kill(owner.pid, 0) != 0 && errno == ESRCH;
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
    int first_error = 0;
    for (const pid_t pid : members()) {
        if (::kill(pid, native_signal) != 0 && errno != ESRCH && first_error == 0) {
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
    const pid_t self = ::getpid();
    const auto start = own_start_time(self);
    if (!start) {
        throw Error(ErrorKind::Io, {},
                    "cannot read the start time of this process from /proc/" +
                        std::to_string(self) + "/stat");
    }
    return std::string(name_prefix) + std::to_string(self) + "-" + std::to_string(*start) + "-";
}

std::size_t remove_stale_cgroups(const std::string& parent_dir) {
    std::size_t removed = 0;
    for (const auto& name : subdirectory_names(parent_dir)) {
        const auto owner = detail::parse_cgroup_name(name);
        if (!owner || !owner_is_dead(*owner)) {
            continue;
        }
        const std::string dir = join_path(parent_dir, name);
        try {
            if (!kill_dir(dir)) {
                continue; // removed by someone else meanwhile
            }
        } catch (const Error&) {
            continue; // cannot kill: leave it rather than guess
        }
        wait_for_events(dir, [](std::string_view events) { return !populated_in(events); });
        if (remove_cgroup_dir(dir) == 0) {
            ++removed;
        }
    }
    return removed;
}

namespace detail {

std::optional<CgroupOwner> parse_cgroup_name(std::string_view name) {
    if (name.substr(0, name_prefix.size()) != name_prefix) {
        return std::nullopt;
    }
    name.remove_prefix(name_prefix.size());
    std::string_view parts[3];
    for (std::size_t i = 0; i < 3; ++i) {
        const auto dash = i < 2 ? name.find('-') : name.size();
        if (dash == std::string_view::npos) {
            return std::nullopt;
        }
        parts[i] = name.substr(0, dash);
        name.remove_prefix(std::min(dash + 1, name.size()));
        for (const char c : parts[i]) {
            if (c < '0' || c > '9') {
                return std::nullopt;
            }
        }
    }
    const auto pid = parse_number<pid_t>(parts[0]);
    const auto start = parse_number<std::uint64_t>(parts[1]);
    const auto seq = parse_number<std::uint64_t>(parts[2]);
    if (!pid || *pid <= 0 || !start || !seq) {
        return std::nullopt;
    }
    return CgroupOwner{*pid, *start, *seq};
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
