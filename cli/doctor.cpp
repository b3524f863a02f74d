#include "doctor.hpp"

#include "options.hpp"
#include "processkit/blocking/api.hpp"
#include "processkit/os/cgroup.hpp"
#include "processkit/os/owner_guard.hpp"
#include "processkit/os/process_group.hpp"
#include "processkit/os/procfs.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <sys/syscall.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <vector>

namespace pk {

struct DoctorReport {
    std::string kernel;
    std::optional<std::string> cgroup2_mount;
    std::optional<std::string> own_cgroup; ///< path inside the hierarchy
    std::optional<std::string> own_cgroup_dir;
    bool cgroup_writable = false;
    std::string cgroup_reason; ///< why not, when not writable
    std::vector<std::string> controllers;
    std::string mechanism; ///< what `--mechanism auto` gives
    std::optional<bool> clone3, clone_into_cgroup, pidfd, cgroup_kill, cgroup_freeze, memory_peak;
    std::optional<std::uint64_t> pipe_max_size;
    // The owner-death guard (X1, S6).
    std::string guard_path;
    bool guard_startable = false;
    std::optional<std::string> guard_version;
    std::string guard_error; ///< why it cannot start or is not protecting
    bool owner_death_protected = false;
};

namespace {

std::vector<std::string> words(const std::string& text) {
    std::istringstream in(text);
    std::vector<std::string> out;
    for (std::string w; in >> w;) {
        out.push_back(w);
    }
    return out;
}

bool kernel_at_least(const std::string& release, int major, int minor) {
    int ma = 0;
    int mi = 0;
    if (std::sscanf(release.c_str(), "%d.%d", &ma, &mi) != 2) {
        return false;
    }
    return ma > major || (ma == major && mi >= minor);
}

bool file_exists(const std::string& path) {
    return ::access(path.c_str(), F_OK) == 0;
}

/// The guard: where it is looked for, whether it starts and protects a
/// group, and what version it says it is.
void probe_guard(DoctorReport& r) {
    r.guard_path = processkit::os::OwnerGuard::program_path();
    auto* guard = processkit::os::OwnerGuard::instance();
    r.guard_startable = guard != nullptr && guard->alive();
    if (!r.guard_startable) {
        r.guard_error = processkit::os::OwnerGuard::last_error();
    }
    try {
        processkit::ProcessGroup g;
        r.owner_death_protected = g.owner_death_protected();
        if (!r.owner_death_protected && r.guard_error.empty()) {
            r.guard_error = processkit::os::OwnerGuard::last_error();
        }
    } catch (const processkit::Error& e) {
        r.guard_error = e.message();
    }
    try {
        processkit::Command c(r.guard_path);
        c.arg("--version").timeout(std::chrono::seconds(5));
        const auto result = processkit::output_string(c);
        std::string text = result.stdout_text();
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
            text.pop_back();
        }
        if (result.success() && text.rfind("processkit-guard ", 0) == 0) {
            r.guard_version = text.substr(17);
        }
    } catch (const processkit::Error&) {
        // Not runnable: the version stays unknown; guard_error says why.
    }
}

DoctorReport probe() {
    DoctorReport r;
    utsname u{};
    if (::uname(&u) == 0) {
        r.kernel = std::string(u.sysname) + " " + u.release;
    }
    const std::string release = u.release;
    if (auto mi = processkit::os::read_small_file("/proc/self/mountinfo")) {
        r.cgroup2_mount = processkit::os::find_cgroup2_mount(*mi);
    }
    if (auto cg = processkit::os::read_small_file("/proc/self/cgroup")) {
        r.own_cgroup = processkit::os::own_cgroup_path(*cg);
    }
    r.own_cgroup_dir = processkit::os::own_cgroup_dir();
    if (r.own_cgroup_dir) {
        if (auto c = processkit::os::read_small_file(*r.own_cgroup_dir + "/cgroup.controllers")) {
            r.controllers = words(*c);
        }
    }

    // The truth about writability is trying: a cgroup group, then auto.
    std::optional<std::string> group_dir;
    try {
        processkit::GroupOptions go;
        go.require = processkit::Mechanism::CgroupV2;
        processkit::ProcessGroup g(go);
        r.cgroup_writable = true;
        group_dir = g.cgroup_path();
        r.cgroup_kill = file_exists(*group_dir + "/cgroup.kill");
        r.cgroup_freeze = file_exists(*group_dir + "/cgroup.freeze");
        r.memory_peak = file_exists(*group_dir + "/memory.peak");
    } catch (const processkit::Error& e) {
        r.cgroup_reason = e.detail().empty() ? e.message() : e.detail();
    }
    try {
        processkit::ProcessGroup g;
        r.mechanism = mechanism_name(g.mechanism());
    } catch (const processkit::Error& e) {
        r.mechanism = "none (" + e.message() + ")";
    }
    if (!group_dir) {
        // Without a group of our own, the kernel version has to answer.
        r.cgroup_kill = kernel_at_least(release, 5, 14);
        r.cgroup_freeze = kernel_at_least(release, 5, 2);
    }

    // clone3 with a size below the first version fails with EINVAL if the
    // system call exists and ENOSYS if it does not; nothing is created.
    errno = 0;
    const long rc = ::syscall(SYS_clone3, nullptr, 0);
    r.clone3 = !(rc == -1 && errno == ENOSYS);
    r.clone_into_cgroup = *r.clone3 && kernel_at_least(release, 5, 7);
    const long pidfd = ::syscall(SYS_pidfd_open, ::getpid(), 0);
    r.pidfd = pidfd >= 0;
    if (pidfd >= 0) {
        ::close(static_cast<int>(pidfd));
    }
    if (auto p = processkit::os::read_small_file("/proc/sys/fs/pipe-max-size")) {
        r.pipe_max_size = std::strtoull(p->c_str(), nullptr, 10);
    }
    probe_guard(r);
    return r;
}

std::string yes_no(const std::optional<bool>& b) {
    return !b ? "unknown" : *b ? "yes" : "no";
}

std::string row(const char* label, const std::string& value) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "  %-20s", label);
    return buf + value + "\n";
}

} // namespace

std::string doctor_text() {
    const DoctorReport r = probe();
    std::string out = "mechanism: " + r.mechanism + "\n";
    if (r.mechanism == "cgroup") {
        out += "  each run gets a cgroup v2 directory: the whole tree is contained and\n"
               "  killed atomically, CPU time covers exited members\n";
    } else {
        out += "  each run gets a POSIX process group: a child that calls setsid or setpgid\n"
               "  escapes it; no tree-wide CPU time; limits cannot be enforced\n";
    }
    out += "\ncgroup v2:\n";
    out += row("mount", r.cgroup2_mount.value_or("not mounted"));
    out += row("own cgroup", r.own_cgroup.value_or("unknown"));
    out += row("writable", r.cgroup_writable ? "yes" : "no (" + r.cgroup_reason + ")");
    std::string controllers;
    for (const auto& c : r.controllers) {
        controllers += (controllers.empty() ? "" : " ") + c;
    }
    out += row("controllers", controllers.empty() ? "none" : controllers);
    const auto has = [&](const char* c) {
        return std::find(r.controllers.begin(), r.controllers.end(), c) != r.controllers.end();
    };
    std::string limits;
    limits += std::string("--memory-max ") + (r.cgroup_writable && has("memory") ? "yes" : "no");
    limits += std::string(", --pids-max ") + (r.cgroup_writable && has("pids") ? "yes" : "no");
    limits += std::string(", --cpu-max ") + (r.cgroup_writable && has("cpu") ? "yes" : "no");
    out += row("limits enforceable", limits);
    out += "\nkernel: " + r.kernel + "\n";
    out += row("clone3", yes_no(r.clone3));
    out += row("CLONE_INTO_CGROUP", yes_no(r.clone_into_cgroup));
    out += row("pidfd", yes_no(r.pidfd));
    out += row("cgroup.kill", yes_no(r.cgroup_kill));
    out += row("cgroup.freeze", yes_no(r.cgroup_freeze));
    out += row("memory.peak",
               yes_no(r.memory_peak) + (r.memory_peak.value_or(false)
                                            ? ""
                                            : " (needs a cgroup with the memory controller)"));
    out += "\nowner-death guard:\n";
    out += row("path", r.guard_path);
    out += row("startable", r.guard_startable ? "yes" : "no (" + r.guard_error + ")");
    out += row("version", r.guard_version.value_or("unknown"));
    out += row("protects a group", r.owner_death_protected
                                       ? "yes: the tree dies even if pk is SIGKILLed"
                                       : "no: a tree outlives a SIGKILLed pk");
    out += "\n" + row("pipe size limit", r.pipe_max_size ? std::to_string(*r.pipe_max_size) +
                                                               " bytes (/proc/sys/fs/pipe-max-size)"
                                                         : "unknown");
    return out;
}

std::string doctor_json() {
    const DoctorReport r = probe();
    const auto opt = [](const auto& v) {
        return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr);
    };
    nlohmann::ordered_json j;
    j["mechanism"] = r.mechanism;
    j["cgroup2_mount"] = opt(r.cgroup2_mount);
    j["own_cgroup"] = opt(r.own_cgroup);
    j["cgroup_writable"] = r.cgroup_writable;
    j["cgroup_reason"] = r.cgroup_writable ? nlohmann::ordered_json(nullptr)
                                           : nlohmann::ordered_json(r.cgroup_reason);
    j["controllers"] = r.controllers;
    j["kernel"] = r.kernel;
    j["features"] = {{"clone3", opt(r.clone3)},
                     {"clone_into_cgroup", opt(r.clone_into_cgroup)},
                     {"pidfd", opt(r.pidfd)},
                     {"cgroup_kill", opt(r.cgroup_kill)},
                     {"cgroup_freeze", opt(r.cgroup_freeze)},
                     {"memory_peak", opt(r.memory_peak)}};
    j["pipe_max_size"] = opt(r.pipe_max_size);
    j["guard"] = {{"path", r.guard_path},
                  {"startable", r.guard_startable},
                  {"version", opt(r.guard_version)},
                  {"owner_death_protected", r.owner_death_protected},
                  {"error", r.guard_error.empty() ? nlohmann::ordered_json(nullptr)
                                                  : nlohmann::ordered_json(r.guard_error)}};
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

} // namespace pk
