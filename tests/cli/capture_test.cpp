// What --json keeps of a stream (OutputCapture) and how it is encoded as it
// is written (JsonStringEncoder, write_result_json).
#include "json_result.hpp"
#include "output_capture.hpp"
#include "processkit/core/utf8.hpp"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <random>

namespace {

std::string joined(const pk::OutputCapture& c) {
    std::string out;
    for (const auto piece : c.pieces()) {
        out.append(piece);
    }
    return out;
}

std::string stream_of(std::size_t n) {
    std::string s;
    for (std::size_t i = 0; i < n; ++i) {
        s += static_cast<char>('a' + (i * 7 + i / 26) % 26);
    }
    return s;
}

/// Feeds `s` in pieces of varying sizes (1 byte up to a few chunks).
void feed_in_pieces(pk::OutputCapture& c, const std::string& s, unsigned seed) {
    std::mt19937 rng(seed);
    std::uniform_int_distribution<std::size_t> size(1, 3 * pk::OutputCapture::chunk_bytes);
    for (std::size_t at = 0; at < s.size();) {
        const std::size_t n = std::min(s.size() - at, rng() % 4 == 0 ? 1 : size(rng));
        c.append(std::string_view(s).substr(at, n));
        at += n;
    }
}

} // namespace

TEST(OutputCapture, UnlimitedKeepsEverything) {
    const std::string s = stream_of(5 * pk::OutputCapture::chunk_bytes + 17);
    pk::OutputCapture c;
    feed_in_pieces(c, s, 1);
    EXPECT_EQ(joined(c), s);
    EXPECT_FALSE(c.truncated());
    EXPECT_EQ(c.total_bytes(), s.size());
}

TEST(OutputCapture, HeadKeepsTheFirstBytes) {
    const std::string s = stream_of(3 * pk::OutputCapture::chunk_bytes);
    for (const std::uint64_t cap :
         {std::uint64_t{1}, std::uint64_t{10}, std::uint64_t{pk::OutputCapture::chunk_bytes + 3}}) {
        pk::OutputCapture c(cap, false);
        feed_in_pieces(c, s, 2);
        EXPECT_EQ(joined(c), s.substr(0, cap)) << cap;
        EXPECT_TRUE(c.truncated());
        EXPECT_EQ(c.kept_bytes(), cap);
    }
    pk::OutputCapture fits(100, false);
    fits.append("abc");
    EXPECT_EQ(joined(fits), "abc");
    EXPECT_FALSE(fits.truncated());
}

TEST(OutputCapture, TailKeepsTheLastBytes) {
    const std::string s = stream_of(4 * pk::OutputCapture::chunk_bytes + 5);
    for (const std::uint64_t cap :
         {std::uint64_t{1}, std::uint64_t{10}, std::uint64_t{pk::OutputCapture::chunk_bytes},
          std::uint64_t{2 * pk::OutputCapture::chunk_bytes + 3}}) {
        for (unsigned seed = 0; seed < 3; ++seed) {
            pk::OutputCapture c(cap, true);
            feed_in_pieces(c, s, seed);
            EXPECT_EQ(joined(c), s.substr(s.size() - cap)) << cap;
            EXPECT_TRUE(c.truncated());
            EXPECT_EQ(c.total_bytes(), s.size());
        }
    }
}

TEST(JsonStringEncoder, PiecesDecodeLikeTheWhole) {
    // Valid multibyte text, invalid bytes, a surrogate, a cut sequence at the
    // very end: cut at every position, the result is the whole's decoding.
    const std::string bytes = "a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xff\xed\xa0\x80x\xe2\x82";
    std::string whole;
    pk::JsonStringEncoder one;
    one.feed(bytes, whole);
    one.finish(whole);
    for (std::size_t cut = 0; cut <= bytes.size(); ++cut) {
        for (std::size_t cut2 = cut; cut2 <= bytes.size(); ++cut2) {
            std::string out;
            pk::JsonStringEncoder e;
            e.feed(std::string_view(bytes).substr(0, cut), out);
            e.feed(std::string_view(bytes).substr(cut, cut2 - cut), out);
            e.feed(std::string_view(bytes).substr(cut2), out);
            e.finish(out);
            EXPECT_EQ(out, whole) << cut << " " << cut2;
        }
    }
    const auto parsed = nlohmann::json::parse("\"" + whole + "\"");
    EXPECT_EQ(parsed.get<std::string>(), processkit::decode_utf8_lossy(bytes));
}

TEST(JsonStringEncoder, EscapesControlsAndNul) {
    std::string out;
    pk::JsonStringEncoder e;
    e.feed(std::string("\0\x01\x1f\"\\\n\r\t\b\f\x7f", 11), out);
    e.finish(out);
    EXPECT_EQ(out, "\\u0000\\u0001\\u001f\\\"\\\\\\n\\r\\t\\b\\f\x7f");
}

TEST(ResultJson, StreamsLargeOutputInBoundedPieces) {
    pk::RunReport r;
    r.program = "p";
    std::mt19937 rng(7);
    std::string raw(3 * pk::OutputCapture::chunk_bytes + 11, '\0');
    for (auto& c : raw) {
        c = static_cast<char>(rng() % 3 == 0 ? 0 : rng()); // NULs, controls, invalid bytes
    }
    r.stdout_output.append(raw);
    r.stderr_output = pk::OutputCapture(5, true);
    r.stderr_output.append("0123456789");
    std::string all;
    std::size_t largest = 0;
    pk::write_result_json(r, [&](std::string_view piece) {
        largest = std::max(largest, piece.size());
        all.append(piece);
    });
    EXPECT_LE(largest, 256u * 1024);
    EXPECT_EQ(all, pk::result_json(r));
    const auto j = nlohmann::ordered_json::parse(all);
    EXPECT_EQ(j["stdout"].get<std::string>(), processkit::decode_utf8_lossy(raw));
    EXPECT_EQ(j["stderr"], "56789");
    EXPECT_EQ(j["stdout_truncated"], false);
    EXPECT_EQ(j["stderr_truncated"], true);
}
