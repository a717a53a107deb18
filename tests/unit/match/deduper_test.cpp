#include "match/deduper.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fw::match {
namespace {

TEST(Deduper, ReportsAnIdOnlyTheFirstTime) {
  Deduper d(10);
  EXPECT_TRUE(d.first_time("fw_a_pending"));
  EXPECT_FALSE(d.first_time("fw_a_pending"));
  EXPECT_TRUE(d.first_time("fw_a_credited"));  // another stage is another alert
  EXPECT_TRUE(d.contains("fw_a_pending"));
  EXPECT_FALSE(d.contains("fw_b_pending"));
  EXPECT_EQ(d.size(), 2u);
}

TEST(Deduper, ForgetsTheOldestIdsBeyondItsCapacity) {
  Deduper d(3);
  for (std::string id : {"a", "b", "c"}) EXPECT_TRUE(d.first_time(id));
  EXPECT_TRUE(d.first_time("d"));  // evicts "a"
  EXPECT_EQ(d.size(), 3u);
  EXPECT_FALSE(d.contains("a"));
  EXPECT_FALSE(d.first_time("b"));  // still remembered (FIFO: a hit does not refresh)
  EXPECT_TRUE(d.first_time("a"));   // evicts "b"
  EXPECT_FALSE(d.contains("b"));
  EXPECT_TRUE(d.contains("c"));
}

TEST(Deduper, StaysBoundedUnderManyIds) {
  Deduper d(1000);
  for (int i = 0; i < 100000; ++i) ASSERT_TRUE(d.first_time("fw_" + std::to_string(i) + "_pending"));
  EXPECT_EQ(d.size(), 1000u);
  EXPECT_EQ(d.capacity(), 1000u);
  EXPECT_FALSE(d.first_time("fw_99999_pending"));
  EXPECT_TRUE(d.first_time("fw_0_pending"));
}

TEST(Deduper, ZeroCapacityStillRemembersTheLastId) {
  Deduper d(0);
  EXPECT_TRUE(d.first_time("x"));
  EXPECT_FALSE(d.first_time("x"));
  EXPECT_TRUE(d.first_time("y"));
  EXPECT_TRUE(d.first_time("x"));
}

}  // namespace
}  // namespace fw::match
