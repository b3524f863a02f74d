#include "status_line.hpp"

namespace pk {

StatusLine::StatusLine(processkit::Duration every)
    : every_(every) {}

void StatusLine::start(processkit::TimePoint now) {
    if (!finished_) {
        next_ = now + every_;
    }
}

std::optional<processkit::TimePoint> StatusLine::next_draw() const {
    return next_;
}

bool StatusLine::due(processkit::TimePoint now) const {
    return next_ && now >= *next_;
}

std::string StatusLine::tick(processkit::TimePoint now, std::string text) {
    if (finished_) {
        return {};
    }
    next_ = now + every_; // from now: a late tick does not bring a burst
    text_ = std::move(text);
    if (!at_line_start_ || !foreground_) {
        return {}; // drawn once PROGRAM finishes its line, or pk is back in the foreground
    }
    if (text_.empty()) {
        // Too narrow a terminal: nothing to show.
        const bool was_shown = shown_;
        shown_ = false;
        return was_shown ? std::string(clear_sequence) : std::string();
    }
    shown_ = true;
    return draw();
}

std::string StatusLine::relay(std::string_view output) {
    if (output.empty()) {
        return {};
    }
    std::string out = shown_ ? std::string(clear_sequence) : std::string();
    shown_ = false;
    out.append(output);
    at_line_start_ = output.back() == '\n';
    if (at_line_start_ && !text_.empty() && !finished_ && foreground_) {
        out += draw();
        shown_ = true;
    }
    return out;
}

std::string StatusLine::finish() {
    finished_ = true;
    next_.reset();
    const bool was_shown = shown_;
    shown_ = false;
    return was_shown ? std::string(clear_sequence) : std::string();
}

void StatusLine::set_foreground(bool foreground) {
    if (foreground == foreground_) {
        return;
    }
    foreground_ = foreground;
    // Sent to the background, the line is left to the shell (never cleared:
    // that could erase the prompt); back in front, the shell ended its line.
    shown_ = false;
    at_line_start_ = at_line_start_ || foreground;
}

std::string StatusLine::draw() const {
    return std::string(clear_sequence) + text_;
}

} // namespace pk
