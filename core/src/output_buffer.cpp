#include "processkit/core/output_buffer.hpp"

#include <algorithm>
#include <stdexcept>
#include <string_view>
#include <utility>

namespace processkit {

OutputBuffer::OutputBuffer(BufferPolicy policy)
    : policy_(policy) {}

OutputBuffer::OutputBuffer(BufferPolicy policy, std::unique_ptr<CaptureStore> store)
    : policy_(policy) {
    if (!policy_.bounded()) {
        store_ = std::move(store);
    }
}

namespace {

/// Dropped segments up to this capacity are kept for reuse; a larger one is
/// freed rather than held for lines that may be short.
constexpr std::size_t max_spare_capacity = 64 * 1024;

/// Unbounded storage grows in blocks of whole lines, each about the size of
/// what is stored so far (within these bounds): few allocations, no regrowth
/// copies, and little unused capacity.
constexpr std::size_t min_block_bytes = 4 * 1024;
constexpr std::size_t max_block_bytes = 1024 * 1024;

} // namespace

void OutputBuffer::push(const Line& line) {
    push(line.content, line.ending);
}

void OutputBuffer::push(Line&& line) {
    push(line.content, line.ending, &line.content);
}

void OutputBuffer::push(std::string_view content, LineEnding ending, std::string* owned) {
    settle(); // lines noted before this one are stored first
    const std::string_view terminator = terminator_bytes(ending);
    counters_.total_bytes += content.size() + terminator.size();
    counters_.total_lines += 1;
    if (!policy_.bounded()) {
        push_unbounded(content, terminator, owned);
        return;
    }
    store_bounded(content, terminator, owned);
}

bool OutputBuffer::defers_lines() const {
    return policy_.mode == BufferPolicy::Mode::KeepNewest && policy_.max_bytes == 0 &&
           policy_.max_lines != 0 && policy_.max_lines <= max_deferred_lines;
}

void OutputBuffer::push_until_settled(std::string_view content, LineEnding ending) {
    if (!defers_lines()) {
        push(content, ending);
        return;
    }
    const std::string_view terminator = terminator_bytes(ending);
    counters_.total_bytes += content.size() + terminator.size();
    counters_.total_lines += 1;
    if (segments_.size() + deferred_size_ == policy_.max_lines) {
        // Full: the oldest line goes, stored or only noted, as in push().
        if (!segments_.empty()) {
            drop_front_segment();
        } else {
            const Deferred& oldest = deferred_[deferred_head_];
            drop(oldest.content.size() + oldest.terminator.size(), true);
            deferred_head_ = (deferred_head_ + 1) % max_deferred_lines;
            --deferred_size_;
        }
    }
    deferred_[(deferred_head_ + deferred_size_) % max_deferred_lines] = {content, terminator};
    ++deferred_size_;
}

void OutputBuffer::push_run_until_settled(std::string_view run, std::size_t lines) {
    if (!defers_lines() || lines <= policy_.max_lines) {
        while (!run.empty()) {
            const std::size_t end = run.find('\n');
            push_until_settled(run.substr(0, end), LineEnding::Lf);
            run.remove_prefix(end + 1);
        }
        return;
    }
    // More lines than the buffer keeps: every line it holds goes, and so do
    // the run's older lines; the newest max_lines of the run are noted.
    while (!segments_.empty()) {
        drop_front_segment();
    }
    for (; deferred_size_ != 0; --deferred_size_) {
        const Deferred& oldest = deferred_[deferred_head_];
        drop(oldest.content.size() + oldest.terminator.size(), true);
        deferred_head_ = (deferred_head_ + 1) % max_deferred_lines;
    }
    deferred_head_ = 0;
    std::size_t newest = run.size(); // where the kept lines start
    for (std::size_t k = 0; k < policy_.max_lines; ++k) {
        // The line ending at the LF at newest - 1 starts after the LF before it.
        const std::size_t lf = newest < 2 ? std::string_view::npos : run.rfind('\n', newest - 2);
        newest = lf == std::string_view::npos ? 0 : lf + 1;
    }
    const std::size_t older_lines = lines - policy_.max_lines;
    counters_.total_bytes += newest;
    counters_.total_lines += older_lines;
    counters_.dropped_bytes += newest;
    counters_.dropped_lines += older_lines;
    counters_.truncated = true;
    run.remove_prefix(newest);
    while (!run.empty()) {
        const std::size_t end = run.find('\n');
        push_until_settled(run.substr(0, end), LineEnding::Lf);
        run.remove_prefix(end + 1);
    }
}

void OutputBuffer::settle() {
    // Room was made for these when they came: storing them drops nothing.
    while (deferred_size_ != 0) {
        const Deferred line = deferred_[deferred_head_];
        deferred_head_ = (deferred_head_ + 1) % max_deferred_lines;
        --deferred_size_;
        store_bounded(line.content, line.terminator, nullptr);
    }
    deferred_head_ = 0;
}

void OutputBuffer::store_bounded(std::string_view content, std::string_view terminator,
                                 std::string* owned) {
    if (policy_.mode == BufferPolicy::Mode::KeepNewest && policy_.max_bytes == 0 &&
        owned == nullptr && segments_.size() == policy_.max_lines) {
        replace_oldest(content, terminator);
        return;
    }
    std::string raw;
    if (owned != nullptr) {
        raw = std::move(*owned); // `content` is gone with it; only `raw` is read
    } else {
        raw = new_segment(content.size() + terminator.size());
        raw.assign(content);
    }
    raw.append(terminator);
    if (policy_.mode == BufferPolicy::Mode::KeepNewest) {
        push_keep_newest(std::move(raw));
    } else {
        push_keep_oldest(std::move(raw)); // KeepOldest and Fail store alike
    }
}

void OutputBuffer::push_unbounded(std::string_view content, std::string_view terminator,
                                  std::string* owned) {
    const std::size_t size = content.size() + terminator.size();
    if (store_) {
        store_->append(content, terminator); // copied: `owned` keeps its capacity for reuse
    } else if (owned != nullptr && owned->size() >= min_block_bytes &&
               owned->capacity() / 2 <= owned->size()) {
        // A long line (a piece of a huge one) is moved in as a block of its
        // own, unless that would keep much unused capacity.
        segments_.push_back(std::move(*owned));
        segments_.back().append(terminator);
    } else {
        if (segments_.empty() || segments_.back().capacity() - segments_.back().size() < size) {
            std::string block;
            block.reserve(
                std::max(size, std::clamp(stored_bytes_, min_block_bytes, max_block_bytes)));
            segments_.push_back(std::move(block));
        }
        segments_.back().append(content).append(terminator);
    }
    stored_bytes_ += size;
    line_ends_.push_back(stored_bytes_);
}

std::span<char> OutputBuffer::writable_tail(std::size_t bytes) {
    offered_ = store_ ? store_->writable_tail(bytes) : std::span<char>();
    return offered_;
}

void OutputBuffer::append_raw(std::string_view bytes) {
    if (!store_) {
        throw std::logic_error("OutputBuffer: append_raw() needs a capture store");
    }
    const bool in_place =
        !offered_.empty() && bytes.data() == offered_.data() && bytes.size() <= offered_.size();
    offered_ = {};
    if (in_place) {
        store_->commit(bytes.size());
    } else {
        store_->append(bytes);
    }
}

void OutputBuffer::count_line(std::size_t content_bytes, LineEnding ending) {
    const std::size_t size = content_bytes + terminator_bytes(ending).size();
    counters_.total_bytes += size;
    counters_.total_lines += 1;
    stored_bytes_ += size;
    line_ends_.push_back(stored_bytes_);
}

std::string OutputBuffer::new_segment(std::size_t size) {
    std::string segment = std::move(spare_);
    spare_.clear(); // a moved-from string is only "valid but unspecified"
    segment.clear();
    segment.reserve(size);
    return segment;
}

void OutputBuffer::recycle(std::string&& segment) {
    if (segment.capacity() <= max_spare_capacity) {
        spare_ = std::move(segment);
    }
}

std::string OutputBuffer::take_bytes() {
    settle();
    apply_front_trim();
    std::string out;
    if (store_) {
        offered_ = {};
        out = store_->take(); // the store's own memory, not a copy of it
        if (out.size() > stored_bytes_) {
            out.resize(stored_bytes_); // raw capture: an unfinished line is not stored yet
        }
    } else if (segments_.size() == 1) {
        out = std::move(segments_.front()); // nothing to join
        segments_.clear();
    } else {
        // Segment by segment, freeing each as it is copied: the peak stays at
        // the stored size plus one segment, never twice the output.
        out.reserve(stored_bytes_);
        while (!segments_.empty()) {
            out.append(segments_.front());
            segments_.pop_front();
        }
    }
    stored_bytes_ = 0;
    line_ends_ = {};
    return out;
}

std::string OutputBuffer::bytes() const {
    if (store_) {
        return std::string(store_->view().substr(0, stored_bytes_));
    }
    std::string out;
    out.reserve(stored_bytes_);
    for (std::size_t i = 0; i < segments_.size(); ++i) {
        const std::string_view segment = segments_[i];
        out.append(i == 0 ? segment.substr(front_trim_) : segment);
    }
    return out;
}

std::vector<std::string_view> OutputBuffer::segments() const {
    if (!policy_.bounded()) {
        return unbounded_lines();
    }
    std::vector<std::string_view> out(segments_.begin(), segments_.end());
    if (!out.empty()) {
        out.front().remove_prefix(front_trim_);
    }
    return out;
}

std::vector<std::string_view> OutputBuffer::unbounded_lines() const {
    std::vector<std::string_view> out;
    out.reserve(line_ends_.size());
    if (store_) {
        const std::string_view all = store_->view();
        std::size_t start = 0;
        for (const std::size_t end : line_ends_) {
            out.push_back(all.substr(start, end - start));
            start = end;
        }
        return out;
    }
    // Lines never straddle blocks: find each line's block, then its bytes.
    std::size_t start = 0;
    std::size_t block = 0;
    std::size_t block_start = 0;
    for (const std::size_t end : line_ends_) {
        while (end > start && start >= block_start + segments_[block].size()) {
            block_start += segments_[block].size();
            ++block;
        }
        out.push_back(
            end == start
                ? std::string_view()
                : std::string_view(segments_[block]).substr(start - block_start, end - start));
        start = end;
    }
    return out;
}

void OutputBuffer::push_keep_oldest(std::string raw) {
    if (policy_.max_lines != 0 && segments_.size() >= policy_.max_lines) {
        closed_ = true;
    }
    if (closed_) {
        drop(raw.size(), true);
        recycle(std::move(raw));
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

void OutputBuffer::replace_oldest(std::string_view content, std::string_view terminator) {
    // At the line limit with no byte limit (so no front trim): the oldest
    // line is dropped and lends its storage to the newest, with no detour
    // through the spare segment.
    std::string& oldest = segments_.front();
    stored_bytes_ -= oldest.size();
    drop(oldest.size(), true);
    if (segments_.size() == 1) {
        oldest.clear(); // append, not assign: the cheaper path for a string that fits
        oldest.append(content).append(terminator); // the newest line is also the oldest
        stored_bytes_ += oldest.size();
        return;
    }
    std::string raw = std::move(oldest);
    segments_.pop_front();
    raw.clear();
    raw.append(content).append(terminator);
    stored_bytes_ += raw.size();
    segments_.push_back(std::move(raw));
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
    recycle(std::move(segments_.front()));
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
