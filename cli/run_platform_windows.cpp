#include "failure.hpp"
#include "processkit/blocking/wait_ready.hpp"
#include "run_platform.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>

namespace pk {

void check_cwd(const std::optional<std::string>& cwd) {
    if (cwd) {
        std::error_code ec;
        const auto st = std::filesystem::status(std::filesystem::u8path(*cwd), ec);
        if (!std::filesystem::exists(st)) {
            throw Failure(exit_pk_failed,
                          "cannot use --cwd '" + *cwd + "': No such file or directory");
        }
        if (!std::filesystem::is_directory(st)) {
            throw Failure(exit_pk_failed, "cannot use --cwd '" + *cwd + "': not a directory");
        }
    }
}

// Windows has no guard: a job dies with its owner's handle.
std::string guard_error() {
    return {};
}

bool guard_alive() {
    return true;
}

void wait_for_signal_or_empty(processkit::ProcessGroup&, StopSignals& signals,
                              processkit::TimePoint until) {
    // The job's completion port belongs to the group: emptiness is checked
    // every 10 ms here.
    using namespace std::chrono_literals;
    processkit::blocking::wait_ready({signals.fd()},
                                     std::min(until, processkit::Clock::now() + 10ms));
}

} // namespace pk
