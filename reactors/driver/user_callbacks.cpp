#include "processkit/driver/user_callbacks.hpp"

namespace processkit::driver {

void call_tee_sink(const Command& command, const action::Tee& tee) noexcept {
    if (const auto& sink = command.tee_sink(tee.stream)) {
        try {
            sink(tee.bytes);
        } catch (...) {
            // A failing sink loses its copy, never the capture.
        }
    }
}

bool call_line_handler(const Command& command, const action::DeliverLine& line,
                       HandlerFailures& failed) {
    return call_line_handler(command, line.stream, line.text, failed);
}

bool call_line_handler(const Command& command, Stream stream, std::string_view line,
                       HandlerFailures& failed) {
    auto& failed_here = failed[static_cast<std::size_t>(stream)];
    const auto& handler = command.line_handler(stream);
    if (!handler || failed_here) {
        return false;
    }
    try {
        handler(line);
        return false;
    } catch (...) {
        failed_here = true;
        return true;
    }
}

} // namespace processkit::driver
