#pragma once
// A small JSON value with a reader and a writer, enough for cassettes:
// null, booleans, 64-bit integers, strings, arrays, objects (keys in order).
// Byte strings that are not UTF-8 are stored as {"base64": "..."}.
//
// Thread-safety: value types and pure functions.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace processkit::json {

class Value {
public:
    using Array = std::vector<Value>;
    using Object = std::vector<std::pair<std::string, Value>>;

    Value() = default;
    Value(std::nullptr_t) {}
    Value(bool b)
        : v_(b) {}
    Value(std::int64_t n)
        : v_(n) {}
    Value(int n)
        : v_(std::int64_t{n}) {}
    Value(std::string s)
        : v_(std::move(s)) {}
    Value(const char* s)
        : v_(std::string(s)) {}
    Value(Array a)
        : v_(std::move(a)) {}
    Value(Object o)
        : v_(std::move(o)) {}

    bool is_null() const { return std::holds_alternative<std::nullptr_t>(v_); }
    bool is_string() const { return std::holds_alternative<std::string>(v_); }
    bool is_object() const { return std::holds_alternative<Object>(v_); }
    // Each accessor throws Error (InvalidArgument) on another type.
    bool as_bool() const;
    std::int64_t as_int() const;
    const std::string& as_string() const;
    const Array& as_array() const;
    const Object& as_object() const;
    /// The member `key` of an object; nullptr if there is none.
    const Value* find(std::string_view key) const;
    /// The member `key`; throws Error naming the key if there is none.
    const Value& at(std::string_view key) const;

    const auto& variant() const { return v_; }

private:
    std::variant<std::nullptr_t, bool, std::int64_t, std::string, Array, Object> v_;
};

/// Compact JSON. Strings are written as UTF-8 (invalid bytes as U+FFFD),
/// control characters escaped.
std::string write(const Value& value);
/// Throws Error (InvalidArgument) with the offset of the first problem.
Value parse(std::string_view text);

/// Bytes as a JSON string when they are UTF-8, else {"base64": "..."}.
Value from_bytes(std::string_view bytes);
/// The inverse of from_bytes.
std::string to_bytes(const Value& value);

} // namespace processkit::json
