#include "processkit/asio/error.hpp"

#include <string>

namespace processkit::asio {
namespace {

class Category final : public std::error_category {
public:
    const char* name() const noexcept override { return "processkit.asio"; }
    std::string message(int value) const override {
        switch (static_cast<errc>(value)) {
        case errc::end_of_series:
            return "end of the stats series (a sample failed)";
        case errc::not_enabled:
            return "not enabled when the process was started (see StartOptions)";
        case errc::already_waiting:
            return "another wait of this object is pending";
        }
        return "unknown processkit.asio error " + std::to_string(value);
    }
};

} // namespace

const std::error_category& asio_category() noexcept {
    static const Category category;
    return category;
}

std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), asio_category()};
}

} // namespace processkit::asio
