// The cassette's JSON reader and writer: escaping, bytes, errors.
#include "json.hpp"
#include "processkit/core/error.hpp"

#include <gtest/gtest.h>

namespace processkit::json {
namespace {

TEST(Json, EscapesControlCharactersAndQuotes) {
    EXPECT_EQ(write(Value(std::string("a\"b\\c\n\t\r\x01\x1f\x7f", 11))),
              "\"a\\\"b\\\\c\\n\\t\\r\\u0001\\u001f\\u007f\"");
    EXPECT_EQ(write(Value("h\xc3\xa9")), "\"h\xc3\xa9\""); // UTF-8 stays as it is
}

TEST(Json, WritesAndReadsEveryType) {
    const Value v =
        Value::Object{{"n", nullptr},        {"t", true},
                      {"f", false},          {"i", std::int64_t{-9007199254740993}},
                      {"s", "x\ny"},         {"a", Value::Array{1, "two", Value::Array{}}},
                      {"o", Value::Object{}}};
    const auto text = write(v);
    EXPECT_EQ(text, "{\"n\":null,\"t\":true,\"f\":false,\"i\":-9007199254740993,\"s\":\"x\\ny\","
                    "\"a\":[1,\"two\",[]],\"o\":{}}");
    EXPECT_EQ(write(parse(text)), text);
    EXPECT_EQ(parse(" { \"k\" : [ 1 , 2 ] } ").at("k").as_array().size(), 2u);
}

TEST(Json, ReadsEscapesAndSurrogatePairs) {
    EXPECT_EQ(parse("\"\\u00e9\\ud83d\\ude00\\/\\b\\f\"").as_string(),
              "\xc3\xa9\xf0\x9f\x98\x80/\b\f");
}

TEST(Json, BytesAreTextWhenUtf8ElseBase64) {
    EXPECT_EQ(write(from_bytes("plain\n")), "\"plain\\n\"");
    EXPECT_EQ(write(from_bytes("\xff")), "{\"base64\":\"/w==\"}");
    for (std::string bytes :
         {std::string(""), std::string("\xff"), std::string("a\xff"), std::string("ab\xff"),
          std::string("\0\xc3", 2), std::string("\xe2\x82\xac ok")}) {
        EXPECT_EQ(to_bytes(parse(write(from_bytes(bytes)))), bytes);
    }
}

TEST(Json, BadInputIsAnErrorWithItsOffset) {
    for (const char* bad : {"", "{", "[1,]", "{\"a\" 1}", "\"open", "1.5", "tru", "\"\\ud800\"",
                            "\"\x01\"", "{} x", "\"\\q\""}) {
        try {
            parse(bad);
            ADD_FAILURE() << "accepted: " << bad;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
            EXPECT_NE(e.message().find("offset"), std::string::npos) << e.message();
        }
    }
    EXPECT_THROW(to_bytes(parse("{\"base64\":\"%%%%\"}")), Error);
    EXPECT_THROW(parse("1").as_string(), Error);
    EXPECT_THROW(parse("{}").at("missing"), Error);
    std::string deep(100, '[');
    EXPECT_THROW(parse(deep), Error);
}

} // namespace
} // namespace processkit::json
