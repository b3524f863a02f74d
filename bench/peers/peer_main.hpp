// The command line and output shared by the C++ peers: `NAME JOB N`, one
// line `job=... n=... total_ms=... per_op_us=... mechanism=none ok=...`, the
// same as pk-bench's so that bench/compare reads them alike. Exit 1 if the
// job's own check failed, 2 on bad usage.
#pragma once

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <map>
#include <string>

namespace processkit::bench {

struct Outcome {
    bool ok = true;
    std::string note; // one extra `key=value` field, or empty
};

using Jobs = std::map<std::string, std::function<Outcome(long)>>;

inline int peer_usage(const char* name, const Jobs& jobs) {
    std::string list;
    for (const auto& [job, fn] : jobs) {
        list += (list.empty() ? "" : ", ") + job;
    }
    std::fprintf(stderr, "usage: %s JOB N\njobs: %s\n", name, list.c_str());
    return 2;
}

inline int run_peer(const char* name, int argc, char** argv, const Jobs& jobs) {
    if (argc != 3) {
        return peer_usage(name, jobs);
    }
    const std::string job = argv[1];
    char* end = nullptr;
    const long n = std::strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || n <= 0) {
        std::fprintf(stderr, "%s: N must be a positive integer, got '%s'\n", name, argv[2]);
        return 2;
    }
    const auto it = jobs.find(job);
    if (it == jobs.end()) {
        std::fprintf(stderr, "%s: unknown job '%s'\n", name, job.c_str());
        return peer_usage(name, jobs);
    }
    Outcome o;
    const auto start = std::chrono::steady_clock::now();
    try {
        o = it->second(n);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "%s: %s failed: %s\n", name, job.c_str(), e.what());
        return 1;
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    std::printf("job=%s n=%ld total_ms=%.3f per_op_us=%.2f mechanism=none ok=%s%s%s\n", job.c_str(),
                n, ms, ms * 1000.0 / static_cast<double>(n), o.ok ? "true" : "false",
                o.note.empty() ? "" : " ", o.note.c_str());
    return o.ok ? 0 : 1;
}

} // namespace processkit::bench
