#include "processkit/core/utf8.hpp"

#include <cstdint>
#include <cstring>
#if defined(__SSE2__) || defined(_M_X64)
#include <emmintrin.h>
#endif

namespace processkit {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD"; // U+FFFD

unsigned char byte_at(std::string_view s, std::size_t i) {
    return static_cast<unsigned char>(s[i]);
}

/// Length of the run of ASCII bytes starting at `i`. Checks eight bytes at a
/// time: output is overwhelmingly ASCII, so this is the hot path.
std::size_t ascii_run(std::string_view s, std::size_t i) {
    const std::size_t start = i;
    constexpr std::uint64_t high_bits = 0x8080808080808080ULL;
    // 32 bytes per test: four words OR'ed, one branch (a line of 100 bytes
    // is three rounds, not twelve).
    while (s.size() - i >= 32) {
        std::uint64_t words[4];
        std::memcpy(words, s.data() + i, 32);
        if (((words[0] | words[1] | words[2] | words[3]) & high_bits) != 0) {
            break;
        }
        i += 32;
    }
    while (s.size() - i >= 8) {
        std::uint64_t word = 0;
        std::memcpy(&word, s.data() + i, 8);
        if ((word & high_bits) != 0) {
            break;
        }
        i += 8;
    }
    while (i < s.size() && byte_at(s, i) < 0x80) {
        ++i;
    }
    return i - start;
}

/// The outcome of decoding the non-ASCII sequence starting at some index.
struct Sequence {
    std::size_t length; ///< bytes of a valid sequence, or of the maximal subpart
    bool valid;         ///< a well-formed sequence of `length` bytes
    bool truncated;     ///< invalid only because the input ended too early
};

/// Decodes the sequence whose lead byte is s[i] (not ASCII), following
/// Unicode table 3-7: the second byte's range depends on the lead, which is
/// what rules out overlongs (E0, F0), surrogates (ED) and > U+10FFFF (F4).
Sequence next_sequence(std::string_view s, std::size_t i) {
    const unsigned char lead = byte_at(s, i);
    std::size_t need = 0; // continuation bytes after the lead
    unsigned char lo = 0x80;
    unsigned char hi = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
        need = 1;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        need = 2;
        lo = lead == 0xE0 ? 0xA0 : 0x80;
        hi = lead == 0xED ? 0x9F : 0xBF;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        need = 3;
        lo = lead == 0xF0 ? 0x90 : 0x80;
        hi = lead == 0xF4 ? 0x8F : 0xBF;
    } else {
        // A continuation byte, C0/C1 (always overlong) or F5..FF: never a lead.
        return {1, false, false};
    }
    for (std::size_t k = 1; k <= need; ++k) {
        if (i + k >= s.size()) {
            return {k, false, true};
        }
        const unsigned char b = byte_at(s, i + k);
        if (b < lo || b > hi) {
            return {k, false, false};
        }
        lo = 0x80; // only the second byte has a lead-specific range
        hi = 0xBF;
    }
    return {need + 1, true, false};
}

} // namespace

bool is_ascii(std::string_view bytes) {
    std::size_t i = 0;
#if defined(__SSE2__) || defined(_M_X64)
    // A whole read at a time: a block of 256 bytes OR'ed together per test,
    // 16 bytes per instruction (every x86-64 has SSE2); the tail, and every
    // byte where there is no SSE2, by ascii_run.
    constexpr std::size_t block = 256;
    for (; bytes.size() - i >= block; i += block) {
        const char* p = bytes.data() + i;
        const auto load = [p](std::size_t at) {
            return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + at));
        };
        __m128i a = _mm_setzero_si128();
        __m128i b = _mm_setzero_si128();
        for (std::size_t k = 0; k < block; k += 64) { // four loads a round
            a = _mm_or_si128(a, _mm_or_si128(load(k), load(k + 16)));
            b = _mm_or_si128(b, _mm_or_si128(load(k + 32), load(k + 48)));
        }
        if (_mm_movemask_epi8(_mm_or_si128(a, b)) != 0) {
            return false;
        }
    }
#endif
    return ascii_run(bytes, i) == bytes.size() - i;
}

bool is_valid_utf8(std::string_view bytes) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        i += ascii_run(bytes, i);
        if (i == bytes.size()) {
            break;
        }
        const Sequence seq = next_sequence(bytes, i);
        if (!seq.valid) {
            return false;
        }
        i += seq.length;
    }
    return true;
}

void append_utf8_lossy(std::string_view bytes, std::string& out) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        // Copy valid stretches (ASCII and multi-byte alike) as one range.
        const std::size_t start = i;
        Sequence seq{0, true, false};
        while (i < bytes.size()) {
            i += ascii_run(bytes, i);
            if (i == bytes.size()) {
                break;
            }
            seq = next_sequence(bytes, i);
            if (!seq.valid) {
                break;
            }
            i += seq.length;
        }
        out.append(bytes.substr(start, i - start));
        if (i < bytes.size()) {
            out.append(replacement);
            i += seq.length;
        }
    }
}

std::string decode_utf8_lossy(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    append_utf8_lossy(bytes, out);
    return out;
}

std::size_t utf8_complete_prefix(std::string_view bytes) {
    // An incomplete sequence has at most 3 bytes, so its lead is among the
    // last 3; anything before it in the tail must be continuation bytes.
    const std::size_t n = bytes.size();
    for (std::size_t back = 1; back <= 3 && back <= n; ++back) {
        const std::size_t i = n - back;
        const unsigned char b = byte_at(bytes, i);
        if ((b & 0xC0) == 0x80) {
            continue; // continuation byte: the lead, if any, is further back
        }
        if (b < 0x80) {
            return n;
        }
        return next_sequence(bytes, i).truncated ? i : n;
    }
    return n;
}

std::string decode_latin1(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    append_latin1(bytes, out);
    return out;
}

void append_latin1(std::string_view bytes, std::string& out) {
    std::size_t i = 0;
    while (i < bytes.size()) {
        const std::size_t run = ascii_run(bytes, i);
        out.append(bytes.substr(i, run));
        i += run;
        if (i < bytes.size()) {
            const unsigned char b = byte_at(bytes, i);
            out.push_back(static_cast<char>(0xC0 | (b >> 6)));
            out.push_back(static_cast<char>(0x80 | (b & 0x3F)));
            ++i;
        }
    }
}

} // namespace processkit
