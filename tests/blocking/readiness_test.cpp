// Readiness probes (R6) and error messages (E1) with real processes: a Python server on a real
// port, line probes on sh, custom checks. No assertion is about speed: the only time bounds are
// "did not return before the deadline" and "did not wait for the whole 10 s deadline".
#include "marked_test.hpp"
#include "processkit/blocking/readiness.hpp"
#include "processkit/core/debug_format.hpp"
#include "processkit/os/unique_fd.hpp"
#include "processkit/processkit.hpp"
#include "test_support.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

namespace processkit {
namespace {

using namespace std::chrono_literals;

class ReadinessProbe : public testing::MarkedTest {};
class ErrorMessages : public testing::MarkedTest {};

bool contains(std::string_view haystack, std::string_view needle) {
    return haystack.find(needle) != std::string_view::npos;
}

bool ends_with(std::string_view s, std::string_view tail) {
    return s.size() >= tail.size() && s.substr(s.size() - tail.size()) == tail;
}

/// A loopback port that was free a moment ago (bound to port 0, then released).
std::uint16_t free_port() {
    os::UniqueFd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
    EXPECT_TRUE(fd);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
    socklen_t len = sizeof sa;
    EXPECT_EQ(::getsockname(fd.get(), reinterpret_cast<sockaddr*>(&sa), &len), 0);
    return ntohs(sa.sin_port);
}

/// Sleeps 0.3 s, then listens on 127.0.0.1:port and says when it accepted.
Command python_server(std::uint16_t port, const std::string& marker) {
    Command c("python3");
    c.arg("-c").arg("import socket, time\n"
                    "time.sleep(0.3)\n"
                    "s = socket.socket()\n"
                    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
                    "s.bind(('127.0.0.1', " +
                    std::to_string(port) +
                    "))\n"
                    "s.listen()\n"
                    "c, _ = s.accept()\n"
                    "print('accepted', flush=True)\n"
                    "time.sleep(30)\n");
    return pktest::mark(c, marker);
}

Error wait_not_ready(RunningProcess& p, const Readiness& probe, Duration deadline) {
    try {
        p.wait_ready(probe, deadline);
    } catch (const Error& e) {
        return e;
    }
    ADD_FAILURE() << "wait_ready did not throw";
    return Error(ErrorKind::Io, {}, "no error");
}

/// A socket listening on a loopback port chosen by the kernel.
os::UniqueFd listening_socket(int family, std::uint16_t& port) {
    os::UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
    if (!fd) {
        return fd;
    }
    sockaddr_storage storage{};
    socklen_t len = 0;
    if (family == AF_INET) {
        auto* sa = reinterpret_cast<sockaddr_in*>(&storage);
        sa->sin_family = AF_INET;
        sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        len = sizeof(sockaddr_in);
    } else {
        auto* sa = reinterpret_cast<sockaddr_in6*>(&storage);
        sa->sin6_family = AF_INET6;
        sa->sin6_addr = in6addr_loopback;
        len = sizeof(sockaddr_in6);
    }
    auto* addr = reinterpret_cast<sockaddr*>(&storage);
    if (::bind(fd.get(), addr, len) != 0 || ::listen(fd.get(), 4) != 0 ||
        ::getsockname(fd.get(), addr, &len) != 0) {
        return os::UniqueFd();
    }
    port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&storage)->sin_port
                                   : reinterpret_cast<sockaddr_in6*>(&storage)->sin6_port);
    return fd;
}

TEST(TcpProbe, AcceptsOnlyWhileSomeoneListens) {
    std::uint16_t port = 0;
    {
        auto server = listening_socket(AF_INET, port);
        ASSERT_TRUE(server);
        EXPECT_TRUE(os::tcp_port_accepts(port, os::LoopbackAddress::V4, 1s));
    }
    EXPECT_FALSE(os::tcp_port_accepts(port, os::LoopbackAddress::V4, 1s));

    std::uint16_t port6 = 0;
    if (auto server6 = listening_socket(AF_INET6, port6)) {
        EXPECT_TRUE(os::tcp_port_accepts(port6, os::LoopbackAddress::V6, 1s));
        EXPECT_FALSE(os::tcp_port_accepts(port6, os::LoopbackAddress::V4, 1s))
            << "an IPv6-only listener is not reached on 127.0.0.1";
    } else {
        GTEST_LOG_(INFO) << "no IPv6 loopback here: the ::1 case is skipped";
    }
}

TEST_F(ReadinessProbe, PortReadyWithinTheDeadline) {
    const auto port = free_port();
    auto p = start(python_server(port, marker));
    p.wait_ready(Readiness::port(port), 10s);
    EXPECT_FALSE(p.finished());
    // The probe really connected to the child's socket.
    EXPECT_EQ(p.next_line(), std::optional<std::string>("accepted"));
    p.kill();
    p.wait();
}

TEST_F(ReadinessProbe, PortNobodyOpensFailsAtTheDeadlineAndTheChildLives) {
    const auto port = free_port();
    auto p = start(sh("echo 'warming up' >&2; sleep 30"));
    const auto begin = Clock::now();
    const Error e = wait_not_ready(p, Readiness::port(port), 1s);
    EXPECT_GE(Clock::now() - begin, 1s) << "returned before the deadline";
    EXPECT_EQ(e.kind(), ErrorKind::NotReady);
    EXPECT_EQ(e.program(), "sh");
    EXPECT_EQ(e.message(), "'sh': not ready: port " + std::to_string(port) +
                               " did not accept a connection within 1s; stderr: warming up");
    EXPECT_FALSE(p.finished());
    EXPECT_FALSE(p.wait_for(100ms).has_value()) << "a failed probe must not kill the child";
    p.kill();
    EXPECT_EQ(p.wait(), Outcome::signalled(9));
}

TEST_F(ReadinessProbe, LineProbeLeavesEarlierLinesReadable) {
    auto p = start(sh("echo starting; sleep 0.2; echo READY; sleep 30"));
    p.wait_ready(Readiness::line_containing("READY"), 10s);
    EXPECT_FALSE(p.finished());
    EXPECT_EQ(p.next_line(), std::optional<std::string>("starting"));
    EXPECT_EQ(p.next_line(), std::optional<std::string>("READY"));
    p.kill();
    EXPECT_EQ(p.result().stdout_text(), "starting\nREADY\n");
}

TEST_F(ReadinessProbe, LineAlreadyQueuedCounts) {
    auto p = start(sh("echo go; echo next; sleep 30"));
    ASSERT_EQ(p.next_line(), std::optional<std::string>("go"));
    p.wait_ready(Readiness::line([](std::string_view l) { return l == "next"; }), 10s);
    EXPECT_EQ(p.next_line(), std::optional<std::string>("next"));
    p.kill();
    p.wait();
}

TEST_F(ReadinessProbe, ExitBeforeReadyFailsAtOnce) {
    const auto port = free_port();
    auto p = start(sh("echo 'fatal: no config' >&2; sleep 0.1; exit 3"));
    const auto begin = Clock::now();
    const Error e = wait_not_ready(p, Readiness::port(port), 10s);
    EXPECT_LT(Clock::now() - begin, 8s) << "waited for the whole deadline";
    EXPECT_EQ(e.kind(), ErrorKind::NotReady);
    EXPECT_EQ(e.exit_code(), std::optional<int>(3));
    EXPECT_EQ(e.message(), "'sh': not ready: exited with code 3 before port " +
                               std::to_string(port) +
                               " accepted a connection; stderr: fatal: no config");
}

TEST_F(ReadinessProbe, LineProbeSeesTheLastLinesBeforeExit) {
    auto ready = start(sh("echo READY; exit 0"));
    ready.wait_ready(Readiness::line_containing("READY"), 10s);

    auto p = start(sh("echo starting; exit 4"));
    const auto begin = Clock::now();
    const Error e = wait_not_ready(p, Readiness::line_containing("READY"), 10s);
    EXPECT_LT(Clock::now() - begin, 8s) << "waited for the whole deadline";
    EXPECT_EQ(e.message(), "'sh': not ready: exited with code 4 before a stdout line containing "
                           "\"READY\"");
    EXPECT_EQ(p.next_line(), std::optional<std::string>("starting"));
}

TEST_F(ReadinessProbe, StdoutClosedFailsALineProbeAtOnce) {
    auto p = start(sh("exec >&-; echo 'closed it' >&2; sleep 30"));
    const auto begin = Clock::now();
    const Error e = wait_not_ready(p, Readiness::line_containing("READY"), 10s);
    EXPECT_LT(Clock::now() - begin, 8s) << "waited for the whole deadline";
    EXPECT_TRUE(contains(e.message(), "'sh': not ready: closed its stdout before a line "
                                      "containing \"READY\""))
        << e.message();
    EXPECT_FALSE(p.finished()) << "a failed probe must not kill the child";
    p.kill();
    p.wait();
}

TEST_F(ReadinessProbe, CustomCheckPolledUntilItPasses) {
    auto p = start(sh("sleep 30"));
    int calls = 0;
    p.wait_ready(Readiness::check([&] { return ++calls == 3; }).poll_every(10ms), 10s);
    EXPECT_EQ(calls, 3);
    EXPECT_FALSE(p.finished());
    p.kill();
    p.wait();
}

TEST_F(ReadinessProbe, HugeDeadlineIsFine) {
    const auto port = free_port();
    auto p = start(python_server(port, marker));
    p.wait_ready(Readiness::port(port), Duration::max());
    EXPECT_EQ(p.next_line(), std::optional<std::string>("accepted"));
    p.kill();
    p.wait();
}

TEST_F(ReadinessProbe, CustomCheckThatNeverPassesIsPolledNotSpun) {
    auto p = start(sh("sleep 30"));
    int calls = 0;
    const Error e = wait_not_ready(
        p, Readiness::check([&] { return ++calls < 0; }, "the health check").poll_every(50ms),
        200ms);
    EXPECT_EQ(e.message(), "'sh': not ready: the health check did not pass within 200ms");
    EXPECT_GE(calls, 1);
    EXPECT_LE(calls, 5) << "checks run on a 50 ms grid, not in a loop";
    EXPECT_FALSE(p.finished());
    p.kill();
    p.wait();
}

TEST_F(ReadinessProbe, BadProbesAreClearErrors) {
    EXPECT_THROW(Readiness::port(0), Error);
    EXPECT_THROW(Readiness::check(nullptr), Error);
    EXPECT_THROW(Readiness::line(nullptr), Error);

    auto p = start(sh("sleep 30"));
    try {
        p.wait_ready(Readiness::check([] { return true; }), -1s);
        ADD_FAILURE() << "a negative deadline was accepted";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
        EXPECT_TRUE(contains(e.message(), "negative deadline")) << e.message();
    }
    p.kill();
    p.wait();

    auto discarded = start(sh("echo READY; sleep 30").stdout_mode(StdioMode::Discard));
    EXPECT_THROW(discarded.wait_ready(Readiness::line_containing("READY"), 1s), Error);
    discarded.kill();
    discarded.wait();

    StartOptions no_reader;
    no_reader.line_reader = false;
    auto unread = start(sh("echo READY; sleep 30"), no_reader);
    try {
        unread.wait_ready(Readiness::line_containing("READY"), 1s);
        ADD_FAILURE() << "a line probe without a line reader was accepted";
    } catch (const Error& e) {
        EXPECT_TRUE(contains(e.message(), "line_reader")) << e.message();
    }
    unread.kill();
    unread.wait();
}

// E1 with a real process: the error names the program, ends with the last
// stderr line and shows neither the arguments nor the environment values.
TEST_F(ErrorMessages, EnsureSuccessErrorEndsWithStderrAndHidesSecrets) {
    auto c = sh("echo 'first' >&2; echo 'oops: it broke' >&2; exit 2 # s3cr3t-arg");
    c.env("TOKEN", "s3cr3t-env");
    try {
        output_string(c).ensure_success();
        FAIL() << "ensure_success did not throw";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::NonZeroExit);
        EXPECT_TRUE(ends_with(e.message(), "; stderr: oops: it broke")) << e.message();
        EXPECT_TRUE(contains(e.message(), "'sh'")) << e.message();
        EXPECT_FALSE(contains(e.message(), "s3cr3t")) << e.message();
        EXPECT_FALSE(contains(debug_string(e), "s3cr3t")) << debug_string(e);
    }
    EXPECT_FALSE(contains(debug_string(c), "s3cr3t")) << debug_string(c);
}

TEST_F(ErrorMessages, StdinErrorsNameTheProgramAndEndWithStderr) {
    // The child says why on stderr, then closes its stdin; a sync on stdout
    // (the "closed" line) makes sure stderr was read before we write.
    auto p = start(sh("echo 'input rejected' >&2; exec 0<&-; sleep 0.1; echo closed; sleep 5")
                       .stdin_interactive());
    EXPECT_EQ(p.next_line(), std::optional<std::string>("closed"));
    try {
        for (int i = 0; i < 64; ++i) {
            p.write(std::string(64 * 1024, 'x'));
            p.flush();
        }
        FAIL() << "writing to a closed stdin must fail";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::StdinFailed);
        EXPECT_EQ(e.program(), "sh");
        EXPECT_TRUE(ends_with(e.message(), "; stderr: input rejected")) << e.message();
    }
    p.kill();
    p.wait();

    auto q = start(sh("sleep 5"));
    try {
        q.write("x");
        FAIL() << "stdin was not interactive";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::StdinFailed);
        EXPECT_TRUE(contains(e.message(), "'sh'")) << e.message();
    }
    q.kill();
    q.wait();
}

} // namespace
} // namespace processkit
