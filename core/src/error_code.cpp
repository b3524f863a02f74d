#include "processkit/core/error_code.hpp"

#include <string>

namespace processkit {
namespace {

constexpr int last_kind = static_cast<int>(ErrorKind::Io);

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "processkit"; }
    std::string message(int value) const override {
        if (value < 1 || value > last_kind + 1) {
            return "unknown processkit error " + std::to_string(value);
        }
        return std::string(to_string(static_cast<ErrorKind>(value - 1)));
    }
};

} // namespace

const std::error_category& error_category() noexcept {
    static const Category category;
    return category;
}

std::error_code make_error_code(ErrorKind kind) noexcept {
    return {static_cast<int>(kind) + 1, error_category()};
}

std::optional<ErrorKind> error_kind_of(const std::error_code& code) noexcept {
    if (code.category() != error_category() || code.value() < 1 || code.value() > last_kind + 1) {
        return std::nullopt;
    }
    return static_cast<ErrorKind>(code.value() - 1);
}

} // namespace processkit
