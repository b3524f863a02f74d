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

/// How a line ended: None (end of stream, or a cut), or its terminator
/// `\n` (Lf), `\r\n` (CrLf) or a lone `\r` (Cr).
enum class LineEnding : unsigned char { None, Lf, CrLf, Cr };

/// The terminator's bytes; empty for LineEnding::None.
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

/// One line from a LineSplitter, owning its bytes.
struct Line {
    std::string content;                  ///< raw bytes, without the terminator
    LineEnding ending = LineEnding::None; ///< None: end of stream, or a cut
    bool cut = false;                     ///< split at max_line_bytes; the line goes on

    /// Bytes the line took in the input: content plus terminator.
    std::size_t raw_size() const { return content.size() + terminator_bytes(ending).size(); }
    friend bool operator==(const Line&, const Line&) = default;
};

/// Receives the lines of a LineSplitter without a copy per line.
class PROCESSKIT_CORE_EXPORT LineSink {
public:
    /// `content` is valid only during the call. `owned`, when not null, is the
    /// splitter's string holding exactly `content`: the sink may move from it
    /// (keeping a long line without copying it), and must then not read `content`.
    /// When `owned` is null and `cut` is false, `content` is a view of the
    /// chunk given to feed(), and valid as long as that chunk is.
    virtual void on_line(std::string_view content, LineEnding ending, bool cut,
                         std::string* owned) = 0;
    /// A line from a splitter that counts (LineSplitter::Content::Counted):
    /// only the length of its content is known. The default throws
    /// std::logic_error: a sink that wants these overrides it.
    virtual void on_counted_line(std::size_t content_bytes, LineEnding ending, bool cut);
    /// Whether this sink takes runs of whole lines in one call (on_lf_run).
    /// False by default: every line comes through on_line.
    virtual bool takes_lf_runs() const { return false; }
    /// `lines` (at least one) consecutive whole lines, each ended by a lone
    /// LF and none cut, as a view of the chunk given to feed() ("a\nb\n"):
    /// exactly the lines on_line would get, with LineEnding::Lf, in one call.
    /// Valid as long as that chunk is. The default passes each to on_line.
    virtual void on_lf_run(std::string_view run, std::size_t lines);

protected:
    LineSink() = default;
    /// Sinks may be copied by derived classes.
    LineSink(const LineSink&) = default;
    /// Sinks may be copied by derived classes.
    LineSink& operator=(const LineSink&) = default;
    ~LineSink() = default;
};

/// Splits one byte stream into lines whatever its chunking, by the rules at
/// the top of line_splitter.hpp. Feed chunks with feed(), then call finish()
/// once at the end of the stream.
class PROCESSKIT_CORE_EXPORT LineSplitter {
public:
    /// The default line cap: 1 MiB.
    static constexpr std::size_t default_max_line_bytes = 1024 * 1024;

    /// `max_line_bytes`: the longest line emitted whole; longer ones are cut
    /// (0 is taken as 1).
    explicit LineSplitter(std::size_t max_line_bytes = default_max_line_bytes);
    /// What a splitter keeps of an unfinished line.
    enum class Content {
        Kept,   ///< its bytes: lines go to LineSink::on_line
        Counted ///< its length only (and its last 3 bytes, for the UTF-8
                ///< rule of cuts): lines go to LineSink::on_counted_line, for
                ///< a caller that holds the bytes itself. Same lines, same cuts.
    };
    /// A splitter that keeps `content` of unfinished lines.
    LineSplitter(std::size_t max_line_bytes, Content content);

    /// Feeds a chunk; complete lines go to `sink`, in order.
    void feed(std::string_view chunk, LineSink& sink);
    /// End of stream: emits what is pending (a held CR, an unfinished line).
    void finish(LineSink& sink);
    /// The same, collecting owned lines into `out`.
    void feed(std::string_view chunk, std::vector<Line>& out);
    /// End of stream, collecting owned lines into `out`.
    void finish(std::vector<Line>& out);

    /// Bytes held for an unfinished line (never more than max_line_bytes).
    std::size_t pending_bytes() const { return counted_ ? pending_length_ : pending_.size(); }
    /// The line cap in effect (at least 1).
    std::size_t max_line_bytes() const { return max_line_bytes_; }

private:
    void hand_over(LineEnding ending, LineSink& sink);
    void cut(LineSink& sink);
    void append_content(std::string_view bytes, LineSink& sink);
    void end_line(std::string_view tail, LineEnding ending, LineSink& sink);
    std::size_t emit_lf_run(std::string_view region, LineSink& sink);

    void emit_counted(std::size_t keep, LineEnding ending, bool cut, LineSink& sink);
    std::size_t max_line_bytes_;
    bool counted_ = false;
    /// Kept: the unfinished line. Counted: its last (up to) 3 bytes.
    std::string pending_;
    std::size_t pending_length_ = 0; ///< Counted: the unfinished line's length
    bool held_cr_ = false;
};

} // namespace processkit
