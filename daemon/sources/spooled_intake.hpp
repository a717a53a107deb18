// Durable intake for bodies a peer POSTs and then forgets (a stacks-node's
// event observer, a java-tron event relay): HttpIngest -> Spool -> answer
// -> a FIFO processed on the io thread, one body per io turn, in spool
// order -> checkpoint -> the spool entries are deleted once the checkpoint
// is durable. The shape of stacks_node (sources/stacks/node_source.hpp),
// as a reusable piece; tron_events uses it.
//
//   POST <path>  hooks.route(path) names the spool route, or nullopt: the
//                body is answered 200 "ignored" and not kept. A body that
//                cannot be spooled is answered 500 (the peer retries) and
//                reported (hooks.error "spool_error"). Other methods: 405;
//                bodies over max_body_bytes: 413 (HttpIngest).
//   start()      opens the spool and queues what a previous run left (first
//                in line), then listens.
//   processing   hooks.process(entry, body, received) returns what to do
//                with the entry once the effects are durable: delete it, or
//                keep it in failed/ with a reason (partly undecodable), or
//                quarantine it at once (not decodable at all: the body had
//                no effect).
//   checkpoint   after the queue runs empty, and every checkpoint_every
//                bodies: hooks.checkpoint(durable) when a processed body
//                changed state (process() said so); the source persists its
//                state and calls `durable` once that is safe (e.g. via
//                Observer::on_checkpoint), and only then are the entries
//                deleted / moved. Without a change the entries go at once.
//
// Crash safety: a body answered 200 is on disk; after a crash every entry
// not yet deleted is processed again against the last durable checkpoint.
// Entries are written without fsync unless `fsync` (storage.sync = full).
//
// Thread and lifetime: construct, start, stop and destroy on the io thread.
// Hooks run on that thread, never after stop() or the destructor began.
// Counters may be read from any thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sources/spool.hpp"

namespace boost::asio {
class io_context;
}

namespace fw::sources {

struct SpooledIntakeOptions {
  std::string name;  // for logs
  std::string host = "127.0.0.1";
  std::uint16_t port = 0;
  std::uint64_t max_body_bytes = 64ull << 20;
  std::string spool_dir;
  bool fsync = false;
  std::size_t checkpoint_every = 64;                  // bodies between two checkpoints at most
  std::uint64_t max_queued_body_bytes = 128ull << 20;  // beyond: bodies are read back from the spool
};

// What process() decided for one body.
struct IntakeResult {
  enum class Action : std::uint8_t {
    done,        // delete once the checkpoint is durable
    keep,        // move to failed/ (with `reason`) once the checkpoint is durable
    quarantine,  // move to failed/ now: the body had no effect
  } action = Action::done;
  std::string reason;    // keep / quarantine
  bool changed = false;  // the source's state changed: a checkpoint is needed
};

struct SpooledIntakeHooks {
  std::function<std::optional<std::string>(std::string_view path)> route;
  std::function<IntakeResult(const SpoolEntry& entry, std::string_view body,
                             std::chrono::steady_clock::time_point received)>
      process;
  std::function<void(std::function<void()> durable)> checkpoint;
  std::function<void(std::string_view reason, std::string_view detail)> error;  // counted problems
};

class SpooledIntake {
 public:
  SpooledIntake(boost::asio::io_context& io, SpooledIntakeOptions options, SpooledIntakeHooks hooks);
  ~SpooledIntake();
  SpooledIntake(const SpooledIntake&) = delete;
  SpooledIntake& operator=(const SpooledIntake&) = delete;

  // "" when listening; else why (spool unusable, or "listen on host:port:
  // ..."). Leftover entries are processed even when listening failed.
  std::string start();
  // Checkpoints what was processed (when a hook asks), stops listening;
  // queued bodies stay spooled for the next start. Idempotent.
  void stop();

  std::uint16_t bound_port() const noexcept;
  std::uint64_t bodies() const noexcept;        // processed
  std::uint64_t body_bytes() const noexcept;    // processed
  std::int64_t last_post_ns() const noexcept;   // steady_clock ns of the last POST spooled; 0 = never

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace fw::sources
