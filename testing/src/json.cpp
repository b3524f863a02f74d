#include "json.hpp"

#include "processkit/core/error.hpp"
#include "processkit/core/utf8.hpp"

#include <array>
#include <charconv>

namespace processkit::json {
namespace {

[[noreturn]] void fail(const std::string& what) {
    throw Error(ErrorKind::InvalidArgument, {}, "JSON: " + what);
}

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i])) << 16;
        if (i + 1 < bytes.size()) {
            n |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[i + 1])) << 8;
        }
        if (i + 2 < bytes.size()) {
            n |= static_cast<unsigned char>(bytes[i + 2]);
        }
        out += base64_alphabet[(n >> 18) & 63];
        out += base64_alphabet[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? base64_alphabet[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? base64_alphabet[n & 63] : '=';
    }
    return out;
}

std::string base64_decode(std::string_view text) {
    if (text.size() % 4 != 0) {
        fail("base64 text of a length that is not a multiple of 4");
    }
    std::string out;
    for (std::size_t i = 0; i < text.size(); i += 4) {
        std::uint32_t n = 0;
        int pad = 0;
        for (std::size_t j = 0; j < 4; ++j) {
            const char c = text[i + j];
            std::size_t v = 0;
            if (c == '=' && i + 4 == text.size() && j >= 2) {
                ++pad;
            } else if (pad > 0 || (v = base64_alphabet.find(c)) == std::string_view::npos) {
                fail("invalid base64 text");
            }
            n = (n << 6) | static_cast<std::uint32_t>(v);
        }
        out += static_cast<char>((n >> 16) & 0xff);
        if (pad < 2) {
            out += static_cast<char>((n >> 8) & 0xff);
        }
        if (pad < 1) {
            out += static_cast<char>(n & 0xff);
        }
    }
    return out;
}

void write_string(std::string_view s, std::string& out) {
    constexpr std::string_view hex = "0123456789abcdef";
    out += '"';
    for (const char c : decode_utf8_lossy(s)) {
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
                out += "\\u00";
                out += hex[static_cast<unsigned char>(c) >> 4];
                out += hex[static_cast<unsigned char>(c) & 15];
            } else {
                out += c;
            }
        }
    }
    out += '"';
}

void write_value(const Value& value, std::string& out) {
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::nullptr_t>) {
                out += "null";
            } else if constexpr (std::is_same_v<T, bool>) {
                out += v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                out += std::to_string(v);
            } else if constexpr (std::is_same_v<T, std::string>) {
                write_string(v, out);
            } else if constexpr (std::is_same_v<T, Value::Array>) {
                out += '[';
                for (std::size_t i = 0; i < v.size(); ++i) {
                    out += i ? "," : "";
                    write_value(v[i], out);
                }
                out += ']';
            } else {
                out += '{';
                for (std::size_t i = 0; i < v.size(); ++i) {
                    out += i ? "," : "";
                    write_string(v[i].first, out);
                    out += ':';
                    write_value(v[i].second, out);
                }
                out += '}';
            }
        },
        value.variant());
}

class Parser {
public:
    explicit Parser(std::string_view text)
        : text_(text) {}

    Value document() {
        Value v = value(0);
        skip_space();
        if (pos_ != text_.size()) {
            error("text after the value");
        }
        return v;
    }

private:
    static constexpr int max_depth = 64;

    [[noreturn]] void error(const std::string& what) const {
        fail(what + " at offset " + std::to_string(pos_));
    }

    void skip_space() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n' ||
                                       text_[pos_] == '\t' || text_[pos_] == '\r')) {
            ++pos_;
        }
    }

    bool take(char c) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == c) {
            ++pos_;
            return true;
        }
        return false;
    }

    void expect(char c) {
        if (!take(c)) {
            error(std::string("expected '") + c + "'");
        }
    }

    bool take_word(std::string_view word) {
        if (text_.substr(pos_, word.size()) == word) {
            pos_ += word.size();
            return true;
        }
        return false;
    }

    Value value(int depth) {
        if (depth > max_depth) {
            error("nesting too deep");
        }
        skip_space();
        if (pos_ >= text_.size()) {
            error("unexpected end");
        }
        const char c = text_[pos_];
        if (c == '{') {
            ++pos_;
            Value::Object object;
            if (take('}')) {
                return object;
            }
            do {
                skip_space();
                std::string key = string();
                expect(':');
                object.emplace_back(std::move(key), value(depth + 1));
            } while (take(','));
            expect('}');
            return object;
        }
        if (c == '[') {
            ++pos_;
            Value::Array array;
            if (take(']')) {
                return array;
            }
            do {
                array.push_back(value(depth + 1));
            } while (take(','));
            expect(']');
            return array;
        }
        if (c == '"') {
            return string();
        }
        if (take_word("null")) {
            return nullptr;
        }
        if (take_word("true")) {
            return true;
        }
        if (take_word("false")) {
            return false;
        }
        return number();
    }

    Value number() {
        std::int64_t n = 0;
        const auto* begin = text_.data() + pos_;
        const auto [end, ec] = std::from_chars(begin, text_.data() + text_.size(), n);
        if (ec != std::errc() || end == begin) {
            error("expected a value (only integers are supported)");
        }
        pos_ += static_cast<std::size_t>(end - begin);
        if (pos_ < text_.size() &&
            (text_[pos_] == '.' || text_[pos_] == 'e' || text_[pos_] == 'E')) {
            error("only integers are supported");
        }
        return n;
    }

    unsigned hex4() {
        if (pos_ + 4 > text_.size()) {
            error("short \\u escape");
        }
        unsigned v = 0;
        const auto [end, ec] = std::from_chars(text_.data() + pos_, text_.data() + pos_ + 4, v, 16);
        if (ec != std::errc() || end != text_.data() + pos_ + 4) {
            error("bad \\u escape");
        }
        pos_ += 4;
        return v;
    }

    static void append_utf8(std::uint32_t cp, std::string& out) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xc0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xe0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        } else {
            out += static_cast<char>(0xf0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
            out += static_cast<char>(0x80 | (cp & 0x3f));
        }
    }

    std::uint32_t escaped_code_point() {
        std::uint32_t cp = hex4();
        if (cp >= 0xd800 && cp < 0xdc00) {
            if (!take_word("\\u")) {
                error("lone surrogate");
            }
            const std::uint32_t low = hex4();
            if (low < 0xdc00 || low >= 0xe000) {
                error("bad surrogate pair");
            }
            cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        } else if (cp >= 0xdc00 && cp < 0xe000) {
            error("lone surrogate");
        }
        return cp;
    }

    std::string string() {
        if (pos_ >= text_.size() || text_[pos_] != '"') {
            error("expected a string");
        }
        ++pos_;
        std::string out;
        for (;;) {
            if (pos_ >= text_.size()) {
                error("unterminated string");
            }
            const char c = text_[pos_++];
            if (c == '"') {
                break;
            }
            if (static_cast<unsigned char>(c) < 0x20) {
                error("control character in a string");
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (pos_ >= text_.size()) {
                error("unterminated escape");
            }
            switch (const char e = text_[pos_++]) {
            case '"':
            case '\\':
            case '/':
                out += e;
                break;
            case 'b':
                out += '\b';
                break;
            case 'f':
                out += '\f';
                break;
            case 'n':
                out += '\n';
                break;
            case 'r':
                out += '\r';
                break;
            case 't':
                out += '\t';
                break;
            case 'u':
                append_utf8(escaped_code_point(), out);
                break;
            default:
                error("unknown escape");
            }
        }
        if (!is_valid_utf8(out)) {
            error("string is not UTF-8");
        }
        return out;
    }

    std::string_view text_;
    std::size_t pos_ = 0;
};

} // namespace

bool Value::as_bool() const {
    if (const auto* b = std::get_if<bool>(&v_)) {
        return *b;
    }
    fail("expected a boolean");
}

std::int64_t Value::as_int() const {
    if (const auto* n = std::get_if<std::int64_t>(&v_)) {
        return *n;
    }
    fail("expected an integer");
}

const std::string& Value::as_string() const {
    if (const auto* s = std::get_if<std::string>(&v_)) {
        return *s;
    }
    fail("expected a string");
}

const Value::Array& Value::as_array() const {
    if (const auto* a = std::get_if<Array>(&v_)) {
        return *a;
    }
    fail("expected an array");
}

const Value::Object& Value::as_object() const {
    if (const auto* o = std::get_if<Object>(&v_)) {
        return *o;
    }
    fail("expected an object");
}

const Value* Value::find(std::string_view key) const {
    for (const auto& [k, v] : as_object()) {
        if (k == key) {
            return &v;
        }
    }
    return nullptr;
}

const Value& Value::at(std::string_view key) const {
    if (const auto* v = find(key)) {
        return *v;
    }
    fail("missing member \"" + std::string(key) + "\"");
}

std::string write(const Value& value) {
    std::string out;
    write_value(value, out);
    return out;
}

Value parse(std::string_view text) {
    return Parser(text).document();
}

Value from_bytes(std::string_view bytes) {
    if (is_valid_utf8(bytes)) {
        return std::string(bytes);
    }
    return Value::Object{{"base64", base64_encode(bytes)}};
}

std::string to_bytes(const Value& value) {
    if (value.is_string()) {
        return value.as_string();
    }
    return base64_decode(value.at("base64").as_string());
}

} // namespace processkit::json
