// A small job service with processkit::asio and C++20 coroutines: jobs
// arrive over time, each runs concurrently in a coroutine of its own with a
// time limit, and the service logs each one as it completes.
// Walked through in docs/getting-started/asio.md.
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <chrono>
#include <iostream>
#include <processkit/asio/asio.hpp>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace pk = processkit;
namespace pka = processkit::asio; // processkit's adapter; ::asio is Asio itself
using namespace std::chrono_literals;

namespace {

// co_await yields (error_code, value) instead of throwing.
constexpr auto use_tuple = ::asio::experimental::as_tuple(::asio::use_awaitable);

struct Job {
    std::string name;
    pk::Command command;
    std::chrono::milliseconds arrives_after; // since the previous job
};

struct Tally {
    int ok = 0;
    int failed = 0;
};

// One job: runs the command and logs how it went. Many of these run at once
// on the one thread that runs the io_context.
::asio::awaitable<void> handle(Job job, Tally& tally) {
    const auto executor = co_await ::asio::this_coro::executor;
    // async_run completes with stdout (trailing whitespace trimmed) or with
    // the error code of what went wrong; the child runs in a container of its
    // own, killed as a unit when the run ends or overruns its timeout.
    auto [ec, output] = co_await pka::async_run(executor, job.command, use_tuple);
    if (!ec) {
        ++tally.ok;
        std::cout << "[" << job.name << "] ok: " << output << std::endl;
        co_return;
    }
    ++tally.failed;
    if (ec == pk::ErrorKind::Timeout) {
        std::cout << "[" << job.name << "] timed out: its whole tree was stopped" << std::endl;
    } else if (ec == pk::ErrorKind::NonZeroExit) {
        std::cout << "[" << job.name << "] failed: the command exited with an error" << std::endl;
    } else {
        std::cout << "[" << job.name << "] could not run: " << ec.message() << std::endl;
    }
}

// The service loop: accepts each job as it arrives (a timer stands in for a
// socket or a queue) and hands it to a coroutine of its own, without waiting
// for the jobs already running.
::asio::awaitable<void> serve(std::vector<Job> jobs, Tally& tally) {
    const auto executor = co_await ::asio::this_coro::executor;
    ::asio::steady_timer next_arrival(executor);
    for (Job& job : jobs) {
        next_arrival.expires_after(job.arrives_after);
        co_await next_arrival.async_wait(::asio::use_awaitable);
        std::cout << "[" << job.name << "] accepted: " << job.command.command_line() << std::endl;
        ::asio::co_spawn(executor, handle(std::move(job), tally), ::asio::detached);
    }
}

} // namespace

int main() {
    std::vector<Job> jobs = {
        {"thumbnail", pk::Command("sh").args({"-c", "sleep 0.3; echo thumb-42.png"}).timeout(5s),
         0ms},
        {"checksum", pk::Command("sh").args({"-c", "echo 9f86d081"}).timeout(5s), 50ms},
        {"report", pk::Command("sh").args({"-c", "echo 'no data' >&2; exit 2"}).timeout(5s), 50ms},
        {"stuck", pk::Command("sleep").arg("600").timeout(400ms).grace(100ms), 0ms},
        {"upload", pk::Command("no-such-upload-tool"), 0ms},
    };

    ::asio::io_context io;
    Tally tally;
    const auto began = std::chrono::steady_clock::now();
    ::asio::co_spawn(io, serve(std::move(jobs), tally), ::asio::detached);
    io.run(); // returns once every job has completed and nothing is left to do

    const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began);
    std::cout << tally.ok << " ok, " << tally.failed << " failed, in " << took.count() << " ms"
              << std::endl;
    return tally.failed == 0 ? 0 : 1;
}
