#include "processkit/core/line_splitter.hpp"
#include "processkit/core/utf8.hpp"

#include <algorithm>
#include <gtest/gtest.h>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace processkit {

// Readable failure messages (found by ADL; static so other test files may
// define their own).
static void PrintTo(const Line& line, std::ostream* os) {
    static constexpr const char* endings[] = {"None", "Lf", "CrLf", "Cr"};
    *os << testing::PrintToString(line.content) << '/' << endings[static_cast<int>(line.ending)]
        << (line.cut ? "/cut" : "");
}

namespace {

using Lines = std::vector<Line>;

Line lf(std::string s) {
    return {std::move(s), LineEnding::Lf, false};
}
Line crlf(std::string s) {
    return {std::move(s), LineEnding::CrLf, false};
}
Line cr(std::string s) {
    return {std::move(s), LineEnding::Cr, false};
}
Line last(std::string s) {
    return {std::move(s), LineEnding::None, false};
}
Line cut(std::string s) {
    return {std::move(s), LineEnding::None, true};
}

/// Feeds `chunks` in order, then finishes.
Lines split_chunks(const std::vector<std::string_view>& chunks,
                   std::size_t cap = LineSplitter::default_max_line_bytes) {
    LineSplitter splitter(cap);
    Lines out;
    for (std::string_view chunk : chunks) {
        splitter.feed(chunk, out);
        EXPECT_LE(splitter.pending_bytes(), splitter.max_line_bytes());
    }
    splitter.finish(out);
    EXPECT_EQ(splitter.pending_bytes(), 0u);
    return out;
}

Lines split(std::string_view input, std::size_t cap = LineSplitter::default_max_line_bytes) {
    return split_chunks({input}, cap);
}

Lines split_bytewise(std::string_view input, std::size_t cap) {
    std::vector<std::string_view> chunks;
    for (std::size_t i = 0; i < input.size(); ++i) {
        chunks.push_back(input.substr(i, 1));
    }
    return split_chunks(chunks, cap);
}

std::string reconstruct(const Lines& lines) {
    std::string out;
    for (const Line& line : lines) {
        out += line.content;
        out += terminator_bytes(line.ending);
    }
    return out;
}

TEST(LineSplitter, EachEndingEndsALine) {
    EXPECT_EQ(split("a\nb\r\nc\rd"), (Lines{lf("a"), crlf("b"), cr("c"), last("d")}));
}

TEST(LineSplitter, EmptyStreamYieldsNoLines) {
    EXPECT_TRUE(split("").empty());
    EXPECT_TRUE(split_chunks({"", "", ""}).empty());
}

TEST(LineSplitter, TrailingNewlineYieldsNoEmptyLastLine) {
    EXPECT_EQ(split("a\n"), (Lines{lf("a")}));
}

TEST(LineSplitter, EmptyLinesAreLines) {
    EXPECT_EQ(split("\n\n"), (Lines{lf(""), lf("")}));
    EXPECT_EQ(split("\r\n\r\n"), (Lines{crlf(""), crlf("")}));
    EXPECT_EQ(split("\r\r"), (Lines{cr(""), cr("")}));
    EXPECT_EQ(split("x\n\ny"), (Lines{lf("x"), lf(""), last("y")}));
}

TEST(LineSplitter, CrLfSplitAcrossChunks) {
    EXPECT_EQ(split_chunks({"a\r", "\nb\n"}), (Lines{crlf("a"), lf("b")}));
    EXPECT_EQ(split_chunks({"a\r", "", "\n"}), (Lines{crlf("a")}));
}

TEST(LineSplitter, CrAtChunkEndIsHeldUntilTheNextByte) {
    LineSplitter splitter;
    Lines out;
    splitter.feed("a\r", out);
    EXPECT_TRUE(out.empty());
    splitter.feed("b", out);
    EXPECT_EQ(out, (Lines{cr("a")}));
}

TEST(LineSplitter, CrAtEndOfStreamIsALoneCr) {
    EXPECT_EQ(split("a\r"), (Lines{cr("a")}));
    EXPECT_EQ(split("\r"), (Lines{cr("")}));
}

TEST(LineSplitter, CrCrLfIsALoneCrThenCrLf) {
    EXPECT_EQ(split("\r\r\n"), (Lines{cr(""), crlf("")}));
    EXPECT_EQ(split_chunks({"a\r", "\r", "\n"}), (Lines{cr("a"), crlf("")}));
}

TEST(LineSplitter, LfCrIsTwoLines) {
    EXPECT_EQ(split("a\n\rb"), (Lines{lf("a"), cr(""), last("b")}));
}

TEST(LineSplitter, ZeroCapIsTakenAsOne) {
    EXPECT_EQ(LineSplitter(0).max_line_bytes(), 1u);
    EXPECT_EQ(split("ab", 0), (Lines{cut("a"), last("b")}));
}

TEST(LineSplitter, LongLineIsCutAtTheCap) {
    EXPECT_EQ(split("abcdefgh\n", 3), (Lines{cut("abc"), cut("def"), lf("gh")}));
}

TEST(LineSplitter, LineOfExactlyTheCapIsNotCut) {
    // A cut happens only when content arrives for a line already at the cap.
    EXPECT_EQ(split("abc\n", 3), (Lines{lf("abc")}));
    EXPECT_EQ(split("abc\r\n", 3), (Lines{crlf("abc")}));
    EXPECT_EQ(split("abcd\n", 3), (Lines{cut("abc"), lf("d")}));
    EXPECT_EQ(split("ab\n", 3), (Lines{lf("ab")}));
}

TEST(LineSplitter, FullLineIsCutWhenMoreContentArrives) {
    LineSplitter splitter(4);
    Lines out;
    splitter.feed("abcd", out);
    EXPECT_TRUE(out.empty());
    EXPECT_EQ(splitter.pending_bytes(), 4u) << "never more than the cap";
    splitter.feed("e", out);
    EXPECT_EQ(out, (Lines{cut("abcd")}));
    EXPECT_EQ(splitter.pending_bytes(), 1u);
}

TEST(LineSplitter, CutBacksOffToKeepUtf8SequencesWhole) {
    // "ab" + 😀 (4 bytes): a cap of 5 would split the emoji after 3 bytes.
    EXPECT_EQ(split("ab\xF0\x9F\x98\x80\n", 5), (Lines{cut("ab"), lf("\xF0\x9F\x98\x80")}));
    // é split by a cap of 3 after "ab".
    EXPECT_EQ(split("ab\xC3\xA9xy", 3), (Lines{cut("ab"), cut("\xC3\xA9x"), last("y")}));
}

TEST(LineSplitter, CutDoesNotBackOffForInvalidBytes) {
    // F0 80 can never complete, so it is cut like any other bytes.
    EXPECT_EQ(split("ab\xF0\x80xy", 4), (Lines{cut("ab\xF0\x80"), last("xy")}));
}

TEST(LineSplitter, CutBelowFourBytesStillProgresses) {
    // A cap of 2 cannot hold a 4-byte sequence; emit the cap rather than stall.
    EXPECT_EQ(split("\xF0\x9F\x98\x80", 2), (Lines{cut("\xF0\x9F"), last("\x98\x80")}));
    EXPECT_EQ(split("\xF0\x9F\x98\x80", 1),
              (Lines{cut("\xF0"), cut("\x9F"), cut("\x98"), last("\x80")}));
}

TEST(LineSplitter, HeldCrKeepsThePendingLine) {
    EXPECT_EQ(split_chunks({"ab\r"}, 3), (Lines{cr("ab")}));
    EXPECT_EQ(split_chunks({"ab\r", "c"}, 3), (Lines{cr("ab"), last("c")}));
}

TEST(LineSplitter, ReconstructsInputByteForByte) {
    const std::string input = "one\r\ntwo\nthree\rfour\r\r\n\n\xFF\xC3\xA9 long line here\r";
    for (std::size_t cap : {1u, 2u, 3u, 5u, 64u}) {
        EXPECT_EQ(reconstruct(split(input, cap)), input) << cap;
    }
}

// Sample outputs that stress the chunk-independence guarantee.
const std::vector<std::string>& tricky_samples() {
    static const std::vector<std::string> samples = {
        "",
        "\n",
        "\r",
        "\r\n",
        "\r\r\n\n\r",
        "a\nb\r\nc\rd",
        "trailing unterminated",
        "mixed\r\nendings\nand\rlone\r\rcrs\r\n\r\n",
        "ends with cr\r",
        "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\r\n\xF0\x9F\x98\x80\xF0\x9F\x98\x80\n",
        "invalid \xFF\xFE \xC0\xAF \xED\xA0\x80 \xF4\x90\x80\x80\r\n\x80\x80\x80",
        "truncated at the end \xF0\x9F\x98",
        "a line that is much longer than the small cap used below\nshort\n",
        std::string(50, 'x') + "\r" + std::string(17, 'y') + "\r\n",
        "\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\r",
        std::string("nul\0inside\n", 11),
    };
    return samples;
}

class ChunkIndependence : public ::testing::TestWithParam<std::size_t> {};

TEST_P(ChunkIndependence, EveryTwoChunkSplitMatchesWholeFeed) {
    const std::size_t cap = GetParam();
    for (const std::string& input : tricky_samples()) {
        const std::string_view in = input;
        const Lines whole = split(in, cap);
        ASSERT_EQ(reconstruct(whole), input);
        for (std::size_t i = 0; i <= in.size(); ++i) {
            ASSERT_EQ(split_chunks({in.substr(0, i), in.substr(i)}, cap), whole)
                << "cap " << cap << " split at " << i << " of " << testing::PrintToString(input);
        }
        ASSERT_EQ(split_bytewise(in, cap), whole)
            << "cap " << cap << " bytewise " << testing::PrintToString(input);
    }
}

TEST_P(ChunkIndependence, EveryThreeChunkSplitOfShortInputsMatchesWholeFeed) {
    const std::size_t cap = GetParam();
    for (const std::string& input : tricky_samples()) {
        if (input.size() > 40) {
            continue;
        }
        const std::string_view in = input;
        const Lines whole = split(in, cap);
        for (std::size_t i = 0; i <= in.size(); ++i) {
            for (std::size_t j = i; j <= in.size(); ++j) {
                ASSERT_EQ(split_chunks({in.substr(0, i), in.substr(i, j - i), in.substr(j)}, cap),
                          whole)
                    << "cap " << cap << " splits " << i << "," << j << " of "
                    << testing::PrintToString(input);
            }
        }
    }
}

TEST_P(ChunkIndependence, LinesRespectTheCapAndCutsKeepUtf8Whole) {
    const std::size_t cap = GetParam();
    for (const std::string& input : tricky_samples()) {
        // With room for any sequence, cuts of valid input leave every line valid.
        const bool expect_valid = cap >= 4 && is_valid_utf8(input);
        for (const Line& line : split(input, cap)) {
            EXPECT_LE(line.content.size(), cap);
            if (expect_valid) {
                EXPECT_TRUE(is_valid_utf8(line.content)) << testing::PrintToString(line.content);
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Caps, ChunkIndependence,
                         ::testing::Values(1u, 2u, 3u, 4u, 5u, 7u, 16u,
                                           LineSplitter::default_max_line_bytes));

// --- counting splitter ---------------------------------------------------------

/// What a splitter reports of one line: content length, ending, cut.
struct Shape {
    std::size_t length;
    LineEnding ending;
    bool cut;
    friend bool operator==(const Shape&, const Shape&) = default;
};

struct ShapeSink final : LineSink {
    void on_line(std::string_view content, LineEnding ending, bool cut, std::string*) override {
        shapes.push_back({content.size(), ending, cut});
    }
    void on_counted_line(std::size_t length, LineEnding ending, bool cut) override {
        shapes.push_back({length, ending, cut});
    }
    std::vector<Shape> shapes;
};

TEST(LineSplitter, ACountingSplitterFindsTheSameLinesAndCuts) {
    // Newlines, lone and paired CRs, and UTF-8 sequences of every length
    // (and broken ones) around small caps, in random chunkings: the counting
    // splitter must cut exactly where the keeping one does (its UTF-8 rule
    // sees only the last 3 bytes).
    const std::vector<std::string> pieces = {
        "a",        "bc",       "\n",           "\r",
        "\r\n",     "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
        "\xE2\x82", "\x80",     "\xFF",         "0123456789"};
    unsigned seed = 12345;
    const auto next = [&seed](unsigned below) {
        seed = seed * 1103515245u + 12345u;
        return (seed >> 16) % below;
    };
    for (int round = 0; round < 400; ++round) {
        std::string input;
        for (unsigned n = next(60); n > 0; --n) {
            input += pieces[next(static_cast<unsigned>(pieces.size()))];
        }
        const std::size_t cap = 1 + next(12);
        LineSplitter kept(cap);
        LineSplitter counted(cap, LineSplitter::Content::Counted);
        ShapeSink a;
        ShapeSink b;
        for (std::size_t at = 0; at < input.size();) {
            const std::size_t n = std::min<std::size_t>(input.size() - at, 1 + next(9));
            kept.feed(std::string_view(input).substr(at, n), a);
            counted.feed(std::string_view(input).substr(at, n), b);
            ASSERT_EQ(kept.pending_bytes(), counted.pending_bytes()) << round;
            at += n;
        }
        kept.finish(a);
        counted.finish(b);
        ASSERT_EQ(a.shapes, b.shapes) << "round " << round << " cap " << cap;
        EXPECT_EQ(counted.pending_bytes(), 0u);
    }
}

TEST(LineSplitter, ASinkWithoutCountedLinesRefusesThem) {
    LineSplitter counted(8, LineSplitter::Content::Counted);
    Lines out;
    EXPECT_THROW(counted.feed("line\n", out), std::logic_error);
}

} // namespace
} // namespace processkit

namespace processkit {
namespace {

/// A sink that takes runs: records each run's line count as it claims, and
/// the lines themselves split from the run, so that they can be compared with
/// what a sink taking lines one by one gets.
class RunRecorder final : public LineSink {
public:
    void on_line(std::string_view content, LineEnding ending, bool cut,
                 std::string* owned) override {
        lines.push_back(Line{owned ? std::move(*owned) : std::string(content), ending, cut});
    }
    bool takes_lf_runs() const override { return true; }
    void on_lf_run(std::string_view run, std::size_t count) override {
        ++runs;
        run_lines += count;
        EXPECT_FALSE(run.empty());
        EXPECT_EQ(run.back(), '\n');
        EXPECT_EQ(run.find('\r'), std::string_view::npos) << "a run holds no CR";
        std::size_t seen = 0;
        while (!run.empty()) {
            const std::size_t end = run.find('\n');
            lines.push_back(lf(std::string(run.substr(0, end))));
            run.remove_prefix(end + 1);
            ++seen;
        }
        EXPECT_EQ(seen, count) << "the run's line count";
    }

    Lines lines;
    std::size_t runs = 0;
    std::size_t run_lines = 0;
};

TEST(LineSplitter, RunsOfWholeLinesAreTheLinesOneByOneWouldBe) {
    const std::vector<std::string> pieces{
        "abc", "x", "\n", "\n", "\r", "\r\n", "\xC3\xA9", "", std::string(40, 'y')};
    std::size_t runs = 0;
    std::size_t run_lines = 0;
    for (unsigned seed = 1; seed <= 300; ++seed) {
        std::mt19937 random(seed);
        std::string text;
        while (text.size() < 3000) {
            // Mostly LF-ended text, as output is; now and then CRs and long lines.
            const std::size_t choices = random() % 5 == 0 ? pieces.size() : 4;
            text += pieces[random() % choices];
        }
        // A cap below some reads' size turns runs off for them: both ways.
        const std::size_t cap = seed % 3 == 0 ? 64 : LineSplitter::default_max_line_bytes;
        Lines expected;
        LineSplitter one_by_one(cap);
        LineSplitter by_runs(cap);
        RunRecorder recorder;
        for (std::size_t at = 0; at < text.size();) {
            const std::size_t n = std::min<std::size_t>(1 + random() % 400, text.size() - at);
            const std::string_view chunk = std::string_view(text).substr(at, n);
            one_by_one.feed(chunk, expected);
            by_runs.feed(chunk, recorder);
            at += n;
        }
        one_by_one.finish(expected);
        by_runs.finish(recorder);
        ASSERT_EQ(recorder.lines, expected) << "seed " << seed;
        runs += recorder.runs;
        run_lines += recorder.run_lines;
    }
    // The runs were taken, and held many lines each.
    EXPECT_GT(runs, 1000u);
    EXPECT_GT(run_lines, 3 * runs);
}

TEST(LineSplitter, ARunOfAWholeLargeReadCountsEveryLine) {
    // Reads as large as the reactors make (hundreds of KiB): the line count
    // of a run spans many rounds of the counter, with every line length
    // from 0 up, dense LFs included.
    for (unsigned seed = 0; seed <= 5; ++seed) {
        std::mt19937 random(seed);
        std::string text;
        while (text.size() < 300 * 1024) {
            // Seed 0: nothing but empty lines, an LF in every byte.
            const std::size_t length = seed == 0       ? 0
                                       : seed % 2 == 0 ? random() % 3
                                                       : random() % 200;
            text += std::string(length, 'q') + '\n';
        }
        text += "tail";
        Lines expected;
        LineSplitter one_by_one;
        one_by_one.feed(text, expected);
        one_by_one.finish(expected);
        RunRecorder recorder;
        LineSplitter by_runs;
        by_runs.feed(text, recorder);
        by_runs.finish(recorder);
        EXPECT_EQ(recorder.runs, 1u);
        EXPECT_EQ(recorder.run_lines + 1, expected.size());
        EXPECT_EQ(recorder.lines, expected) << "seed " << seed;
    }
}

TEST(LineSplitter, ASinkTakingRunsWithTheDefaultGetsEachLine) {
    class Default final : public LineSink {
    public:
        void on_line(std::string_view content, LineEnding ending, bool cut, std::string*) override {
            lines.push_back(Line{std::string(content), ending, cut});
        }
        bool takes_lf_runs() const override { return true; }
        Lines lines;
    } sink;
    LineSplitter splitter;
    splitter.feed("a\n\nbc\nd\r\ne\nf", sink);
    splitter.finish(sink);
    EXPECT_EQ(sink.lines, (Lines{lf("a"), lf(""), lf("bc"), crlf("d"), lf("e"), last("f")}));
}

} // namespace
} // namespace processkit
