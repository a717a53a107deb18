// Network ends of the end-to-end pipeline benchmark (bench/pipeline_bench.cpp):
// a websocket deposit feed and a webhook receiver, each on its own threads on
// 127.0.0.1 port 0. Kept apart from the harness so only this file pays for
// the Beast includes. Not a test fake: both ends are built for speed and for
// timestamps, not to be scripted to fail.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace fw::bench {

// steady_clock (CLOCK_MONOTONIC, shared by every thread) in nanoseconds.
inline std::int64_t now_ns() noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Every frame starts with this prefix, then a marker ('b' = unlisted sender,
// 'L' = listed sender), '-', and kSeqDigits decimal digits: the global frame
// sequence number for 'b', the listed-frame index for 'L'. Fixed offsets let
// the feed patch the id in place and the harness read it for free.
inline constexpr std::string_view kIdPrefix = R"({"type":"deposit","deposit_id":")";
inline constexpr std::size_t kMarkerAt = kIdPrefix.size();
inline constexpr std::size_t kSeqAt = kMarkerAt + 2;
inline constexpr std::size_t kSeqDigits = 12;

// "L-000000001234" inside a payload (frame or alert body) -> 1234.
std::optional<std::uint64_t> listed_index_in(std::string_view text);
// Writes `value` as kSeqDigits zero-padded digits at `at`.
void put_seq(char* at, std::uint64_t value) noexcept;

// One pre-rendered deposit event, as websocket wire bytes (unmasked server
// text frame: header + payload).
struct WireFrame {
  std::string bytes;
  std::size_t payload_at = 0;  // where the JSON starts inside `bytes`
};
WireFrame make_wire_frame(std::string_view json);

struct FeedPhase {
  std::uint64_t frames = 0;
  double rate = 0;                 // frames per second; 0 = as fast as the socket takes them
  std::uint32_t listed_every = 0;  // every Nth frame carries a listed sender; 0 = none
};

struct FeedPhaseResult {
  std::int64_t start_ns = 0;
  std::int64_t end_ns = 0;          // after the last write returned
  std::uint64_t frames = 0;
  std::uint64_t first_seq = 0;      // global sequence of the first frame
  std::uint64_t listed_first = 0;   // listed index of the first listed frame
  std::uint64_t listed_count = 0;
  std::uint64_t writes = 0;         // write() calls
  std::uint64_t late_frames = 0;    // paced: frames sent more than 200 us after their due time
};

// Serves ONE websocket client (upgrade done with Beast, then frames written as
// raw bytes in large batches, so the feed is never the slower side) and runs
// phases on its own thread, one at a time. Listed frames' send times (taken
// right before the write() that carries them) go to `listed_send_ns[index]`.
class FeedServer {
 public:
  FeedServer(std::vector<WireFrame> unlisted, std::vector<WireFrame> listed,
             std::atomic<std::int64_t>* listed_send_ns, std::size_t listed_capacity);
  ~FeedServer();
  FeedServer(const FeedServer&) = delete;
  FeedServer& operator=(const FeedServer&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  bool wait_connected(std::chrono::milliseconds timeout);
  // Runs a phase on the feed thread; blocks until its last frame was written.
  FeedPhaseResult run(const FeedPhase& phase);
  double thread_cpu_seconds() const;  // the feed thread's CPU time so far

  struct Impl;

 private:
  std::uint16_t port_ = 0;
  std::unique_ptr<Impl> impl_;
};

// HTTP/1.1 server answering every request 200 (keep-alive), one thread per
// connection. `on_request(body, received_ns)` runs on that connection's
// thread after the whole request was read.
class WebhookReceiver {
 public:
  using OnRequest = std::function<void(std::string_view body, std::int64_t received_ns)>;
  explicit WebhookReceiver(OnRequest on_request);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::uint16_t port() const noexcept { return port_; }
  std::uint64_t requests() const noexcept { return requests_.load(std::memory_order_relaxed); }

  struct Impl;

 private:
  std::uint16_t port_ = 0;
  std::atomic<std::uint64_t> requests_{0};
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::bench
