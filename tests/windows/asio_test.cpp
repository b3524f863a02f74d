// The Asio adapter on Windows: object_handle waits on the pipes' ready
// events and the process handles, with real children under Wine.
#include "processkit/asio/operations.hpp"
#include "processkit/asio/process.hpp"
#include "test_support.hpp"

#include <asio/bind_cancellation_slot.hpp>
#include <asio/cancellation_signal.hpp>
#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

namespace processkit {
namespace {

using test::child;
namespace pka = processkit::asio;

TEST(WindowsAsio, OutputStringWithACallback) {
    ::asio::io_context io;
    std::optional<ProcessResult> got;
    std::error_code code;
    pka::async_output_string(io, child({"write", "2000000", "both"}),
                             [&](std::error_code ec, ProcessResult r) {
                                 code = ec;
                                 got = std::move(r);
                             });
    EXPECT_FALSE(got.has_value()) << "completes through the io_context, not inline";
    io.run();
    ASSERT_TRUE(got.has_value());
    EXPECT_FALSE(code) << code.message();
    EXPECT_EQ(got->stdout_text().size(), 2000000U);
    EXPECT_EQ(got->stderr_text().size(), 2000000U);
    EXPECT_EQ(got->status, ExitStatus::exited(0));
}

TEST(WindowsAsio, ManyRunsOnOneContextWithFutures) {
    ::asio::io_context io;
    std::vector<std::future<int>> codes;
    for (int i = 0; i < 16; ++i) {
        codes.push_back(
            pka::async_exit_code(io, child({"exit", std::to_string(i)}), ::asio::use_future));
    }
    io.run();
    for (int i = 0; i < 16; ++i) {
        EXPECT_EQ(codes[static_cast<std::size_t>(i)].get(), i);
    }
}

TEST(WindowsAsio, ProcessLinesStdinAndResult) {
    ::asio::io_context io;
    auto c = child({"cat"});
    c.stdin_interactive();
    pka::Process p(io, c);
    EXPECT_GT(p.pid(), 0);
    std::vector<std::string> lines;
    std::optional<ProcessResult> result;
    std::function<void()> read_next = [&] {
        p.async_read_line([&](std::error_code ec, std::string line) {
            if (!ec) {
                lines.push_back(std::move(line));
                read_next();
            }
        });
    };
    read_next();
    p.async_write("one\ntwo\n", [&](std::error_code ec, std::size_t) {
        EXPECT_FALSE(ec) << ec.message();
        p.async_close_stdin([](std::error_code) {});
    });
    p.async_wait([&](std::error_code ec, ProcessResult r) {
        EXPECT_FALSE(ec) << ec.message();
        result = std::move(r);
    });
    io.run();
    EXPECT_EQ(lines, (std::vector<std::string>{"one", "two"}));
    ASSERT_TRUE(result.has_value());
    EXPECT_EQ(result->status, ExitStatus::exited(0));
}

TEST(WindowsAsio, TimeoutKillsTheTree) {
    ::asio::io_context io;
    auto c = child({"grandchild", "600000"});
    c.timeout(std::chrono::milliseconds(300)).grace(std::chrono::milliseconds(100));
    std::optional<ProcessResult> got;
    pka::async_output_string(io, c, [&](std::error_code, ProcessResult r) { got = std::move(r); });
    io.run();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(got->outcome.kind, Outcome::Kind::TimedOut);
    const std::string line = got->stdout_text();
    ASSERT_EQ(line.rfind("grandchild ", 0), 0U) << line;
    EXPECT_TRUE(test::ended(std::stoi(line.substr(11)), 5000));
}

TEST(WindowsAsio, PerOperationCancellationStopsTheRun) {
    ::asio::io_context io;
    ::asio::cancellation_signal cancel;
    std::error_code code;
    std::optional<ProcessResult> got;
    pka::async_output_string(
        io, child({"sleep", "600000"}),
        ::asio::bind_cancellation_slot(cancel.slot(), [&](std::error_code ec, ProcessResult r) {
            code = ec;
            got = std::move(r);
        }));
    ::asio::steady_timer timer(io, std::chrono::milliseconds(200));
    timer.async_wait([&](std::error_code) { cancel.emit(::asio::cancellation_type::terminal); });
    io.run();
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(code, ::asio::error::operation_aborted);
}

TEST(WindowsAsio, SpawnFailureIsAnErrorCode) {
    ::asio::io_context io;
    std::error_code code;
    pka::async_output_string(io, Command("pk-no-such-program"),
                             [&](std::error_code ec, ProcessResult) { code = ec; });
    io.run();
    EXPECT_TRUE(code);
    EXPECT_EQ(code, make_error_code(ErrorKind::NotFound)) << code.message();
}

} // namespace
} // namespace processkit
