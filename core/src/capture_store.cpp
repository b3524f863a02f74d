#include "processkit/core/capture_store.hpp"

#include <stdexcept>
#include <utility>

namespace processkit {

CaptureStore::~CaptureStore() = default;

std::span<char> CaptureStore::writable_tail(std::size_t) {
    return {};
}

void CaptureStore::commit(std::size_t bytes) {
    if (bytes != 0) {
        throw std::logic_error("CaptureStore: commit() without writable_tail()");
    }
}

void StringCaptureStore::append(std::string_view first, std::string_view second) {
    bytes_.reserve(bytes_.size() + first.size() + second.size()); // strong guarantee
    bytes_.append(first).append(second);
}

std::string StringCaptureStore::take() {
    std::string out = std::move(bytes_);
    bytes_.clear(); // a moved-from string is only "valid but unspecified"
    return out;
}

} // namespace processkit
