// stream_two: two children at once on one io_context, their stdout lines
// printed as they come, prefixed with the child's name, then how each ended.
//
//   $ example_asio_stream_two
//   [fast] line 1
//   [slow] line 1
//   [fast] line 2
//   ...
//   fast: exit 0
//   slow: exit 3
//
// Each child is a processkit::asio::Process (in a container of its own: the
// whole tree dies with the Process object). One coroutine per child pulls
// lines with async_read_line until eof, then collects the result with
// async_wait. Both coroutines run on one thread, so their prints never mix
// within a line; how the two children's lines interleave depends on timing.
//
// Usage: example_asio_stream_two [COMMAND1 COMMAND2]
//   Without arguments: two built-in shell loops at different rates ("fast"
//   and "slow"; slow exits with 3 to show a non-zero status). With two
//   arguments: each is a shell command line run with `sh -c` (named "one"
//   and "two").
// Exit status: 0 once both children ran (whatever their own status), 1 if
// one could not be started, 2 for a bad command line.
#include "processkit/asio/asio.hpp"

#include <asio/co_spawn.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <exception>
#include <iostream>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace pk = processkit;
namespace pka = processkit::asio; // the adapter; plain ::asio is Asio itself

namespace {

constexpr auto use_tuple = ::asio::experimental::as_tuple(::asio::use_awaitable);

struct Child {
    std::string name;
    pka::Process process;
    std::optional<pk::ProcessResult> result; ///< set once the run is over
    std::error_code error;                   ///< a read or wait that failed
};

/// Prints the child's stdout lines as they arrive, then waits for its end.
::asio::awaitable<void> pump(Child& child) {
    for (;;) {
        auto [ec, line] = co_await child.process.async_read_line(use_tuple);
        if (ec == ::asio::error::eof) {
            break; // the run is over and every line has been read
        }
        if (ec) {
            child.error = ec;
            break;
        }
        // std::endl: flush, so the lines show up live even through a pipe.
        std::cout << "[" << child.name << "] " << line << std::endl;
    }
    // The run is over (or nearly): async_wait completes with the result,
    // which also holds stderr and the exit status.
    auto [ec, result] = co_await child.process.async_wait(use_tuple);
    if (ec) {
        child.error = ec; // an Error of the run itself (see result.error)
    }
    child.result = std::move(result);
}

std::string status_of(const Child& child) {
    if (!child.result) {
        return "no result (" + child.error.message() + ")";
    }
    const auto& r = *child.result;
    // status: how the direct child ended ("exit 3", "signal 9"); outcome
    // also covers runs that timed out or were cancelled.
    std::string s = r.status ? r.status->to_string() : r.outcome.to_string();
    if (child.error) {
        s += " (" + child.error.message() + ")";
    }
    return s;
}

} // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
        std::cout << "usage: example_asio_stream_two [COMMAND1 COMMAND2]\n";
        return 0;
    }
    std::vector<std::pair<std::string, std::string>> scripts; // name, sh -c script
    if (args.empty()) {
        scripts = {
            {"fast", "for i in 1 2 3 4 5 6; do echo \"line $i\"; sleep 0.1; done"},
            {"slow", "for i in 1 2 3; do echo \"line $i\"; sleep 0.25; done; exit 3"},
        };
    } else if (args.size() == 2) {
        scripts = {{"one", std::string(args[0])}, {"two", std::string(args[1])}};
    } else {
        std::cerr << "example_asio_stream_two: expected no argument or two commands, got "
                  << args.size() << "\nusage: example_asio_stream_two [COMMAND1 COMMAND2]\n";
        return 2;
    }

    ::asio::io_context io;
    // A list: the coroutines hold references to its elements.
    std::list<Child> children;
    try {
        for (const auto& [name, script] : scripts) {
            // The constructor spawns at once and throws processkit::Error if
            // the child cannot start.
            children.push_back(
                {name, pka::Process(io, pk::Command("sh").args({"-c", script})), {}, {}});
        }
    } catch (const pk::Error& e) {
        std::cerr << "example_asio_stream_two: " << e.what() << '\n';
        return 1; // the children already started die with `children`
    }

    for (auto& child : children) {
        ::asio::co_spawn(io, pump(child), [&child](std::exception_ptr e) {
            if (e) {
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& x) {
                    std::cerr << child.name << ": " << x.what() << '\n';
                }
            }
        });
    }
    io.run(); // returns once both coroutines are done

    for (const auto& child : children) {
        std::cout << child.name << ": " << status_of(child) << '\n';
    }
    return 0;
}
