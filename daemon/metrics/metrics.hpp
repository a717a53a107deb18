// Prometheus metrics of the daemon: one registry, every family created up
// front, every labelled series resolved once (STYLE.md rule 10: prometheus-cpp's
// Family::Add locks and builds maps, so the hot path only touches handles).
// docs/metrics.md lists every metric, its labels and meaning, and alert rules.
//
// NAMES AND LABELS
//  freezewatch_<thing>_<unit>[_total]. Label values come from bounded sets:
//  source and endpoint names (from the config), reject reasons and delivery
//  outcomes (kRejectReasons, kDeliveryOutcomes; anything else is counted as
//  "other"), and the live watchlist version (one series, replaced on change).
//  All series of a source or endpoint exist (at 0) from the moment it is
//  registered, so rate() and absent() work before the first event.
//
// THREADS AND LIFETIME
//  Every method is thread-safe (prometheus-cpp counters and gauges are atomics;
//  creation and the version swap take a mutex). The references returned by
//  source() and endpoint() stay valid as long as the Metrics object; resolve
//  them at start-up and keep them. serialize() may run on any thread while
//  other threads update.
//
// No Asio, no Beast, no I/O: admin/ serves serialize() on /metrics.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace fw::metrics {

// Label values of freezewatch_frames_rejected_total{reason}: decode's Reject
// names (decode::to_string), the sources' own refusals ("oversized", "binary"),
// and "other" for anything not listed.
// Chain sources add "bad_tx" (an undecodable raw transaction), "rest_error"
// (a backfill call that failed), "rpc_error" (a JSON-RPC error answer, e.g. a
// refused subscription) and "spool_error" (a body that could not be spooled
// or read back).
inline constexpr std::array<std::string_view, 14> kRejectReasons = {
    "not_json", "not_object", "missing_field", "bad_field",  "bad_chain",   "bad_address", "bad_amount",
    "oversized", "binary",    "bad_tx",        "rest_error", "rpc_error",   "spool_error", "other"};

// Label values of freezewatch_events_ignored_total{reason}: "unconfigured_contract"
// (a token event of a contract that is not configured: a counterfeit copies
// the real token's event), and "other" for anything not listed.
inline constexpr std::array<std::string_view, 2> kIgnoreReasons = {"unconfigured_contract", "other"};

// Label values of freezewatch_chain_transfers_total{stage}.
inline constexpr std::array<std::string_view, 5> kChainStages = {"pending", "confirmed", "final", "retracted",
                                                                  "other"};

// Label values of freezewatch_webhook_attempts_total{outcome} and
// freezewatch_heartbeats_total{outcome}: delivery::to_string(Outcome), and
// "other" for anything not listed.
inline constexpr std::array<std::string_view, 7> kDeliveryOutcomes = {
    "delivered", "retry", "dead_letter", "gone", "network_error", "timeout", "other"};

// Bucket upper bounds, in seconds.
// Detection: frame received -> alert durable in the outbox (50 us .. 10 s).
inline constexpr std::array<double, 17> kDetectionBuckets = {
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
    0.05,    0.1,    0.25,    0.5,    1,     2.5,    5,     10};
// One HTTP attempt: request sent -> response read (1 ms .. 30 s).
inline constexpr std::array<double, 14> kRequestBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
// Frame received -> webhook 2xx, retries included (1 ms .. 1 h).
inline constexpr std::array<double, 19> kDeliveryBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
    2.5,   5,      10,    30,   60,    300,  900, 1800, 3600};

// Handles of one source (a deposit websocket, a replay file, a chain node).
class SourceMetrics {
 public:
  // A frame arrived (before decoding): counts it and sets the last-frame
  // timestamp gauge to `at` (wall clock).
  void frame_received(std::chrono::system_clock::time_point at = std::chrono::system_clock::now());
  // The decoder ignored the frame (a message type the mapping filters out).
  void frame_ignored();
  // The frame was refused; `reason` should be one of kRejectReasons, anything
  // else counts as "other". A short linear scan: fine for the rare reject path.
  void frame_rejected(std::string_view reason);
  // Transfers the decoder produced from this source's frames.
  void transfers_decoded(std::uint64_t n = 1);
  // Events skipped on purpose inside valid frames (kIgnoreReasons; else "other").
  void events_ignored(std::string_view reason, std::uint64_t n);
  // Connection state gauges (0/1). The app maps SourceState: connected ->
  // (1, 0), stale -> (1, 1), anything else -> (0, 0).
  void set_connected(bool connected);
  void set_stale(bool stale);
  // A new connection attempt after a failure or end.
  void reconnected();

  // Chain sources: a transfer emitted at a lifecycle stage (kChainStages).
  void chain_transfer(std::string_view stage);
  // A block applied: the canonical tip is now at `height`; `reorg` when
  // blocks left the canonical chain on the way.
  void chain_block(std::uint64_t height, bool reorg);

  SourceMetrics(const SourceMetrics&) = delete;
  SourceMetrics& operator=(const SourceMetrics&) = delete;

 private:
  friend class Metrics;
  SourceMetrics() = default;

  prometheus::Counter* received_ = nullptr;
  prometheus::Counter* ignored_ = nullptr;
  std::array<prometheus::Counter*, kRejectReasons.size()> rejected_{};
  prometheus::Counter* decoded_ = nullptr;
  std::array<prometheus::Counter*, kIgnoreReasons.size()> events_ignored_{};
  prometheus::Gauge* connected_ = nullptr;
  prometheus::Gauge* stale_ = nullptr;
  prometheus::Counter* reconnects_ = nullptr;
  prometheus::Gauge* last_frame_ = nullptr;
  std::array<prometheus::Counter*, kChainStages.size()> chain_transfers_{};
  prometheus::Counter* blocks_ = nullptr;
  prometheus::Counter* reorgs_ = nullptr;
  prometheus::Gauge* tip_height_ = nullptr;
};

// Handles of one webhook endpoint (a `webhooks[]` entry, log sinks included).
class EndpointMetrics {
 public:
  // One delivery attempt and its outcome label (kDeliveryOutcomes; else "other").
  void attempt(std::string_view outcome);
  // Duration of one HTTP attempt, request sent -> response read.
  void request_duration(std::chrono::nanoseconds d);
  // A record was delivered (2xx); `since_frame` = frame received -> now.
  void delivered(std::chrono::nanoseconds since_frame);
  // A record was moved to the dead-letter store (any reason).
  void dead_lettered();
  // One heartbeat sent, with its outcome label.
  void heartbeat(std::string_view outcome);

  EndpointMetrics(const EndpointMetrics&) = delete;
  EndpointMetrics& operator=(const EndpointMetrics&) = delete;

 private:
  friend class Metrics;
  EndpointMetrics() = default;

  std::array<prometheus::Counter*, kDeliveryOutcomes.size()> attempts_{};
  std::array<prometheus::Counter*, kDeliveryOutcomes.size()> heartbeats_{};
  prometheus::Histogram* request_ = nullptr;
  prometheus::Histogram* delivery_ = nullptr;
  prometheus::Counter* dead_lettered_ = nullptr;
};

// Outbox gauges, sampled by the app (outbox::Stats) a few times a second or
// before each scrape. Plain numbers: metrics does not depend on outbox/.
struct OutboxSample {
  std::uint64_t pending = 0;          // rows waiting for delivery
  double oldest_pending_age_seconds = 0;  // age of the oldest pending row; 0 when none
  std::uint64_t dead_letters = 0;     // rows in the dead-letter store
  std::uint64_t write_errors = 0;     // cumulative since open; the counter follows it
};

class Metrics {
 public:
  // Creates the registry, every global family and series, build_info
  // (`version`, default FREEZEWATCH_VERSION) and the start-time gauge.
  explicit Metrics(std::string_view version = {});
  ~Metrics();
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The handles of source / endpoint `name`, created on the first call with
  // every series at 0; later calls return the same object. Call at start-up.
  SourceMetrics& source(std::string_view name);
  EndpointMetrics& endpoint(std::string_view name);

  // Pipeline counters and the detection latency histogram.
  void matched(std::uint64_t n = 1);             // watchlist hits (one per Match)
  void alert_emitted(std::uint64_t n = 1);       // alerts durable in the outbox
  void alert_deduplicated(std::uint64_t n = 1);  // alerts dropped: already emitted
  // Frame received -> alert durable in the outbox.
  void detection_latency(std::chrono::nanoseconds d);

  // Outbox depth, oldest age and dead letters (see OutboxSample).
  void set_outbox(const OutboxSample& sample);

  // A watchlist (re)load succeeded: entry count, version (the info series'
  // label is replaced when it changes) and the load time.
  void watchlist_loaded(std::uint64_t entries, std::string_view version,
                        std::chrono::system_clock::time_point at = std::chrono::system_clock::now());
  // A reload failed (the previous snapshot stays live).
  void watchlist_reload_failed();

  // Text exposition format 0.0.4 (what /metrics serves), newline-terminated.
  std::string serialize() const;

  // For modules that add their own families (they must follow the naming
  // rules above). Lives as long as this object.
  prometheus::Registry& registry() noexcept { return *registry_; }

 private:
  std::shared_ptr<prometheus::Registry> registry_;

  // Families (owned by the registry).
  prometheus::Family<prometheus::Counter>* frames_received_ = nullptr;
  prometheus::Family<prometheus::Counter>* frames_ignored_ = nullptr;
  prometheus::Family<prometheus::Counter>* frames_rejected_ = nullptr;
  prometheus::Family<prometheus::Counter>* events_ignored_ = nullptr;
  prometheus::Family<prometheus::Counter>* transfers_decoded_ = nullptr;
  prometheus::Family<prometheus::Gauge>* source_connected_ = nullptr;
  prometheus::Family<prometheus::Gauge>* source_stale_ = nullptr;
  prometheus::Family<prometheus::Counter>* source_reconnects_ = nullptr;
  prometheus::Family<prometheus::Gauge>* source_last_frame_ = nullptr;
  prometheus::Family<prometheus::Counter>* chain_transfers_ = nullptr;
  prometheus::Family<prometheus::Counter>* chain_blocks_ = nullptr;
  prometheus::Family<prometheus::Counter>* chain_reorgs_ = nullptr;
  prometheus::Family<prometheus::Gauge>* chain_tip_height_ = nullptr;
  prometheus::Family<prometheus::Counter>* webhook_attempts_ = nullptr;
  prometheus::Family<prometheus::Histogram>* webhook_request_ = nullptr;
  prometheus::Family<prometheus::Histogram>* delivery_latency_ = nullptr;
  prometheus::Family<prometheus::Counter>* webhook_dead_lettered_ = nullptr;
  prometheus::Family<prometheus::Counter>* heartbeats_ = nullptr;
  prometheus::Family<prometheus::Gauge>* watchlist_version_ = nullptr;

  // Global series.
  prometheus::Counter* matches_ = nullptr;
  prometheus::Counter* alerts_emitted_ = nullptr;
  prometheus::Counter* alerts_deduplicated_ = nullptr;
  prometheus::Histogram* detection_ = nullptr;
  prometheus::Gauge* outbox_pending_ = nullptr;
  prometheus::Gauge* outbox_oldest_age_ = nullptr;
  prometheus::Gauge* outbox_dead_ = nullptr;
  prometheus::Counter* outbox_write_errors_ = nullptr;
  prometheus::Gauge* watchlist_entries_ = nullptr;
  prometheus::Gauge* watchlist_last_reload_ = nullptr;
  prometheus::Counter* watchlist_reloads_ = nullptr;
  prometheus::Counter* watchlist_reload_failures_ = nullptr;

  mutable std::mutex mutex_;  // guards the maps and the version/write-error state below
  std::map<std::string, std::unique_ptr<SourceMetrics>, std::less<>> sources_;
  std::map<std::string, std::unique_ptr<EndpointMetrics>, std::less<>> endpoints_;
  prometheus::Gauge* version_series_ = nullptr;
  std::string version_;
  std::uint64_t write_errors_seen_ = 0;
};

}  // namespace fw::metrics
