// A processkit consumer: runs `/bin/sh -c 'echo hello'` through the blocking
// API (the umbrella header), through the Asio adapter and in a ProcessGroup,
// and prints what happened:
//
//   mechanism: cgroup_v2
//   guard: /path/to/processkit-guard
//   output: hello
//
// Exits 0 only if the output was "hello" and the owner-death guard runs.
#include "processkit/asio/asio.hpp"
#include "processkit/core/command.hpp"
#include "processkit/core/error.hpp"
#include "processkit/core/mechanism.hpp"
#include "processkit/os/owner_guard.hpp"
#include "processkit/os/process_group.hpp"
#include "processkit/processkit.hpp"

#include <asio/io_context.hpp>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <exception>
#include <poll.h>
#include <stdexcept>
#include <string>
#include <unistd.h>

namespace {

/// Reads the (non-blocking) pipe until end of file.
std::string read_all(int fd) {
    std::string out;
    char buf[4096];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n > 0) {
            out.append(buf, static_cast<std::size_t>(n));
        } else if (n == 0) {
            return out;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            pollfd p{fd, POLLIN, 0};
            (void)::poll(&p, 1, 5000);
        } else if (errno != EINTR) {
            throw std::runtime_error("read: " + std::to_string(errno));
        }
    }
}

std::string exe_of(pid_t pid) {
    char buf[PATH_MAX];
    const std::string link = "/proc/" + std::to_string(pid) + "/exe";
    const ssize_t n = ::readlink(link.c_str(), buf, sizeof buf - 1);
    return n > 0 ? std::string(buf, static_cast<std::size_t>(n)) : "?";
}

} // namespace

int main() {
    try {
        processkit::ProcessGroup group;
        processkit::Command cmd("/bin/sh");
        cmd.args({"-c", "echo hello"}).stderr_mode(processkit::StdioMode::Inherit);
        processkit::os::SpawnedProcess p = group.spawn(cmd);
        const std::string out = read_all(p.stdout_pipe.get());
        const processkit::os::ExitInfo info = p.child.wait();

        std::printf("mechanism: %s\n", std::string(to_string(group.mechanism())).c_str());
        processkit::os::OwnerGuard* guard = processkit::os::OwnerGuard::instance();
        if (guard == nullptr) {
            std::printf("guard: none (%s)\n", processkit::os::OwnerGuard::last_error().c_str());
        } else {
            std::printf("guard: %s\n", exe_of(guard->pid()).c_str());
        }
        std::printf("exit: %s\n", info.status.to_string().c_str());
        std::printf("output: %s", out.c_str());
        const std::string via_api = processkit::run(cmd);
        std::printf("run(): %s\n", via_api.c_str());
        ::asio::io_context io;
        std::string via_asio;
        processkit::asio::async_run(
            io, cmd, [&](std::error_code ec, std::string s) { via_asio = ec ? ec.message() : s; });
        io.run();
        std::printf("asio: %s\n", via_asio.c_str());
        return guard != nullptr && info.status.code() == 0 && out == "hello\n" &&
                       via_api == "hello" && via_asio == "hello"
                   ? 0
                   : 1;
    } catch (const std::exception& e) {
        std::printf("error: %s\n", e.what());
        return 1;
    }
}
