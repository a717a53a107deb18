#include "sources/detail/line_reader.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "test_support.hpp"

namespace fw::sources::detail {
namespace {

using Status = LineReader::Status;
using fw::sources::testing::TempDir;

std::string write_file(const TempDir& dir, const std::string& content) {
  const std::string path = dir.path + "/f.txt";
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

// All results as "L:<line>" / "T:<excerpt>", until eof.
std::vector<std::string> read_all(LineReader& r) {
  std::vector<std::string> out;
  std::string_view line;
  for (;;) {
    const auto s = r.next(line);
    if (s == Status::eof) break;
    if (s == Status::error) {
      out.push_back("E:" + r.error());
      break;
    }
    out.push_back((s == Status::line ? "L:" : "T:") + std::string(line));
  }
  return out;
}

TEST(LineReader, SplitsLinesDropsCarriageReturnsAndKeepsALastLineWithoutNewline) {
  TempDir dir;
  LineReader r(100);
  std::string error;
  ASSERT_TRUE(r.open(write_file(dir, "a\nbb\r\n\nccc"), error)) << error;
  EXPECT_EQ(read_all(r), (std::vector<std::string>{"L:a", "L:bb", "L:", "L:ccc"}));
}

TEST(LineReader, LinesSpanningManySmallReadsComeBackWhole) {
  TempDir dir;
  std::string content;
  std::vector<std::string> expected;
  for (int i = 0; i < 50; ++i) {
    std::string line(static_cast<std::size_t>(i * 3 + 1), static_cast<char>('a' + i % 26));
    content += line + "\n";
    expected.push_back("L:" + line);
  }
  LineReader r(200, 16);  // buffer far smaller than most lines: max_line + 2 wins
  std::string error;
  ASSERT_TRUE(r.open(write_file(dir, content), error));
  EXPECT_EQ(read_all(r), expected);
}

TEST(LineReader, OverlongLinesAreSkippedWholeWithAnExcerptAndTheNextLineIsIntact) {
  TempDir dir;
  const std::string longline = "{" + std::string(10000, 'x') + "}";
  LineReader r(64, 16);
  std::string error;
  ASSERT_TRUE(r.open(write_file(dir, "ok1\n" + longline + "\nok2\n" + longline), error));
  const auto got = read_all(r);
  ASSERT_EQ(got.size(), 4u);
  EXPECT_EQ(got[0], "L:ok1");
  EXPECT_EQ(got[1].substr(0, 6), "T:{xxx");
  EXPECT_EQ(got[2], "L:ok2");
  EXPECT_EQ(got[3].substr(0, 6), "T:{xxx");
}

TEST(LineReader, ALineOfExactlyTheMaximumFits) {
  TempDir dir;
  const std::string line(64, 'm');
  LineReader r(64, 16);
  std::string error;
  ASSERT_TRUE(r.open(write_file(dir, line + "\r\n" + line + "x\n"), error));
  const auto got = read_all(r);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], "L:" + line);
  EXPECT_EQ(got[1].substr(0, 2), "T:");
}

TEST(LineReader, RewindStartsOver) {
  TempDir dir;
  LineReader r(100);
  std::string error;
  ASSERT_TRUE(r.open(write_file(dir, "1\n2\n"), error));
  EXPECT_EQ(read_all(r), (std::vector<std::string>{"L:1", "L:2"}));
  ASSERT_TRUE(r.rewind());
  EXPECT_EQ(read_all(r), (std::vector<std::string>{"L:1", "L:2"}));
}

TEST(LineReader, MissingFileSaysWhich) {
  LineReader r(100);
  std::string error;
  EXPECT_FALSE(r.open("/nonexistent/x.jsonl", error));
  EXPECT_NE(error.find("cannot open /nonexistent/x.jsonl"), std::string::npos) << error;
}

}  // namespace
}  // namespace fw::sources::detail
