#include "app/pipeline.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "alert/alert.hpp"
#include "alert/explorers.hpp"
#include "follow/follow.hpp"
#include "log/log.hpp"
#include "metrics/incident_metrics.hpp"
#include "metrics/metrics.hpp"
#include "registry/registry.hpp"
#include "retro/index.hpp"

namespace fw::app {

namespace {
// Rejected frames are logged with an excerpt, but at most this many per
// source per minute: a garbage feed must not flood the log (the metric counts all).
constexpr int kRejectLogsPerMinute = 10;
constexpr std::size_t kDedupCapacity = 1 << 20;

constexpr std::string_view kWhyFollow = "follow the money";

std::int64_t unix_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}
}  // namespace

struct Pipeline::PerSource {
  std::string name;
  decode::DepositDecoder decoder;
  metrics::SourceMetrics& metrics;
  SourceStatus status;
  std::chrono::steady_clock::time_point log_window{};
  int logged_in_window = 0;

  PerSource(std::string n, const std::optional<config::DepositMapping>& mapping, metrics::SourceMetrics& m)
      : name(std::move(n)), decoder(mapping), metrics(m) {
    status.name = name;
  }

  bool may_log(std::chrono::steady_clock::time_point now) {
    if (now - log_window > std::chrono::minutes(1)) {
      log_window = now;
      logged_in_window = 0;
    }
    return logged_in_window++ < kRejectLogsPerMinute;
  }
};

Pipeline::Pipeline(boost::asio::io_context& io, const config::Config& cfg, watchlist::Holder& watchlist,
                   outbox::Outbox& outbox, metrics::Metrics& metrics, DeliverFn deliver)
    : io_(io),
      cfg_(cfg),
      watchlist_(watchlist),
      outbox_(outbox),
      metrics_(metrics),
      deliver_(std::move(deliver)),
      dedup_(kDedupCapacity) {
  // Resolve every per-source handle and decoder up front (STYLE rule 10).
  for (const auto& s : cfg_.sources)
    sources_.emplace(s.name, std::make_unique<PerSource>(s.name, s.mapping, metrics_.source(s.name)));
}

Pipeline::~Pipeline() = default;

Pipeline::PerSource& Pipeline::source(std::string_view name) {
  auto it = sources_.find(std::string(name));
  if (it == sources_.end())  // a source not in the config (tests): still counted
    it = sources_.emplace(std::string(name), std::make_unique<PerSource>(std::string(name), std::nullopt,
                                                                          metrics_.source(name))).first;
  return *it->second;
}

void Pipeline::on_frame(std::string_view source_name, std::string_view payload,
                        std::chrono::steady_clock::time_point received) {
  PerSource& src = source(source_name);
  src.metrics.frame_received();
  src.status.last_frame = received;
  ++src.status.frames;
  process(src, payload, received);
}

void Pipeline::process(PerSource& src, std::string_view payload, std::chrono::steady_clock::time_point received) {
  auto result = src.decoder.decode(payload, src.name, scratch_);
  if (result.status == decode::DecodeResult::Status::ignored) {
    src.metrics.frame_ignored();
    return;
  }
  if (result.status == decode::DecodeResult::Status::rejected) {
    src.metrics.frame_rejected(decode::to_string(result.reason));
    if (src.may_log(received))
      log::warn("frame rejected", {{"source", src.name},
                                   {"reason", decode::to_string(result.reason)},
                                   {"detail", result.detail},
                                   {"excerpt", log::excerpt(payload)}});
    return;
  }
  src.metrics.transfers_decoded();
  scratch_.received_at = std::chrono::system_clock::now();
  if (!intake_open_) return;
  alert_on(scratch_, received);
}

void Pipeline::set_incident(Incident incident) { incident_ = std::move(incident); }

void Pipeline::alert_on(const Transfer& t, std::chrono::steady_clock::time_point received) {
  // Indexed first, whether or not it matches now: an address listed later finds it.
  if (incident_.retro) incident_.retro->record(t);
  auto snapshot = watchlist_.current();
  if (!snapshot) return;
  std::shared_ptr<const watchlist::Overlay> overlay;
  if (incident_.overlay) overlay = incident_.overlay->current();
  const auto now_ms = unix_ms(std::chrono::system_clock::now());
  auto matches = match::match(t, *snapshot, overlay.get(), now_ms, &incident_.traits);
  if (matches.empty()) return;
  metrics_.matched(matches.size());

  // Follow the money: the recipient of a followed entry's transfer becomes a
  // derived entry now, before the next transfer is matched.
  if (incident_.follow && incident_.registry && overlay) {
    auto derived = incident_.follow->derive(t, matches, *snapshot, *overlay, now_ms);
    if (!derived.empty()) {
      auto r = incident_.registry->add_derived(derived, now_ms);
      if (!r.ok) {
        log::error("follow the money: cannot store a derived entry", {{"error", r.error}, {"tx", t.tx_id}});
      } else if (r.added + r.updated > 0) {
        if (incident_.metrics) incident_.metrics->live_change("derive", r.added + r.updated);
        for (const auto& d : derived)
          log::warn("follow the money: derived entry", {{"address", d.address}, {"hops", d.hops}, {"seed", d.seed},
                                                         {"incident", d.incident}, {"tx", t.tx_id}});
      }
    }
  }
  emit(matches, t, received);
}

std::size_t Pipeline::emit(const std::vector<match::Match>& matches, const Transfer& t,
                           std::optional<std::chrono::steady_clock::time_point> received) {
  std::vector<outbox::Record> records;
  const auto now = std::chrono::system_clock::now();
  const auto now_ms = unix_ms(now);
  const alert::Explorers& explorers = incident_.explorers ? *incident_.explorers : alert::Explorers::defaults();
  for (const auto& m : matches) {
    if (!dedup_.first_time(m.alert_id)) {
      metrics_.alert_deduplicated();
      continue;
    }
    std::string body = alert::render(m, t, now, explorers);
    for (const auto& hook : cfg_.webhooks) {
      if (!alert::passes(hook.filter, m, t)) continue;
      outbox::Record r;
      r.alert_id = m.alert_id;
      r.endpoint = hook.name;
      r.event_type = match::event_type(m.stage);
      r.payload = body;
      r.created_at_ms = now_ms;
      records.push_back(std::move(r));
    }
  }
  if (records.empty()) return 0;

  // One alert may fan out to several endpoints: count alerts, not rows.
  auto count_alerts = [](const std::vector<outbox::Record>& rows) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (i == 0 || rows[i].alert_id != rows[i - 1].alert_id) ++n;
    return n;
  };
  const std::size_t requested = count_alerts(records);

  // Durable first: delivery sees the records only after the commit.
  outbox_.append(std::move(records), [this, received, requested, count_alerts](std::vector<outbox::Record> inserted) {
    // Writer thread: measure, then hand over to the io thread. Alerts the
    // outbox already held (emitted before a restart) are duplicates.
    const std::size_t alerts = count_alerts(inserted);
    if (requested > alerts) metrics_.alert_deduplicated(requested - alerts);
    if (inserted.empty()) return;
    auto persisted = std::chrono::steady_clock::now();
    metrics_.alert_emitted(alerts);
    // Retro alerts have no frame to measure from.
    if (received) metrics_.detection_latency(persisted - *received);
    boost::asio::post(io_, [this, received, recs = std::move(inserted)]() mutable {
      if (received)
        for (const auto& r : recs) received_by_seq_.emplace(r.seq, *received);
      deliver_(std::move(recs));
    });
  });
  return requested;
}

void Pipeline::on_listed(std::vector<std::string> addresses, std::int64_t listed_at_ms, std::string_view why) {
  if (!incident_.retro || addresses.empty() || !intake_open_) return;
  auto shared = std::make_shared<std::vector<std::string>>(std::move(addresses));
  incident_.retro->scan(*shared, [this, shared, listed_at_ms, why = std::string(why)](retro::ScanResult r) {
    // Writer thread of the index: hand the result to the io thread.
    boost::asio::post(io_, [this, shared, listed_at_ms, why, r = std::move(r)] {
      retro_alerts(r, *shared, listed_at_ms, why);
    });
  });
}

void Pipeline::retro_alerts(const retro::ScanResult& result, const std::vector<std::string>& addresses,
                            std::int64_t listed_at_ms, const std::string& why) {
  if (incident_.metrics)
    incident_.metrics->retro_scan(result.addresses_scanned, result.transfers.size(), result.duration);
  if (!result.ok) {
    log::error("retro-scan failed", {{"trigger", why}, {"addresses", addresses.size()}, {"error", result.error}});
    return;
  }
  std::size_t alerts = 0;
  if (intake_open_) {
    auto snapshot = watchlist_.current();
    std::shared_ptr<const watchlist::Overlay> overlay;
    if (incident_.overlay) overlay = incident_.overlay->current();
    const auto now_ms = unix_ms(std::chrono::system_clock::now());
    match::RetroScan scan{listed_at_ms, addresses};
    const bool derived_only = why == kWhyFollow;
    for (const Transfer& t : result.transfers) {
      if (!snapshot) break;
      auto matches = match::match_retro(t, *snapshot, overlay.get(), now_ms, scan, &incident_.traits);
      // A derived address's earlier *incoming* transfers include the one that
      // derived it (already alerted from its seed's side): only what it sent
      // is news.
      if (derived_only)
        std::erase_if(matches, [](const match::Match& m) { return m.direction == match::Direction::to; });
      if (matches.empty()) continue;
      metrics_.matched(matches.size());
      alerts += emit(matches, t, std::nullopt);
    }
  }
  if (incident_.metrics) incident_.metrics->retro_alerts(alerts);
  const double scan_ms = static_cast<double>(result.duration.count()) / 1000.0;
  const double waited_ms = static_cast<double>(result.waited.count()) / 1000.0;
  const auto level = alerts > 0 || result.truncated ? log::Level::warn : log::Level::info;
  if (log::enabled(level))
    log::write(level, alerts > 0 ? "retro-scan: earlier transfers of newly listed addresses alerted" : "retro-scan",
               {{"trigger", why},
                {"addresses", result.addresses_scanned},
                {"transfers_found", result.transfers.size()},
                {"alerts", alerts},
                {"scan_ms", scan_ms},
                {"waited_ms", waited_ms},
                {"truncated", result.truncated}});
}

void Pipeline::on_transfers(std::string_view source_name, std::vector<Transfer>& transfers,
                            std::chrono::steady_clock::time_point received) {
  PerSource& src = source(source_name);
  src.status.last_frame = received;
  const auto now = std::chrono::system_clock::now();
  for (Transfer& t : transfers) {
    src.metrics.transfers_decoded();
    src.metrics.chain_transfer(to_string(t.status));
    if (t.received_at == std::chrono::system_clock::time_point{}) t.received_at = now;
    if (intake_open_) alert_on(t, received);
  }
}

void Pipeline::on_block(std::string_view source_name, std::uint64_t height, bool reorg) {
  PerSource& src = source(source_name);
  src.metrics.chain_block(height, reorg);
  ++src.status.frames;
}

void Pipeline::on_checkpoint(std::string_view source_name, std::string state, std::function<void()> durable) {
  // In order behind every alert appended so far: when the state is durable,
  // so are the alerts it accounts for.
  outbox_.save_state(state_key(source_name), std::move(state), [this, durable = std::move(durable)]() mutable {
    if (durable) boost::asio::post(io_, std::move(durable));
  });
}

void Pipeline::on_decode_error(std::string_view source_name, std::string_view reason, std::string_view detail) {
  PerSource& src = source(source_name);
  src.metrics.frame_rejected(reason);
  if (src.may_log(std::chrono::steady_clock::now()))
    log::warn("chain data rejected", {{"source", src.name}, {"reason", reason}, {"detail", detail}});
}

void Pipeline::on_events_ignored(std::string_view source_name, std::string_view reason, std::uint64_t count) {
  source(source_name).metrics.events_ignored(reason, count);
}

std::string Pipeline::state_key(std::string_view source_name) { return "source:" + std::string(source_name); }

void Pipeline::on_state(std::string_view source_name, sources::SourceState state, std::string_view reason) {
  PerSource& src = source(source_name);
  auto previous = src.status.state;
  src.status.state = state;
  src.status.reason = std::string(reason);
  src.metrics.set_connected(state == sources::SourceState::connected || state == sources::SourceState::stale ||
                            state == sources::SourceState::catching_up);
  src.metrics.set_stale(state == sources::SourceState::stale);
  if (previous == state) return;
  switch (state) {
    case sources::SourceState::connected:
      log::info("source connected", {{"source", src.name}});
      break;
    case sources::SourceState::catching_up:
      log::info("source catching up: fetching missed blocks", {{"source", src.name}, {"reason", reason}});
      break;
    case sources::SourceState::stale:
      log::warn("source stale: connected but silent", {{"source", src.name}, {"reason", reason}});
      break;
    case sources::SourceState::disconnected:
      log::warn("source disconnected", {{"source", src.name}, {"reason", reason}});
      break;
    case sources::SourceState::finished:
      log::info("source finished", {{"source", src.name}, {"frames", src.status.frames}});
      break;
    case sources::SourceState::connecting:
      log::debug("source connecting", {{"source", src.name}});
      break;
  }
}

void Pipeline::on_frame_rejected(std::string_view source_name, std::string_view reason, std::string_view excerpt) {
  PerSource& src = source(source_name);
  src.metrics.frame_rejected(reason);
  if (src.may_log(std::chrono::steady_clock::now()))
    log::warn("frame rejected", {{"source", src.name}, {"reason", reason}, {"excerpt", excerpt}});
}

void Pipeline::on_reconnect(std::string_view source_name) { source(source_name).metrics.reconnected(); }

std::vector<Pipeline::SourceStatus> Pipeline::source_status() const {
  std::vector<SourceStatus> out;
  for (const auto& s : cfg_.sources) {
    auto it = sources_.find(s.name);
    if (it != sources_.end()) out.push_back(it->second->status);
  }
  return out;
}

std::optional<std::chrono::steady_clock::time_point> Pipeline::take_received(std::int64_t seq) {
  auto it = received_by_seq_.find(seq);
  if (it == received_by_seq_.end()) return std::nullopt;
  auto t = it->second;
  received_by_seq_.erase(it);
  return t;
}

}  // namespace fw::app
