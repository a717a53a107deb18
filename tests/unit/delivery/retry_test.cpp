#include "delivery/retry.hpp"

#include <gtest/gtest.h>

namespace fw::delivery {
namespace {

using std::chrono::milliseconds;

const RetryPolicy kPolicy{milliseconds(100), milliseconds(1000), milliseconds(60'000)};
constexpr std::int64_t kCreated = 1'700'000'000'000;

TEST(PlanRetry, WaitIsFullJitterUnderTheDoublingCeiling) {
  std::mt19937_64 rng(7);
  for (std::uint32_t attempts = 1; attempts <= 8; ++attempts) {
    const std::int64_t ceiling = std::min<std::int64_t>(100LL << (attempts - 1), 1000);
    std::int64_t max_seen = 0;
    for (int i = 0; i < 300; ++i) {
      auto p = plan_retry(kPolicy, attempts, kCreated, kCreated + 10, std::nullopt, rng);
      ASSERT_FALSE(p.give_up);
      EXPECT_GE(p.wait.count(), 0);
      EXPECT_LE(p.wait.count(), ceiling) << attempts;
      EXPECT_EQ(p.next_attempt_at_ms, kCreated + 10 + p.wait.count());
      max_seen = std::max(max_seen, p.wait.count());
    }
    EXPECT_GT(max_seen, ceiling / 2) << "jitter should spread up to the ceiling";
  }
}

TEST(PlanRetry, RetryAfterRaisesTheWait) {
  std::mt19937_64 rng(1);
  auto p = plan_retry(kPolicy, 1, kCreated, kCreated, milliseconds(5000), rng);
  EXPECT_EQ(p.wait, milliseconds(5000));
  // A shorter Retry-After than the backoff draw does not shorten it below the draw.
  for (int i = 0; i < 50; ++i) {
    auto q = plan_retry(kPolicy, 4, kCreated, kCreated, milliseconds(0), rng);
    EXPECT_LE(q.wait, milliseconds(800));
  }
}

TEST(PlanRetry, LastAttemptIsScheduledAtTheEndOfThePeriod) {
  std::mt19937_64 rng(1);
  auto p = plan_retry(kPolicy, 3, kCreated, kCreated + 59'000, milliseconds(3'600'000), rng);
  ASSERT_FALSE(p.give_up);
  EXPECT_EQ(p.next_attempt_at_ms, kCreated + 60'000);
  EXPECT_EQ(p.wait, milliseconds(1000));
}

TEST(PlanRetry, GivesUpOnceThePeriodHasPassed) {
  std::mt19937_64 rng(1);
  EXPECT_TRUE(plan_retry(kPolicy, 9, kCreated, kCreated + 60'000, std::nullopt, rng).give_up);
  EXPECT_TRUE(plan_retry(kPolicy, 1, kCreated, kCreated + 90'000, std::nullopt, rng).give_up);
  EXPECT_FALSE(plan_retry(kPolicy, 1, kCreated, kCreated + 59'999, std::nullopt, rng).give_up);
}

TEST(PlanRetry, ManyAttemptsStayAtTheCap) {
  std::mt19937_64 rng(3);
  for (std::uint32_t attempts : {64u, 1000u, 4'000'000'000u}) {
    auto p = plan_retry(kPolicy, attempts, kCreated, kCreated, std::nullopt, rng);
    EXPECT_LE(p.wait, milliseconds(1000));
  }
}

}  // namespace
}  // namespace fw::delivery
