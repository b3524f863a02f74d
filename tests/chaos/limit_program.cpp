// chaos_limit_program MARKER — the library under a low RLIMIT_NOFILE
// (chaos_emfile.py runs it).
//
// 1. Steps the descriptor limit up from this process's baseline (what it
//    holds with a ProcessGroup that has spawned twice and the guard
//    started) and runs a short capture at each limit: every run must either
//    succeed or report a typed error naming EMFILE, never crash or hang, and
//    the process must hold its baseline descriptors again afterwards.
// 2. Spawns `sleep 300` into one group under a limit until a spawn fails
//    with EMFILE; then kills the group and checks that every descriptor is
//    back and the group is empty.
//
// Prints one line per step; exits 0 if all held, 1 otherwise. Every child
// carries MARKER in its environment so the script can look for leftovers.
#include "processkit/processkit.hpp"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <string>
#include <sys/resource.h>
#include <thread>
#include <vector>

namespace {

using processkit::Command;
using processkit::Error;
using processkit::ErrorKind;
using processkit::ProcessGroup;

int open_descriptors() {
    int count = 0;
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) {
        return -1;
    }
    while (const dirent* e = ::readdir(dir)) {
        count += e->d_name[0] != '.' ? 1 : 0;
    }
    ::closedir(dir);
    return count - 1; // the listing's own descriptor
}

void set_nofile(rlim_t soft, rlim_t hard) {
    const rlimit limit{soft, hard};
    if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) {
        std::perror("setrlimit");
        std::exit(2);
    }
}

/// A typed error that says what happened: EMFILE named in the message.
bool names_emfile(const Error& e) {
    const bool kind_ok = e.kind() == ErrorKind::Io || e.kind() == ErrorKind::SpawnFailed ||
                         e.kind() == ErrorKind::ResourceLimit;
    return kind_ok && std::strstr(e.what(), std::strerror(EMFILE)) != nullptr;
}

/// Descriptors may be closed by a reactor thread just after a run returns:
/// poll briefly for the baseline. A cached group directory holds its
/// cgroup.events open: release the cache first.
bool back_to(int baseline) {
    for (int i = 0; i < 100; ++i) {
        ProcessGroup::release_cached_groups();
        if (open_descriptors() == baseline) {
            return true;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return false;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: chaos_limit_program MARKER\n");
        return 2;
    }
    const std::string marker = argv[1];
    rlimit original{};
    ::getrlimit(RLIMIT_NOFILE, &original);
    bool ok = true;

    ProcessGroup group;
    Command warmup("true");
    warmup.env("CHAOS_MARKER", marker);
    // The first run starts the guard; from its second spawn on a group holds
    // its directory open (one descriptor, for its life): both are part of
    // the baseline.
    processkit::output_string(group, warmup);
    processkit::output_string(group, warmup);
    const int baseline = open_descriptors();
    std::printf("mechanism=%s baseline_fds=%d\n",
                std::string(processkit::to_string(group.mechanism())).c_str(), baseline);

    // 1. A short capture at every limit from the baseline up to success (and
    // a little beyond, to see it stays successful).
    Command echo("sh");
    echo.arg("-c").arg("echo ok").env("CHAOS_MARKER", marker);
    int first_success = -1;
    for (int extra = 0; extra <= 16 && (first_success < 0 || extra <= first_success + 2); ++extra) {
        const auto limit = static_cast<rlim_t>(baseline + extra);
        std::string what;
        bool step_ok = true;
        set_nofile(limit, original.rlim_max);
        try {
            const auto r = processkit::output_string(echo);
            set_nofile(original.rlim_cur, original.rlim_max);
            if (r.success() && r.stdout_text() == "ok\n") {
                what = "ok";
                if (first_success < 0) {
                    first_success = extra;
                }
            } else if (r.error) {
                what = "result.error kind=" + std::string(processkit::to_string(r.error->kind())) +
                       " | " + r.error->what();
                step_ok = names_emfile(*r.error);
            } else {
                what = "unexpected outcome " + r.outcome.to_string();
                step_ok = false;
            }
        } catch (const Error& e) {
            set_nofile(original.rlim_cur, original.rlim_max);
            what = "threw kind=" + std::string(processkit::to_string(e.kind())) + " | " + e.what();
            step_ok = names_emfile(e);
        } catch (const std::exception& e) {
            set_nofile(original.rlim_cur, original.rlim_max);
            what = std::string("threw a non-processkit exception: ") + e.what();
            step_ok = false;
        }
        if (!back_to(baseline)) {
            what += " [descriptors " + std::to_string(open_descriptors()) + " != baseline]";
            step_ok = false;
        }
        std::printf("capture limit=%d (baseline+%d): %s%s\n", static_cast<int>(limit), extra,
                    what.c_str(), step_ok ? "" : "  <-- FAIL");
        ok = ok && step_ok;
    }
    if (first_success < 0) {
        std::printf("capture: no limit up to baseline+16 let a run succeed  <-- FAIL\n");
        ok = false;
    }

    // 2. Spawn into one group until the limit stops it.
    {
        Command sleeper("sleep");
        sleeper.arg("300").env("CHAOS_MARKER", marker);
        std::vector<processkit::os::SpawnedProcess> running;
        std::string what = "no failure within 64 spawns";
        bool step_ok = false;
        set_nofile(static_cast<rlim_t>(baseline + 24), original.rlim_max);
        try {
            for (int i = 0; i < 64; ++i) {
                running.push_back(group.spawn(sleeper));
            }
        } catch (const Error& e) {
            what = "threw kind=" + std::string(processkit::to_string(e.kind())) + " | " + e.what();
            step_ok = names_emfile(e);
        } catch (const std::exception& e) {
            what = std::string("threw a non-processkit exception: ") + e.what();
        }
        set_nofile(original.rlim_cur, original.rlim_max);
        const auto spawned = running.size();
        group.kill_all();
        for (auto& p : running) {
            p.child.wait();
        }
        running.clear();
        bool empty = false;
        for (int i = 0; i < 200 && !(empty = group.empty()); ++i) {
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
        }
        if (!empty) {
            what += " [group not empty after kill_all]";
            step_ok = false;
        }
        if (!back_to(baseline)) {
            what += " [descriptors " + std::to_string(open_descriptors()) + " != baseline]";
            step_ok = false;
        }
        std::printf("spawn-until-EMFILE limit=%d: %zu spawned, then %s%s\n", baseline + 24, spawned,
                    what.c_str(), step_ok ? "" : "  <-- FAIL");
        ok = ok && step_ok;
    }
    std::printf("%s\n", ok ? "limit_program: ok" : "limit_program: FAILED");
    return ok ? 0 : 1;
}
