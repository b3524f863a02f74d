#pragma once
// Private to the cgroup code (os/linux/cgroup*.cpp): pure functions over the
// text of cgroup v2 and /proc files — cgroup.events, cgroup.procs, cpu.stat,
// memory.current / memory.peak, cgroup.controllers and subtree_control,
// /proc/self/mountinfo and /proc/self/cgroup — and the text written to the
// limit files. No system calls: tested on strings (tests/os/cgroup_text_test.cpp).

#include "processkit/core/limits.hpp"

#include <charconv>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <sys/types.h>
#include <vector>

namespace processkit::os::cgroup_text {

/// How the names of the directories processkit creates begin.
constexpr std::string_view name_prefix = "processkit-";

/// A whole decimal number, nothing before or after it; nullopt if empty,
/// not a number, or out of T's range.
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
void for_each_line(std::string_view text, const std::function<void(std::string_view)>& f);
/// The fields of a line separated by (runs of) spaces.
std::vector<std::string_view> split_spaces(std::string_view line);
/// Whether the space-separated words of `text` (cgroup.controllers,
/// cgroup.subtree_control) include `token`.
bool has_token(std::string_view text, std::string_view token);
/// The value of the last "<key> <value>" line (cgroup.events, cpu.stat);
/// nullopt if there is none or its value is not a number.
std::optional<std::uint64_t> keyed_value(std::string_view text, std::string_view key);

/// `populated` of cgroup.events. An unreadable figure counts as populated:
/// callers then wait (bounded) rather than remove too early.
bool populated_in(std::string_view events);
/// cgroup.events shows the freezer state `frozen`, or an empty group.
bool freeze_settled(std::string_view events, bool frozen);
/// `usage_usec` of cpu.stat.
std::optional<std::uint64_t> cpu_usage_usec(std::string_view cpu_stat);
/// A file holding one number (memory.current, memory.peak), trailing
/// newlines allowed; nullopt for anything else ("max", empty, garbage).
std::optional<std::uint64_t> single_number(std::string_view text);
/// The pids of cgroup.procs, one per line; lines that are not a pid > 0
/// are skipped.
std::vector<pid_t> parse_pids(std::string_view text);

/// mountinfo escapes space, tab, newline and backslash as \ooo (octal).
std::string unescape_octal(std::string_view text);

struct Cgroup2Mount {
    std::string root;        ///< field 4: the path of the mount's root in the hierarchy
    std::string mount_point; ///< field 5
};
/// The first cgroup2 mount of the whole hierarchy (root "/"), else the first
/// cgroup2 mount at all, in /proc/self/mountinfo text.
std::optional<Cgroup2Mount> find_cgroup2(std::string_view mountinfo);
/// The directory of the own cgroup: the v2 path of /proc/self/cgroup under
/// the cgroup2 mount of mountinfo; nullopt if either is missing or the path
/// lies outside a mounted subtree.
std::optional<std::string> cgroup_dir_from(std::string_view mountinfo,
                                           std::string_view proc_self_cgroup);

/// `dir` + "/" + `name`, without doubled or trailing slashes.
std::string join_path(std::string_view dir, std::string_view name);

/// One limit file to write, and for messages what it enforces.
struct LimitFile {
    std::string limit;      ///< for messages: "memory limit"
    std::string controller; ///< "memory"
    std::string file;       ///< "memory.max"
    std::string value;
};
/// The files that enforce `limits` (memory.max, pids.max, cpu.max, in that
/// order) with their content. The CPU quota is per 100 ms period, at least
/// 1 ms.
std::vector<LimitFile> limit_files(const ResourceLimits& limits);

} // namespace processkit::os::cgroup_text
