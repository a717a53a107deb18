// The stacks-node event observer source (type stacks_node): an HTTP endpoint
// the node's [[events_observer]] POSTs to (wire-formats.md A2).
//
// The node blocks until every observer answers, so a POST is made durable
// and answered at once, and processed afterwards (sources/spooled_intake.hpp
// does the HTTP, spool and queue part):
//   POST /new_block | /new_microblocks | /new_mempool_tx | /drop_mempool_tx |
//        /new_burn_block
//     -> spool (raw body, spool_dir) -> 200 -> once the answer is written, the
//        body joins a FIFO processed on the io thread in spool order.
//     A body that cannot be spooled is answered 500 (the node retries) and
//     counted (on_decode_error "spool_error").
//   any other path (/attachments/new, /stackerdb_chunks, ...) -> 200, ignored,
//     not spooled. Other methods -> 405, bodies over max_body_bytes -> 413.
//
// Processing one body: decode (decode/stacks ObserverDecoder) -> lifecycle
// Tracker -> Observer::on_transfers (stages set) -> Observer::on_checkpoint
// (Tracker::save()), whose `durable` callback deletes the spool entries it
// accounts for. Blocks go to Tracker::add_block with accept_unlinked (the
// node cannot be asked for a missed block; it re-delivers on its own), and
// each applied block is reported through Observer::on_block. Microblock
// events and decoded mempool transactions are pending transfers; dropped
// mempool transactions retract theirs. Checkpoints are batched: one after
// the queue runs empty or every kCheckpointEvery bodies.
//   - A body that does not decode at all is moved to spool_dir/failed/ with a
//     .reason file (never retried) and reported via on_decode_error.
//   - A body that decodes with problems in single parts (one bad raw tx in a
//     mempool batch, one bad event) is processed for the rest, each problem
//     is reported via on_decode_error, and the body is moved to failed/ for
//     inspection (instead of deleted) once its checkpoint is durable.
//
// Start: restores the Tracker from `saved_state` (the last checkpoint; a
// state that does not restore is logged, counted as "bad_field" and the
// source starts empty), opens the spool and queues the entries a previous
// run left (they are processed first, in seq order, before any new POST),
// then listens: on_state(connected). A bind failure is
// on_state(disconnected, "listen on 127.0.0.1:3700: ...") and the source
// stays down. The state stays connected while listening: a quiet node is
// not a stale one.
//
// Crash safety: a body answered 200 is on disk. After a crash, every entry
// not yet deleted is processed again against the last durable checkpoint,
// which reproduces the same alerts (same ids; the outbox drops repeats).
// The spool is written without fsync: entries survive a process crash, not
// necessarily a power loss (the node re-delivers unacknowledged bodies only).
//
// Fault injection (tests): with FREEZEWATCH_FAULT_ABORT_AFTER_SPOOL=1 in the
// environment the process std::abort()s when a spooled body's turn to be
// processed comes: its 200 has been written, nothing of it has had an effect
// (this includes bodies left by a previous run, so restart without it).
//
// Thread and lifetime: construct, start, stop and destroy on the io thread
// (or before it runs). Every Observer call is made on that thread. The
// Observer outlives the source; no Observer call is made after stop()
// reported on_state(disconnected, "stopped") or after the destructor began.
// state(), stats() and bound_port() may be read from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/config.hpp"
#include "sources/observer.hpp"
#include "sources/source.hpp"

namespace fw::sources {

class StacksNodeSource final : public Source {
 public:
  // Bodies processed between two checkpoints at most (a busy node).
  static constexpr std::size_t kCheckpointEvery = 64;

  StacksNodeSource(boost::asio::io_context& io, const config::SourceConfig& config, Observer& observer,
                   std::string saved_state);
  ~StacksNodeSource() override;
  StacksNodeSource(const StacksNodeSource&) = delete;
  StacksNodeSource& operator=(const StacksNodeSource&) = delete;

  void start() override;
  // Closes the listener and its connections; bodies still queued stay in the
  // spool for the next start. Reports on_state(disconnected, "stopped").
  void stop() override;
  const std::string& name() const noexcept override;
  SourceState state() const noexcept override;
  // frames/bytes: bodies processed; rejected: bodies or parts that did not
  // decode; connects: 1 once listening; last_frame: the last POST spooled.
  SourceStats stats() const noexcept override;

  // The port listened on (the ephemeral one for port 0), 0 when not listening.
  std::uint16_t bound_port() const noexcept;

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
