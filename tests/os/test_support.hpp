#pragma once
// Helpers for OS tests with real processes: unique markers to find every
// process a test started (children inherit PK_TEST_MARKER in their
// environment, and the marker may also appear in argv), and leak checks for
// processes, descriptors and cgroup directories.

#include "processkit/os/process_group.hpp"

#include <optional>
#include <set>
#include <string>
#include <sys/types.h>
#include <vector>

namespace pktest {

/// A string unique to this test run, e.g. "pkmark-1234-7-9f3a".
std::string unique_marker();
/// Adds PK_TEST_MARKER=<marker> to the command's environment.
processkit::Command& mark(processkit::Command& c, const std::string& marker);
inline processkit::Command mark(processkit::Command&& c, const std::string& marker) {
    return std::move(mark(c, marker));
}
/// Live (non-zombie) processes whose environment or argv contains the marker.
std::vector<pid_t> processes_with_marker(const std::string& marker);
/// Waits (polling /proc, at most `timeout_ms`) until one shows up (a process
/// between fork and exec may briefly show no environment).
bool process_with_marker_within(const std::string& marker, int timeout_ms);
/// Waits (polling /proc, at most `timeout_ms`) until none is left.
bool no_process_with_marker_within(const std::string& marker, int timeout_ms);

/// The descriptors this process has open (from /proc/self/fd).
std::set<int> open_fds();
/// This process's directories (own_cgroup_name_prefix()) under a cgroup directory.
std::vector<std::string> processkit_cgroups(const std::string& parent);

/// The mechanism the suite runs under: PROCESSKIT_TEST_MECHANISM
/// ("process_group" forces the fallback), else the host's strongest.
std::optional<processkit::Mechanism> forced_mechanism();
processkit::GroupOptions test_group_options();

/// Snapshot at construction; check() fails the test (gtest ADD_FAILURE) if a
/// process with the marker is still alive, a descriptor was leaked, or a new
/// processkit cgroup directory is left in our own cgroup.
class LeakCheck {
public:
    explicit LeakCheck(std::string marker);
    void check(int settle_ms = 2000) const;

private:
    std::string marker_;
    std::set<int> fds_;
    std::vector<std::string> cgroups_;
};

} // namespace pktest
