// Metrics of the incident-response features: the live watchlist (API and
// follow-the-money entries), retro-scans, and remote lists. Same rules as
// metrics.hpp: families created up front on the daemon's registry, label
// values from bounded sets (actions, HTTP status classes, configured list
// names). docs/metrics.md lists them.
//
// The modules behind these (registry, retro, remote) keep plain counters in
// their stats(); the app samples them (sample_*), and the counters here follow
// by the difference, so no module links prometheus.
//
// Thread-safe like Metrics.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace prometheus {
class Counter;
class Gauge;
class Histogram;
class Registry;
template <typename T>
class Family;
}  // namespace prometheus

namespace fw::metrics {

class Metrics;

class IncidentMetrics {
 public:
  // `remote_lists`: the configured remote list names (their series exist at 0 from the start).
  IncidentMetrics(Metrics& metrics, const std::vector<std::string>& remote_lists);
  ~IncidentMetrics();
  IncidentMetrics(const IncidentMetrics&) = delete;
  IncidentMetrics& operator=(const IncidentMetrics&) = delete;

  // Live entries now, by kind: "api", "derived" (approved or not), and "suspected" (derived, not approved).
  void set_live_entries(std::uint64_t api, std::uint64_t derived, std::uint64_t suspected);
  // A watchlist API request answered with `status`.
  void api_request(int status);
  // Live-list changes by action: add, update, remove, expire, approve, dismiss, derive.
  void live_change(std::string_view action, std::uint64_t n = 1);

  // One retro-scan finished: addresses scanned, transfers found, how long it took.
  void retro_scan(std::uint64_t addresses, std::uint64_t transfers, std::chrono::nanoseconds took);
  void retro_alerts(std::uint64_t n);
  struct RetroSample {
    std::uint64_t transfers = 0;      // stored now
    std::uint64_t bytes = 0;          // file size
    std::uint64_t dropped_window = 0; // cumulative: aged out
    std::uint64_t dropped_cap = 0;    // cumulative: size cap
    std::uint64_t dropped_queue = 0;  // cumulative: queue full (not indexed)
    std::uint64_t write_errors = 0;   // cumulative
  };
  void sample_retro(const RetroSample& s);

  struct RemoteSample {
    std::string list;
    double age_seconds = -1;             // now - last 200/304; -1 = never fetched
    double last_success_unix = 0;        // 0 = never
    std::uint64_t updated = 0, not_modified = 0, failed = 0;  // cumulative
  };
  void sample_remote(const RemoteSample& s);

 private:
  struct Remote;
  Remote& remote(const std::string& list);
  static void follow(prometheus::Counter& c, std::uint64_t& seen, std::uint64_t now);

  prometheus::Registry& registry_;
  prometheus::Family<prometheus::Gauge>* live_entries_ = nullptr;
  prometheus::Family<prometheus::Counter>* api_requests_ = nullptr;
  prometheus::Family<prometheus::Counter>* live_changes_ = nullptr;
  prometheus::Family<prometheus::Counter>* retro_dropped_ = nullptr;
  prometheus::Family<prometheus::Gauge>* remote_age_ = nullptr;
  prometheus::Family<prometheus::Gauge>* remote_last_success_ = nullptr;
  prometheus::Family<prometheus::Counter>* remote_fetches_ = nullptr;

  prometheus::Gauge* live_api_ = nullptr;
  prometheus::Gauge* live_derived_ = nullptr;
  prometheus::Gauge* live_suspected_ = nullptr;
  prometheus::Counter* retro_scans_ = nullptr;
  prometheus::Counter* retro_found_ = nullptr;
  prometheus::Counter* retro_alerts_ = nullptr;
  prometheus::Histogram* retro_duration_ = nullptr;
  prometheus::Gauge* retro_transfers_ = nullptr;
  prometheus::Gauge* retro_bytes_ = nullptr;
  prometheus::Counter* retro_write_errors_ = nullptr;
  prometheus::Counter* retro_dropped_window_ = nullptr;
  prometheus::Counter* retro_dropped_cap_ = nullptr;
  prometheus::Counter* retro_dropped_queue_ = nullptr;

  std::mutex mutex_;  // guards the maps and the "seen" values
  std::map<std::string, prometheus::Counter*, std::less<>> api_by_class_;
  std::map<std::string, prometheus::Counter*, std::less<>> changes_by_action_;
  std::map<std::string, std::unique_ptr<Remote>, std::less<>> remotes_;
  RetroSample retro_seen_;
};

}  // namespace fw::metrics
