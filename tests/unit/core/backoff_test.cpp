#include "core/backoff.hpp"

#include <gtest/gtest.h>

namespace fw {
namespace {
using std::chrono::milliseconds;

TEST(Backoff, CeilingDoublesUpToTheCap) {
  Backoff b(milliseconds(100), milliseconds(1000));
  std::mt19937_64 rng(1);
  EXPECT_EQ(b.ceiling(), milliseconds(100));
  b.next(rng);
  EXPECT_EQ(b.ceiling(), milliseconds(200));
  b.next(rng);
  EXPECT_EQ(b.ceiling(), milliseconds(400));
  for (int i = 0; i < 100; ++i) b.next(rng);
  EXPECT_EQ(b.ceiling(), milliseconds(1000));
}

TEST(Backoff, FullJitterStaysWithinZeroAndCeiling) {
  Backoff b(milliseconds(50), milliseconds(800));
  std::mt19937_64 rng(42);
  bool saw_low = false;
  for (int i = 0; i < 1000; ++i) {
    auto hi = b.ceiling();
    auto w = b.next(rng);
    EXPECT_GE(w.count(), 0);
    EXPECT_LE(w, hi);
    if (w < hi / 4) saw_low = true;
  }
  EXPECT_TRUE(saw_low) << "full jitter must sometimes wait much less than the ceiling";
}

TEST(Backoff, ResetStartsOverAfterAGoodFrame) {
  Backoff b(milliseconds(100), milliseconds(10000));
  std::mt19937_64 rng(7);
  for (int i = 0; i < 5; ++i) b.next(rng);
  EXPECT_GT(b.ceiling(), milliseconds(100));
  b.reset();
  EXPECT_EQ(b.ceiling(), milliseconds(100));
  EXPECT_EQ(b.attempts(), 0u);
}

TEST(Backoff, HugeAttemptCountsDoNotOverflow) {
  Backoff b(milliseconds(1), milliseconds(86400000));
  std::mt19937_64 rng(3);
  for (int i = 0; i < 500; ++i) b.next(rng);
  EXPECT_EQ(b.ceiling(), milliseconds(86400000));
}

}  // namespace
}  // namespace fw
