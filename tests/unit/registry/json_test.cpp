#include "registry/json.hpp"

#include <gtest/gtest.h>

namespace fw::registry {
namespace {

TEST(JsonString, EscapesQuotesBackslashesAndControlCharacters) {
  EXPECT_EQ(json_string("a\"b\\c\n\t\x01"), "\"a\\\"b\\\\c\\n\\t\\u0001\"");
}

TEST(JsonString, ReplacesInvalidUtf8AndKeepsValidUtf8) {
  EXPECT_EQ(json_string("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
  EXPECT_EQ(json_string("a\xFF" "b"), "\"a\xEF\xBF\xBD" "b\"");
  EXPECT_EQ(json_string("\xC3"), "\"\xEF\xBF\xBD\"");  // truncated sequence
}

TEST(ProvenanceJson, FileListingIsValidJsonWithEveryField) {
  watchlist::Provenance p;
  p.file = "lists/a.csv";
  p.line = 7;
  p.list = "alex";
  p.label = "Lazarus \"Group\"";
  p.incident = "alex-lab-2024";
  p.source = "ZachXBT";
  p.severity = "critical";
  p.added_at = "2024-05-15";
  p.notes = "bad \xff byte";
  const std::string j = provenance_to_json(p, "remote");
  EXPECT_EQ(j, "{\"kind\":\"remote\",\"list\":\"alex\",\"file\":\"lists/a.csv\",\"line\":7,"
               "\"label\":\"Lazarus \\\"Group\\\"\",\"incident\":\"alex-lab-2024\",\"source\":\"ZachXBT\","
               "\"severity\":\"critical\",\"added_at\":\"2024-05-15\",\"notes\":\"bad \xef\xbf\xbd byte\"}");
  EXPECT_FALSE(find_json_syntax_error(j));
}

TEST(IsoTime, FormatsUtcWithMilliseconds) {
  EXPECT_EQ(format_iso_ms(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(format_iso_ms(1715853600123), "2024-05-16T10:00:00.123Z");
  EXPECT_EQ(format_iso_ms(951782400000), "2000-02-29T00:00:00.000Z");
}

TEST(IsoTime, ParsesDatesTimesFractionsAndOffsets) {
  std::string error;
  EXPECT_EQ(parse_iso_ms("2024-05-16T10:00:00Z", error), 1715853600000);
  EXPECT_EQ(parse_iso_ms("2024-05-16T10:00:00.123Z", error), 1715853600123);
  EXPECT_EQ(parse_iso_ms("2024-05-16T10:00:00.1234567Z", error), 1715853600123);
  EXPECT_EQ(parse_iso_ms("2024-05-16T10:00Z", error), 1715853600000);
  EXPECT_EQ(parse_iso_ms("2024-05-16", error), 1715817600000);
  EXPECT_EQ(parse_iso_ms("2024-05-16T12:00:00+02:00", error), 1715853600000);
  EXPECT_EQ(parse_iso_ms("2024-05-16T08:30:00-01:30", error), 1715853600000);
  EXPECT_EQ(parse_iso_ms(format_iso_ms(1715853600123), error), 1715853600123);
}

TEST(IsoTime, RefusesAmbiguousOrInvalidTimesWithAReason) {
  std::string error;
  EXPECT_FALSE(parse_iso_ms("2024-05-16T10:00:00", error));
  EXPECT_NE(error.find("zone"), std::string::npos) << error;
  EXPECT_FALSE(parse_iso_ms("2023-02-29", error));
  EXPECT_EQ(error, "no such date");
  EXPECT_FALSE(parse_iso_ms("2024-05-16T25:00:00Z", error));
  EXPECT_FALSE(parse_iso_ms("yesterday", error));
  EXPECT_FALSE(parse_iso_ms("2024-05-16T10:00:00Zjunk", error));
  EXPECT_FALSE(parse_iso_ms("", error));
}

TEST(PathJson, RoundTrips) {
  std::vector<watchlist::PathStep> path{
      {"SPA", "SPB", "stacks", "0xtx1", "STX", "1250.5", 1000},
      {"SPB", "SPC", "stacks", "0xtx2", "", "1\"0", 2000},
  };
  std::vector<watchlist::PathStep> back;
  std::string error;
  ASSERT_TRUE(path_from_json(path_to_json(path), back, error)) << error;
  EXPECT_EQ(back, path);
  ASSERT_TRUE(path_from_json("[]", back, error));
  EXPECT_TRUE(back.empty());
  EXPECT_FALSE(path_from_json("{}", back, error));
  EXPECT_FALSE(path_from_json("[{\"at_ms\":\"x\"}]", back, error));
}

TEST(SyntaxCheck, AcceptsValidJson) {
  EXPECT_FALSE(find_json_syntax_error(R"( {"a":[1,-2.5e3,true,false,null,"x\u00e9\n"],"b":{}} )"));
  EXPECT_FALSE(find_json_syntax_error("0"));
}

TEST(SyntaxCheck, ReportsTheByteOffsetOfTheFirstError) {
  auto e = find_json_syntax_error(R"({"entries": [1, 2,, 3]})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->offset, 18u);
  e = find_json_syntax_error(R"({"a" 1})");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->offset, 5u);
  EXPECT_EQ(e->reason, "expected ':'");
  e = find_json_syntax_error(R"({"a":"unterminated)");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, "unterminated string");
  e = find_json_syntax_error("{} x");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->offset, 3u);
  e = find_json_syntax_error("");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, "unexpected end of input");
  e = find_json_syntax_error("[01]");
  ASSERT_TRUE(e);
  e = find_json_syntax_error("\"a\xFF\"");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->reason, "invalid UTF-8");
  EXPECT_EQ(e->offset, 2u);
}

TEST(SyntaxCheck, CapsNestingDepth) {
  EXPECT_TRUE(find_json_syntax_error(std::string(100, '[') + std::string(100, ']'), 64));
  EXPECT_FALSE(find_json_syntax_error(std::string(10, '[') + std::string(10, ']'), 64));
}

TEST(EntryJson, ContainsDerivedFieldsOnlyForDerivedEntries) {
  watchlist::LiveEntry e;
  e.address = "0xaa";
  e.label = "x";
  const auto api = entry_to_json(e, 0);
  EXPECT_EQ(api.find("\"hops\""), std::string::npos);
  EXPECT_NE(api.find("\"kind\":\"api\""), std::string::npos);
  EXPECT_NE(api.find("\"expires_at\":null"), std::string::npos);
  e.kind = watchlist::LiveEntry::Kind::derived;
  e.hops = 2;
  e.expires_at_ms = 5;
  const auto derived = entry_to_json(e, 10);
  EXPECT_NE(derived.find("\"hops\":2"), std::string::npos);
  EXPECT_NE(derived.find("\"suspected\":true"), std::string::npos);
  EXPECT_NE(derived.find("\"expired\":true"), std::string::npos);
  EXPECT_FALSE(find_json_syntax_error(derived));
  EXPECT_FALSE(find_json_syntax_error(entry_detail_json(e)));
}

}  // namespace
}  // namespace fw::registry
