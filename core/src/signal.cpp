#include "processkit/core/signal.hpp"

#include <array>
#include <charconv>
#include <utility>

namespace processkit {
namespace {

constexpr std::array<std::pair<std::string_view, Signal::Name>, 9> names{{
    {"TERM", Signal::Name::Term},
    {"KILL", Signal::Name::Kill},
    {"INT", Signal::Name::Int},
    {"HUP", Signal::Name::Hup},
    {"QUIT", Signal::Name::Quit},
    {"USR1", Signal::Name::Usr1},
    {"USR2", Signal::Name::Usr2},
    {"STOP", Signal::Name::Stop},
    {"CONT", Signal::Name::Cont},
}};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (std::size_t i = 0; i < a.size(); ++i) {
        char c = a[i];
        if (c >= 'a' && c <= 'z') {
            c = static_cast<char>(c - 'a' + 'A');
        }
        if (c != b[i]) {
            return false;
        }
    }
    return true;
}

} // namespace

std::optional<Signal> Signal::parse(std::string_view text) {
    if (!text.empty() && text.front() >= '0' && text.front() <= '9') {
        int n = 0;
        auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
        if (ec != std::errc{} || end != text.data() + text.size() || n <= 0) {
            return std::nullopt;
        }
        return Signal::number(n);
    }
    if (text.size() > 3 && equal_ignoring_case(text.substr(0, 3), "SIG")) {
        text.remove_prefix(3);
    }
    for (const auto& [name, value] : names) {
        if (equal_ignoring_case(text, name)) {
            return Signal{value, 0};
        }
    }
    return std::nullopt;
}

std::string Signal::to_string() const {
    for (const auto& [name, value] : names) {
        if (value == name_) {
            return std::string(name);
        }
    }
    return std::to_string(number_);
}

} // namespace processkit
