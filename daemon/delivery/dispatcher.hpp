// Webhook delivery: takes durable outbox records and POSTs them, signed, to
// their endpoint; classifies the answer; retries, dead-letters, or marks them
// delivered through the outbox. Knows nothing of matching.
//
// PER ENDPOINT (one WebhookConfig each)
//  - A queue of due records ordered by next attempt time, and `concurrency`
//    worker coroutines, each with its own keep-alive HTTP/1.1 connection
//    (http or https; reconnect on failure). A hanging or dead endpoint only
//    occupies its own workers: other endpoints never wait for it.
//  - timeout_ms bounds one attempt: resolve + connect + TLS + write + read.
//  - https verifies the peer chain (system store, plus ca_file) and the host
//    name (SNI + RFC 2818/6125 name check). tls_verify: false is honoured but
//    logged as a warning at start.
//  - Headers: Content-Type: application/json, User-Agent: freezewatch/<version>,
//    the configured extra headers, and Standard Webhooks webhook-id (the alert
//    id, the same on every retry), webhook-timestamp (Unix seconds of THIS
//    attempt) and webhook-signature (one v1 entry per configured secret).
//  - Outcomes (classify.hpp): 2xx -> outbox.mark_delivered. 408/429/5xx (not
//    501), connection errors and timeouts -> outbox.reschedule with full-jitter
//    backoff (retry.initial_ms .. retry.max_ms), at least Retry-After, until
//    retry_for_ms after the record was created; then dead-letter with reason
//    "retry period exhausted". 410, 501, 3xx (redirects are not followed) and
//    other 4xx -> outbox.dead_letter with the status and a response excerpt,
//    an error log line, and DeliveryObserver::on_dead_letter. Nothing is
//    dropped: every record ends delivered, dead, or still pending in the outbox.
//  - type log: writes each payload as one line to stdout (fwrite + fflush) and
//    marks it delivered. No network, one worker.
//  - heartbeat_interval_ms > 0: a signed POST (or log line) of
//    {"type":"freezewatch.heartbeat","timestamp":"<ISO-8601 UTC ms>","data":<source()>}
//    with webhook-id "hb_<unix ms>" right after start and then every interval,
//    on its own connection. Heartbeats are neither persisted nor retried.
//
// THREADS AND LIFETIME
//  Every method runs on the io_context's (single) thread, or before run().
//  The io_context, the Outbox and the observer must outlive the Dispatcher's
//  activity: until stop()'s `done` ran, or until the io_context stops running.
//  Destroying a Dispatcher that was not stopped aborts in-flight requests (the
//  records stay pending in the outbox and are sent again at the next start).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "outbox/outbox.hpp"

namespace boost::asio {
class io_context;
}

namespace fw::delivery {

// Receives every delivery event, on the io thread; for metrics. Must be quick.
class DeliveryObserver {
 public:
  virtual ~DeliveryObserver() = default;
  // One call per attempt (an HTTP exchange or a transport failure, a log-sink
  // write). `outcome` is a bounded label: to_string(Outcome).
  virtual void on_attempt(std::string_view endpoint, std::string_view outcome) = 0;
  // The record reached the receiver (2xx) or the log sink. The caller computes
  // latency from record.created_at_ms.
  virtual void on_delivered(std::string_view endpoint, const outbox::Record& record) = 0;
  // The record was moved to the dead-letter table. http_status 0 = no response.
  virtual void on_dead_letter(std::string_view endpoint, const outbox::Record& record, int http_status) = 0;
  // Optional: outcome label of each heartbeat, and the duration of each HTTP attempt.
  virtual void on_heartbeat(std::string_view /*endpoint*/, std::string_view /*outcome*/) {}
  virtual void on_request_duration(std::string_view /*endpoint*/, std::chrono::steady_clock::duration) {}
};

class Dispatcher {
 public:
  // No I/O here; start() validates and begins. `webhooks` is copied.
  Dispatcher(boost::asio::io_context& io, const std::vector<config::WebhookConfig>& webhooks,
             outbox::Outbox& outbox, DeliveryObserver& observer);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Checks every endpoint (URL, secrets, headers, CA file), loads the pending
  // records from the outbox (sent again with their original alert id) and
  // spawns the workers, heartbeats and the re-queue poller (take_requeued
  // about every second: rows `freezewatch dlq retry` moved back from another
  // process). false + `error` when an endpoint is unusable (nothing started).
  // Pending records for an endpoint that is not configured are left pending
  // (a warning says how many), so re-adding the endpoint delivers them.
  bool start(std::string& error);

  // A record that just became durable (outbox on_durable, posted to the io
  // thread). Records already queued or in flight (same seq) are ignored, so
  // overlap with start()'s load is harmless. Ignored after stop().
  void submit(outbox::Record record);
  void submit(std::vector<outbox::Record> records);

  // JSON value used as "data" of heartbeats (e.g. each source's state and lag).
  // Called on the io thread at each heartbeat. Unset or empty = {}.
  void set_heartbeat_source(std::function<std::string()> source);

  // Stops taking new work, lets in-flight requests finish until `deadline`,
  // then aborts the rest (those records stay pending in the outbox). `done`
  // runs on the io thread once every worker has exited. Calling it again only
  // replaces `done`.
  void stop(std::chrono::steady_clock::time_point deadline, std::function<void()> done = {});

  struct EndpointStats {
    std::string name;
    std::size_t queued = 0;           // records waiting (due or not), not in flight
    std::size_t in_flight = 0;        // attempts under way
    std::uint64_t connections = 0;    // connections opened since start (keep-alive reuse keeps this low)
    bool failing = false;             // the last attempt failed in a retryable way
  };
  std::vector<EndpointStats> stats() const;  // io thread

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;  // shared with the coroutines, which may outlive *this briefly
};

}  // namespace fw::delivery
