#include "processkit/core/output_buffer.hpp"

#include <string_view>
#include <utility>

namespace processkit {

OutputBuffer::OutputBuffer(BufferPolicy policy)
    : policy_(policy) {}

void OutputBuffer::push(const Line& line) {
    push(Line(line));
}

void OutputBuffer::push(Line&& line) {
    // The line's content becomes the segment: no copy, only the terminator
    // is appended.
    std::string raw = std::move(line.content);
    raw.append(terminator_bytes(line.ending));

    counters_.total_bytes += raw.size();
    counters_.total_lines += 1;

    if (!policy_.bounded()) {
        stored_bytes_ += raw.size();
        segments_.push_back(std::move(raw));
    } else if (policy_.mode == BufferPolicy::Mode::KeepNewest) {
        push_keep_newest(std::move(raw));
    } else {
        push_keep_oldest(std::move(raw)); // KeepOldest and Fail store alike
    }
}

std::string OutputBuffer::take_bytes() {
    // Segment by segment, freeing each as it is copied: the peak stays at
    // the stored size plus one segment, never twice the output.
    apply_front_trim();
    std::string out;
    out.reserve(stored_bytes_);
    while (!segments_.empty()) {
        out.append(segments_.front());
        segments_.pop_front();
    }
    stored_bytes_ = 0;
    return out;
}

std::string OutputBuffer::bytes() const {
    std::string out;
    out.reserve(stored_bytes_);
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        const std::string_view segment = segments_[i];
        out.append(i == 0 ? segment.substr(front_trim_) : segment);
    }
    return out;
}

std::vector<std::string_view> OutputBuffer::segments() const {
    std::vector<std::string_view> out(segments_.begin(), segments_.end());
    if (!out.empty()) {
        out.front().remove_prefix(front_trim_);
    }
    return out;
}

void OutputBuffer::push_keep_oldest(std::string raw) {
    if (policy_.max_lines != 0 && segments_.size() >= policy_.max_lines) {
        closed_ = true;
    }
    if (closed_) {
        drop(raw.size(), true);
        return;
    }
    if (policy_.max_bytes != 0 && stored_bytes_ + raw.size() > policy_.max_bytes) {
        // Keep the prefix that fits; once a line has not fit, nothing later
        // is stored either, so the stored bytes stay a prefix of the stream.
        const std::size_t room = policy_.max_bytes - stored_bytes_;
        closed_ = true;
        drop(raw.size() - room, true);
        if (room == 0) {
            return;
        }
        raw.resize(room);
    }
    stored_bytes_ += raw.size();
    segments_.push_back(std::move(raw));
}

void OutputBuffer::push_keep_newest(std::string raw) {
    stored_bytes_ += raw.size();
    segments_.push_back(std::move(raw));
    if (policy_.max_lines != 0) {
        while (segments_.size() > policy_.max_lines) {
            drop_front_segment();
        }
    }
    if (policy_.max_bytes != 0) {
        while (stored_bytes_ > policy_.max_bytes) {
            const std::size_t excess = stored_bytes_ - policy_.max_bytes;
            const std::size_t front_size = segments_.front().size() - front_trim_;
            if (front_size <= excess) {
                drop_front_segment();
            } else {
                trim_front(excess); // keep exactly the newest max_bytes bytes
            }
        }
    }
}

void OutputBuffer::drop(std::size_t bytes, bool count_line) {
    counters_.dropped_bytes += bytes;
    if (count_line) {
        counters_.dropped_lines += 1;
    }
    counters_.truncated = true;
    if (policy_.mode == BufferPolicy::Mode::Fail) {
        counters_.overflowed = true;
    }
}

void OutputBuffer::drop_front_segment() {
    const std::size_t size = segments_.front().size() - front_trim_;
    stored_bytes_ -= size;
    drop(size, !front_counted_); // a line already trimmed was counted then
    segments_.pop_front();
    front_trim_ = 0;
    front_counted_ = false;
}

void OutputBuffer::trim_front(std::size_t bytes) {
    stored_bytes_ -= bytes;
    drop(bytes, !front_counted_);
    front_counted_ = true;
    front_trim_ += bytes;
    // Compact once half the segment is dead: amortised O(1) per dropped byte,
    // and the dead bytes never outweigh the live ones.
    if (front_trim_ * 2 >= segments_.front().size()) {
        apply_front_trim();
    }
}

void OutputBuffer::apply_front_trim() {
    if (front_trim_ != 0) {
        segments_.front().erase(0, front_trim_);
        front_trim_ = 0;
    }
}

} // namespace processkit
