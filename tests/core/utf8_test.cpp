#include "processkit/core/utf8.hpp"

#include <gtest/gtest.h>
#include <string>
#include <string_view>

namespace processkit {
namespace {

const std::string fffd = "\xEF\xBF\xBD";

std::string repeat_fffd(int n) {
    std::string s;
    for (int i = 0; i < n; ++i) {
        s += fffd;
    }
    return s;
}

TEST(Utf8, ValidMultiByteIsUnchanged) {
    const std::string text = "a\xC3\xA9"        // é (2 bytes)
                             "\xE2\x82\xAC"     // € (3 bytes)
                             "\xF0\x9F\x98\x80" // 😀 (4 bytes)
                             "\xED\x9F\xBF"     // U+D7FF, just below the surrogates
                             "\xEE\x80\x80"     // U+E000, just above them
                             "\xF4\x8F\xBF\xBF" // U+10FFFF, the last code point
                             "\xC2\x80\xDF\xBF"
                             "z"; // 2-byte range ends
    EXPECT_TRUE(is_valid_utf8(text));
    EXPECT_EQ(decode_utf8_lossy(text), text);
}

TEST(Utf8, EmptyIsValid) {
    EXPECT_TRUE(is_valid_utf8(""));
    EXPECT_EQ(decode_utf8_lossy(""), "");
}

TEST(Utf8, AsciiFastPathHandlesEveryAlignment) {
    // Runs longer than a machine word with the invalid byte at every offset,
    // so the word-at-a-time scan and its tail both meet it.
    const std::string ascii(37, 'x');
    EXPECT_TRUE(is_valid_utf8(ascii));
    EXPECT_EQ(decode_utf8_lossy(ascii), ascii);
    for (std::size_t i = 0; i < ascii.size(); ++i) {
        std::string bad = ascii;
        bad[i] = '\xFF';
        EXPECT_FALSE(is_valid_utf8(bad)) << i;
        EXPECT_EQ(decode_utf8_lossy(bad), ascii.substr(0, i) + fffd + ascii.substr(i + 1)) << i;
    }
}

TEST(Utf8, AMultiByteOrBadByteAtEveryPositionAroundTheScanBlocks) {
    // The ASCII scan tests 32 bytes, then 8, then one at a time: a
    // multi-byte character or a bad byte at every position of strings
    // around 32 and 64 bytes long meets each step and each hand-over.
    const std::string e_acute = "\xC3\xA9";
    for (std::size_t n : {32U, 33U, 40U, 63U, 64U, 65U, 99U, 100U}) {
        const std::string ascii(n, 'x');
        for (std::size_t i = 0; i + 1 < n; ++i) {
            std::string good = ascii;
            good.replace(i, 2, e_acute);
            EXPECT_TRUE(is_valid_utf8(good)) << n << ' ' << i;
            EXPECT_EQ(decode_utf8_lossy(good), good) << n << ' ' << i;
            std::string bad = ascii;
            bad[i] = '\xFF';
            EXPECT_FALSE(is_valid_utf8(bad)) << n << ' ' << i;
            EXPECT_EQ(decode_utf8_lossy(bad), ascii.substr(0, i) + fffd + ascii.substr(i + 1))
                << n << ' ' << i;
        }
    }
}

TEST(Utf8, IsAsciiFindsAHighByteAtEveryPositionOfTheBlocksAndTheTail) {
    // 256-byte blocks tested 64 bytes a round, then the tail: one byte with
    // its high bit set at each position of each length is found.
    for (std::size_t n : {0U, 1U, 15U, 255U, 256U, 257U, 300U, 511U, 512U, 777U}) {
        const std::string ascii(n, '\x7F');
        EXPECT_TRUE(is_ascii(ascii)) << n;
        for (std::size_t i = 0; i < n; ++i) {
            std::string high = ascii;
            high[i] = '\x80';
            EXPECT_FALSE(is_ascii(high)) << n << ' ' << i;
        }
    }
    EXPECT_FALSE(is_ascii("\xC3\xA9")) << "valid UTF-8, but not ASCII";
}

TEST(Utf8, TruncatedSequenceFollowedByAsciiIsOneReplacement) {
    EXPECT_EQ(decode_utf8_lossy("\xF0\x9F\x98"
                                "A"),
              fffd + "A");
    EXPECT_EQ(decode_utf8_lossy("\xE2\x82"
                                "B"),
              fffd + "B");
    EXPECT_EQ(decode_utf8_lossy("\xC3"
                                "C"),
              fffd + "C");
}

TEST(Utf8, OverlongTwoByteLeadsAreNeverValid) {
    EXPECT_FALSE(is_valid_utf8("\xC0\xAF"));
    EXPECT_EQ(decode_utf8_lossy("\xC0\xAF"), repeat_fffd(2));
    EXPECT_EQ(decode_utf8_lossy("\xC1\xBF"), repeat_fffd(2));
}

TEST(Utf8, OverlongThreeAndFourByteFormsAreInvalid) {
    EXPECT_EQ(decode_utf8_lossy("\xE0\x80\xAF"), repeat_fffd(3));
    EXPECT_EQ(decode_utf8_lossy("\xF0\x80\x80\xAF"), repeat_fffd(4));
    EXPECT_EQ(decode_utf8_lossy("\xF0\x8F\xBF\xBF"), repeat_fffd(4));
}

TEST(Utf8, SurrogatesAreInvalid) {
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));
    EXPECT_EQ(decode_utf8_lossy("\xED\xA0\x80"), repeat_fffd(3));
    EXPECT_EQ(decode_utf8_lossy("\xED\xBF\xBF"), repeat_fffd(3));
}

TEST(Utf8, AboveMaxCodePointIsInvalid) {
    EXPECT_FALSE(is_valid_utf8("\xF4\x90\x80\x80"));
    EXPECT_EQ(decode_utf8_lossy("\xF4\x90\x80\x80"), repeat_fffd(4));
    // F5..FF can never start a sequence.
    EXPECT_EQ(decode_utf8_lossy("\xF5\x80\x80\x80"), repeat_fffd(4));
    EXPECT_EQ(decode_utf8_lossy("\xFE\xFF"), repeat_fffd(2));
}

TEST(Utf8, LoneContinuationBytesAreEachReplaced) {
    EXPECT_EQ(decode_utf8_lossy("\x80"), fffd);
    EXPECT_EQ(decode_utf8_lossy("a\x80\xBF"
                                "b"),
              "a" + repeat_fffd(2) + "b");
}

TEST(Utf8, BadByteInsideSequenceEndsTheSubpart) {
    // E2 82 is a valid prefix of €, so it is one maximal subpart; the 'x'
    // after it survives.
    EXPECT_EQ(decode_utf8_lossy("\xE2\x82x"), fffd + "x");
    // A new lead byte inside a sequence starts over: C3 A9 is é.
    EXPECT_EQ(decode_utf8_lossy("\xF0\x9F\xC3\xA9"), fffd + "\xC3\xA9");
}

TEST(Utf8, TruncatedSequencesAtEnd) {
    EXPECT_FALSE(is_valid_utf8("ok\xC3"));
    EXPECT_EQ(decode_utf8_lossy("ok\xC3"), "ok" + fffd);
    EXPECT_EQ(decode_utf8_lossy("ok\xE2\x82"), "ok" + fffd);
    EXPECT_EQ(decode_utf8_lossy("ok\xF0\x9F\x98"), "ok" + fffd);
}

TEST(Utf8, AppendKeepsExistingContent) {
    std::string out = "prefix:";
    append_utf8_lossy("\xC3\xA9\xFF", out);
    EXPECT_EQ(out, "prefix:\xC3\xA9" + fffd);
}

TEST(Utf8, LossyOutputIsAlwaysValid) {
    // Every two-byte input, with a trailing ASCII byte.
    for (int a = 0; a < 256; ++a) {
        for (int b = 0; b < 256; ++b) {
            const std::string in{static_cast<char>(a), static_cast<char>(b), 'z'};
            const std::string out = decode_utf8_lossy(in);
            ASSERT_TRUE(is_valid_utf8(out)) << a << ' ' << b;
            ASSERT_EQ(out.back(), 'z');
            ASSERT_EQ(is_valid_utf8(in), out == in) << a << ' ' << b;
        }
    }
}

TEST(Utf8, CompletePrefixOfCompleteInputIsItsSize) {
    EXPECT_EQ(utf8_complete_prefix(""), 0u);
    EXPECT_EQ(utf8_complete_prefix("abc"), 3u);
    EXPECT_EQ(utf8_complete_prefix("a\xC3\xA9"), 3u);
    EXPECT_EQ(utf8_complete_prefix("\xF0\x9F\x98\x80"), 4u);
}

TEST(Utf8, CompletePrefixStopsBeforeAnIncompleteSequence) {
    EXPECT_EQ(utf8_complete_prefix("ab\xC3"), 2u);
    EXPECT_EQ(utf8_complete_prefix("ab\xE2"), 2u);
    EXPECT_EQ(utf8_complete_prefix("ab\xE2\x82"), 2u);
    EXPECT_EQ(utf8_complete_prefix("ab\xF0"), 2u);
    EXPECT_EQ(utf8_complete_prefix("ab\xF0\x9F"), 2u);
    EXPECT_EQ(utf8_complete_prefix("ab\xF0\x9F\x98"), 2u);
    EXPECT_EQ(utf8_complete_prefix("\xF0\x9F\x98"), 0u);
}

TEST(Utf8, CompletePrefixIgnoresTailsThatCannotComplete) {
    EXPECT_EQ(utf8_complete_prefix("ab\xFF"), 3u);         // never a lead
    EXPECT_EQ(utf8_complete_prefix("ab\xC0"), 3u);         // overlong lead
    EXPECT_EQ(utf8_complete_prefix("ab\xE0\x80"), 4u);     // overlong second byte
    EXPECT_EQ(utf8_complete_prefix("ab\xED\xA0"), 4u);     // surrogate
    EXPECT_EQ(utf8_complete_prefix("ab\xF4\x90"), 4u);     // above U+10FFFF
    EXPECT_EQ(utf8_complete_prefix("ab\x80\x80\x80"), 5u); // only continuations
    EXPECT_EQ(utf8_complete_prefix("ab\xC3\xA9\x80"), 5u); // stray continuation
}

TEST(Utf8, Latin1MapsEachByteToItsCodePoint) {
    EXPECT_EQ(decode_latin1(""), "");
    EXPECT_EQ(decode_latin1("plain ascii"), "plain ascii");
    EXPECT_EQ(decode_latin1("caf\xE9"), "caf\xC3\xA9");
    EXPECT_EQ(decode_latin1("\x80\xFF"), "\xC2\x80\xC3\xBF");
    std::string all;
    for (int b = 0; b < 256; ++b) {
        all.push_back(static_cast<char>(b));
    }
    const std::string decoded = decode_latin1(all);
    EXPECT_TRUE(is_valid_utf8(decoded));
    EXPECT_EQ(decoded.size(), 128u + 2u * 128u);
}

} // namespace
} // namespace processkit
