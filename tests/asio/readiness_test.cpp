// Process::async_wait_ready (R6): line, port and custom probes, NotReady at
// the deadline or when the child exits first, cancellation as a pure wait,
// and a completion token other than a callback.
#include "asio_test_support.hpp"

#include <arpa/inet.h>
#include <asio/error.hpp>
#include <asio/post.hpp>
#include <asio/use_future.hpp>
#include <future>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace pkat {
namespace {

using Readiness = pk::Readiness;

class AsioReadiness : public AsioTest {
protected:
    template <class T>
    static void finish(::asio::io_context& io, Got<T>& g) {
        ASSERT_TRUE(run_until(
            io, [&] { return g.done; }, sanity_bound));
    }
};

/// A loopback port that was free a moment ago (bound to port 0, then closed).
std::uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = 0;
    socklen_t len = sizeof addr;
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len), 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

TEST_F(AsioReadiness, LineProbeIsReadyAndLeavesTheLinesToRead) {
    ::asio::io_context io;
    pka::Process p(io, sh("echo one; echo READY; echo two; sleep 30"));
    Got<void> ready;
    p.async_wait_ready(Readiness::line_containing("READY"), sanity_bound, record(ready));
    finish(io, ready);
    EXPECT_FALSE(ready.ec) << ready.ec.message();
    for (const char* expected : {"one", "READY", "two"}) {
        Got<std::string> line;
        p.async_read_line(record(line));
        finish(io, line);
        EXPECT_FALSE(line.ec) << line.ec.message();
        EXPECT_EQ(line.value, expected);
    }
}

TEST_F(AsioReadiness, PortProbeIsReadyOnceAServerListens) {
    const auto port = free_port();
    ::asio::io_context io;
    pka::Process p(io, sh("sleep 0.3; exec python3 -c 'import socket,time\n"
                          "s=socket.socket()\n"
                          "s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1)\n"
                          "s.bind((\"127.0.0.1\"," +
                          std::to_string(port) +
                          "))\n"
                          "s.listen()\n"
                          "time.sleep(30)'"));
    Got<void> ready;
    p.async_wait_ready(Readiness::port(port).poll_every(10ms), sanity_bound, record(ready));
    finish(io, ready);
    EXPECT_FALSE(ready.ec) << ready.ec.message();
    EXPECT_TRUE(alive_soon());
}

TEST_F(AsioReadiness, PortNobodyOpensIsNotReadyAtTheDeadlineAndTheChildRunsOn) {
    const auto port = free_port();
    ::asio::io_context io;
    pka::Process p(io, sh("sleep 30"));
    Got<void> ready;
    const auto start = pk::Clock::now();
    p.async_wait_ready(Readiness::port(port).poll_every(10ms), 300ms, record(ready));
    finish(io, ready);
    EXPECT_EQ(ready.ec, pk::ErrorKind::NotReady);
    EXPECT_GE(pk::Clock::now() - start, 300ms); // not before the deadline
    EXPECT_TRUE(alive_soon());
}

TEST_F(AsioReadiness, ChildExitingFirstIsNotReadyBeforeTheDeadline) {
    ::asio::io_context io;
    pka::Process port_waiter(io, sh("exit 3"));
    pka::Process line_waiter(io, sh("echo nope; exit 1"));
    Got<void> port_ready;
    Got<void> line_ready;
    const auto start = pk::Clock::now();
    port_waiter.async_wait_ready(Readiness::port(free_port()), 10s, record(port_ready));
    line_waiter.async_wait_ready(Readiness::line_containing("READY"), 10s, record(line_ready));
    finish(io, port_ready);
    finish(io, line_ready);
    EXPECT_EQ(port_ready.ec, pk::ErrorKind::NotReady);
    EXPECT_EQ(line_ready.ec, pk::ErrorKind::NotReady);
    EXPECT_LT(pk::Clock::now() - start, 9s); // the exit decided, not the deadline
    // The lines are still there to read.
    Got<std::string> line;
    line_waiter.async_read_line(record(line));
    finish(io, line);
    EXPECT_EQ(line.value, "nope");
}

TEST_F(AsioReadiness, CustomCheckIsReadyOnceItPasses) {
    ::asio::io_context io;
    pka::Process p(io, sh("sleep 30"));
    int calls = 0; // the check runs on the run's strand: one thread here
    Got<void> ready;
    p.async_wait_ready(Readiness::check([&] { return ++calls >= 3; }).poll_every(5ms), sanity_bound,
                       record(ready));
    finish(io, ready);
    EXPECT_FALSE(ready.ec) << ready.ec.message();
    EXPECT_EQ(calls, 3);
    EXPECT_TRUE(alive_soon());
}

TEST_F(AsioReadiness, ThrowingCheckIsNotReady) {
    ::asio::io_context io;
    pka::Process p(io, sh("sleep 30"));
    Got<void> ready;
    p.async_wait_ready(Readiness::check([]() -> bool { throw std::runtime_error("boom"); }),
                       sanity_bound, record(ready));
    finish(io, ready);
    EXPECT_EQ(ready.ec, pk::ErrorKind::NotReady);
}

TEST_F(AsioReadiness, LineProbeNeedsTheLineReader) {
    ::asio::io_context io;
    pk::StartOptions options;
    options.line_reader = false;
    pka::Process p(io, sh("sleep 30"), options);
    Got<void> ready;
    p.async_wait_ready(Readiness::line_containing("x"), sanity_bound, record(ready));
    EXPECT_FALSE(ready.done); // never inside the initiating call
    finish(io, ready);
    EXPECT_EQ(ready.ec, pka::errc::not_enabled);
}

TEST_F(AsioReadiness, EveryCancellationTypeAbortsTheWaitAndTheChildRunsOn) {
    for (auto type : {::asio::cancellation_type::terminal, ::asio::cancellation_type::partial,
                      ::asio::cancellation_type::total}) {
        SCOPED_TRACE(type_name(type));
        ::asio::io_context io;
        pka::Process p(io, sh("sleep 30"));
        ::asio::cancellation_signal signal;
        Got<void> ready;
        p.async_wait_ready(Readiness::line_containing("never"), sanity_bound,
                           ::asio::bind_cancellation_slot(signal.slot(), record(ready)));
        ::asio::post(io, [&] { signal.emit(type); });
        finish(io, ready);
        EXPECT_EQ(ready.ec, ::asio::error::operation_aborted);
        EXPECT_TRUE(alive_soon());
    }
}

TEST_F(AsioReadiness, UseFuture) {
    ::asio::io_context io;
    pka::Process p(io, sh("echo READY; sleep 30"));
    auto ready =
        p.async_wait_ready(Readiness::line_containing("READY"), sanity_bound, ::asio::use_future);
    // The future is set on a system executor thread, shortly after the run's
    // handler posted it.
    ASSERT_TRUE(run_until(
        io, [&] { return ready.wait_for(std::chrono::seconds(0)) == std::future_status::ready; },
        sanity_bound));
    EXPECT_NO_THROW(ready.get());
}

} // namespace
} // namespace pkat
