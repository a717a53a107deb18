// The TRON event-plugin source (type tron_events): java-tron's event
// subscription (wire-formats.md C), relayed to us over HTTP by whatever
// consumes the node's plugin (a Kafka or MongoDB consumer, a ZeroMQ
// subscriber; docs/sources/tron.md shows one).
//
//   POST <any path> on `listen`, body = one trigger JSON object or a JSON
//   array of them, exactly as the plugin serialised them
//     -> spooled (spool_dir) -> 200 -> processed in order on the io thread
//        (sources/spooled_intake.hpp: the stacks_node pattern).
//
// Processing one body: decode::tron::PluginDecoder, then per trigger, in
// order (decode::tron::Ledger gives the stages):
//   contractEventTrigger / contractLogTrigger of a configured token's
//     Transfer: transfer.confirmed (in a block, not solidified), or
//     transfer.retracted when `removed` is true (the node revoked the log);
//     a trigger for a block already solidified counts as solidified;
//   solidityEventTrigger / solidityLogTrigger: transfer.final (confirmed
//     first when the event was not seen before);
//   latestSolidifiedBlockNumber on any trigger (solidityTrigger,
//     blockTrigger, contract triggers): every confirmed event at or below it
//     becomes final. A contract or block trigger that lacks it makes events
//     final at final_depth confirmations instead;
//   blockTrigger: Observer::on_block.
// then Observer::on_transfers -> Observer::on_checkpoint (the ledger and the
// solidified height), after which the spool entries are deleted.
//   - Events of contracts that are not configured tokens are ignored and
//     counted (ignored_events(); logged once per contract).
//   - A body that does not decode at all is moved to spool_dir/failed/ and
//     reported via on_decode_error (never retried); single triggers that do
//     not decode are reported, the rest processed, and the body kept in
//     failed/ for inspection.
//
// Start: restores the state (a state that does not restore is logged,
// reported as "bad_field", and the source starts empty), processes what the
// spool holds, then listens: on_state(connected). A bind failure is
// on_state(disconnected, "listen on ...: ...").
//
// Thread and lifetime: as StacksNodeSource.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "sources/observer.hpp"
#include "sources/source.hpp"

namespace fw::sources {

class TronEventsSource final : public Source {
 public:
  TronEventsSource(boost::asio::io_context& io, const config::SourceConfig& config, Observer& observer,
                   std::string saved_state);
  ~TronEventsSource() override;
  TronEventsSource(const TronEventsSource&) = delete;
  TronEventsSource& operator=(const TronEventsSource&) = delete;

  void start() override;
  void stop() override;
  const std::string& name() const noexcept override;
  SourceState state() const noexcept override;
  // frames/bytes: bodies processed; rejected: bodies or triggers that did
  // not decode; connects: 1 once listening; last_frame: the last POST spooled.
  SourceStats stats() const noexcept override;
  std::uint64_t ignored_events() const noexcept;
  std::uint16_t bound_port() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
