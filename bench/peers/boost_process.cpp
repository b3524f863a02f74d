// peer-boost-process JOB N — pk-bench's jobs done through Boost.Process v2,
// for bench/compare. Benchmark-only: built only where Boost's headers are
// (scripts/setup --bench), never a dependency of processkit.
//
//   spawn N         N x bp::process(/bin/true) + wait(), stdio inherited
//   capture B       `head -c B /dev/zero` read to the end from an
//                   asio::readable_pipe into a std::string
//   lines N         N lines of 100 bytes (`sh -c 'yes | head'`), each taken
//                   with asio::read_until(pipe, '\n')
//   fanout N        N concurrent `/bin/sleep 0.2`, each started with
//   asio-fanout N   bp::async_execute on one io_context and awaited there
//   idle N          N `/bin/sleep 3600`, each a bp::process with a stdout and
//                   a stderr asio::readable_pipe, held: this process's heap
//                   and resident memory per child (as pk-bench idle)
//
// Each job checks its own result (exit statuses, bytes, lines); the output
// line and exit codes are those of peer_main.hpp.
#include "../raw_jobs.hpp"
#include "peer_main.hpp"

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
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/readable_pipe.hpp>
#include <boost/process/v2/execute.hpp>
#include <boost/process/v2/process.hpp>
#include <boost/process/v2/stdio.hpp>
#pragma GCC diagnostic pop
#include <csignal>
#include <string>
#include <sys/wait.h>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using processkit::bench::Outcome;

Outcome spawn(long n) {
    Outcome o;
    asio::io_context io(1);
    for (long i = 0; i < n; ++i) {
        bp::process child(io, "/bin/true", {});
        o.ok = child.wait() == 0 && o.ok;
    }
    return o;
}

Outcome capture(long bytes) {
    Outcome o;
    asio::io_context io(1);
    asio::readable_pipe out(io);
    bp::process child(io, "/usr/bin/head", {"-c", std::to_string(bytes), "/dev/zero"},
                      bp::process_stdio{{}, out, {}});
    std::string data;
    bp::error_code ec;
    asio::read(out, asio::dynamic_buffer(data), ec); // to the end: ec is eof
    const int status = child.wait();
    o.ok = ec == asio::error::eof && status == 0 && data.size() == static_cast<std::size_t>(bytes);
    return o;
}

Outcome lines(long n) {
    Outcome o;
    asio::io_context io(1);
    asio::readable_pipe out(io);
    bp::process child(io, "/bin/sh", {"-c", processkit::bench::line_stream(n)},
                      bp::process_stdio{{}, out, {}});
    std::string buffer;
    long seen = 0;
    bp::error_code ec;
    for (;;) {
        const std::size_t len = asio::read_until(out, asio::dynamic_buffer(buffer), '\n', ec);
        if (ec) {
            break;
        }
        seen += len == 100 ? 1 : 0; // 99 characters + '\n'
        buffer.erase(0, len);
    }
    const int status = child.wait();
    o.ok = ec == asio::error::eof && buffer.empty() && status == 0 && seen == n;
    return o;
}

Outcome fanout(long n) {
    Outcome o;
    asio::io_context io(1);
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

/// One idle child as a Boost.Process user holds it: the process and the
/// parent's ends of its stdout and stderr pipes.
struct IdleChild {
    asio::readable_pipe out;
    asio::readable_pipe err;
    bp::process child;
    explicit IdleChild(asio::io_context& io)
        : out(io)
        , err(io)
        , child(io, "/bin/sleep", {"3600"}, bp::process_stdio{{}, out, err}) {}
};

Outcome idle(long n) {
    using namespace processkit::bench;
    Outcome o;
    allow_descriptors(n);
    asio::io_context io(1);
    std::vector<IdleChild> held;
    held.reserve(static_cast<std::size_t>(n)); // the caller's vector, as in pk-bench idle
    const MemoryUse before = memory_use();
    for (long i = 0; i < n; ++i) {
        held.emplace_back(io);
    }
    o.note = idle_note(before, memory_use(), n);
    for (auto& h : held) {
        h.child.terminate(); // SIGKILL only
        bp::error_code ec;
        h.child.wait(ec);
        const int status = h.child.native_exit_code();
        o.ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL && o.ok;
    }
    return o;
}

} // namespace

int main(int argc, char** argv) {
    return processkit::bench::run_peer("peer-boost-process", argc, argv,
                                       {
                                           {"spawn", spawn},
                                           {"capture", capture},
                                           {"lines", lines},
                                           {"fanout", fanout},
                                           {"asio-fanout", fanout},
                                           {"idle", idle},
                                       });
}
