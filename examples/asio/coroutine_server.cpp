// coroutine_server: a small TCP service that runs commands from an
// allow-list, written with Asio's C++20 coroutines and processkit::asio.
//
// Protocol, one request per connection: the client sends one line naming a
// command; the server runs it (each run in a container of its own, killed as
// a unit when the run ends or overruns its time limit), replies with a
// status line followed by the command's stdout, and closes the connection:
//
//   $ example_asio_server --port 5555 &
//   $ printf 'echo hello\n' | nc -q1 127.0.0.1 5555
//   status: exit 0
//   hello
//
// The status line is one of
//   status: exit N               the command exited with code N
//   status: signal N             the command was killed by signal N
//   status: timeout after N ms   it overran the limit: the whole tree was stopped
//   error: ...                   refused (not on the allow-list, bad argument),
//                                or the command could not be started
//
// Security: only the allow-list below runs, and the request's words reach the
// program as separate argv entries -- no shell ever sees them, so
// "echo $(reboot)" prints "$(reboot)". Running `sh -c LINE` instead would
// give a shell to anyone who can connect: don't. The server listens on
// 127.0.0.1 only. (A real service would also limit how long a client may
// take to send its line, and how many runs go at once.)
//
// Usage: example_asio_server [--port N] [--timeout-ms N] [--self-test]
//   --port N        port to listen on; 0 (the default) picks a free one
//   --timeout-ms N  time limit of each run (default 2000)
//   --self-test     start the server, send it a few requests at once (one
//                   of them overruns the limit), check the replies, print
//                   them, exit 0 if all are as expected, 1 otherwise
// Exit status 2: bad command line.
#include "processkit/asio/asio.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read.hpp>
#include <asio/read_until.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/this_coro.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <charconv>
#include <csignal>
#include <exception>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace pk = processkit;
namespace pka = processkit::asio; // the adapter; plain ::asio is Asio itself
using ::asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

// Every awaited operation below yields (error_code, value...) instead of
// throwing: a failed client or command is an answer, not an exception.
constexpr auto use_tuple = ::asio::experimental::as_tuple(::asio::use_awaitable);

// --- the allow-list -----------------------------------------------------------

/// What a request line asks for: a command to run, or why it is refused.
struct Request {
    std::optional<pk::Command> command;
    std::string refusal;
};

std::vector<std::string> split_words(std::string_view line) {
    std::vector<std::string> words;
    std::istringstream in{std::string(line)};
    for (std::string w; in >> w;) {
        words.push_back(w);
    }
    return words;
}

std::optional<unsigned> parse_unsigned(std::string_view text, unsigned max) {
    unsigned value = 0;
    const auto* end = text.data() + text.size();
    auto [p, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc{} || p != end || value > max) {
        return std::nullopt;
    }
    return value;
}

/// Maps a request to a command. Nothing here runs a shell.
Request parse_request(std::string_view line) {
    const auto words = split_words(line);
    if (words.empty()) {
        return {std::nullopt, "empty request"};
    }
    const std::string& verb = words[0];
    const std::vector<std::string> rest(words.begin() + 1, words.end());
    if (verb == "date" && rest.empty()) {
        return {pk::Command("date").arg("-u"), {}};
    }
    if (verb == "uname" && rest.empty()) {
        return {pk::Command("uname").arg("-sr"), {}};
    }
    if (verb == "false" && rest.empty()) {
        return {pk::Command("false"), {}};
    }
    if (verb == "echo") {
        return {pk::Command("echo").args(rest), {}}; // each word one argument
    }
    if (verb == "sleep") {
        if (rest.size() != 1 || !parse_unsigned(rest[0], 3600)) {
            return {std::nullopt, "usage: sleep SECONDS (0 to 3600)"};
        }
        return {pk::Command("sleep").arg(rest[0]), {}};
    }
    return {std::nullopt,
            "not allowed: '" + verb + "' (try: date, uname, false, echo WORDS, sleep SECONDS)"};
}

// --- the server -----------------------------------------------------------------

long long to_ms(pk::Duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

/// The reply to a run: the status line, then what the command wrote to stdout.
std::string reply_for(std::error_code ec, const pk::ProcessResult& result, pk::Duration limit) {
    if (ec) {
        // async_output_string reports only an Error of the run itself as a
        // code (not found, ...); the full Error, with its message, is in the
        // result. A non-zero exit or a timeout is not an error code.
        return "error: " + (result.error ? result.error->message() : ec.message()) + "\n";
    }
    std::string status;
    switch (result.outcome.kind) {
    case pk::Outcome::Kind::Exited:
        status = "exit " + std::to_string(result.outcome.value);
        break;
    case pk::Outcome::Kind::Signalled:
        status = "signal " + std::to_string(result.outcome.value);
        break;
    case pk::Outcome::Kind::TimedOut:
        status = "timeout after " + std::to_string(to_ms(limit)) + " ms";
        break;
    default:
        status = result.outcome.to_string();
        break;
    }
    return "status: " + status + "\n" + result.stdout_text();
}

/// One connection: read the request line, run the command, write the reply.
::asio::awaitable<void> serve(tcp::socket socket, pk::Duration limit) {
    std::string request;
    auto [read_error, n] = co_await ::asio::async_read_until(
        socket, ::asio::dynamic_buffer(request, 1024), '\n', use_tuple);
    if (read_error) {
        co_return; // hung up, or a line longer than 1 KiB
    }
    request.resize(n - 1); // up to the '\n'
    if (!request.empty() && request.back() == '\r') {
        request.pop_back();
    }

    std::string reply;
    auto parsed = parse_request(request);
    if (!parsed.command) {
        reply = "error: " + parsed.refusal + "\n";
    } else {
        pk::Command command = std::move(*parsed.command);
        command
            .timeout(limit) // at the limit: SIGTERM to the whole tree...
            .grace(500ms)   // ...and SIGKILL if it is still there 500 ms later
            .buffer_policy(pk::BufferPolicy::keep_oldest_bytes(64 * 1024));
        // The run: spawned at once, completes when the tree is gone. The
        // coroutine is suspended meanwhile; the io_context serves others.
        auto executor = co_await ::asio::this_coro::executor;
        auto [ec, result] = co_await pka::async_output_string(executor, command, use_tuple);
        reply = reply_for(ec, result, limit);
    }
    co_await ::asio::async_write(socket, ::asio::buffer(reply), use_tuple);
    std::error_code ignored;
    socket.shutdown(tcp::socket::shutdown_both, ignored);
}

/// Accepts connections until the acceptor is closed; one coroutine each.
::asio::awaitable<void> listen(tcp::acceptor& acceptor, pk::Duration limit) {
    for (;;) {
        auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
        if (ec == ::asio::error::operation_aborted || !acceptor.is_open()) {
            co_return;
        }
        if (!ec) {
            ::asio::co_spawn(acceptor.get_executor(), serve(std::move(socket), limit),
                             [](std::exception_ptr e) {
                                 if (e) {
                                     try {
                                         std::rethrow_exception(e);
                                     } catch (const std::exception& x) {
                                         std::cerr << "connection failed: " << x.what() << '\n';
                                     }
                                 }
                             });
        }
    }
}

// --- the self-test ----------------------------------------------------------------

/// A client: connects, sends one line, reads the reply until the server closes.
::asio::awaitable<std::string> ask(tcp::endpoint server, std::string request) {
    tcp::socket socket(co_await ::asio::this_coro::executor);
    co_await socket.async_connect(server, ::asio::use_awaitable);
    request += '\n';
    co_await ::asio::async_write(socket, ::asio::buffer(request), ::asio::use_awaitable);
    std::string reply;
    auto [ec, n] = co_await ::asio::async_read(socket, ::asio::dynamic_buffer(reply), use_tuple);
    if (ec && ec != ::asio::error::eof) {
        throw std::system_error(ec, "reading the reply");
    }
    co_return reply;
}

struct Case {
    std::string request;
    std::string status;                ///< the reply's first line starts with this
    std::optional<std::string> output; ///< the rest, exactly (unset: anything non-empty)
    std::string reply;                 ///< what came back
};

bool check(const Case& c) {
    const auto eol = c.reply.find('\n');
    if (eol == std::string::npos) {
        return false;
    }
    const auto first = c.reply.substr(0, eol);
    const auto rest = c.reply.substr(eol + 1);
    return first.starts_with(c.status) && (c.output ? rest == *c.output : !rest.empty());
}

int self_test(::asio::io_context& io, tcp::acceptor& acceptor, pk::Duration limit) {
    std::vector<Case> cases = {
        {"echo hello world", "status: exit 0", "hello world\n", {}},
        {"echo $(reboot) ; *", "status: exit 0", "$(reboot) ; *\n", {}}, // no shell
        {"date", "status: exit 0", std::nullopt, {}},
        {"uname", "status: exit 0", std::nullopt, {}},
        {"false", "status: exit 1", "", {}},
        {"sleep 3600", "status: timeout after", "", {}}, // overruns the limit
        {"rm -rf /", "error: not allowed", "", {}},
        {"sleep forever", "error: usage", "", {}},
    };

    // All clients at once: the server serves them concurrently, so the quick
    // replies do not wait for the one that times out.
    const auto server = acceptor.local_endpoint();
    std::size_t remaining = cases.size();
    bool all_answered = true;
    ::asio::steady_timer watchdog(io, 120s); // a hang guard, not a timing check
    for (auto& c : cases) {
        ::asio::co_spawn(io, ask(server, c.request), [&](std::exception_ptr e, std::string reply) {
            if (e) {
                all_answered = false;
                try {
                    std::rethrow_exception(e);
                } catch (const std::exception& x) {
                    reply = std::string("(client failed: ") + x.what() + ")";
                }
            }
            c.reply = std::move(reply);
            if (--remaining == 0) {
                acceptor.close(); // ends listen(); io.run() then returns
                watchdog.cancel();
            }
        });
    }
    watchdog.async_wait([&](std::error_code ec) {
        if (!ec) {
            std::cout << "self-test: no reply within 120 s\n";
            all_answered = false;
            io.stop();
        }
    });
    io.run();

    int failures = 0;
    for (const auto& c : cases) {
        const bool ok = check(c);
        failures += ok ? 0 : 1;
        std::cout << (ok ? "ok   " : "FAIL ") << "> " << c.request << '\n';
        std::istringstream lines(c.reply);
        for (std::string line; std::getline(lines, line);) {
            std::cout << "       " << line << '\n';
        }
        if (!ok) {
            std::cout << "       expected: '" << c.status << "...'"
                      << (c.output ? ", then '" + *c.output + "'" : std::string(", then output"))
                      << '\n';
        }
    }
    const bool passed = failures == 0 && all_answered;
    std::cout << "self-test " << (passed ? "passed" : "FAILED") << ": "
              << cases.size() - static_cast<std::size_t>(failures) << "/" << cases.size()
              << " replies as expected (time limit " << to_ms(limit) << " ms)\n";
    return passed ? 0 : 1;
}

// --- main -------------------------------------------------------------------------

struct Options {
    unsigned port = 0;
    pk::Duration limit = 2s;
    bool self_test = false;
};

constexpr std::string_view usage =
    "usage: example_asio_server [--port N] [--timeout-ms N] [--self-test]\n";

/// The options, or an error message.
std::optional<Options> parse_options(int argc, char** argv, std::string& error) {
    Options o;
    const std::vector<std::string_view> args(argv + 1, argv + argc);
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string arg(args[i]);
        if (arg == "--self-test") {
            o.self_test = true;
            continue;
        }
        if (arg != "--port" && arg != "--timeout-ms") {
            error = "unknown option: " + arg;
            return std::nullopt;
        }
        if (i + 1 >= args.size()) {
            error = arg + " needs a value";
            return std::nullopt;
        }
        const std::string_view value = args[++i];
        if (arg == "--port") {
            const auto port = parse_unsigned(value, 65535);
            if (!port) {
                error = "--port: not a port number: '" + std::string(value) + "'";
                return std::nullopt;
            }
            o.port = *port;
        } else {
            const auto ms = parse_unsigned(value, 24 * 3600 * 1000);
            if (!ms || *ms == 0) {
                error = "--timeout-ms: not a positive number: '" + std::string(value) + "'";
                return std::nullopt;
            }
            o.limit = std::chrono::milliseconds(*ms);
        }
    }
    return o;
}

} // namespace

int main(int argc, char** argv) {
    if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
        std::cout << usage;
        return 0;
    }
    std::string error;
    const auto options = parse_options(argc, argv, error);
    if (!options) {
        std::cerr << "example_asio_server: " << error << '\n' << usage;
        return 2;
    }

    try {
        ::asio::io_context io;
        tcp::acceptor acceptor(io, tcp::endpoint(::asio::ip::address_v4::loopback(),
                                                 static_cast<unsigned short>(options->port)));
        ::asio::co_spawn(io, listen(acceptor, options->limit), ::asio::detached);
        std::cout << "listening on 127.0.0.1:" << acceptor.local_endpoint().port() << std::endl;

        if (options->self_test) {
            return self_test(io, acceptor, options->limit);
        }
        // Serve until SIGINT or SIGTERM. Stopping the io_context and
        // destroying it destroys the runs still going, which kills their trees.
        ::asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](std::error_code, int) { io.stop(); });
        io.run();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "example_asio_server: " << e.what() << '\n';
        return 1;
    }
}
