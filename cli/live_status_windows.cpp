// Windows: no live status line yet (the console would need its own relay of
// PROGRAM's output); LiveStatus is inactive and pk runs as without it.
#include "live_status.hpp"
#include "processkit/blocking/wait_ready.hpp"

#include <cstdio>

namespace pk {

struct LiveStatus::Impl {};

LiveStatus::LiveStatus(const RunRequest&, bool)
    : impl_(std::make_unique<Impl>()) {}

LiveStatus::~LiveStatus() = default;

bool LiveStatus::active() const {
    return false;
}

void LiveStatus::route_output(processkit::os::StdioRedirect&) const {}

void LiveStatus::spawned() {}

void LiveStatus::started(processkit::TimePoint) {}

void LiveStatus::add_sample(const Sample&) {}

void LiveStatus::pump(processkit::TimePoint, bool) {}

std::optional<processkit::TimePoint> LiveStatus::next_draw() const {
    return std::nullopt;
}

void LiveStatus::wait(const std::vector<processkit::os::NativeHandle>& handles,
                      std::optional<processkit::TimePoint> until) {
    processkit::blocking::wait_ready(handles, until);
}

void LiveStatus::say(std::string_view message) {
    std::fwrite(message.data(), 1, message.size(), stderr);
}

void LiveStatus::finish(processkit::os::NativeHandle) {}

} // namespace pk
