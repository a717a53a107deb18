// Exponential backoff with full jitter, as a value type (no I/O, no clock).
//
//   Backoff b{100ms, 30s};
//   auto wait = b.next(rng);   // uniform in [0, min(cap, base * 2^attempt)]
//   b.reset();                 // after the first good frame / a 2xx
//
// Full jitter (AWS architecture blog, "Exponential Backoff And Jitter") spreads
// reconnect storms of many clients; the caller supplies the random source so
// tests are deterministic.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace fw {

class Backoff {
 public:
  using ms = std::chrono::milliseconds;

  Backoff(ms base, ms cap) noexcept : base_(std::max<ms>(base, ms(1))), cap_(std::max(cap, base_)) {}

  // Upper bound of the next wait, before jitter.
  ms ceiling() const noexcept {
    // base * 2^attempt without overflow: stop doubling once past the cap.
    std::int64_t c = base_.count();
    for (std::uint32_t i = 0; i < attempt_ && c < cap_.count(); ++i) c *= 2;
    return ms(std::min<std::int64_t>(c, cap_.count()));
  }

  template <class Rng>
  ms next(Rng& rng) noexcept {
    ms hi = ceiling();
    if (attempt_ < 63) ++attempt_;
    std::uniform_int_distribution<std::int64_t> dist(0, hi.count());
    return ms(dist(rng));
  }

  void reset() noexcept { attempt_ = 0; }
  std::uint32_t attempts() const noexcept { return attempt_; }

 private:
  ms base_;
  ms cap_;
  std::uint32_t attempt_ = 0;
};

}  // namespace fw
