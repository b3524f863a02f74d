#pragma once

#include "processkit/core/export.hpp"
// UTF-8 validation and lossy decoding (C10).
//
// Invalid input is replaced with U+FFFD following the Unicode "maximal
// subpart" practice (the same as WHATWG's decoder and Rust's
// String::from_utf8_lossy): each maximal prefix of a would-be sequence that
// cannot be completed becomes one U+FFFD. Overlong forms, surrogates and code
// points above U+10FFFF are invalid.
//
// Thread-safety: pure functions, reentrant.

#include <cstddef>
#include <string>
#include <string_view>

namespace processkit {

/// True if every byte of `bytes` is ASCII (below 0x80): such bytes are
/// well-formed UTF-8 and decode to themselves.
PROCESSKIT_CORE_EXPORT bool is_ascii(std::string_view bytes);

/// True if `bytes` is entirely well-formed UTF-8.
PROCESSKIT_CORE_EXPORT bool is_valid_utf8(std::string_view bytes);

/// `bytes` as UTF-8 with every invalid part replaced by U+FFFD.
PROCESSKIT_CORE_EXPORT std::string decode_utf8_lossy(std::string_view bytes);

/// Appends the lossy decoding of `bytes` to `out`.
PROCESSKIT_CORE_EXPORT void append_utf8_lossy(std::string_view bytes, std::string& out);

/// Length of the longest prefix of `bytes` that does not end inside a UTF-8
/// sequence which more bytes could still complete. Equals bytes.size() unless
/// the last 1-3 bytes are an incomplete but so far valid sequence.
PROCESSKIT_CORE_EXPORT std::size_t utf8_complete_prefix(std::string_view bytes);

/// Each byte taken as the code point of the same value (ISO-8859-1).
PROCESSKIT_CORE_EXPORT std::string decode_latin1(std::string_view bytes);
/// The same, appended to `out` (no string of its own).
PROCESSKIT_CORE_EXPORT void append_latin1(std::string_view bytes, std::string& out);

} // namespace processkit
