// The counters behind Source::stats(), shared by every source kind. Written
// on the io thread, read from any thread (relaxed atomics: each value is
// exact, a snapshot of several is not a transaction).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

#include "sources/source.hpp"

namespace fw::sources::detail {

struct StatCounters {
  std::atomic<std::uint64_t> frames_{0}, bytes_{0}, rejected_{0}, connects_{0}, reconnects_{0};
  std::atomic<std::int64_t> last_frame_ns_{0};  // steady_clock ns since epoch; 0 = never

  SourceStats snapshot() const noexcept {
    SourceStats out;
    out.frames = frames_.load(std::memory_order_relaxed);
    out.bytes = bytes_.load(std::memory_order_relaxed);
    out.rejected = rejected_.load(std::memory_order_relaxed);
    out.connects = connects_.load(std::memory_order_relaxed);
    out.reconnects = reconnects_.load(std::memory_order_relaxed);
    out.last_frame = std::chrono::steady_clock::time_point(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
        std::chrono::nanoseconds(last_frame_ns_.load(std::memory_order_relaxed))));
    return out;
  }
};

}  // namespace fw::sources::detail
