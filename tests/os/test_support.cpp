#include "test_support.hpp"

#include "processkit/os/cgroup.hpp"
#include "processkit/os/owner_guard.hpp"
#include "processkit/os/procfs.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <gtest/gtest.h>
#include <random>
#include <sstream>
#include <thread>
#include <unistd.h>

namespace fs = std::filesystem;

namespace pktest {
namespace {

// Not std::ifstream: its filebuf throws when a /proc file's process exits
// mid-read (read() fails with ESRCH).
std::string slurp(const fs::path& p) {
    return processkit::os::read_small_file(p).value_or("");
}

bool is_zombie(const std::string& pid) {
    const std::string stat = slurp(fs::path("/proc") / pid / "stat");
    const auto close = stat.rfind(')');
    return close != std::string::npos && close + 2 < stat.size() && stat[close + 2] == 'Z';
}

} // namespace

std::string unique_marker() {
    static std::atomic<int> counter{0};
    std::random_device rd;
    std::ostringstream s;
    s << "pkmark-" << ::getpid() << '-' << counter++ << '-' << std::hex << rd();
    return s.str();
}

processkit::Command& mark(processkit::Command& c, const std::string& marker) {
    return c.env("PK_TEST_MARKER", marker);
}

std::vector<pid_t> processes_with_marker(const std::string& marker) {
    std::vector<pid_t> found;
    const std::string needle = "PK_TEST_MARKER=" + marker;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator("/proc", ec)) {
        const std::string name = entry.path().filename();
        if (name.empty() || !std::all_of(name.begin(), name.end(), ::isdigit)) {
            continue;
        }
        const pid_t pid = std::stoi(name);
        if (pid == ::getpid()) {
            continue;
        }
        const std::string env = slurp(entry.path() / "environ");
        const std::string cmd = slurp(entry.path() / "cmdline");
        if ((env.find(needle) != std::string::npos || cmd.find(marker) != std::string::npos) &&
            !is_zombie(name)) {
            found.push_back(pid);
        }
    }
    return found;
}

bool process_with_marker_within(const std::string& marker, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (processes_with_marker(marker).empty()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

bool no_process_with_marker_within(const std::string& marker, int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (!processes_with_marker(marker).empty()) {
        if (std::chrono::steady_clock::now() > deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

std::set<int> open_fds() {
    std::set<int> fds;
    for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
        fds.insert(std::stoi(entry.path().filename()));
    }
    return fds;
}

std::vector<std::string> processkit_cgroups(const std::string& parent) {
    std::vector<std::string> dirs;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(parent, ec)) {
        const std::string name = entry.path().filename();
        // Only our own: another test binary may run beside this one.
        const std::string ours = processkit::os::own_cgroup_name_prefix();
        if (entry.is_directory() && name.rfind(ours, 0) == 0) {
            dirs.push_back(entry.path());
        }
    }
    std::sort(dirs.begin(), dirs.end());
    return dirs;
}

std::optional<processkit::Mechanism> forced_mechanism() {
    const char* name = std::getenv("PROCESSKIT_TEST_MECHANISM");
    if (name == nullptr || *name == '\0') {
        return std::nullopt;
    }
    return processkit::parse_mechanism(name);
}

processkit::GroupOptions test_group_options() {
    processkit::GroupOptions o;
    o.require = forced_mechanism();
    return o;
}

LeakCheck::LeakCheck(std::string marker)
    : marker_(std::move(marker)) {
    // The guard's pipe is opened once per process, on first use: open it
    // before the snapshot so it is not mistaken for a leak.
    (void)processkit::os::OwnerGuard::instance();
    fds_ = open_fds();
    if (auto own = processkit::os::own_cgroup_dir()) {
        cgroups_ = processkit_cgroups(*own);
    }
}

void LeakCheck::check(int settle_ms) const {
    // Directories kept for reuse (and their descriptors) are not leaks.
    processkit::ProcessGroup::release_cached_groups();
    EXPECT_TRUE(no_process_with_marker_within(marker_, settle_ms))
        << "processes left with marker " << marker_;
    // Descriptors: the test process must hold exactly what it held before.
    EXPECT_EQ(open_fds(), fds_) << "descriptor leaked";
    if (auto own = processkit::os::own_cgroup_dir()) {
        // Directories are removed asynchronously (by the guard) once empty.
        const auto deadline =
            std::chrono::steady_clock::now() + std::chrono::milliseconds(settle_ms);
        auto now_dirs = processkit_cgroups(*own);
        while (now_dirs.size() > cgroups_.size() && std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
            now_dirs = processkit_cgroups(*own);
        }
        EXPECT_EQ(now_dirs, cgroups_) << "cgroup directory left behind";
    }
}

} // namespace pktest
