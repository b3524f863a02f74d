// One non-blocking connect to loopback with Winsock (readiness probes, R6).
#include "processkit/os/tcp_probe.hpp"

#include "processkit/core/error.hpp"

// clang-format off
#include <winsock2.h>
#include <ws2tcpip.h>
// clang-format on

#include <algorithm>
#include <cstdint>
#include <string>

namespace processkit::os {
namespace {

/// Winsock wants one WSAStartup per process before any socket call.
bool winsock_ready() {
    static const bool ok = [] {
        WSADATA data{};
        return ::WSAStartup(MAKEWORD(2, 2), &data) == 0;
    }();
    return ok;
}

struct Socket {
    SOCKET s = INVALID_SOCKET;
    ~Socket() {
        if (s != INVALID_SOCKET) {
            ::closesocket(s);
        }
    }
};

} // namespace

bool tcp_port_accepts(std::uint16_t port, LoopbackAddress address, Duration timeout) {
    const int family = address == LoopbackAddress::V4 ? AF_INET : AF_INET6;
    Socket sock;
    if (winsock_ready()) {
        sock.s =
            ::WSASocketW(family, SOCK_STREAM, IPPROTO_TCP, nullptr, 0, WSA_FLAG_NO_HANDLE_INHERIT);
    }
    if (sock.s == INVALID_SOCKET) {
        const int err = ::WSAGetLastError();
        throw Error(ErrorKind::Io, {},
                    "readiness probe: cannot create a TCP socket (Winsock error " +
                        std::to_string(err) + ")")
            .with_os_error(err);
    }
    u_long non_blocking = 1;
    // FIONBIO is an unsigned constant the header's signature takes as long.
    constexpr auto fionbio = static_cast<long>(static_cast<std::int32_t>(FIONBIO));
    ::ioctlsocket(sock.s, fionbio, &non_blocking);
    int rc = 0;
    if (address == LoopbackAddress::V4) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = ::htons(port);
        sa.sin_addr.s_addr = ::htonl(INADDR_LOOPBACK);
        rc = ::connect(sock.s, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    } else {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = ::htons(port);
        sa.sin6_addr = in6addr_loopback;
        rc = ::connect(sock.s, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    }
    if (rc == 0) {
        return true;
    }
    if (::WSAGetLastError() != WSAEWOULDBLOCK) {
        return false; // refused, unreachable, no IPv6...
    }
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
    WSAPOLLFD p{};
    p.fd = sock.s;
    p.events = POLLOUT;
    if (::WSAPoll(&p, 1, static_cast<INT>(std::clamp<long long>(ms, 0, 60'000))) <= 0) {
        return false;
    }
    int so_error = 0;
    int len = sizeof so_error;
    if (::getsockopt(sock.s, SOL_SOCKET, SO_ERROR, reinterpret_cast<char*>(&so_error), &len) != 0) {
        return false;
    }
    return so_error == 0 && (p.revents & (POLLERR | POLLHUP)) == 0;
}

} // namespace processkit::os
