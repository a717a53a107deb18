// The Bitcoin source (type mempool_space): a mempool.space-compatible
// websocket (wire-formats.md D; docs/sources/bitcoin.md).
//
// Addresses. The watchlist's Bitcoin addresses of the configured network
// (SourceContext::listed_addresses, canonical) are tracked with
// `track-addresses`, in chunks of at most `limit` addresses, one websocket
// connection (WsClient) per chunk. `limit` starts at max_tracked_addresses
// and drops to the N a server names in a `track-addresses-error`; the
// chunks are then re-planned (decode::bitcoin::assign_chunks keeps
// addresses where they are when it can) and re-sent. Every connection sends,
// after each (re)connect: {"action":"want","data":["blocks"]} and its
// chunk's {"track-addresses":[...]}. on_watchlist_changed() re-reads the
// addresses and re-sends the chunks that changed (connections are added or
// retired as needed). There is always at least one connection (for blocks),
// even with no address to track. {"action":"ping"} goes to every open
// connection every ping_interval_ms: the {"pong":true} answers are data
// frames, so stale_after_ms measures the server, not the block interval.
//
// Lifecycle (lifecycle::Tracker, one per source):
//   mempool transactions      -> Tracker::add_pending         -> pending
//   removed transactions      -> Tracker::drop_pending        -> retracted
//                                ("dropped: removed from the mempool")
//   `block` frames + the confirmed transactions that come with them
//                             -> Tracker::add_block            -> confirmed
//   later blocks              -> final after final_depth blocks (tracker)
//   a block whose previousblockhash is not the tip -> reorg (tracker): the
//   transfers of orphaned blocks are retracted unless the new branch has them.
// Every connection gets its own `block` frame with the confirmed
// transactions of its own addresses, so a block is assembled: its transfers
// are collected until every connection that was open when the block was
// first seen has delivered the block's frame (or 3 s passed), then added to
// the tracker as one block. Headers from a `blocks` list (sent after `want`
// and after a reorg) carry no transactions and are applied at once. A block
// whose parent the tracker does not know cannot be backfilled over this
// protocol: it is accepted unlinked (the tracker orphans what it replaces).
// After every step: Observer::on_transfers (stages set), on_block,
// on_checkpoint(Tracker::save()); the saved state is restored at start.
//
// State: the worst state of the connections (disconnected > connecting >
// stale > catching_up > connected), with the reason of the worst one
// ("connection 2/3: connect: Connection refused"); a source with one
// unreachable connection is not ready, because part of the watchlist is
// not watched.
//
// Thread and lifetime: construct, start, stop, on_watchlist_changed and
// destroy on the io thread (or before it runs); every Observer call is made
// on that thread. The Observer outlives the source; after stop() the last
// call is on_state(disconnected, "stopped"), and none is made once the
// destructor began. state() and stats() may be read from any thread.
#pragma once

#include <memory>
#include <string>

#include "config/config.hpp"
#include "sources/observer.hpp"
#include "sources/source.hpp"

namespace fw::sources {

class MempoolSpaceSource final : public Source {
 public:
  MempoolSpaceSource(boost::asio::io_context& io, const config::SourceConfig& config, Observer& observer,
                     std::string saved_state, SourceContext context);
  ~MempoolSpaceSource() override;
  MempoolSpaceSource(const MempoolSpaceSource&) = delete;
  MempoolSpaceSource& operator=(const MempoolSpaceSource&) = delete;

  void start() override;
  void stop() override;
  void on_watchlist_changed() override;
  const std::string& name() const noexcept override;
  SourceState state() const noexcept override;
  // Summed over the connections (last_frame: the newest).
  SourceStats stats() const noexcept override;

  // For tests and logs: how many connections are open now, and the
  // per-connection limit in force.
  std::size_t connections() const noexcept;
  std::size_t limit() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
