// Text parsing for the cgroup code: pure functions over the contents of
// cgroup v2 files and /proc/self/{mountinfo,cgroup}, the content of limit
// files, and the names of processkit's directories. No system calls.
#include "cgroup_text.hpp"

#include "processkit/os/cgroup.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace processkit::os {

namespace cgroup_text {

namespace {

constexpr std::uint64_t cpu_period_us = 100000;
constexpr std::uint64_t cpu_min_quota_us = 1000;
/// Far above anything meaningful; only keeps the double -> integer cast defined.
constexpr double cpu_max_quota_us = 1e15;

} // namespace

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

std::optional<std::string> cgroup_dir_from(std::string_view mountinfo,
                                           std::string_view proc_self_cgroup) {
    const auto mount = find_cgroup2(mountinfo);
    auto path = own_cgroup_path(proc_self_cgroup);
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

std::vector<pid_t> parse_pids(std::string_view text) {
    std::vector<pid_t> pids;
    for_each_line(text, [&](std::string_view line) {
        if (auto pid = parse_number<pid_t>(line); pid && *pid > 0) {
            pids.push_back(*pid);
        }
    });
    return pids;
}

/// An unreadable figure counts as populated: callers then wait (bounded)
/// rather than remove too early.
bool populated_in(std::string_view events) {
    return keyed_value(events, "populated").value_or(1) != 0;
}

bool freeze_settled(std::string_view events, bool frozen) {
    const std::uint64_t want = frozen ? 1 : 0;
    return keyed_value(events, "frozen") == want || !populated_in(events);
}

std::optional<std::uint64_t> cpu_usage_usec(std::string_view cpu_stat) {
    return keyed_value(cpu_stat, "usage_usec");
}

std::optional<std::uint64_t> single_number(std::string_view text) {
    while (!text.empty() && text.back() == '\n') {
        text.remove_suffix(1);
    }
    return parse_number<std::uint64_t>(text);
}

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

} // namespace cgroup_text

using cgroup_text::for_each_line;

std::optional<std::string> find_cgroup2_mount(std::string_view mountinfo) {
    if (auto m = cgroup_text::find_cgroup2(mountinfo)) {
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

namespace detail {

std::optional<CgroupOwner> parse_cgroup_name(std::string_view name) {
    if (name.substr(0, cgroup_text::name_prefix.size()) != cgroup_text::name_prefix) {
        return std::nullopt;
    }
    name.remove_prefix(cgroup_text::name_prefix.size());
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
        const auto value = cgroup_text::parse_number<std::uint64_t>(part);
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

} // namespace detail

} // namespace processkit::os
