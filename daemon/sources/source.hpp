// The small interface the app holds every source by, and the factory that
// builds one from its config. No Asio in this header.
//
// Lifetime: a Source must be started, used and stopped on the io_context's
// thread, and the Observer must outlive it. Destroying a running source is
// allowed: it stops, and no Observer call is made after the destructor began.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/chain.hpp"

#include "config/config.hpp"
#include "sources/observer.hpp"

namespace boost::asio {
class io_context;
}

namespace fw::sources {

// Counters a source keeps; readable from any thread (relaxed atomics inside).
struct SourceStats {
  std::uint64_t frames = 0;      // messages delivered to on_frame
  std::uint64_t bytes = 0;       // payload bytes delivered
  std::uint64_t rejected = 0;    // messages reported through on_frame_rejected
  std::uint64_t connects = 0;    // successful opens (websocket handshakes, file opens)
  std::uint64_t reconnects = 0;  // attempts after the first (replay: restarts of a looping file)
  std::chrono::steady_clock::time_point last_frame{};  // epoch = never
};

class Source {
 public:
  virtual ~Source() = default;

  // Begins work on the io_context (returns at once). Call once.
  virtual void start() = 0;
  // Asks the source to end: a websocket closes gracefully within its
  // connect_timeout_ms, a replay stops after the current line. Returns at
  // once; the last Observer call is on_state(disconnected, "stopped")
  // (or nothing, when a replay had already finished). Idempotent.
  virtual void stop() = 0;

  // The watchlist changed (reload, API edit). Sources that subscribe per
  // address (mempool.space track-addresses) re-read SourceContext and
  // re-subscribe; others ignore it. Called on the io thread.
  virtual void on_watchlist_changed() {}

  virtual const std::string& name() const noexcept = 0;
  virtual SourceState state() const noexcept = 0;  // any thread
  virtual SourceStats stats() const noexcept = 0;  // any thread
};

// What a source may ask of the rest of the daemon. Every member may be empty.
struct SourceContext {
  // The canonical listed addresses of one chain, from the live watchlist
  // (called on the io thread; may be large).
  std::function<std::vector<std::string>(Chain)> listed_addresses;
};

// deposits_ws -> DepositWsSource, replay -> ReplaySource, stacks_node ->
// StacksNodeSource, stacks_api -> StacksApiSource. `saved_state` is the last
// state the source passed to Observer::on_checkpoint ("" if none); chain
// sources resume from it. Never throws for a bad runtime condition (missing
// file, unreachable host): those surface as on_state(disconnected, reason)
// after start().
std::unique_ptr<Source> make_source(boost::asio::io_context& io, const config::SourceConfig& config,
                                    Observer& observer, std::string saved_state = {},
                                    SourceContext context = {});

}  // namespace fw::sources
