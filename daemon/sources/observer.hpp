// What a source reports, and to whom. No Asio here: the app, metrics and
// tests implement Observer without pulling in the network stack.
//
// Thread: every Observer call is made on the io_context thread that runs the
// source, one at a time. Views passed in (payload, reason, excerpt) are valid
// only for the duration of the call; copy what you keep.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/transfer.hpp"

namespace fw::sources {

enum class SourceState : std::uint8_t {
  connecting,    // resolving / connecting / TLS / upgrading, or opening the replay file
  connected,     // open and frames arrive (or may arrive)
  catching_up,   // connected, fetching missed blocks before live data is trusted
  stale,         // connected, but no data frame for longer than stale_after_ms
  disconnected,  // not connected; the reason says why (a retry may be scheduled)
  finished,      // a finite source (replay) reached its end; no more frames
};

// Bounded label for metrics and logs: "connecting", "connected", ...
std::string_view to_string(SourceState s) noexcept;

class Observer {
 public:
  virtual ~Observer() = default;

  // One complete message (a websocket text frame, a replay line). `payload`
  // points into the source's read buffer: zero copy, valid during the call only.
  virtual void on_frame(std::string_view source, std::string_view payload,
                        std::chrono::steady_clock::time_point received) = 0;

  // Every state change; `reason` is empty or a short human explanation
  // ("connect: Connection refused", "idle timeout", "stopped").
  virtual void on_state(std::string_view source, SourceState state, std::string_view reason) = 0;

  // A message the source refused before delivery. `reason` is a bounded label:
  // "oversized" (larger than max_frame_bytes) or "binary" (websocket binary frame).
  // `excerpt` is a printable prefix of what was seen (may be empty).
  virtual void on_frame_rejected(std::string_view source, std::string_view reason,
                                 std::string_view excerpt) = 0;

  // A new connection attempt after a previous one failed or ended.
  virtual void on_reconnect(std::string_view source) = 0;

  // --- chain sources (they decode and track the lifecycle themselves) ---

  // Decoded transfers, stage already set (status, revision, status_reason),
  // in the order they must be alerted. The observer may move from them.
  virtual void on_transfers(std::string_view source, std::vector<Transfer>& transfers,
                            std::chrono::steady_clock::time_point received) {
    (void)source, (void)transfers, (void)received;
  }

  // A block was applied to the source's canonical chain; `reorg` when blocks
  // left it on the way. For the tip-height gauge and block/reorg counters.
  virtual void on_block(std::string_view source, std::uint64_t height, bool reorg) {
    (void)source, (void)height, (void)reorg;
  }

  // Persist `state` (opaque bytes: the source's cursor and lifecycle window)
  // once every alert produced by earlier on_transfers calls is durable, in
  // the same order; then run `durable` on the io thread.
  virtual void on_checkpoint(std::string_view source, std::string state, std::function<void()> durable) {
    (void)source, (void)state;
    durable();
  }

  // A body or message a chain source could not decode (or a REST call that
  // failed). `reason` is a bounded label ("not_json", "bad_field", "bad_tx",
  // "rest_error", ...); `detail` says where and why, with an excerpt.
  virtual void on_decode_error(std::string_view source, std::string_view reason, std::string_view detail) {
    (void)source, (void)reason, (void)detail;
  }

  // `count` well-formed events the source skipped on purpose, e.g. TRON
  // Transfer events of a contract that is not a configured token (a
  // counterfeit USDT emits the same event). `reason` is a bounded label
  // (metrics::kIgnoreReasons). Counted, never alerted.
  virtual void on_events_ignored(std::string_view source, std::string_view reason, std::uint64_t count) {
    (void)source, (void)reason, (void)count;
  }
};

}  // namespace fw::sources
