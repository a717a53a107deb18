#include "watchlist/csv.hpp"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "test_files.hpp"

namespace fw::watchlist::detail {
namespace {

std::vector<std::string> split(std::string_view line, std::string* error = nullptr) {
  std::vector<std::string> fields;
  std::size_t count = 0;
  std::string why;
  if (!split_csv(line, fields, count, why)) {
    if (error) *error = why;
    return {"<error>"};
  }
  fields.resize(count);
  return fields;
}

using V = std::vector<std::string>;

TEST(SplitCsv, PlainFieldsAreTrimmedAndEmptyFieldsKept) {
  EXPECT_EQ(split("a,b,c"), (V{"a", "b", "c"}));
  EXPECT_EQ(split(" a , b\t,c "), (V{"a", "b", "c"}));
  EXPECT_EQ(split("a,,c,"), (V{"a", "", "c", ""}));
  EXPECT_EQ(split(""), (V{""}));
  EXPECT_EQ(split(","), (V{"", ""}));
}

TEST(SplitCsv, QuotedFieldsHoldCommasAndDoubledQuotes) {
  EXPECT_EQ(split(R"("a,b",c)"), (V{"a,b", "c"}));
  EXPECT_EQ(split(R"(x,"say ""hi""",y)"), (V{"x", "say \"hi\"", "y"}));
  EXPECT_EQ(split(R"("",  "  spaced  "  ,z)"), (V{"", "  spaced  ", "z"}));
  EXPECT_EQ(split(R"("""")"), (V{"\""}));
  EXPECT_EQ(split(R"(a"b,c)"), (V{"a\"b", "c"}));  // a quote inside an unquoted field is kept
}

TEST(SplitCsv, MalformedQuotingIsAnErrorNotAGuess) {
  std::string why;
  EXPECT_EQ(split(R"(a,"unterminated)", &why), (V{"<error>"}));
  EXPECT_NE(why.find("unterminated quoted field"), std::string::npos);
  EXPECT_EQ(split(R"("closed"junk,b)", &why), (V{"<error>"}));
  EXPECT_NE(why.find("text after a closing quote in field 1"), std::string::npos);
}

TEST(SplitCsv, ReusesItsFieldBuffers) {
  std::vector<std::string> fields;
  std::size_t count = 0;
  std::string why;
  ASSERT_TRUE(split_csv("a,b,c,d", fields, count, why));
  EXPECT_EQ(count, 4u);
  ASSERT_TRUE(split_csv("x", fields, count, why));
  EXPECT_EQ(count, 1u);
  EXPECT_EQ(fields[0], "x");
  EXPECT_GE(fields.size(), 4u);  // never shrinks
}

TEST(LineReader, SplitsLinesStripsCrAndCountsThem) {
  test::TempDir tmp;
  const auto path = tmp.write("f.txt", "one\r\ntwo\n\nlast-without-newline");
  LineReader r;
  std::string why;
  ASSERT_TRUE(r.open(path, why)) << why;
  EXPECT_TRUE(r.stamp().exists);
  EXPECT_EQ(r.stamp().size, 30u);
  std::string_view line;
  std::vector<std::string> got;
  while (r.next(line) == LineReader::Status::line) got.push_back(std::to_string(r.line_number()) + ":" + std::string(line));
  EXPECT_EQ(got, (V{"1:one", "2:two", "3:", "4:last-without-newline"}));
  EXPECT_EQ(r.next(line), LineReader::Status::end);
}

TEST(LineReader, LinesLongerThanTheLimitAreReportedAndSkipped) {
  test::TempDir tmp;
  // Longer than the whole read buffer, to cross several refills.
  const std::string huge(LineReader::buffer_size * 2 + 17, 'x');
  const auto path = tmp.write("f.txt", "a\n" + huge + "\nb\n" + huge);
  LineReader r;
  std::string why;
  ASSERT_TRUE(r.open(path, why));
  std::string_view line;
  ASSERT_EQ(r.next(line), LineReader::Status::line);
  EXPECT_EQ(line, "a");
  EXPECT_EQ(r.next(line), LineReader::Status::too_long);
  EXPECT_EQ(r.line_number(), 2u);
  ASSERT_EQ(r.next(line), LineReader::Status::line);
  EXPECT_EQ(line, "b");
  EXPECT_EQ(r.line_number(), 3u);
  EXPECT_EQ(r.next(line), LineReader::Status::too_long);
  EXPECT_EQ(r.line_number(), 4u);
  EXPECT_EQ(r.next(line), LineReader::Status::end);
}

TEST(LineReader, OpenExplainsWhyAFileCannotBeRead) {
  test::TempDir tmp;
  LineReader missing;
  std::string why;
  EXPECT_FALSE(missing.open(tmp.path("nope"), why));
  EXPECT_EQ(why, "No such file or directory");
  LineReader dir;
  EXPECT_FALSE(dir.open(tmp.dir(), why));
  EXPECT_EQ(why, "is a directory");
}

TEST(Excerpt, CutsLongLinesOnACharacterBoundary) {
  EXPECT_EQ(excerpt("short"), "short");
  const std::string ascii(200, 'a');
  EXPECT_EQ(excerpt(ascii), std::string(120, 'a') + "...");
  std::string utf8(119, 'a');
  utf8 += "\xC3\xA9\xC3\xA9 more text";  // "é" straddles byte 120
  EXPECT_EQ(excerpt(utf8), std::string(119, 'a') + "...");
}

}  // namespace
}  // namespace fw::watchlist::detail
