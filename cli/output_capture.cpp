#include "output_capture.hpp"

#include <algorithm>
#include <utility>

namespace pk {

OutputCapture::OutputCapture(std::uint64_t cap, bool keep_tail)
    : cap_(cap)
    , keep_tail_(keep_tail) {}

void OutputCapture::append(std::string_view bytes) {
    total_ += bytes.size();
    if (cap_ == 0) {
        store(bytes);
        return;
    }
    if (!keep_tail_) {
        const std::uint64_t room = cap_ - kept_; // kept_ never exceeds cap_
        store(
            bytes.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(room, bytes.size()))));
        return;
    }
    if (bytes.size() > cap_) {
        // Only the last cap_ bytes of this piece can survive.
        drop_front(kept_);
        bytes.remove_prefix(bytes.size() - static_cast<std::size_t>(cap_));
    }
    store(bytes);
    if (kept_ > cap_) {
        drop_front(kept_ - cap_);
    }
}

void OutputCapture::store(std::string_view bytes) {
    while (!bytes.empty()) {
        if (chunks_.empty() || chunks_.back().size() == chunk_bytes) {
            std::string chunk = std::move(spare_);
            spare_ = std::string();
            chunk.clear();
            chunk.reserve(chunk_bytes);
            chunks_.push_back(std::move(chunk));
        }
        std::string& back = chunks_.back();
        const std::size_t n = std::min(bytes.size(), chunk_bytes - back.size());
        back.append(bytes.substr(0, n));
        bytes.remove_prefix(n);
        kept_ += n;
    }
}

void OutputCapture::drop_front(std::uint64_t bytes) {
    kept_ -= bytes;
    while (bytes > 0 && !chunks_.empty()) {
        const std::size_t live = chunks_.front().size() - front_offset_;
        if (bytes < live) {
            front_offset_ += static_cast<std::size_t>(bytes);
            return;
        }
        bytes -= live;
        spare_ = std::move(chunks_.front());
        chunks_.pop_front();
        front_offset_ = 0;
    }
}

std::vector<std::string_view> OutputCapture::pieces() const {
    std::vector<std::string_view> out;
    out.reserve(chunks_.size());
    for (const std::string& chunk : chunks_) {
        out.emplace_back(chunk);
    }
    if (!out.empty()) {
        out.front().remove_prefix(front_offset_);
        if (out.front().empty()) {
            out.erase(out.begin());
        }
    }
    return out;
}

} // namespace pk
