// First checks of the Asio reactor: each token kind on a simple run.
#include "../blocking/marked_test.hpp"
#include "processkit/asio/asio.hpp"

#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/experimental/as_tuple.hpp>
#include <asio/experimental/deferred.hpp>
#include <asio/io_context.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/use_future.hpp>
#include <gtest/gtest.h>

namespace pk = processkit;
namespace pka = processkit::asio;

namespace {

class AsioSmoke : public pk::testing::MarkedTest {};

TEST_F(AsioSmoke, CallbackOutputString) {
    ::asio::io_context io;
    std::optional<pk::ProcessResult> got;
    std::error_code code;
    bool inline_completion = true;
    pka::async_output_string(io, sh("echo hello; echo err >&2"),
                             [&](std::error_code ec, pk::ProcessResult r) {
                                 code = ec;
                                 got = std::move(r);
                             });
    inline_completion = got.has_value();
    io.run();
    EXPECT_FALSE(inline_completion);
    ASSERT_TRUE(got);
    EXPECT_FALSE(code) << code.message();
    EXPECT_EQ(got->stdout_text(), "hello\n");
    EXPECT_EQ(got->stderr_text(), "err\n");
    EXPECT_EQ(got->outcome, pk::Outcome::exited(0));
}

TEST_F(AsioSmoke, FutureRun) {
    ::asio::io_context io;
    auto f = pka::async_run(io, sh("echo '  x  '"), ::asio::use_future);
    io.run();
    EXPECT_EQ(f.get(), "  x");
}

TEST_F(AsioSmoke, AwaitableExitCodeAndProcessLines) {
    ::asio::io_context io;
    int code = -1;
    std::vector<std::string> lines;
    ::asio::co_spawn(
        io,
        [&]() -> ::asio::awaitable<void> {
            code = co_await pka::async_exit_code(io, sh("exit 7"), ::asio::use_awaitable);
            pka::Process p(io, sh("printf 'a\\nb\\nc\\n'"));
            for (;;) {
                auto [ec, line] = co_await p.async_read_line(
                    ::asio::experimental::as_tuple(::asio::use_awaitable));
                if (ec) {
                    EXPECT_EQ(ec, ::asio::error::eof);
                    break;
                }
                lines.push_back(line);
            }
            auto r = co_await p.async_wait(::asio::use_awaitable);
            EXPECT_EQ(r.outcome, pk::Outcome::exited(0));
        },
        ::asio::detached);
    io.run();
    EXPECT_EQ(code, 7);
    EXPECT_EQ(lines, (std::vector<std::string>{"a", "b", "c"}));
}

TEST_F(AsioSmoke, DeferredProbe) {
    ::asio::io_context io;
    auto op = pka::async_probe(io, sh("exit 1"), ::asio::experimental::deferred);
    std::optional<bool> answer;
    std::move(op)([&](std::error_code ec, bool b) {
        EXPECT_FALSE(ec);
        answer = b;
    });
    io.run();
    EXPECT_EQ(answer, false);
}

TEST_F(AsioSmoke, DestroyingTheProcessKillsTheTree) {
    ::asio::io_context io;
    {
        pka::Process p(io, sh("sleep 30 & sleep 30; wait"));
        EXPECT_TRUE(pktest::process_with_marker_within(marker, 2000));
    }
    EXPECT_TRUE(pktest::no_process_with_marker_within(marker, 1000));
    io.run();
}

TEST_F(AsioSmoke, NotFoundIsACodeWithTheErrorInTheResult) {
    ::asio::io_context io;
    std::error_code code;
    pk::ProcessResult result;
    pka::async_output_string(io, pk::Command("/no/such/program"),
                             [&](std::error_code ec, pk::ProcessResult r) {
                                 code = ec;
                                 result = std::move(r);
                             });
    io.run();
    EXPECT_EQ(code, pk::ErrorKind::NotFound);
    ASSERT_TRUE(result.error);
    EXPECT_EQ(result.outcome.kind, pk::Outcome::Kind::SpawnFailed);
}

} // namespace
