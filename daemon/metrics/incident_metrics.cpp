#include "metrics/incident_metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <array>

#include "metrics/metrics.hpp"

namespace fw::metrics {
namespace {

constexpr std::array<std::string_view, 7> kActions{"add", "update", "remove", "expire", "approve", "dismiss", "derive"};
constexpr std::array<std::string_view, 5> kStatusClasses{"2xx", "400", "401", "404", "other"};

std::string status_class(int status) {
  if (status >= 200 && status < 300) return "2xx";
  if (status == 400 || status == 401 || status == 404) return std::to_string(status);
  return "other";
}

}  // namespace

struct IncidentMetrics::Remote {
  prometheus::Gauge* age = nullptr;
  prometheus::Gauge* last_success = nullptr;
  prometheus::Counter* updated = nullptr;
  prometheus::Counter* not_modified = nullptr;
  prometheus::Counter* failed = nullptr;
  std::uint64_t seen_updated = 0, seen_not_modified = 0, seen_failed = 0;
};

IncidentMetrics::IncidentMetrics(Metrics& metrics, const std::vector<std::string>& remote_lists)
    : registry_(metrics.registry()) {
  using prometheus::BuildCounter;
  using prometheus::BuildGauge;
  using prometheus::BuildHistogram;
  live_entries_ = &BuildGauge()
                       .Name("freezewatch_watchlist_live_entries")
                       .Help("Entries added at runtime, by kind: api, derived (follow the money), suspected "
                             "(derived, not approved)")
                       .Register(registry_);
  live_api_ = &live_entries_->Add({{"kind", "api"}});
  live_derived_ = &live_entries_->Add({{"kind", "derived"}});
  live_suspected_ = &live_entries_->Add({{"kind", "suspected"}});
  api_requests_ = &BuildCounter()
                       .Name("freezewatch_watchlist_api_requests_total")
                       .Help("Watchlist API requests by answer: 2xx, 400, 401, 404, other")
                       .Register(registry_);
  for (auto c : kStatusClasses) api_by_class_.emplace(std::string(c), &api_requests_->Add({{"code", std::string(c)}}));
  live_changes_ = &BuildCounter()
                      .Name("freezewatch_watchlist_live_changes_total")
                      .Help("Live watchlist changes by action: add, update, remove, expire, approve, dismiss, derive")
                      .Register(registry_);
  for (auto a : kActions) changes_by_action_.emplace(std::string(a), &live_changes_->Add({{"action", std::string(a)}}));

  retro_scans_ = &BuildCounter()
                      .Name("freezewatch_retro_scans_total")
                      .Help("Retro-scans run (one per batch of newly listed addresses)")
                      .Register(registry_)
                      .Add({});
  retro_found_ = &BuildCounter()
                      .Name("freezewatch_retro_transfers_found_total")
                      .Help("Stored transfers a retro-scan found for newly listed addresses")
                      .Register(registry_)
                      .Add({});
  retro_alerts_ = &BuildCounter()
                       .Name("freezewatch_retro_alerts_total")
                       .Help("transfer.retro alerts emitted")
                       .Register(registry_)
                       .Add({});
  retro_duration_ = &BuildHistogram()
                         .Name("freezewatch_retro_scan_duration_seconds")
                         .Help("How long one retro-scan of the recent-transfer index took")
                         .Register(registry_)
                         .Add({}, prometheus::Histogram::BucketBoundaries{0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30});
  retro_transfers_ = &BuildGauge()
                          .Name("freezewatch_retro_index_transfers")
                          .Help("Transfers in the retro-scan index")
                          .Register(registry_)
                          .Add({});
  retro_bytes_ = &BuildGauge()
                      .Name("freezewatch_retro_index_bytes")
                      .Help("Size of the retro-scan index file")
                      .Register(registry_)
                      .Add({});
  retro_write_errors_ = &BuildCounter()
                             .Name("freezewatch_retro_write_errors_total")
                             .Help("Failed writes to the retro-scan index (transfers not indexed)")
                             .Register(registry_)
                             .Add({});
  retro_dropped_ = &BuildCounter()
                        .Name("freezewatch_retro_dropped_total")
                        .Help("Transfers leaving the retro-scan index, by reason: window, cap, queue_full")
                        .Register(registry_);
  retro_dropped_window_ = &retro_dropped_->Add({{"reason", "window"}});
  retro_dropped_cap_ = &retro_dropped_->Add({{"reason", "cap"}});
  retro_dropped_queue_ = &retro_dropped_->Add({{"reason", "queue_full"}});

  remote_age_ = &BuildGauge()
                     .Name("freezewatch_watchlist_remote_age_seconds")
                     .Help("Seconds since a remote list was last fetched successfully (200 or 304); -1 = never")
                     .Register(registry_);
  remote_last_success_ = &BuildGauge()
                              .Name("freezewatch_watchlist_remote_last_success_timestamp_seconds")
                              .Help("Unix time of a remote list's last successful fetch; 0 = never")
                              .Register(registry_);
  remote_fetches_ = &BuildCounter()
                         .Name("freezewatch_watchlist_remote_fetches_total")
                         .Help("Remote list fetches by result: updated, not_modified, failed")
                         .Register(registry_);
  for (const auto& l : remote_lists) remote(l);
}

IncidentMetrics::~IncidentMetrics() = default;

IncidentMetrics::Remote& IncidentMetrics::remote(const std::string& list) {
  auto it = remotes_.find(list);
  if (it != remotes_.end()) return *it->second;
  auto r = std::make_unique<Remote>();
  r->age = &remote_age_->Add({{"list", list}});
  r->age->Set(-1);
  r->last_success = &remote_last_success_->Add({{"list", list}});
  r->updated = &remote_fetches_->Add({{"list", list}, {"result", "updated"}});
  r->not_modified = &remote_fetches_->Add({{"list", list}, {"result", "not_modified"}});
  r->failed = &remote_fetches_->Add({{"list", list}, {"result", "failed"}});
  return *remotes_.emplace(list, std::move(r)).first->second;
}

void IncidentMetrics::follow(prometheus::Counter& c, std::uint64_t& seen, std::uint64_t now) {
  if (now > seen) c.Increment(static_cast<double>(now - seen));
  seen = now;
}

void IncidentMetrics::set_live_entries(std::uint64_t api, std::uint64_t derived, std::uint64_t suspected) {
  live_api_->Set(static_cast<double>(api));
  live_derived_->Set(static_cast<double>(derived));
  live_suspected_->Set(static_cast<double>(suspected));
}

void IncidentMetrics::api_request(int status) {
  std::lock_guard lock(mutex_);
  api_by_class_.at(status_class(status))->Increment();
}

void IncidentMetrics::live_change(std::string_view action, std::uint64_t n) {
  if (n == 0) return;
  std::lock_guard lock(mutex_);
  auto it = changes_by_action_.find(action);
  if (it != changes_by_action_.end()) it->second->Increment(static_cast<double>(n));
}

void IncidentMetrics::retro_scan(std::uint64_t, std::uint64_t transfers, std::chrono::nanoseconds took) {
  retro_scans_->Increment();
  retro_found_->Increment(static_cast<double>(transfers));
  retro_duration_->Observe(std::chrono::duration<double>(took).count());
}

void IncidentMetrics::retro_alerts(std::uint64_t n) { retro_alerts_->Increment(static_cast<double>(n)); }

void IncidentMetrics::sample_retro(const RetroSample& s) {
  retro_transfers_->Set(static_cast<double>(s.transfers));
  retro_bytes_->Set(static_cast<double>(s.bytes));
  std::lock_guard lock(mutex_);
  follow(*retro_dropped_window_, retro_seen_.dropped_window, s.dropped_window);
  follow(*retro_dropped_cap_, retro_seen_.dropped_cap, s.dropped_cap);
  follow(*retro_dropped_queue_, retro_seen_.dropped_queue, s.dropped_queue);
  follow(*retro_write_errors_, retro_seen_.write_errors, s.write_errors);
}

void IncidentMetrics::sample_remote(const RemoteSample& s) {
  std::lock_guard lock(mutex_);
  Remote& r = remote(s.list);
  r.age->Set(s.age_seconds);
  r.last_success->Set(s.last_success_unix);
  follow(*r.updated, r.seen_updated, s.updated);
  follow(*r.not_modified, r.seen_not_modified, s.not_modified);
  follow(*r.failed, r.seen_failed, s.failed);
}

}  // namespace fw::metrics
