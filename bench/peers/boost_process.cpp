// peer-boost-process JOB N — pk-bench's jobs done through Boost.Process v2,
// for bench/compare. Benchmark-only: built only where Boost's headers are
// (scripts/setup --bench), never a dependency of processkit.
//
//   asio-fanout N   N concurrent `sleep 0.2`, each started with
//                   boost::process::v2::async_execute on one
//                   boost::asio::io_context and awaited there
//
// Same stdio as pk-bench's fanout jobs (inherited: Boost's default), same
// verification (every child exited 0) and the same one-line output:
// `job=... n=... total_ms=... per_op_us=... mechanism=none ok=...`.
// Exits 1 if any child did not exit as expected, 2 on bad usage.
#include <algorithm>
// Boost's headers are SYSTEM, but GCC 12 finds -Wnull-dereference after
// inlining, inside Boost.Asio's scheduler, where SYSTEM does not reach: the
// warning is off for these headers only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wnull-dereference"
// Boost 1.81's Boost.Process v2 with BOOST_PROCESS_USE_STD_FS (which spares
// linking Boost.Filesystem) misses two includes of its own: give them first.
// clang-format off
#include <boost/optional.hpp>
#include <type_traits>
// clang-format on
#include <boost/asio/io_context.hpp>
#include <boost/process/v2/execute.hpp>
#include <boost/process/v2/process.hpp>
#pragma GCC diagnostic pop
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

namespace {

namespace bp = boost::process::v2;
using Clock = std::chrono::steady_clock;

struct Outcome {
    bool ok = true;
    std::string note;
};

Outcome asio_fanout(long n) {
    Outcome o;
    boost::asio::io_context io(1);
    long succeeded = 0;
    long completed = 0;
    for (long i = 0; i < n; ++i) {
        // Boost's default launcher: fork + execve, a pipe for exec errors,
        // pidfd_open for the wait.
        bp::process child(io, "/bin/sleep", {"0.2"});
        bp::async_execute(std::move(child), [&](bp::error_code ec, int exit_code) {
            ++completed;
            if (!ec && exit_code == 0) {
                ++succeeded;
            } else if (o.note.empty()) {
                o.note = "first_failure=" + (ec ? ec.message() : std::to_string(exit_code));
                std::replace(o.note.begin(), o.note.end(), ' ', '_'); // one field
            }
        });
    }
    io.run();
    o.ok = completed == n && succeeded == n;
    return o;
}

int usage() {
    std::fprintf(stderr, "usage: peer-boost-process JOB N\njobs: asio-fanout\n");
    return 2;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        return usage();
    }
    const std::string job = argv[1];
    char* end = nullptr;
    const long n = std::strtol(argv[2], &end, 10);
    if (end == argv[2] || *end != '\0' || n <= 0) {
        std::fprintf(stderr, "peer-boost-process: N must be a positive integer, got '%s'\n",
                     argv[2]);
        return 2;
    }
    if (job != "asio-fanout") {
        std::fprintf(stderr, "peer-boost-process: unknown job '%s'\n", job.c_str());
        return usage();
    }
    Outcome o;
    const auto start = Clock::now();
    try {
        o = asio_fanout(n);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "peer-boost-process: %s failed: %s\n", job.c_str(), e.what());
        return 1;
    }
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::printf("job=%s n=%ld total_ms=%.3f per_op_us=%.2f mechanism=none ok=%s%s%s\n", job.c_str(),
                n, ms, ms * 1000.0 / static_cast<double>(n), o.ok ? "true" : "false",
                o.note.empty() ? "" : " ", o.note.c_str());
    return o.ok ? 0 : 1;
}
