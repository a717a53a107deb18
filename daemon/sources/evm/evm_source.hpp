// The EVM source (type evm): any EVM chain's JSON-RPC websocket (geth,
// erigon, nethermind, reth, besu, anvil, a provider's wss:// endpoint).
// docs/sources/evm.md is the operator's view; wire-formats.md B the wire.
//
// Session (every connect, on the one WsClient connection):
//   1. eth_chainId must equal `chain_id`; otherwise the source reports
//      disconnected ("chain id mismatch: ..."), drops the connection and
//      tries again after a backoff (reconnect initial_ms..max_ms, doubling).
//      An eth_chainId or eth_subscribe call answered with an error is
//      handled the same way.
//   2. eth_subscribe newHeads, and logs {address: [tokens], topics: [Transfer]}.
//   3. Catch-up (state catching_up): eth_blockNumber, then the blocks from the
//      cursor's height to the head in ranges of at most getlogs_max_range:
//      one eth_getLogs {fromBlock, toBlock, address, topics} per range (a
//      range the node refuses or times out on is halved, down to one block),
//      eth_getBlockByNumber(h, false) for every height (pipelined, 32 in
//      flight) so the lifecycle tracker can link the blocks by parent hash,
//      then lifecycle::Tracker::add_block per height, in order. A log whose
//      block hash is not the header's (the chain moved between the calls)
//      makes the source refetch that block's logs by hash. Only then is
//      live data trusted (state connected).
//      First start (no saved state): the source starts AT the head block;
//      history before it is not backfilled. A gap longer than
//      backfill_max_blocks is skipped (logged as an error, counted as
//      rest_error): the source resumes at head - backfill_max_blocks + 1.
// Live:
//   * newHeads(H): the logs of H are fetched with eth_getLogs {blockHash} --
//     authoritative, so a missed log notification is harmless -- unless H's
//     logsBloom proves it holds no Transfer of a listed token, then
//     Tracker::add_block. A block whose parent the tracker does not know
//     (missed heads, a reorg deeper than the tip) makes the source fetch the
//     heights it asks for by number, then add H again.
//   * Reorgs are found from hashes and parent hashes alone (dev nodes and
//     many providers never send removed:true): the tracker switches to the
//     branch the node's new heads build and retracts the transfers of the
//     blocks that left the canonical chain (unless they reappear).
//   * logs notifications: removed:false is an early signal (its block is
//     fetched by hash if no newHeads brought it yet; same block, same ids:
//     never a second alert). removed:true for a block the source applied
//     makes it re-read the canonical chain by number from that height (so
//     the retraction happens even when no newHeads shows the reorg).
//   * native_transfers: blocks are fetched with their transactions
//     (eth_getBlockBy*(.., true)); value transfers (value > 0, to set) whose
//     receipt says success (eth_getBlockReceipts, else one
//     eth_getTransactionReceipt each) become native-coin transfers.
// Lifecycle: confirmed at inclusion, final at final_depth confirmations,
// retracted by a reorg ("reorg: block <hash> at height <h> left the
// canonical chain"). After every range (catch-up) and every live block the
// source passes Observer::on_checkpoint a state of "evm-v1 chain_id=<N>\n"
// + Tracker::save(); `saved_state` is that text (a state saved for another
// chain id is ignored, with an error log).
// Failed calls (error objects, timeouts, undecodable answers) are retried
// with full-jitter backoff and counted through on_decode_error("rest_error"
// or the decoder's reason); the source never skips a block it was asked for.
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

class EvmSource final : public Source {
 public:
  EvmSource(boost::asio::io_context& io, const config::SourceConfig& config, Observer& observer,
            std::string saved_state);
  ~EvmSource() override;
  EvmSource(const EvmSource&) = delete;
  EvmSource& operator=(const EvmSource&) = delete;

  void start() override;
  // Closes the websocket gracefully and abandons the block being fetched
  // (it is fetched again after a restart: the cursor moves only once a
  // block is applied).
  void stop() override;
  const std::string& name() const noexcept override;
  SourceState state() const noexcept override;
  // The websocket's counters (frames, bytes, connects, reconnects, rejected),
  // summed over the connections of this source.
  SourceStats stats() const noexcept override;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
