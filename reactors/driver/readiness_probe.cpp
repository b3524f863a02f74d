// Readiness: the probe factories and their input checks.
#include "processkit/driver/readiness_probe.hpp"

#include <algorithm>
#include <utility>

namespace processkit {

Readiness::Readiness(ProbeKind kind, std::string target)
    : kind_(kind)
    , target_(std::move(target)) {}

Readiness Readiness::line(LinePredicate predicate, std::string description) {
    if (!predicate) {
        throw Error(ErrorKind::InvalidArgument, {}, "Readiness::line needs a predicate");
    }
    Readiness r(ProbeKind::Line, std::move(description));
    r.predicate_ = std::move(predicate);
    return r;
}

Readiness Readiness::line_containing(std::string text) {
    std::string target = "containing \"" + text + "\"";
    return line([text = std::move(text)](
                    std::string_view l) { return l.find(text) != std::string_view::npos; },
                std::move(target));
}

Readiness Readiness::port(std::uint16_t port, os::LoopbackAddress address) {
    if (port == 0) {
        throw Error(ErrorKind::InvalidArgument, {}, "Readiness::port needs a port number (not 0)");
    }
    Readiness r(ProbeKind::Port, "port " + std::to_string(port));
    r.port_ = port;
    r.address_ = address;
    return r;
}

Readiness Readiness::check(Check check, std::string name) {
    if (!check) {
        throw Error(ErrorKind::InvalidArgument, {}, "Readiness::check needs a callable");
    }
    Readiness r(ProbeKind::Custom, std::move(name));
    r.check_ = std::move(check);
    return r;
}

Readiness& Readiness::poll_every(Duration interval) {
    poll_interval_ = std::max(interval, ReadinessMachine::min_poll_interval);
    return *this;
}

} // namespace processkit
