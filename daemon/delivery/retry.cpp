#include "delivery/retry.hpp"

#include <algorithm>

#include "core/backoff.hpp"

namespace fw::delivery {

RetryPlan plan_retry(const RetryPolicy& policy, std::uint32_t attempts, std::int64_t created_at_ms,
                     std::int64_t now_ms, std::optional<std::chrono::milliseconds> retry_after,
                     std::mt19937_64& rng) {
  RetryPlan plan;
  const std::int64_t deadline_ms = created_at_ms + policy.retry_for.count();
  if (now_ms >= deadline_ms) {
    plan.give_up = true;
    return plan;
  }
  // Backoff keeps its attempt count inside; replay it to this record's count
  // (the record's count survives restarts, a Backoff does not). Past ~63
  // doublings every cap is reached, so the replay is bounded.
  Backoff backoff(policy.initial, policy.max);
  std::minstd_rand skip;
  const std::uint32_t replay = std::min<std::uint32_t>(attempts > 0 ? attempts - 1 : 0, 64);
  for (std::uint32_t i = 0; i < replay; ++i) backoff.next(skip);
  std::chrono::milliseconds wait = backoff.next(rng);
  if (retry_after && *retry_after > wait) wait = *retry_after;

  std::int64_t next = now_ms + wait.count();
  if (next > deadline_ms) next = deadline_ms;  // one last try at the end of the period
  plan.next_attempt_at_ms = next;
  plan.wait = std::chrono::milliseconds(next - now_ms);
  return plan;
}

}  // namespace fw::delivery
