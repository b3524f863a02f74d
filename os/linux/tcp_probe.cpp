#include "processkit/os/tcp_probe.hpp"

#include "processkit/core/error.hpp"
#include "processkit/os/unique_fd.hpp"

#include <algorithm>
#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

namespace processkit::os {
namespace {

UniqueFd connecting_socket(int family) {
    UniqueFd fd(above_stdio(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)));
    if (!fd) {
        const int err = errno;
        throw Error(ErrorKind::Io, {},
                    std::string("readiness probe: cannot create a TCP socket: ") +
                        std::strerror(err))
            .with_os_error(err);
    }
    return fd;
}

int start_connect(int fd, std::uint16_t port, LoopbackAddress address) {
    int rc = 0;
    if (address == LoopbackAddress::V4) {
        sockaddr_in sa{};
        sa.sin_family = AF_INET;
        sa.sin_port = htons(port);
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    } else {
        sockaddr_in6 sa{};
        sa.sin6_family = AF_INET6;
        sa.sin6_port = htons(port);
        sa.sin6_addr = in6addr_loopback;
        rc = ::connect(fd, reinterpret_cast<const sockaddr*>(&sa), sizeof sa);
    }
    return rc == 0 ? 0 : errno;
}

} // namespace

bool tcp_port_accepts(std::uint16_t port, LoopbackAddress address, Duration timeout) {
    UniqueFd fd = connecting_socket(address == LoopbackAddress::V4 ? AF_INET : AF_INET6);
    int err = start_connect(fd.get(), port, address);
    while (err == EINTR) {
        err = start_connect(fd.get(), port, address);
    }
    if (err == 0) {
        return true;
    }
    if (err != EINPROGRESS && err != EALREADY) {
        return false; // refused, unreachable, no IPv6...
    }
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(timeout).count();
    pollfd p{fd.get(), POLLOUT, 0};
    int ready = 0;
    do {
        ready = ::poll(&p, 1, static_cast<int>(std::clamp<long long>(ms, 0, 60'000)));
    } while (ready < 0 && errno == EINTR);
    if (ready <= 0) {
        return false;
    }
    int so_error = 0;
    socklen_t len = sizeof so_error;
    if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &so_error, &len) != 0) {
        return false;
    }
    return so_error == 0;
}

} // namespace processkit::os
