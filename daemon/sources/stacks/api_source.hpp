// The Stacks API source (type stacks_api): for operators without their own
// stacks-node, the Hiro Stacks Blockchain API (wire-formats.md A1).
//
// Websocket (WsClient to `url`, JSON-RPC 2.0 at /extended/v1/ws): after every
// connect it subscribes to `block` and `mempool` (one request each, fresh
// ids); a subscribe answered with an error is logged and reported through
// on_decode_error("rpc_error"). `mempool` notifications are decoded into
// pending transfers (STX token transfers, SIP-010 `transfer` calls) and go
// through the lifecycle Tracker at once. `block` notifications carry no
// token events, so they only say "there is a block at height H": blocks are
// always read over REST (api_url), one at a time, in height order:
//   GET /extended/v2/blocks/{h}                               header (index hashes link the chain)
//   GET /extended/v2/blocks/{h}/transactions?limit=50&offset=N every page
//   GET /extended/v1/tx/events?tx_id=X&limit=50&offset=N       every page, for each successful
//                                                             tx with event_count > 0
// then Tracker::add_block -> Observer::on_transfers (stages set) ->
// Observer::on_block -> Observer::on_checkpoint(Tracker::save()).
//
// Cursor and backfill. At start and after every (re)connect the source
// catches up: state catching_up ("backfilling blocks X..Y"), GET
// /extended/v2/blocks?limit=1 for the latest height, then every block from
// the cursor (the tracker's tip, restored from `saved_state`) + 1 up to it.
// Block notifications that arrive meanwhile only raise the target height:
// they are fetched after the blocks below them, in order. Then `connected`;
// later notifications are handled the same way (no catching_up flip per
// block). A block whose parent the tracker does not know (a reorg deeper
// than the tip) makes it ask for the heights it misses: they are fetched and
// added, then the block again. Blocks the source already fed are not
// fetched twice (their header is, to compare the index hash).
//   * First start (no saved state): the source starts AT the latest block
//     (it is fetched and becomes the cursor); history before it is not
//     backfilled: the watch starts now.
//   * A gap longer than backfill_max_blocks: logged as an error, counted as
//     on_decode_error("rest_error"), and the source skips ahead to
//     latest - backfill_max_blocks + 1 (that block is accepted unlinked).
//   * REST failures (no answer, 5xx, 429, 404 for a height the API announced,
//     an undecodable body) are retried with full-jitter backoff (reconnect
//     initial_ms..max_ms), honouring Retry-After; each failure is counted
//     (on_decode_error "rest_error" or the decoder's reason). The source
//     stays catching_up meanwhile and never skips a block it was asked for.
// Configured headers (e.g. x-api-key) go on the websocket upgrade and on
// every REST request.
//
// Thread and lifetime: construct, start, stop and destroy on the io thread
// (or before it runs); every Observer call is made on that thread. The
// Observer outlives the source; after stop() the last call is
// on_state(disconnected, "stopped"), and none is made once the destructor
// began. state() and stats() may be read from any thread.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "sources/observer.hpp"
#include "sources/source.hpp"

namespace fw::sources {

class StacksApiSource final : public Source {
 public:
  // Page size asked for on REST list endpoints (the API may answer fewer).
  static constexpr unsigned kPageLimit = 50;

  StacksApiSource(boost::asio::io_context& io, const config::SourceConfig& config, Observer& observer,
                  std::string saved_state);
  ~StacksApiSource() override;
  StacksApiSource(const StacksApiSource&) = delete;
  StacksApiSource& operator=(const StacksApiSource&) = delete;

  void start() override;
  // Closes the websocket gracefully and abandons the block being fetched
  // (it is fetched again after a restart: the cursor only moves once a
  // block is fully applied).
  void stop() override;
  const std::string& name() const noexcept override;
  SourceState state() const noexcept override;
  // The websocket's counters (frames, bytes, connects, reconnects, rejected).
  SourceStats stats() const noexcept override;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
