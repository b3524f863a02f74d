// The copy-free line path: LineSplitter's sink API and OutputBuffer's view
// push, checked against the owning-Line API they must agree with.
#include "processkit/core/line_splitter.hpp"
#include "processkit/core/output_buffer.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {
namespace {

/// Records what the splitter hands out, and whether `owned` matched `content`.
class RecordingSink final : public LineSink {
public:
    void on_line(std::string_view content, LineEnding ending, bool cut,
                 std::string* owned) override {
        lines.push_back(Line{std::string(content), ending, cut}); // before `content` may go
        if (owned != nullptr) {
            owned_matches = owned_matches && *owned == content;
            ++owned_count;
            if (steal) {
                stolen.push_back(std::move(*owned));
            }
        }
    }

    std::vector<Line> lines;
    std::vector<std::string> stolen;
    bool steal = false;
    bool owned_matches = true;
    int owned_count = 0;
};

std::vector<Line> split_owning(std::string_view input, std::size_t cap, std::size_t chunk) {
    LineSplitter splitter(cap);
    std::vector<Line> out;
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        splitter.feed(input.substr(at, chunk), out);
    }
    splitter.finish(out);
    return out;
}

std::vector<Line> split_sink(std::string_view input, std::size_t cap, std::size_t chunk,
                             bool steal) {
    LineSplitter splitter(cap);
    RecordingSink sink;
    sink.steal = steal;
    for (std::size_t at = 0; at < input.size(); at += chunk) {
        splitter.feed(input.substr(at, chunk), sink);
    }
    splitter.finish(sink);
    EXPECT_TRUE(sink.owned_matches);
    return sink.lines;
}

TEST(LineSink, SameLinesAsTheOwningApiWhateverTheChunking) {
    const std::string input = "ab\ncd\r\nlong-line-here\rx\r\r\ny\xC3\xA9z-tail";
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 64u}) {
        for (bool steal : {false, true}) {
            EXPECT_EQ(split_sink(input, 5, chunk, steal), split_owning(input, 5, chunk))
                << "chunk " << chunk << " steal " << steal;
        }
    }
}

TEST(LineSink, ALineWithinOneChunkIsAViewNotAnOwnedString) {
    LineSplitter splitter;
    RecordingSink sink;
    splitter.feed("one\ntwo\n", sink);
    EXPECT_EQ(sink.owned_count, 0);
    splitter.feed("thr", sink);
    splitter.feed("ee\n", sink); // staged across chunks: may be moved from
    EXPECT_EQ(sink.owned_count, 1);
    ASSERT_EQ(sink.lines.size(), 3u);
    EXPECT_EQ(sink.lines[2].content, "three");
}

TEST(LineSink, StealingTheOwnedLineLeavesTheSplitterUsable) {
    LineSplitter splitter(4);
    RecordingSink sink;
    sink.steal = true;
    splitter.feed("abcdefgh", sink); // "abcd" cut, "efgh" pending
    splitter.feed("ij\nk", sink);    // "efgh" cut, "ij" ends
    splitter.finish(sink);
    ASSERT_EQ(sink.lines.size(), 4u);
    EXPECT_EQ(sink.stolen, (std::vector<std::string>{"abcd", "efgh", "ij", "k"}));
    EXPECT_EQ(splitter.pending_bytes(), 0u);
}

TEST(OutputBufferViews, ViewPushMatchesLinePushForEveryPolicy) {
    const std::vector<BufferPolicy> policies = {
        BufferPolicy::unbounded(),          BufferPolicy::keep_oldest_bytes(7),
        BufferPolicy::keep_newest_bytes(7), BufferPolicy::keep_newest_lines(2),
        BufferPolicy::fail_past_lines(2),
    };
    const std::vector<Line> lines = {
        {"ab", LineEnding::Lf, false},   {"", LineEnding::CrLf, false},
        {"cdef", LineEnding::Cr, false}, {std::string(5000, 'x'), LineEnding::Lf, false},
        {"g", LineEnding::None, false},
    };
    for (const BufferPolicy& policy : policies) {
        OutputBuffer by_line(policy);
        OutputBuffer by_view(policy);
        OutputBuffer by_owned(policy);
        for (const Line& line : lines) {
            by_line.push(line);
            by_view.push(line.content, line.ending);
            std::string owned = line.content;
            by_owned.push(owned, line.ending, &owned);
        }
        EXPECT_EQ(by_view.segments(), by_line.segments());
        EXPECT_EQ(by_owned.segments(), by_line.segments());
        EXPECT_EQ(by_view.counters(), by_line.counters());
        EXPECT_EQ(by_owned.counters(), by_line.counters());
        EXPECT_EQ(by_view.take_bytes(), by_line.bytes());
    }
}

TEST(OutputBufferViews, UnboundedKeepsEachLineAcrossManyBlocks) {
    OutputBuffer buffer;
    std::vector<std::string> expected;
    std::string all;
    for (int i = 0; i < 3000; ++i) {
        // Sizes vary so lines land at block ends; some are empty.
        const std::string content(static_cast<std::size_t>((i * 37) % 300),
                                  static_cast<char>('a' + i % 26));
        const LineEnding ending = i % 11 == 0 ? LineEnding::None : LineEnding::Lf;
        buffer.push(content, ending);
        expected.push_back(content + std::string(terminator_bytes(ending)));
        all += expected.back();
    }
    const std::vector<std::string_view> segments = buffer.segments();
    ASSERT_EQ(segments.size(), expected.size());
    for (std::size_t i = 0; i < expected.size(); ++i) {
        ASSERT_EQ(segments[i], expected[i]) << "line " << i;
    }
    EXPECT_EQ(buffer.stored_bytes(), all.size());
    EXPECT_EQ(buffer.bytes(), all);
    EXPECT_EQ(buffer.take_bytes(), all);
    EXPECT_EQ(buffer.stored_bytes(), 0u);
    EXPECT_TRUE(buffer.segments().empty());
}

TEST(OutputBufferViews, UnboundedCopiesAnOwnedLineThatWouldWasteCapacity) {
    OutputBuffer buffer;
    std::string owned;
    owned.reserve(1024 * 1024);
    owned.assign(8 * 1024, 'w');
    const char* storage = owned.data();
    buffer.push(owned, LineEnding::Lf, &owned);
    EXPECT_EQ(owned.size(), 8 * 1024u); // left to its owner
    const std::string bytes = buffer.take_bytes();
    EXPECT_NE(bytes.data(), storage);
    EXPECT_EQ(bytes, std::string(8 * 1024, 'w') + "\n");
}

TEST(OutputBufferViews, UnboundedMovesALongOwnedLineInsteadOfCopyingIt) {
    OutputBuffer buffer;
    std::string owned;
    owned.reserve(100 * 1024 + 1); // room for the terminator
    owned.assign(100 * 1024, 'z');
    const char* storage = owned.data();
    buffer.push(owned, LineEnding::Lf, &owned);
    const std::string bytes = buffer.take_bytes(); // one block: moved out, not joined
    EXPECT_EQ(bytes.data(), storage);
    EXPECT_EQ(bytes.size(), 100 * 1024 + 1u);
    EXPECT_EQ(bytes.back(), '\n');
}

} // namespace
} // namespace processkit
