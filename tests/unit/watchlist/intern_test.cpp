// The load workers' intern tables (watchlist/intern.hpp) against a
// std::unordered_map holding the same pairs.
#include "watchlist/intern.hpp"

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include <gtest/gtest.h>

namespace fw::watchlist::detail {
namespace {

TEST(InternTable, FindsEveryInsertedStringThroughGrowthAndNothingElse) {
  InternTable t;
  std::unordered_map<std::string, std::uint32_t> truth;
  std::vector<std::string> kept;  // long strings must outlive the table's view of them
  kept.reserve(40'000);
  std::mt19937_64 rng(11);
  std::uint32_t next = 1;
  for (int i = 0; i < 40'000; ++i) {
    // Lengths 0..40 around the 24-byte inline limit; a small alphabet so
    // that strings share prefixes and differ only in length or one byte.
    std::string s(rng() % 41, 'a');
    for (char& c : s) c = static_cast<char>('a' + rng() % 3);
    if (s.empty() || truth.count(s)) continue;
    kept.push_back(s);
    const std::uint32_t id = next++;
    const auto k = InternTable::key_of(kept.back());
    t.prefetch(k);
    ASSERT_EQ(t.find(kept.back(), k), InternTable::none) << s;
    t.insert(kept.back(), k, id);
    truth.emplace(s, id);
  }
  ASSERT_GT(truth.size(), 20'000u);  // the table grew many times
  EXPECT_EQ(t.size(), truth.size());
  for (const auto& [s, id] : truth) ASSERT_EQ(t.find(s), id) << s;
  // Absent: one byte longer, shorter or changed, and bytes past an inline text's end.
  for (const auto& [s, id] : truth) {
    if (!truth.count(s + "d")) {
      EXPECT_EQ(t.find(s + "d"), InternTable::none);
    }
    std::string z = s;
    z.push_back('\0');
    EXPECT_EQ(t.find(z), InternTable::none);
    std::string changed = s;
    changed.back() = 'x';
    EXPECT_EQ(t.find(changed), InternTable::none);
  }
}

TEST(InternTable, WordLoadsEqualAZeroPaddedCopyForEveryLengthAndOffset) {
  // A buffer whose neighbours differ from the text, so reading outside it shows.
  std::string buf(64, '#');
  for (std::size_t n = 0; n <= 40; ++n) {
    for (std::size_t i = 0; i < n; ++i) buf[8 + i] = static_cast<char>('A' + i);
    const char* p = buf.data() + 8;
    for (std::size_t o = 0; o < 48; o += 8) {
      std::uint64_t want = 0;
      if (o < n) std::memcpy(&want, p + o, std::min<std::size_t>(8, n - o));
      EXPECT_EQ(intern_detail::word_at(p, n, o), want) << "n=" << n << " o=" << o;
    }
    for (std::size_t i = 0; i < n; ++i) buf[8 + i] = '#';
  }
}

TEST(TripleTable, MapsTriplesThroughGrowth) {
  TripleTable t;
  std::unordered_map<std::uint64_t, std::uint32_t> truth;
  auto pack = [](std::uint32_t a, std::uint32_t b, std::uint32_t c) {
    return std::uint64_t{a} << 40 | std::uint64_t{b} << 20 | c;
  };
  std::uint32_t next = 0;  // 0 is a valid id here
  for (std::uint32_t a = 0; a < 12; ++a) {
    for (std::uint32_t b = 0; b < 300; ++b) {
      for (std::uint32_t c = 0; c < 5; ++c) {
        t.prefetch(a, b, c);
        ASSERT_EQ(t.find(a, b, c), TripleTable::none);
        t.insert(a, b, c, next);
        truth.emplace(pack(a, b, c), next++);
      }
    }
  }
  for (std::uint32_t a = 0; a < 12; ++a) {
    for (std::uint32_t b = 0; b < 300; ++b) {
      for (std::uint32_t c = 0; c < 5; ++c) ASSERT_EQ(t.find(a, b, c), truth.at(pack(a, b, c)));
    }
  }
  EXPECT_EQ(t.find(12, 0, 0), TripleTable::none);
  EXPECT_EQ(t.find(0, 0, 5), TripleTable::none);
  EXPECT_EQ(t.find(0, 300, 0), TripleTable::none);
}

}  // namespace
}  // namespace fw::watchlist::detail
