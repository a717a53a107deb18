#include "alert/json_writer.hpp"

#include <simdjson.h>

#include <gtest/gtest.h>

namespace fw::alert {
namespace {

using namespace std::chrono_literals;

std::string as_json(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

TEST(JsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(as_json("plain"), R"("plain")");
  EXPECT_EQ(as_json(R"(a"b\c)"), R"("a\"b\\c")");
  EXPECT_EQ(as_json("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(as_json(std::string_view("\x00\x01\x1f\x7f", 4)), R"("\u0000\u0001\u001f\u007f")");
  EXPECT_EQ(as_json("</script>"), R"("</script>")");
}

TEST(JsonString, KeepsValidUtf8AndReplacesInvalidBytes) {
  EXPECT_EQ(as_json("Lazarus \xe2\x80\x94 \xf0\x9f\x94\x92"), "\"Lazarus \xe2\x80\x94 \xf0\x9f\x94\x92\"");
  EXPECT_EQ(as_json("a\xff" "b"), R"("a\ufffdb")");
  EXPECT_EQ(as_json("\xc0\xaf"), R"("\ufffd\ufffd")");          // overlong '/'
  EXPECT_EQ(as_json("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");  // a UTF-16 surrogate
  EXPECT_EQ(as_json("\xe2\x80"), R"("\ufffd\ufffd")");            // truncated sequence
}

TEST(JsonString, AnyBytesGiveValidJson) {
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  std::string json = as_json(all);
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  ASSERT_EQ(parser.parse(json).get(e), simdjson::SUCCESS) << json;
  EXPECT_TRUE(e.is_string());
}

TEST(Timestamp, IsIso8601UtcWithMilliseconds) {
  using std::chrono::system_clock;
  EXPECT_EQ(format_timestamp(system_clock::time_point{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point{std::chrono::seconds(1715680800)} + 123ms),
            "2024-05-14T10:00:00.123Z");
  EXPECT_EQ(format_timestamp(system_clock::time_point{std::chrono::seconds(1709164800)} + 999999us),
            "2024-02-29T00:00:00.999Z");  // leap day; sub-millisecond truncated
  EXPECT_EQ(format_timestamp(system_clock::time_point{} - 1ms), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace fw::alert
