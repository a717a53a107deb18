// When to try an alert again, or whether to give up: pure, no I/O, no clock reads.
//
// The wait after the n-th failed attempt is fw::Backoff's full jitter draw for
// attempt n (uniform in [0, min(max, initial * 2^(n-1))]), raised to the
// receiver's Retry-After when that is longer. An alert is retried until
// retry_for has passed since it was created; the last attempt is scheduled no
// later than that deadline (so a long Retry-After still gets one more try), and
// a failure at or past the deadline gives up (dead-letter, "retry period exhausted").
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <random>

namespace fw::delivery {

struct RetryPolicy {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{3600000};
  std::chrono::milliseconds retry_for{24LL * 3600 * 1000};
};

struct RetryPlan {
  bool give_up = false;                 // retry period exhausted
  std::int64_t next_attempt_at_ms = 0;  // Unix ms; meaningful when !give_up
  std::chrono::milliseconds wait{0};    // next_attempt_at_ms - now_ms
};

// `attempts` counts the attempts made so far, including the one that just failed (>= 1).
RetryPlan plan_retry(const RetryPolicy& policy, std::uint32_t attempts, std::int64_t created_at_ms,
                     std::int64_t now_ms, std::optional<std::chrono::milliseconds> retry_after,
                     std::mt19937_64& rng);

}  // namespace fw::delivery
