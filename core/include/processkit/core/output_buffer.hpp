#pragma once
// What a run keeps of one output stream (C9). The pipe is always drained;
// the policy only decides what is stored. Counters always describe the whole
// stream, stored or not.
//
// Thread-safety: none; const members may be read from several threads
// while nobody writes.

#include "processkit/core/capture_store.hpp"
#include "processkit/core/export.hpp"
#include "processkit/core/lazy_deque.hpp"
#include "processkit/core/line_splitter.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {

/// What a run keeps of one captured stream (C9): everything, the oldest or
/// the newest bytes or lines up to a limit, or up to a limit and then an
/// OutputTooLarge error. A limit of 0 is no limit. The pipe is drained
/// whatever the policy.
struct BufferPolicy {
    /// What happens to output past the limit.
    enum class Mode : std::uint8_t {
        Unbounded,  ///< keep everything
        KeepOldest, ///< keep the first max_bytes / max_lines, drop the rest
        KeepNewest, ///< keep the last max_bytes / max_lines
        Fail,       ///< keep up to the limit, then report OutputTooLarge
    };
    /// The mode (default Unbounded).
    Mode mode = Mode::Unbounded;
    std::size_t max_bytes = 0; ///< 0: no byte limit
    std::size_t max_lines = 0; ///< 0: no line limit

    /// Keep everything (the default).
    static BufferPolicy unbounded() { return {}; }
    /// Keep the first `n` bytes: the line that crosses the limit is kept in
    /// part, nothing after it.
    static BufferPolicy keep_oldest_bytes(std::size_t n) { return {Mode::KeepOldest, n, 0}; }
    /// Keep the last `n` bytes; the oldest line kept may be partial.
    static BufferPolicy keep_newest_bytes(std::size_t n) { return {Mode::KeepNewest, n, 0}; }
    /// Keep the first `n` lines.
    static BufferPolicy keep_oldest_lines(std::size_t n) { return {Mode::KeepOldest, 0, n}; }
    /// Keep the last `n` lines.
    static BufferPolicy keep_newest_lines(std::size_t n) { return {Mode::KeepNewest, 0, n}; }
    /// Keep the first `n` bytes; output past them sets
    /// StreamCounters::overflowed and the run's error is OutputTooLarge.
    static BufferPolicy fail_past_bytes(std::size_t n) { return {Mode::Fail, n, 0}; }
    /// Keep the first `n` lines; a line past them sets
    /// StreamCounters::overflowed and the run's error is OutputTooLarge.
    static BufferPolicy fail_past_lines(std::size_t n) { return {Mode::Fail, 0, n}; }

    /// True if a limit applies: a mode other than Unbounded with a non-zero
    /// max_bytes or max_lines. Otherwise everything is kept.
    bool bounded() const { return mode != Mode::Unbounded && (max_bytes != 0 || max_lines != 0); }
    friend bool operator==(const BufferPolicy&, const BufferPolicy&) = default;
};

/// Figures describing a whole stream, whatever the policy stored.
struct StreamCounters {
    /// Bytes of the whole stream, line terminators included.
    std::uint64_t total_bytes = 0;
    /// Lines of the whole stream; each piece of a line cut at max_line_bytes
    /// counts as one.
    std::uint64_t total_lines = 0;
    /// Bytes not stored.
    std::uint64_t dropped_bytes = 0;
    std::uint64_t dropped_lines = 0; ///< lines not stored in full
    bool truncated = false;          ///< something was dropped
    bool overflowed = false;         ///< a Fail policy's limit was passed

    friend bool operator==(const StreamCounters&, const StreamCounters&) = default;
};

/// Stores one output stream's lines as a BufferPolicy allows, and counts
/// the whole stream (StreamCounters) whatever it stores.
class PROCESSKIT_CORE_EXPORT OutputBuffer {
public:
    /// An empty buffer storing per `policy`.
    explicit OutputBuffer(BufferPolicy policy = {});
    /// The same; an unbounded policy keeps its bytes in `store` (when not
    /// null) instead of blocks of its own. Bounded policies ignore it.
    OutputBuffer(BufferPolicy policy, std::unique_ptr<CaptureStore> store);

    /// Stores one line (content and terminator) as the policy allows.
    void push(const Line& line);
    /// The same, and may move from `line.content` (no copy of a long line).
    void push(Line&& line);
    /// The same for a line given as a view. `owned`, when not null, holds
    /// exactly `content` and may be moved from (no copy of a long line).
    void push(std::string_view content, LineEnding ending, std::string* owned = nullptr);
    /// The same for a line whose bytes stay valid until settle(). A buffer
    /// that keeps the newest few lines (KeepNewest, at most
    /// max_deferred_lines lines, no byte limit) only notes it, counters and
    /// all, so that of the many lines of one read only the ones still kept at
    /// settle() are copied. Other policies store it at once, as push() does.
    void push_until_settled(std::string_view content, LineEnding ending);
    /// push_until_settled() of each of `lines` whole lines, each ended by a
    /// lone LF ("a\nb\n"), with the same result. A buffer that defers lines
    /// notes only the newest lines it keeps; the older ones are only counted
    /// (as dropped), with no look at their bytes.
    void push_run_until_settled(std::string_view run, std::size_t lines);
    /// Stores the lines push_until_settled() only noted. Call it before the
    /// bytes they view go away and before reading the stored bytes (bytes(),
    /// segments(), stored_bytes()); push() and take_bytes() call it first.
    void settle();
    /// The most lines a KeepNewest policy may keep for push_until_settled()
    /// to defer them.
    static constexpr std::size_t max_deferred_lines = 8;
    /// Moves the stored bytes out (the buffer is left empty; counters stay).
    std::string take_bytes();

    /// Raw capture, where the buffer has a store: the stream's bytes go in as
    /// they arrive (append_raw), and a LineSplitter that counts
    /// (LineSplitter::Content::Counted) marks the lines (count_line); no
    /// line is ever copied. Bytes count as stored once a line covers them,
    /// so the buffer holds what push() would have stored.
    bool takes_raw_bytes() const { return store_ != nullptr; }
    /// Room at the store's end for `bytes` more to be read in place; empty if
    /// the store cannot offer it (or there is none). Valid until the next
    /// call on the buffer.
    std::span<char> writable_tail(std::size_t bytes);
    /// Appends stream bytes in raw capture: committed where they are when
    /// `bytes` starts the room writable_tail() gave last, copied otherwise.
    /// Throws std::logic_error without a store.
    void append_raw(std::string_view bytes);
    /// Marks the next line of the raw bytes: `content_bytes` and the
    /// terminator of `ending`.
    void count_line(std::size_t content_bytes, LineEnding ending);

    /// The stored bytes, exactly as the child wrote them (less what was dropped).
    std::string bytes() const;
    /// The stored lines, each as its raw bytes (content + terminator). A line
    /// cut by a byte limit is stored partially. The views are valid until the
    /// next push().
    std::vector<std::string_view> segments() const;
    /// Bytes stored now.
    std::size_t stored_bytes() const { return stored_bytes_; }
    /// Figures for the whole stream so far; take_bytes() leaves them.
    const StreamCounters& counters() const { return counters_; }
    /// The policy it stores by.
    const BufferPolicy& policy() const { return policy_; }

private:
    void push_unbounded(std::string_view content, std::string_view terminator, std::string* owned);
    /// A bounded policy's storing of one counted line.
    void store_bounded(std::string_view content, std::string_view terminator, std::string* owned);
    bool defers_lines() const;
    std::vector<std::string_view> unbounded_lines() const;
    std::string new_segment(std::size_t size);
    void recycle(std::string&& segment);
    void push_keep_oldest(std::string raw);
    void push_keep_newest(std::string raw);
    void replace_oldest(std::string_view content, std::string_view terminator);
    void drop(std::size_t bytes, bool whole_line);
    void drop_front_segment();
    void trim_front(std::size_t bytes);
    void apply_front_trim();

    BufferPolicy policy_;
    // Bounded policies store one segment per line. Unbounded stores blocks of
    // whole lines, and where each line ends (no allocation per line).
    // KeepNewest trims the front segment lazily (front_trim_ bytes of it are
    // already dropped): erasing a prefix of a large segment on every push
    // would be quadratic.
    // With a store, unbounded bytes live there instead, contiguous.
    LazyDeque<std::string> segments_;
    std::unique_ptr<CaptureStore> store_;
    std::span<char> offered_; // the room writable_tail() gave last
    std::vector<std::size_t> line_ends_;
    // A dropped segment's storage, reused by the next push: a buffer that keeps
    // the newest lines does not allocate per line.
    std::string spare_;
    std::size_t front_trim_ = 0;
    bool front_counted_ = false; ///< the front segment already counts as dropped
    bool closed_ = false;        ///< KeepOldest/Fail hit a limit: drop all that follows
    std::size_t stored_bytes_ = 0;
    StreamCounters counters_;
    // Lines noted by push_until_settled(), oldest at deferred_head_: a ring,
    // since the oldest goes each time a line comes to a full buffer.
    struct Deferred {
        std::string_view content;
        std::string_view terminator;
    };
    std::array<Deferred, max_deferred_lines> deferred_{};
    std::size_t deferred_head_ = 0;
    std::size_t deferred_size_ = 0;
};

} // namespace processkit
