#include "processkit/core/capture_store.hpp"
#include "processkit/core/line_splitter.hpp"
#include "processkit/core/output_buffer.hpp"

#include <algorithm>
#include <cstdint>
#include <deque>
#include <gtest/gtest.h>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {
namespace {

using Mode = BufferPolicy::Mode;
using Segments = std::deque<std::string>;

// The stored segments as owning strings, to compare with expectations.
Segments stored(const OutputBuffer& buffer) {
    Segments out;
    for (std::string_view s : buffer.segments()) {
        out.emplace_back(s);
    }
    return out;
}

/// Splits `input` into lines and pushes them all.
OutputBuffer fill(BufferPolicy policy, std::string_view input) {
    OutputBuffer buffer(policy);
    LineSplitter splitter;
    std::vector<Line> lines;
    splitter.feed(input, lines);
    splitter.finish(lines);
    for (const Line& line : lines) {
        buffer.push(line);
    }
    return buffer;
}

StreamCounters counters(std::uint64_t total_bytes, std::uint64_t total_lines,
                        std::uint64_t dropped_bytes, std::uint64_t dropped_lines,
                        bool overflowed = false) {
    return {total_bytes,
            total_lines,
            dropped_bytes,
            dropped_lines,
            dropped_bytes != 0 || dropped_lines != 0,
            overflowed};
}

TEST(OutputBuffer, UnboundedKeepsEverything) {
    const OutputBuffer buffer = fill(BufferPolicy::unbounded(), "a\nbb\r\nccc");
    EXPECT_EQ(buffer.bytes(), "a\nbb\r\nccc");
    EXPECT_EQ(stored(buffer), (Segments{"a\n", "bb\r\n", "ccc"}));
    EXPECT_EQ(buffer.stored_bytes(), 9u);
    EXPECT_EQ(buffer.counters(), counters(9, 3, 0, 0));
}

TEST(OutputBuffer, EmptyLineIsALine) {
    const OutputBuffer buffer = fill(BufferPolicy::unbounded(), "\n\r\n");
    EXPECT_EQ(stored(buffer), (Segments{"\n", "\r\n"}));
    EXPECT_EQ(buffer.counters(), counters(3, 2, 0, 0));
}

TEST(OutputBuffer, BoundedModeWithoutLimitsIsUnbounded) {
    for (Mode mode : {Mode::KeepOldest, Mode::KeepNewest, Mode::Fail}) {
        const OutputBuffer buffer = fill({mode, 0, 0}, "a\nb\nc\n");
        EXPECT_EQ(buffer.bytes(), "a\nb\nc\n");
        EXPECT_EQ(buffer.counters(), counters(6, 3, 0, 0));
    }
}

TEST(OutputBuffer, KeepOldestBytesStoresThePrefixOfTheLineThatDoesNotFit) {
    const OutputBuffer buffer = fill(BufferPolicy::keep_oldest_bytes(5), "ab\ncd\nef\n");
    EXPECT_EQ(stored(buffer), (Segments{"ab\n", "cd"}));
    EXPECT_EQ(buffer.bytes(), "ab\ncd");
    EXPECT_EQ(buffer.counters(), counters(9, 3, 4, 2));
}

TEST(OutputBuffer, KeepOldestBytesExactFitDropsNothingOfTheLastStoredLine) {
    const OutputBuffer buffer = fill(BufferPolicy::keep_oldest_bytes(6), "ab\ncd\nef\n");
    EXPECT_EQ(stored(buffer), (Segments{"ab\n", "cd\n"}));
    EXPECT_EQ(buffer.counters(), counters(9, 3, 3, 1));
}

TEST(OutputBuffer, KeepOldestStoresNothingAfterALineDidNotFit) {
    OutputBuffer buffer(BufferPolicy::keep_oldest_bytes(3));
    buffer.push({"abcd", LineEnding::Lf, false});
    buffer.push({"", LineEnding::None, false}); // zero bytes, but after the overflow
    EXPECT_EQ(stored(buffer), (Segments{"abc"}));
    EXPECT_EQ(buffer.counters(), counters(5, 2, 2, 2));
}

TEST(OutputBuffer, KeepOldestLines) {
    const OutputBuffer buffer = fill(BufferPolicy::keep_oldest_lines(2), "a\nb\nc\nd");
    EXPECT_EQ(stored(buffer), (Segments{"a\n", "b\n"}));
    EXPECT_EQ(buffer.counters(), counters(7, 4, 3, 2));
}

TEST(OutputBuffer, KeepOldestBothLimitsWhicheverComesFirst) {
    const OutputBuffer by_bytes = fill({Mode::KeepOldest, 5, 2}, "ab\ncd\nef\n");
    EXPECT_EQ(stored(by_bytes), (Segments{"ab\n", "cd"}));
    EXPECT_EQ(by_bytes.counters(), counters(9, 3, 4, 2));

    const OutputBuffer by_lines = fill({Mode::KeepOldest, 100, 2}, "ab\ncd\nef\n");
    EXPECT_EQ(stored(by_lines), (Segments{"ab\n", "cd\n"}));
    EXPECT_EQ(by_lines.counters(), counters(9, 3, 3, 1));
}

TEST(OutputBuffer, KeepNewestLines) {
    const OutputBuffer buffer = fill(BufferPolicy::keep_newest_lines(2), "a\nb\nc\nd");
    EXPECT_EQ(stored(buffer), (Segments{"c\n", "d"}));
    EXPECT_EQ(buffer.counters(), counters(7, 4, 4, 2));
}

TEST(OutputBuffer, KeepNewestLinesReusesTheOldestLineWithoutMixingContent) {
    // At the limit the newest line is written into the oldest one's storage:
    // a short line after a long one must not keep the long one's tail.
    OutputBuffer buffer(BufferPolicy::keep_newest_lines(1));
    buffer.push(Line{"a rather long first line", LineEnding::Lf, false});
    buffer.push(Line{"b", LineEnding::CrLf, false});
    EXPECT_EQ(buffer.bytes(), "b\r\n");
    buffer.push(Line{"", LineEnding::None, false});
    EXPECT_EQ(buffer.bytes(), "");
    buffer.push(Line{"c", LineEnding::Lf, false});
    EXPECT_EQ(stored(buffer), (Segments{"c\n"}));
    EXPECT_EQ(buffer.stored_bytes(), 2u);
    EXPECT_EQ(buffer.counters(), counters(25 + 3 + 0 + 2, 4, 25 + 3 + 0, 3));
}

TEST(OutputBuffer, DeferredLinesStoreAndCountExactlyAsPushedOnes) {
    // Reads of lines pushed until settled, against the same lines pushed one
    // by one, for every policy: the same bytes, segments and counters after
    // each read, including a line pushed with push() in the middle of one.
    const std::vector<BufferPolicy> policies{
        BufferPolicy::keep_newest_lines(1),
        BufferPolicy::keep_newest_lines(3),
        BufferPolicy::keep_newest_lines(OutputBuffer::max_deferred_lines),
        BufferPolicy::keep_newest_lines(OutputBuffer::max_deferred_lines + 1),
        BufferPolicy::keep_newest_bytes(7),
        BufferPolicy::keep_oldest_lines(2),
        BufferPolicy::fail_past_lines(4),
        BufferPolicy::unbounded()};
    const std::vector<std::vector<std::string>> reads{
        {"one", "two", "three", "four", "five"},
        {"6"},
        {},
        {"a longer seventh line", "", "9"},
        {"ten", "eleven", "twelve", "13", "14", "15", "16", "17", "18", "19", "20"}};
    for (const auto& policy : policies) {
        OutputBuffer deferred(policy);
        OutputBuffer pushed(policy);
        std::size_t n = 0;
        for (const auto& read : reads) {
            for (const auto& line : read) {
                const LineEnding ending = ++n % 3 == 0 ? LineEnding::CrLf : LineEnding::Lf;
                if (n == 12) {
                    std::string owned = line;
                    deferred.push(owned, ending, &owned); // stores what was noted first
                } else {
                    deferred.push_until_settled(line, ending);
                }
                pushed.push(line, ending);
                EXPECT_EQ(deferred.counters(), pushed.counters()) << "line " << n;
            }
            deferred.settle();
            EXPECT_EQ(stored(deferred), stored(pushed)) << "after line " << n;
            EXPECT_EQ(deferred.stored_bytes(), pushed.stored_bytes());
        }
        EXPECT_EQ(deferred.take_bytes(), pushed.take_bytes());
        EXPECT_EQ(deferred.counters(), pushed.counters());
    }
}

TEST(OutputBuffer, DeferredLinesAreCopiedAtSettleNotBefore) {
    // Only the kept line's bytes are read, at settle(): the others may be
    // gone by then (they are counted, never copied).
    OutputBuffer buffer(BufferPolicy::keep_newest_lines(1));
    std::string read = "old\nnew\n";
    buffer.push_until_settled(std::string_view(read).substr(0, 3), LineEnding::Lf);
    buffer.push_until_settled(std::string_view(read).substr(4, 3), LineEnding::Lf);
    read.replace(0, 3, "XXX"); // the dropped line's bytes change: no effect
    buffer.settle();
    read.assign("overwritten"); // after settle() the buffer holds its own copy
    EXPECT_EQ(buffer.bytes(), "new\n");
    EXPECT_EQ(buffer.counters(), counters(8, 2, 4, 1));
}

TEST(OutputBuffer, KeepNewestBytesDropsWholeSegments) {
    const OutputBuffer buffer = fill(BufferPolicy::keep_newest_bytes(6), "ab\ncd\nef\n");
    EXPECT_EQ(stored(buffer), (Segments{"cd\n", "ef\n"}));
    EXPECT_EQ(buffer.counters(), counters(9, 3, 3, 1));
}

TEST(OutputBuffer, KeepNewestBytesKeepsExactlyTheNewestBytes) {
    const OutputBuffer buffer = fill(BufferPolicy::keep_newest_bytes(4), "ab\ncd\nef\n");
    EXPECT_EQ(stored(buffer), (Segments{"\n", "ef\n"}));
    EXPECT_EQ(buffer.bytes(), "\nef\n");
    EXPECT_EQ(buffer.stored_bytes(), 4u);
    EXPECT_EQ(buffer.counters(), counters(9, 3, 5, 2));
}

TEST(OutputBuffer, KeepNewestCountsAPartlyTrimmedLineOnce) {
    OutputBuffer buffer(BufferPolicy::keep_newest_bytes(5));
    buffer.push({"abcdefgh", LineEnding::Lf, false});
    EXPECT_EQ(stored(buffer), (Segments{"efgh\n"}));
    EXPECT_EQ(buffer.counters(), counters(9, 1, 4, 1));

    buffer.push({"x", LineEnding::Lf, false}); // trims the same line again
    EXPECT_EQ(stored(buffer), (Segments{"gh\n", "x\n"}));
    EXPECT_EQ(buffer.counters(), counters(11, 2, 6, 1));

    buffer.push({"y", LineEnding::Lf, false});
    EXPECT_EQ(stored(buffer), (Segments{"\n", "x\n", "y\n"}));
    EXPECT_EQ(buffer.counters(), counters(13, 3, 8, 1));

    buffer.push({"z", LineEnding::Lf, false}); // drops its rest, trims "x\n"
    EXPECT_EQ(stored(buffer), (Segments{"\n", "y\n", "z\n"}));
    EXPECT_EQ(buffer.bytes(), "\ny\nz\n");
    EXPECT_EQ(buffer.counters(), counters(15, 4, 10, 2));
}

TEST(OutputBuffer, KeepNewestBytesOfALargeLineTrimmedManyTimes) {
    // Many small pushes trimming one large front segment (the lazy-trim path).
    OutputBuffer buffer(BufferPolicy::keep_newest_bytes(1000));
    buffer.push({std::string(1000, 'L'), LineEnding::None, false});
    std::string expected(1000, 'L');
    for (int i = 0; i < 900; ++i) {
        buffer.push({"", LineEnding::Lf, false});
        expected = expected.substr(1) + "\n";
        ASSERT_EQ(buffer.stored_bytes(), 1000u);
        if (i % 97 == 0) {
            ASSERT_EQ(buffer.bytes(), expected);
        }
    }
    EXPECT_EQ(buffer.bytes(), expected);
    EXPECT_EQ(stored(buffer).front(), std::string(100, 'L'));
    EXPECT_EQ(buffer.counters(), counters(1900, 901, 900, 1));
}

TEST(OutputBuffer, KeepNewestBothLimits) {
    OutputBuffer buffer({Mode::KeepNewest, 5, 2});
    buffer.push({"aaaa", LineEnding::Lf, false});
    buffer.push({"b", LineEnding::Lf, false}); // over the byte limit: trims "aa"
    EXPECT_EQ(stored(buffer), (Segments{"aa\n", "b\n"}));
    buffer.push({"c", LineEnding::Lf, false}); // over the line limit: drops the rest
    EXPECT_EQ(stored(buffer), (Segments{"b\n", "c\n"}));
    EXPECT_EQ(buffer.counters(), counters(9, 3, 5, 1));
}

TEST(OutputBuffer, FailStoresLikeKeepOldestAndOverflows) {
    const OutputBuffer buffer = fill(BufferPolicy::fail_past_bytes(4), "ab\ncd\n");
    EXPECT_EQ(stored(buffer), (Segments{"ab\n", "c"}));
    EXPECT_EQ(buffer.counters(), counters(6, 2, 2, 1, true));

    const OutputBuffer lines = fill(BufferPolicy::fail_past_lines(1), "ab\ncd\n");
    EXPECT_EQ(stored(lines), (Segments{"ab\n"}));
    EXPECT_EQ(lines.counters(), counters(6, 2, 3, 1, true));
}

TEST(OutputBuffer, FailWithinTheLimitDoesNotOverflow) {
    const OutputBuffer buffer = fill(BufferPolicy::fail_past_bytes(6), "ab\ncd\n");
    EXPECT_EQ(buffer.bytes(), "ab\ncd\n");
    EXPECT_EQ(buffer.counters(), counters(6, 2, 0, 0));
}

TEST(OutputBuffer, OnlyFailOverflows) {
    EXPECT_FALSE(fill(BufferPolicy::keep_oldest_bytes(1), "ab\n").counters().overflowed);
    EXPECT_FALSE(fill(BufferPolicy::keep_newest_bytes(1), "ab\n").counters().overflowed);
}

// --- Invariants over pseudo-random pushes, against a one-shot model ---------

/// Fixed-seed LCG: the same sequence on every platform.
class Lcg {
public:
    std::uint32_t next() {
        state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<std::uint32_t>(state_ >> 33);
    }
    std::size_t below(std::size_t n) { return next() % n; }

private:
    std::uint64_t state_ = 0x5eed;
};

Line random_line(Lcg& rng) {
    Line line;
    line.content = std::string(rng.below(12), static_cast<char>('a' + rng.below(26)));
    line.ending = static_cast<LineEnding>(rng.below(4));
    if (line.content.empty() && line.ending == LineEnding::None) {
        line.ending = LineEnding::Lf; // the splitter never yields an empty unterminated line
    }
    return line;
}

/// What `policy` should hold after `raws` (none of them empty) were pushed,
/// computed in one go: the first/last max_lines lines, then the first/last
/// max_bytes bytes of those.
Segments expected_segments(const BufferPolicy& policy, const std::vector<std::string>& raws) {
    if (!policy.bounded()) {
        return Segments(raws.begin(), raws.end());
    }
    const bool newest = policy.mode == Mode::KeepNewest;
    std::size_t first = 0;
    std::size_t count = raws.size();
    if (policy.max_lines != 0 && count > policy.max_lines) {
        first = newest ? count - policy.max_lines : 0;
        count = policy.max_lines;
    }
    std::size_t budget = policy.max_bytes != 0 ? policy.max_bytes : SIZE_MAX;
    Segments kept;
    for (std::size_t k = 0; k < count && budget != 0; ++k) {
        const std::string& raw = raws[newest ? first + count - 1 - k : first + k];
        const std::size_t take = std::min(raw.size(), budget);
        budget -= take;
        if (newest) {
            kept.push_front(raw.substr(raw.size() - take));
        } else {
            kept.push_back(raw.substr(0, take));
        }
        if (take < raw.size()) {
            break;
        }
    }
    return kept;
}

void check_invariants(const OutputBuffer& buffer, const std::vector<std::string>& raws) {
    const BufferPolicy& policy = buffer.policy();
    const StreamCounters& c = buffer.counters();
    const Segments segments = stored(buffer);

    std::string concatenated;
    std::uint64_t total = 0;
    for (const std::string& s : segments) {
        concatenated += s;
    }
    for (const std::string& s : raws) {
        total += s.size();
    }
    ASSERT_EQ(buffer.bytes(), concatenated);
    ASSERT_EQ(buffer.stored_bytes(), concatenated.size());
    ASSERT_EQ(c.total_bytes, total);
    ASSERT_EQ(c.total_lines, raws.size());
    ASSERT_EQ(buffer.stored_bytes() + c.dropped_bytes, c.total_bytes);
    ASSERT_EQ(c.truncated, c.dropped_bytes != 0 || c.dropped_lines != 0);
    ASSERT_EQ(c.overflowed, policy.mode == Mode::Fail && c.truncated);
    if (policy.bounded() && policy.max_bytes != 0) {
        ASSERT_LE(buffer.stored_bytes(), policy.max_bytes);
    }
    if (policy.bounded() && policy.max_lines != 0) {
        ASSERT_LE(segments.size(), policy.max_lines);
    }
    ASSERT_EQ(segments, expected_segments(policy, raws));

    // A line is dropped (once) unless it is stored in full.
    std::uint64_t whole = 0;
    for (std::size_t i = 0; i < segments.size(); ++i) {
        const std::size_t line = policy.mode == Mode::KeepNewest && policy.bounded()
                                     ? raws.size() - segments.size() + i
                                     : i;
        whole += segments[i] == raws[line] ? 1U : 0U;
    }
    ASSERT_EQ(c.dropped_lines, c.total_lines - whole);
}

TEST(OutputBuffer, InvariantsHoldOverRandomPushes) {
    std::vector<BufferPolicy> policies = {BufferPolicy::unbounded()};
    for (Mode mode : {Mode::KeepOldest, Mode::KeepNewest, Mode::Fail}) {
        for (std::size_t bytes : {0u, 1u, 7u, 40u}) {
            for (std::size_t lines : {0u, 1u, 3u, 10u}) {
                policies.push_back({mode, bytes, lines});
            }
        }
    }
    Lcg rng;
    for (const BufferPolicy& policy : policies) {
        OutputBuffer buffer(policy);
        std::vector<std::string> raws;
        for (int i = 0; i < 200; ++i) {
            const Line line = random_line(rng);
            raws.push_back(line.content + std::string(terminator_bytes(line.ending)));
            buffer.push(line);
            check_invariants(buffer, raws);
            if (HasFatalFailure()) {
                FAIL() << "policy mode " << static_cast<int>(policy.mode) << " bytes "
                       << policy.max_bytes << " lines " << policy.max_lines << " push " << i;
            }
        }
    }
}

/// A store that records how it was used, over a StringCaptureStore.
class CountingStore final : public CaptureStore {
public:
    explicit CountingStore(int* takes)
        : takes_(takes) {}
    void append(std::string_view first, std::string_view second) override {
        inner_.append(first, second);
    }
    std::string_view view() const noexcept override { return inner_.view(); }
    std::string take() override {
        ++*takes_;
        return inner_.take();
    }

private:
    StringCaptureStore inner_;
    int* takes_;
};

TEST(OutputBuffer, AStoreHoldsTheSameAsTheBlocks) {
    // Owned long lines (moved in as blocks without a store) and short ones
    // alike: with a store every view, byte and counter is the same.
    Lcg rng;
    int takes = 0;
    OutputBuffer blocks(BufferPolicy::unbounded());
    OutputBuffer stored_in(BufferPolicy::unbounded(), std::make_unique<CountingStore>(&takes));
    std::vector<std::string> raws;
    for (int i = 0; i < 300; ++i) {
        Line line = random_line(rng);
        if (i % 50 == 7) {
            line.content.assign(9000 + rng.below(3000), 'L'); // past the block size
        }
        raws.push_back(line.content + std::string(terminator_bytes(line.ending)));
        Line copy = line;
        blocks.push(std::move(line));
        stored_in.push(std::move(copy)); // may be moved from: the store copies it
        check_invariants(stored_in, raws);
        ASSERT_FALSE(HasFatalFailure()) << "push " << i;
    }
    EXPECT_EQ(stored(stored_in), stored(blocks));
    EXPECT_EQ(stored_in.bytes(), blocks.bytes());
    EXPECT_EQ(stored_in.counters(), blocks.counters());
    const std::string expected = blocks.take_bytes();
    EXPECT_EQ(stored_in.take_bytes(), expected);
    EXPECT_EQ(takes, 1);
    EXPECT_EQ(stored_in.stored_bytes(), 0u);
    EXPECT_TRUE(stored_in.segments().empty());
}

TEST(OutputBuffer, ABoundedPolicyMakesNoUseOfAStore) {
    int takes = 0;
    OutputBuffer buffer(BufferPolicy::keep_newest_lines(1),
                        std::make_unique<CountingStore>(&takes));
    buffer.push(Line{"a", LineEnding::Lf, false});
    buffer.push(Line{"b", LineEnding::Lf, false});
    EXPECT_EQ(buffer.take_bytes(), "b\n");
    EXPECT_EQ(takes, 0);
}

TEST(StringCaptureStore, AppendsViewsAndHandsOver) {
    StringCaptureStore store;
    store.append("ab", "\r\n");
    store.append("c");
    EXPECT_EQ(store.view(), "ab\r\nc");
    EXPECT_EQ(store.take(), "ab\r\nc");
    EXPECT_EQ(store.view(), "");
    store.append("again");
    EXPECT_EQ(store.take(), "again");
}

TEST(OutputBuffer, ARunOfLinesIsStoredAndCountedAsItsLinesOneByOne) {
    // push_run_until_settled() notes only the newest lines a small KeepNewest
    // buffer keeps; whatever the policy and whatever the buffer held before,
    // it must end as pushing the run's lines one by one does.
    const std::vector<BufferPolicy> policies{
        BufferPolicy::keep_newest_lines(1),
        BufferPolicy::keep_newest_lines(3),
        BufferPolicy::keep_newest_lines(OutputBuffer::max_deferred_lines),
        BufferPolicy::keep_newest_lines(OutputBuffer::max_deferred_lines + 1),
        BufferPolicy::keep_newest_bytes(50),
        BufferPolicy::keep_oldest_lines(4),
        BufferPolicy::unbounded()};
    const std::vector<std::string> before{"", "held\n", "one\ntwo\nthree\n",
                                          "1\n2\n3\n4\n5\n6\n7\n8\n9\n"};
    const std::vector<std::string> runs{"\n",
                                        "a\n",
                                        "a\nbb\n",
                                        "x\n\n\ny\n",
                                        "1\n22\n333\n4444\n55555\n666666\n7777777\n",
                                        "l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\nl10\nl11\n"};
    const auto lines_of = [](std::string_view text) {
        std::vector<std::string_view> lines;
        while (!text.empty()) {
            const std::size_t end = text.find('\n');
            lines.push_back(text.substr(0, end));
            text.remove_prefix(end + 1);
        }
        return lines;
    };
    for (const BufferPolicy& policy : policies) {
        for (const std::string& held : before) {
            for (const bool held_settled : {false, true}) {
                for (const std::string& run : runs) {
                    OutputBuffer one_by_one(policy);
                    OutputBuffer by_run(policy);
                    for (std::string_view line : lines_of(held)) {
                        one_by_one.push_until_settled(line, LineEnding::Lf);
                        by_run.push_until_settled(line, LineEnding::Lf);
                    }
                    if (held_settled) {
                        one_by_one.settle();
                        by_run.settle();
                    }
                    const auto lines = lines_of(run);
                    for (std::string_view line : lines) {
                        one_by_one.push_until_settled(line, LineEnding::Lf);
                    }
                    by_run.push_run_until_settled(run, lines.size());
                    one_by_one.settle();
                    by_run.settle();
                    const std::string where = "held '" + held + "' run '" + run + "' policy " +
                                              std::to_string(policy.max_lines) + "/" +
                                              std::to_string(policy.max_bytes);
                    EXPECT_EQ(by_run.bytes(), one_by_one.bytes()) << where;
                    EXPECT_EQ(by_run.counters(), one_by_one.counters()) << where;
                    EXPECT_EQ(stored(by_run), stored(one_by_one)) << where;
                    EXPECT_EQ(by_run.stored_bytes(), one_by_one.stored_bytes()) << where;
                }
            }
        }
    }
}

} // namespace
} // namespace processkit
