#include "processkit/core/line_splitter.hpp"

#include "processkit/core/utf8.hpp"

#include <algorithm>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif
#include <stdexcept>
#include <utility>

namespace processkit {

namespace {

/// Finds the first CR or LF in successive suffixes of one chunk. LF-only
/// text is the common case: one memchr for CR over the whole chunk, then one
/// for LF per line (bounded by the CR found), instead of two per line. The
/// CR is searched for again only once a line has been consumed past it.
class LineEndFinder {
public:
    /// `s` must be a suffix of the chunk the previous calls searched.
    std::size_t find(std::string_view s) {
        const std::size_t cr = cr_at(s);
        if (const auto* lf = static_cast<const char*>(std::memchr(s.data(), '\n', cr))) {
            return static_cast<std::size_t>(lf - s.data());
        }
        return cr_ ? cr : std::string_view::npos;
    }

    /// The offset of the first CR in `s`, or s.size() if there is none.
    std::size_t cr_at(std::string_view s) {
        const char* begin = s.data();
        if (!searched_ || (cr_ != nullptr && cr_ < begin)) {
            cr_ = static_cast<const char*>(std::memchr(begin, '\r', s.size()));
            searched_ = true;
        }
        return cr_ ? static_cast<std::size_t>(cr_ - begin) : s.size();
    }

private:
    const char* cr_ = nullptr; ///< the first CR at or after the last search, or none
    bool searched_ = false;
};

/// The number of LF bytes in `s`, 16 bytes per compare where SSE2 is there:
/// each match adds 1 to its byte lane (for at most 255 rounds), and the lanes
/// are summed with psadbw. No popcount, which without -mpopcnt is a call.
std::size_t count_lf(std::string_view s) {
    std::size_t count = 0;
    std::size_t i = 0;
#if defined(__SSE2__) || defined(_M_X64)
    const __m128i lf = _mm_set1_epi8('\n');
    const __m128i zero = _mm_setzero_si128();
    while (s.size() - i >= 16) {
        const std::size_t rounds = std::min<std::size_t>((s.size() - i) / 16, 255);
        __m128i lanes = zero;
        for (std::size_t r = 0; r < rounds; ++r, i += 16) {
            const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s.data() + i));
            lanes = _mm_sub_epi8(lanes, _mm_cmpeq_epi8(bytes, lf)); // a match is -1
        }
        std::uint64_t sums[2];
        _mm_storeu_si128(reinterpret_cast<__m128i*>(sums), _mm_sad_epu8(lanes, zero));
        count += static_cast<std::size_t>(sums[0] + sums[1]);
    }
#endif
    for (; i < s.size(); ++i) {
        count += s[i] == '\n' ? 1U : 0U;
    }
    return count;
}

/// Past this size an unfinished line gets its full capacity at once, so a
/// long line is not grown (and copied) by doubling.
constexpr std::size_t reserve_threshold = 64 * 1024;

class LineCollector final : public LineSink {
public:
    explicit LineCollector(std::vector<Line>& out)
        : out_(out) {}
    void on_line(std::string_view content, LineEnding ending, bool cut,
                 std::string* owned) override {
        out_.push_back(Line{owned ? std::move(*owned) : std::string(content), ending, cut});
    }

private:
    std::vector<Line>& out_;
};

} // namespace

void LineSink::on_counted_line(std::size_t, LineEnding, bool) {
    throw std::logic_error("LineSink: this sink takes no counted lines");
}

void LineSink::on_lf_run(std::string_view run, std::size_t) {
    while (!run.empty()) {
        const std::size_t end = run.find('\n');
        on_line(run.substr(0, end), LineEnding::Lf, false, nullptr);
        run.remove_prefix(end + 1);
    }
}

LineSplitter::LineSplitter(std::size_t max_line_bytes)
    : max_line_bytes_(std::max<std::size_t>(max_line_bytes, 1)) {}

LineSplitter::LineSplitter(std::size_t max_line_bytes, Content content)
    : max_line_bytes_(std::max<std::size_t>(max_line_bytes, 1))
    , counted_(content == Content::Counted) {}

void LineSplitter::feed(std::string_view chunk, std::vector<Line>& out) {
    LineCollector collector(out);
    feed(chunk, collector);
}

void LineSplitter::finish(std::vector<Line>& out) {
    LineCollector collector(out);
    finish(collector);
}

void LineSplitter::feed(std::string_view chunk, LineSink& out) {
    if (chunk.empty()) {
        return;
    }
    if (held_cr_) {
        // The CR held from the previous chunk is decided by this first byte.
        held_cr_ = false;
        if (chunk.front() == '\n') {
            hand_over(LineEnding::CrLf, out);
            chunk.remove_prefix(1);
        } else {
            hand_over(LineEnding::Cr, out);
        }
    }
    // Whole LF-ended lines go to a sink that takes runs as one call per
    // stretch without CR. Only where no line of this chunk can reach the cap
    // (pending lines are ended line by line first), so no run holds a cut.
    const bool runs = !counted_ && chunk.size() <= max_line_bytes_ && out.takes_lf_runs();
    LineEndFinder finder;
    while (!chunk.empty()) {
        if (runs && pending_.empty()) {
            chunk.remove_prefix(emit_lf_run(chunk.substr(0, finder.cr_at(chunk)), out));
            if (chunk.empty()) {
                return;
            }
        }
        const std::size_t pos = finder.find(chunk);
        if (pos == std::string_view::npos) {
            append_content(chunk, out);
            return;
        }
        const std::string_view content = chunk.substr(0, pos);
        if (chunk[pos] == '\n') {
            end_line(content, LineEnding::Lf, out);
            chunk.remove_prefix(pos + 1);
        } else if (pos + 1 == chunk.size()) {
            append_content(content, out);
            held_cr_ = true;
            return;
        } else if (chunk[pos + 1] == '\n') {
            end_line(content, LineEnding::CrLf, out);
            chunk.remove_prefix(pos + 2);
        } else {
            end_line(content, LineEnding::Cr, out);
            chunk.remove_prefix(pos + 1);
        }
    }
}

/// The whole lines at the start of `region` (text with no CR, no line
/// pending) as one run, if there are any; returns the bytes they take. The
/// search runs from the end, so the partial line after the run is looked at
/// here and again by the caller's search that finds no LF in it: each byte
/// at most twice, still linear in the read.
std::size_t LineSplitter::emit_lf_run(std::string_view region, LineSink& out) {
#if defined(__GLIBC__)
    const auto* last = static_cast<const char*>(::memrchr(region.data(), '\n', region.size()));
    if (last == nullptr) {
        return 0;
    }
    const auto end = static_cast<std::size_t>(last - region.data()) + 1;
#else
    std::size_t end = region.size();
    while (end != 0 && region[end - 1] != '\n') {
        --end;
    }
    if (end == 0) {
        return 0;
    }
#endif
    const std::string_view run = region.substr(0, end);
    out.on_lf_run(run, count_lf(run));
    return end;
}

void LineSplitter::finish(LineSink& out) {
    if (held_cr_) {
        held_cr_ = false;
        hand_over(LineEnding::Cr, out);
    }
    if (pending_bytes() != 0) {
        hand_over(LineEnding::None, out);
    }
}

void LineSplitter::hand_over(LineEnding ending, LineSink& out) {
    if (counted_) {
        emit_counted(pending_length_, ending, false, out);
        return;
    }
    out.on_line(pending_, ending, false, &pending_);
    pending_.clear(); // a moved-from string is only "valid but unspecified"
}

/// Counted: emits the first `keep` bytes of the unfinished line (and the
/// line's `ending`); what is left of it stays pending (at most 3 bytes of an
/// incomplete UTF-8 sequence, after a cut).
void LineSplitter::emit_counted(std::size_t keep, LineEnding ending, bool cut, LineSink& out) {
    pending_length_ -= keep;
    pending_.erase(0, pending_.size() - std::min(pending_.size(), pending_length_));
    out.on_counted_line(keep, ending, cut);
}

void LineSplitter::end_line(std::string_view tail, LineEnding ending, LineSink& out) {
    if (pending_bytes() + tail.size() <= max_line_bytes_) {
        if (counted_) {
            pending_length_ += tail.size();
            emit_counted(pending_length_, ending, false, out);
            return;
        }
        // Common case: the line fits, so hand out a view of the chunk.
        if (pending_.empty()) {
            out.on_line(tail, ending, false, nullptr);
            return;
        }
        pending_.append(tail);
    } else {
        append_content(tail, out);
    }
    hand_over(ending, out);
}

void LineSplitter::append_content(std::string_view bytes, LineSink& out) {
    // Fill up to the cap; cut only when more content arrives for a full line,
    // so a line of exactly max_line_bytes ends normally. The cut points depend
    // only on the content, never on chunk boundaries.
    while (!bytes.empty()) {
        if (pending_bytes() >= max_line_bytes_) {
            cut(out);
        }
        const std::size_t take = std::min(bytes.size(), max_line_bytes_ - pending_bytes());
        if (counted_) {
            // Only the length, and the last 3 bytes for cut()'s UTF-8 rule.
            const std::string_view piece = bytes.substr(0, take);
            if (piece.size() >= 3) {
                pending_.assign(piece.substr(piece.size() - 3));
            } else {
                pending_.append(piece);
                pending_.erase(0, pending_.size() - std::min<std::size_t>(pending_.size(), 3));
            }
            pending_length_ += take;
            bytes.remove_prefix(take);
            continue;
        }
        if (pending_.size() + take > reserve_threshold && pending_.capacity() < max_line_bytes_) {
            pending_.reserve(max_line_bytes_);
        }
        pending_.append(bytes.substr(0, take));
        bytes.remove_prefix(take);
    }
}

void LineSplitter::cut(LineSink& out) {
    if (counted_) {
        // pending_ is the line's last bytes: the same rule on them.
        const std::size_t incomplete = pending_.size() - utf8_complete_prefix(pending_);
        const std::size_t keep = pending_length_ - incomplete;
        emit_counted(keep == 0 ? pending_length_ : keep, LineEnding::None, true, out);
        return;
    }
    std::size_t keep = utf8_complete_prefix(pending_);
    if (keep == 0) {
        keep = pending_.size(); // the cap is too small to back off and still progress
    }
    if (keep == pending_.size()) {
        out.on_line(pending_, LineEnding::None, true, &pending_);
        pending_.clear();
        return;
    }
    out.on_line(std::string_view(pending_).substr(0, keep), LineEnding::None, true, nullptr);
    pending_.erase(0, keep);
}

} // namespace processkit
