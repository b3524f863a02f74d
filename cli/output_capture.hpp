#pragma once
// What `pk run --json` keeps of one output stream (S3): at most `cap` bytes,
// the first or the last ones, stored in fixed-size chunks. Memory is the kept
// bytes plus at most two chunks, whatever the output looks like (short lines,
// no line ends at all, NUL bytes); the pipe is always drained and what does
// not fit is counted and dropped.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace pk {

class OutputCapture {
public:
    static constexpr std::size_t chunk_bytes = std::size_t{1} << 20;

    /// Keeps everything.
    OutputCapture() = default;
    /// Keeps at most `cap` bytes (0: no limit): the last ones if `keep_tail`,
    /// else the first ones.
    OutputCapture(std::uint64_t cap, bool keep_tail);

    void append(std::string_view bytes);

    /// The kept bytes, in order, as views valid until the next append().
    std::vector<std::string_view> pieces() const;
    std::uint64_t kept_bytes() const { return kept_; }
    std::uint64_t total_bytes() const { return total_; }
    bool truncated() const { return total_ > kept_; }

private:
    void store(std::string_view bytes);
    void drop_front(std::uint64_t bytes);

    std::deque<std::string> chunks_; ///< each filled up to chunk_bytes, in order
    std::size_t front_offset_ = 0;   ///< bytes of the front chunk already dropped
    std::string spare_;              ///< a dropped chunk, reused by the next one
    std::uint64_t kept_ = 0;
    std::uint64_t total_ = 0;
    std::uint64_t cap_ = 0;
    bool keep_tail_ = false;
};

} // namespace pk
