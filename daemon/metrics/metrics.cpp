#include "metrics/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#ifndef FREEZEWATCH_VERSION
#define FREEZEWATCH_VERSION "unknown"
#endif

namespace fw::metrics {
namespace {

// prometheus-cpp 1.0 writes HELP text verbatim (no escaping): keep help
// strings free of backslashes and newlines, or the exposition stops parsing.

template <std::size_t N>
std::size_t label_index(const std::array<std::string_view, N>& labels, std::string_view value) {
  for (std::size_t i = 0; i + 1 < N; ++i)
    if (labels[i] == value) return i;
  return N - 1;  // "other"
}

template <std::size_t N>
prometheus::Histogram::BucketBoundaries bounds(const std::array<double, N>& b) {
  return {b.begin(), b.end()};
}

double seconds(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

double unix_seconds(std::chrono::system_clock::time_point t) {
  return std::chrono::duration<double>(t.time_since_epoch()).count();
}

}  // namespace

// ---- SourceMetrics ---------------------------------------------------------

void SourceMetrics::frame_received(std::chrono::system_clock::time_point at) {
  received_->Increment();
  last_frame_->Set(unix_seconds(at));
}

void SourceMetrics::frame_ignored() { ignored_->Increment(); }

void SourceMetrics::frame_rejected(std::string_view reason) {
  rejected_[label_index(kRejectReasons, reason)]->Increment();
}

void SourceMetrics::transfers_decoded(std::uint64_t n) { decoded_->Increment(static_cast<double>(n)); }

void SourceMetrics::events_ignored(std::string_view reason, std::uint64_t n) {
  events_ignored_[label_index(kIgnoreReasons, reason)]->Increment(static_cast<double>(n));
}

void SourceMetrics::chain_transfer(std::string_view stage) {
  chain_transfers_[label_index(kChainStages, stage)]->Increment();
}

void SourceMetrics::chain_block(std::uint64_t height, bool reorg) {
  blocks_->Increment();
  if (reorg) reorgs_->Increment();
  tip_height_->Set(static_cast<double>(height));
}

void SourceMetrics::set_connected(bool connected) { connected_->Set(connected ? 1 : 0); }

void SourceMetrics::set_stale(bool stale) { stale_->Set(stale ? 1 : 0); }

void SourceMetrics::reconnected() { reconnects_->Increment(); }

// ---- EndpointMetrics -------------------------------------------------------

void EndpointMetrics::attempt(std::string_view outcome) {
  attempts_[label_index(kDeliveryOutcomes, outcome)]->Increment();
}

void EndpointMetrics::request_duration(std::chrono::nanoseconds d) { request_->Observe(seconds(d)); }

void EndpointMetrics::delivered(std::chrono::nanoseconds since_frame) {
  delivery_->Observe(seconds(since_frame));
}

void EndpointMetrics::dead_lettered() { dead_lettered_->Increment(); }

void EndpointMetrics::heartbeat(std::string_view outcome) {
  heartbeats_[label_index(kDeliveryOutcomes, outcome)]->Increment();
}

// ---- Metrics ---------------------------------------------------------------

Metrics::Metrics(std::string_view version) : registry_(std::make_shared<prometheus::Registry>()) {
  auto& r = *registry_;
  using prometheus::BuildCounter;
  using prometheus::BuildGauge;
  using prometheus::BuildHistogram;

  // Sources.
  frames_received_ = &BuildCounter()
                          .Name("freezewatch_frames_received_total")
                          .Help("Frames (messages) received from a source, before decoding.")
                          .Register(r);
  frames_ignored_ = &BuildCounter()
                         .Name("freezewatch_frames_ignored_total")
                         .Help("Frames skipped on purpose: a message type the source's mapping filters out.")
                         .Register(r);
  frames_rejected_ = &BuildCounter()
                          .Name("freezewatch_frames_rejected_total")
                          .Help("Frames refused by the source or the decoder, by reason.")
                          .Register(r);
  events_ignored_ = &BuildCounter()
                        .Name("freezewatch_events_ignored_total")
                        .Help("Well-formed events a source skipped on purpose, by reason (e.g. a token event of a "
                              "contract that is not configured: counterfeit tokens copy the real one's event).")
                        .Register(r);
  transfers_decoded_ = &BuildCounter()
                            .Name("freezewatch_transfers_decoded_total")
                            .Help("Transfers decoded from a source's frames.")
                            .Register(r);
  source_connected_ = &BuildGauge()
                           .Name("freezewatch_source_connected")
                           .Help("1 while the source is connected (stale included), else 0.")
                           .Register(r);
  source_stale_ = &BuildGauge()
                       .Name("freezewatch_source_stale")
                       .Help("1 while the source is connected but silent for longer than stale_after_ms, else 0.")
                       .Register(r);
  source_reconnects_ = &BuildCounter()
                            .Name("freezewatch_source_reconnects_total")
                            .Help("Connection attempts after a previous connection failed or ended.")
                            .Register(r);
  source_last_frame_ = &BuildGauge()
                            .Name("freezewatch_source_last_frame_timestamp_seconds")
                            .Help("Unix time of the last frame received from the source; 0 before the first.")
                            .Register(r);
  chain_transfers_ = &BuildCounter()
                          .Name("freezewatch_chain_transfers_total")
                          .Help("Transfers a chain source emitted, by lifecycle stage (before matching).")
                          .Register(r);
  chain_blocks_ = &BuildCounter()
                       .Name("freezewatch_chain_blocks_total")
                       .Help("Blocks a chain source applied to its canonical chain (backfilled ones included).")
                       .Register(r);
  chain_reorgs_ = &BuildCounter()
                       .Name("freezewatch_chain_reorgs_total")
                       .Help("Reorganisations: blocks that left a chain source's canonical chain.")
                       .Register(r);
  chain_tip_height_ = &BuildGauge()
                           .Name("freezewatch_chain_tip_height")
                           .Help("Height of the canonical tip a chain source has processed.")
                           .Register(r);

  // Pipeline.
  matches_ = &BuildCounter()
                  .Name("freezewatch_matches_total")
                  .Help("Watchlist hits: transfers whose sender or recipient is listed (one per hit).")
                  .Register(r)
                  .Add({});
  alerts_emitted_ = &BuildCounter()
                         .Name("freezewatch_alerts_emitted_total")
                         .Help("Alerts made durable in the outbox (emitted), before delivery.")
                         .Register(r)
                         .Add({});
  alerts_deduplicated_ = &BuildCounter()
                              .Name("freezewatch_alerts_deduplicated_total")
                              .Help("Alerts dropped because the same alert id was already emitted.")
                              .Register(r)
                              .Add({});
  detection_ = &BuildHistogram()
                    .Name("freezewatch_detection_latency_seconds")
                    .Help("Frame received to alert durable in the outbox, in seconds.")
                    .Register(r)
                    .Add({}, bounds(kDetectionBuckets));

  // Delivery.
  webhook_attempts_ = &BuildCounter()
                           .Name("freezewatch_webhook_attempts_total")
                           .Help("Webhook delivery attempts by endpoint and outcome.")
                           .Register(r);
  webhook_request_ = &BuildHistogram()
                          .Name("freezewatch_webhook_request_duration_seconds")
                          .Help("Duration of one webhook HTTP attempt, request sent to response read, in seconds.")
                          .Register(r);
  delivery_latency_ = &BuildHistogram()
                           .Name("freezewatch_delivery_latency_seconds")
                           .Help("Frame received to webhook 2xx (or log sink written), retries included, in seconds.")
                           .Register(r);
  webhook_dead_lettered_ = &BuildCounter()
                                .Name("freezewatch_webhook_dead_lettered_total")
                                .Help("Alerts moved to the dead-letter store, by endpoint.")
                                .Register(r);
  heartbeats_ = &BuildCounter()
                     .Name("freezewatch_heartbeats_total")
                     .Help("Heartbeats sent, by endpoint and outcome.")
                     .Register(r);

  // Outbox.
  outbox_pending_ = &BuildGauge()
                         .Name("freezewatch_outbox_pending")
                         .Help("Alert records waiting for delivery in the outbox.")
                         .Register(r)
                         .Add({});
  outbox_oldest_age_ = &BuildGauge()
                            .Name("freezewatch_outbox_oldest_age_seconds")
                            .Help("Age of the oldest pending outbox record in seconds; 0 when none is pending.")
                            .Register(r)
                            .Add({});
  outbox_dead_ = &BuildGauge()
                      .Name("freezewatch_outbox_dead_letters")
                      .Help("Records in the dead-letter store (see freezewatch dlq list).")
                      .Register(r)
                      .Add({});
  outbox_write_errors_ = &BuildCounter()
                              .Name("freezewatch_outbox_write_errors_total")
                              .Help("Failed outbox write transactions (each retried) and refused records.")
                              .Register(r)
                              .Add({});

  // Watchlist.
  watchlist_entries_ = &BuildGauge()
                            .Name("freezewatch_watchlist_entries")
                            .Help("Addresses in the live watchlist snapshot.")
                            .Register(r)
                            .Add({});
  watchlist_version_ = &BuildGauge()
                            .Name("freezewatch_watchlist_version_info")
                            .Help("Always 1; the version label names the live watchlist snapshot.")
                            .Register(r);
  watchlist_last_reload_ = &BuildGauge()
                                .Name("freezewatch_watchlist_last_reload_timestamp_seconds")
                                .Help("Unix time of the last successful watchlist load.")
                                .Register(r)
                                .Add({});
  watchlist_reloads_ = &BuildCounter()
                            .Name("freezewatch_watchlist_reloads_total")
                            .Help("Successful watchlist loads, the first one included.")
                            .Register(r)
                            .Add({});
  watchlist_reload_failures_ = &BuildCounter()
                                    .Name("freezewatch_watchlist_reload_failures_total")
                                    .Help("Watchlist reloads that failed; the previous snapshot stayed live.")
                                    .Register(r)
                                    .Add({});

  // Process.
  BuildGauge()
      .Name("freezewatch_build_info")
      .Help("Always 1; the version label is the daemon's version.")
      .Register(r)
      .Add({{"version", version.empty() ? std::string(FREEZEWATCH_VERSION) : std::string(version)}})
      .Set(1);
  BuildGauge()
      .Name("freezewatch_start_time_seconds")
      .Help("Unix time the daemon started.")
      .Register(r)
      .Add({})
      .Set(unix_seconds(std::chrono::system_clock::now()));
}

Metrics::~Metrics() = default;

SourceMetrics& Metrics::source(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (auto it = sources_.find(name); it != sources_.end()) return *it->second;

  std::unique_ptr<SourceMetrics> s(new SourceMetrics());
  const std::string label(name);
  const prometheus::Labels labels{{"source", label}};
  s->received_ = &frames_received_->Add(labels);
  s->ignored_ = &frames_ignored_->Add(labels);
  for (std::size_t i = 0; i < kRejectReasons.size(); ++i)
    s->rejected_[i] = &frames_rejected_->Add({{"source", label}, {"reason", std::string(kRejectReasons[i])}});
  s->decoded_ = &transfers_decoded_->Add(labels);
  for (std::size_t i = 0; i < kIgnoreReasons.size(); ++i)
    s->events_ignored_[i] = &events_ignored_->Add({{"source", label}, {"reason", std::string(kIgnoreReasons[i])}});
  s->connected_ = &source_connected_->Add(labels);
  s->stale_ = &source_stale_->Add(labels);
  s->reconnects_ = &source_reconnects_->Add(labels);
  s->last_frame_ = &source_last_frame_->Add(labels);
  for (std::size_t i = 0; i < kChainStages.size(); ++i)
    s->chain_transfers_[i] = &chain_transfers_->Add({{"source", label}, {"stage", std::string(kChainStages[i])}});
  s->blocks_ = &chain_blocks_->Add(labels);
  s->reorgs_ = &chain_reorgs_->Add(labels);
  s->tip_height_ = &chain_tip_height_->Add(labels);
  return *sources_.emplace(label, std::move(s)).first->second;
}

EndpointMetrics& Metrics::endpoint(std::string_view name) {
  std::lock_guard lock(mutex_);
  if (auto it = endpoints_.find(name); it != endpoints_.end()) return *it->second;

  std::unique_ptr<EndpointMetrics> e(new EndpointMetrics());
  const std::string label(name);
  const prometheus::Labels labels{{"endpoint", label}};
  for (std::size_t i = 0; i < kDeliveryOutcomes.size(); ++i) {
    const prometheus::Labels with_outcome{{"endpoint", label}, {"outcome", std::string(kDeliveryOutcomes[i])}};
    e->attempts_[i] = &webhook_attempts_->Add(with_outcome);
    e->heartbeats_[i] = &heartbeats_->Add(with_outcome);
  }
  e->request_ = &webhook_request_->Add(labels, bounds(kRequestBuckets));
  e->delivery_ = &delivery_latency_->Add(labels, bounds(kDeliveryBuckets));
  e->dead_lettered_ = &webhook_dead_lettered_->Add(labels);
  return *endpoints_.emplace(label, std::move(e)).first->second;
}

void Metrics::matched(std::uint64_t n) { matches_->Increment(static_cast<double>(n)); }

void Metrics::alert_emitted(std::uint64_t n) { alerts_emitted_->Increment(static_cast<double>(n)); }

void Metrics::alert_deduplicated(std::uint64_t n) { alerts_deduplicated_->Increment(static_cast<double>(n)); }

void Metrics::detection_latency(std::chrono::nanoseconds d) { detection_->Observe(seconds(d)); }

void Metrics::set_outbox(const OutboxSample& sample) {
  outbox_pending_->Set(static_cast<double>(sample.pending));
  outbox_oldest_age_->Set(sample.oldest_pending_age_seconds > 0 ? sample.oldest_pending_age_seconds : 0);
  outbox_dead_->Set(static_cast<double>(sample.dead_letters));

  std::lock_guard lock(mutex_);
  // The outbox reports a cumulative count since it was opened; the counter
  // follows it. A smaller value means a new outbox: take it as a new baseline.
  if (sample.write_errors > write_errors_seen_)
    outbox_write_errors_->Increment(static_cast<double>(sample.write_errors - write_errors_seen_));
  write_errors_seen_ = sample.write_errors;
}

void Metrics::watchlist_loaded(std::uint64_t entries, std::string_view version,
                               std::chrono::system_clock::time_point at) {
  watchlist_entries_->Set(static_cast<double>(entries));
  watchlist_last_reload_->Set(unix_seconds(at));
  watchlist_reloads_->Increment();

  std::lock_guard lock(mutex_);
  if (version_series_ != nullptr && version == version_) return;
  // Add the new series before removing the old one, so a scrape never sees
  // neither (both for an instant is harmless: max() or the newest wins).
  auto& next = watchlist_version_->Add({{"version", std::string(version)}});
  next.Set(1);
  if (version_series_ != nullptr && version_series_ != &next) watchlist_version_->Remove(version_series_);
  version_series_ = &next;
  version_ = version;
}

void Metrics::watchlist_reload_failed() { watchlist_reload_failures_->Increment(); }

std::string Metrics::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace fw::metrics
