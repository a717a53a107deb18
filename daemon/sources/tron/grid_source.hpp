// The TronGrid source (type tron_grid): TRC-20 transfers of the configured
// tokens (default USDT), polled from a TronGrid-compatible REST API
// (wire-formats.md C, docs/sources/tron.md).
//
// Every poll_interval_ms, for each token contract in configuration order:
//   1. the solidified view  GET {api_url}/v1/contracts/{c}/events
//        ?event_name=Transfer&only_confirmed=true&order_by=block_timestamp,asc
//        &min_block_timestamp={cursor}&limit=200[&fingerprint=...]
//      every page of it (meta.fingerprint), up to kMaxPagesPerRound pages
//      (the rest follows at once in the next round, state catching_up);
//   2. the unconfirmed view, the same with only_unconfirmed=true.
// Each page goes through decode::tron::GridDecoder and GridCursor, which
// give the stages: unconfirmed -> transfer.confirmed (in a block, not
// solidified), solidified -> transfer.final (confirmed first when the event
// was not seen unconfirmed), an unconfirmed event the solidified chain
// passed without -> transfer.retracted. Then Observer::on_transfers,
// Observer::on_block (highest block seen) and Observer::on_checkpoint
// (GridCursor::save(): the per-contract cursors and live events), after
// every page that changed something.
//
// Only events of the configured contracts count: an event of any other
// contract in an answer (a counterfeit token emits the same shape) is
// ignored, logged (once per contract) and counted (ignored_events()).
//
// Cursor: a restart resumes from the saved cursor, with neither a gap nor a
// repeat (GridCursor). First start: about final_depth blocks back (3 s a
// block). A saved cursor further back than backfill_max_blocks blocks skips
// ahead: logged as an error and reported as on_decode_error("rest_error").
//
// Failures: no answer, any non-2xx (429 and 403 are TronGrid's rate limits),
// or a body that does not decode -> retried with full-jitter backoff from
// 500 ms up to 60 s, honouring Retry-After (429, 403, 503); each failure is
// reported through on_decode_error ("rest_error" or the decoder's reason).
// Three failures in a row make the state disconnected (reason: the last
// failure); the next good answer makes it connected again. The configured
// headers (TRON-PRO-API-KEY: ${TRONGRID_API_KEY}) go on every request.
//
// Thread and lifetime: construct, start, stop and destroy on the io thread
// (or before it runs); every Observer call is made on that thread. After
// stop() the last Observer call is on_state(disconnected, "stopped"); none
// is made once the destructor began. state(), stats() and ignored_events()
// may be read from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "sources/observer.hpp"
#include "sources/source.hpp"

namespace fw::sources {

class TronGridSource final : public Source {
 public:
  static constexpr unsigned kPageLimit = 200;         // TronGrid's largest page
  static constexpr unsigned kMaxPagesPerRound = 50;   // per contract and view
  static constexpr std::uint32_t kBlockMs = 3000;     // TRON's block interval
  static constexpr std::uint32_t kRetryInitialMs = 500;
  static constexpr std::uint32_t kRetryMaxMs = 60000;
  static constexpr int kFailuresBeforeDisconnected = 3;

  TronGridSource(boost::asio::io_context& io, const config::SourceConfig& config, Observer& observer,
                 std::string saved_state);
  ~TronGridSource() override;
  TronGridSource(const TronGridSource&) = delete;
  TronGridSource& operator=(const TronGridSource&) = delete;

  void start() override;
  // Abandons the request in flight (a restart repeats it: the cursor only
  // moves once a page is applied).
  void stop() override;
  const std::string& name() const noexcept override;
  SourceState state() const noexcept override;
  // frames/bytes: pages applied; rejected: pages or events that did not
  // decode; connects: answers used; reconnects: failed requests;
  // last_frame: the last page applied.
  SourceStats stats() const noexcept override;
  // Events of contracts that are not configured tokens, since start.
  std::uint64_t ignored_events() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
