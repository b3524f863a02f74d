#pragma once

#include "processkit/core/export.hpp"
// Splits a byte stream into lines, independently of how it was chunked.
//
// - "\n", "\r\n" and a lone "\r" each end a line; the terminator is reported
//   but is not part of the line's content.
// - A "\r" at the end of a chunk is held until the next byte (or the end of
//   the stream) tells whether it is half of a "\r\n": a line ended by a lone CR
//   is therefore delivered when the following byte arrives.
// - An unfinished line never grows past max_line_bytes: when a line already
//   holds max_line_bytes and more content arrives, the bytes so far are
//   emitted as a line marked `cut` and the rest continues as the next line. The cut never splits a
//   UTF-8 sequence that could still complete (it backs off by at most 3 bytes), unless backing off
//   would leave nothing to emit (a cap below 4): progress wins. A max_line_bytes of 0 is taken
//   as 1. A line of exactly max_line_bytes followed by its terminator is not cut.
// - finish() emits the unterminated last line, if any.
//
// Concatenating content + terminator of every line reproduces the input
// byte for byte.
//
// Thread-safety: none; one splitter per stream, used from one thread.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {

enum class LineEnding : unsigned char { None, Lf, CrLf, Cr };

constexpr std::string_view terminator_bytes(LineEnding e) {
    switch (e) {
    case LineEnding::Lf:
        return "\n";
    case LineEnding::CrLf:
        return "\r\n";
    case LineEnding::Cr:
        return "\r";
    case LineEnding::None:
        break;
    }
    return "";
}

struct Line {
    std::string content;                  ///< raw bytes, without the terminator
    LineEnding ending = LineEnding::None; ///< None: end of stream, or a cut
    bool cut = false;                     ///< split at max_line_bytes; the line goes on

    std::size_t raw_size() const { return content.size() + terminator_bytes(ending).size(); }
    friend bool operator==(const Line&, const Line&) = default;
};

/// Receives the lines of a LineSplitter without a copy per line.
class PROCESSKIT_CORE_EXPORT LineSink {
public:
    /// `content` is valid only during the call. `owned`, when not null, is the
    /// splitter's string holding exactly `content`: the sink may move from it
    /// (keeping a long line without copying it), and must then not read `content`.
    virtual void on_line(std::string_view content, LineEnding ending, bool cut,
                         std::string* owned) = 0;

protected:
    LineSink() = default;
    LineSink(const LineSink&) = default;
    LineSink& operator=(const LineSink&) = default;
    ~LineSink() = default;
};

class PROCESSKIT_CORE_EXPORT LineSplitter {
public:
    static constexpr std::size_t default_max_line_bytes = 1024 * 1024;

    explicit LineSplitter(std::size_t max_line_bytes = default_max_line_bytes);

    /// Feeds a chunk; complete lines go to `sink`, in order.
    void feed(std::string_view chunk, LineSink& sink);
    /// End of stream: emits what is pending (a held CR, an unfinished line).
    void finish(LineSink& sink);
    /// The same, collecting owned lines into `out`.
    void feed(std::string_view chunk, std::vector<Line>& out);
    void finish(std::vector<Line>& out);

    /// Bytes held for an unfinished line (never more than max_line_bytes).
    std::size_t pending_bytes() const { return pending_.size(); }
    std::size_t max_line_bytes() const { return max_line_bytes_; }

private:
    void hand_over(LineEnding ending, LineSink& sink);
    void cut(LineSink& sink);
    void append_content(std::string_view bytes, LineSink& sink);
    void end_line(std::string_view tail, LineEnding ending, LineSink& sink);

    std::size_t max_line_bytes_;
    std::string pending_;
    bool held_cr_ = false;
};

} // namespace processkit
