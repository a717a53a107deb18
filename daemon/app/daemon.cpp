// `freezewatch run`: the daemon's life, top to bottom.
//   1. config        strict load; invalid -> exit 3
//   2. logging       level and format from the config
//   3. storage       create the directory, open the outbox (SQLite WAL)
//   4. watchlist     remote lists fetched once if never cached, initial load
//                    (failure -> exit 3), reloader thread (files, SIGHUP),
//                    live entries (registry: API + follow the money), retro-scan index
//   5. delivery      dispatcher: re-sends every pending alert with its original id
//   6. pipeline      decode -> match -> alert -> outbox, fed by the sources
//   7. admin         /metrics /healthz /readyz, the watchlist API (bearer tokens)
//   8. signals       SIGINT/SIGTERM: graceful shutdown; SIGHUP: reload lists
//   9. run           one io_context thread until shutdown
//  10. shutdown      stop intake and sources, flush the outbox, let deliveries
//                    finish until the deadline, exit 0
#include "app/daemon.hpp"

#include <malloc.h>

#include <csignal>
#include <filesystem>
#include <iostream>
#include <map>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "admin/auth.hpp"
#include "admin/server.hpp"
#include "alert/explorers.hpp"
#include "app/exit_codes.hpp"
#include "app/pipeline.hpp"
#include "config/config.hpp"
#include "delivery/dispatcher.hpp"
#include "log/log.hpp"
#include "follow/follow.hpp"
#include "metrics/incident_metrics.hpp"
#include "metrics/metrics.hpp"
#include "outbox/outbox.hpp"
#include "registry/http_api.hpp"
#include "registry/json.hpp"
#include "registry/registry.hpp"
#include "remote/remote_lists.hpp"
#include "retro/index.hpp"
#include "sources/source.hpp"
#include "watchlist/reloader.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::app {
namespace {

constexpr auto kShutdownDeadline = std::chrono::seconds(10);
constexpr auto kSampleInterval = std::chrono::milliseconds(500);
constexpr auto kExpireInterval = std::chrono::seconds(30);

log::Level to_log_level(config::LogLevel l) {
  switch (l) {
    case config::LogLevel::trace: return log::Level::trace;
    case config::LogLevel::debug: return log::Level::debug;
    case config::LogLevel::info: return log::Level::info;
    case config::LogLevel::warn: return log::Level::warn;
    case config::LogLevel::error: return log::Level::error;
  }
  return log::Level::info;
}

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Delivery events -> metrics; also closes the detection -> 2xx latency loop.
class DeliveryMetrics final : public delivery::DeliveryObserver {
 public:
  DeliveryMetrics(metrics::Metrics& m, const std::vector<config::WebhookConfig>& hooks, Pipeline*& pipeline)
      : metrics_(m), pipeline_(pipeline) {
    for (const auto& h : hooks) handles_.emplace(h.name, &m.endpoint(h.name));  // resolved once (STYLE rule 10)
  }
  void on_attempt(std::string_view endpoint, std::string_view outcome) override {
    endpoint_metrics(endpoint).attempt(outcome);
  }
  void on_delivered(std::string_view endpoint, const outbox::Record& r) override {
    auto received = pipeline_ ? pipeline_->take_received(r.seq) : std::nullopt;
    if (received)
      endpoint_metrics(endpoint).delivered(std::chrono::steady_clock::now() - *received);
    else  // sent again after a restart: measure from when the alert was created
      endpoint_metrics(endpoint).delivered(
          std::chrono::milliseconds(std::max<std::int64_t>(0, unix_ms_now() - r.created_at_ms)));
  }
  void on_dead_letter(std::string_view endpoint, const outbox::Record& r, int) override {
    if (pipeline_) pipeline_->take_received(r.seq);
    endpoint_metrics(endpoint).dead_lettered();
  }
  void on_heartbeat(std::string_view endpoint, std::string_view outcome) override {
    endpoint_metrics(endpoint).heartbeat(outcome);
  }
  void on_request_duration(std::string_view endpoint, std::chrono::steady_clock::duration d) override {
    endpoint_metrics(endpoint).request_duration(d);
  }

 private:
  metrics::EndpointMetrics& endpoint_metrics(std::string_view name) {
    auto it = handles_.find(name);
    return it != handles_.end() ? *it->second : metrics_.endpoint(name);
  }

  metrics::Metrics& metrics_;
  Pipeline*& pipeline_;
  std::map<std::string, metrics::EndpointMetrics*, std::less<>> handles_;
};

std::string heartbeat_json(const std::vector<Pipeline::SourceStatus>& sources, const watchlist::Snapshot* snap) {
  auto now = std::chrono::steady_clock::now();
  std::string out = "{\"sources\":[";
  bool first = true;
  for (const auto& s : sources) {
    if (!first) out += ',';
    first = false;
    out += "{\"name\":\"" + log::json_escape(s.name) + "\",\"state\":\"" + std::string(sources::to_string(s.state)) +
           "\",\"frames\":" + std::to_string(s.frames) + ",\"seconds_since_last_frame\":";
    if (s.last_frame == std::chrono::steady_clock::time_point{})
      out += "null";
    else
      out += std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(now - s.last_frame).count() / 1000.0);
    out += '}';
  }
  out += "],\"watchlist\":";
  if (snap)
    out += "{\"version\":\"" + snap->version() + "\",\"entries\":" + std::to_string(snap->size()) + "}";
  else
    out += "null";
  out += '}';
  return out;
}

// The file-layer listings of an address, as JSON objects for GET /entries/{address}.
std::vector<std::string> file_listings(const watchlist::Snapshot* snap, const match::ListTraits& traits,
                                       const address::Address& a) {
  std::vector<std::string> out;
  if (!snap) return out;
  const watchlist::Entry* e = snap->find(a.canonical);
  if (!e) return out;
  for (const watchlist::Provenance& p : e->provenance)
    out.push_back(registry::provenance_to_json(p, traits.remote_lists.contains(p.list) ? "remote" : "file"));
  return out;
}

}  // namespace

int run_daemon(const Command& cmd) {
  // 1. config
  auto loaded = config::load_file(cmd.config_path);
  if (!loaded) {
    for (const auto& e : loaded.errors) std::cerr << config::format_error(cmd.config_path, e) << '\n';
    return exit_bad_config;
  }
  const config::Config cfg = std::move(*loaded.config);
  const std::string base_dir = [&] {
    auto p = std::filesystem::path(cmd.config_path).parent_path();
    return p.empty() ? std::string(".") : p.string();
  }();

  // 2. logging
  log::configure(to_log_level(cfg.log.level),
                 cfg.log.format == config::LogFormat::json ? log::Format::json : log::Format::logfmt);
  log::info("freezewatch starting", {{"version", FREEZEWATCH_VERSION}, {"config", cmd.config_path}});

  // 3. storage
  std::error_code ec;
  std::filesystem::create_directories(cfg.storage.dir, ec);
  if (ec) {
    log::error("cannot create storage directory", {{"dir", cfg.storage.dir}, {"error", ec.message()}});
    return exit_failure;
  }
  std::string error;
  outbox::Options outbox_options;
  outbox_options.path = (std::filesystem::path(cfg.storage.dir) / "outbox.db").string();
  outbox_options.sync =
      cfg.storage.sync == config::StorageSync::full ? outbox::Options::Sync::full : outbox::Options::Sync::normal;
  auto outbox = outbox::Outbox::open(outbox_options, error);
  if (!outbox) {
    log::error("cannot open outbox", {{"path", outbox_options.path}, {"error", error}});
    return exit_failure;
  }

  // 4. watchlist
  metrics::Metrics metrics;
  std::vector<config::WatchlistFile> remote_files;
  std::vector<std::string> remote_names;
  for (const auto& f : cfg.watchlists.files)
    if (f.remote) {
      remote_files.push_back(f);
      remote_names.push_back(f.name);
    }
  metrics::IncidentMetrics incident_metrics(metrics, remote_names);
  std::function<void()> remote_changed;  // set once the reloader exists
  remote::RemoteLists remote_lists(remote_files, [&remote_changed](const std::string& name) {
    log::info("remote watchlist changed", {{"list", name}});
    if (remote_changed) remote_changed();
  });
  // A remote list never fetched before is fetched now, so the first load has
  // it; if that fails the daemon still starts (the list is empty until a
  // fetch succeeds; /readyz and the age metric say so).
  for (const auto& f : remote_files) {
    if (std::filesystem::exists(f.path)) continue;
    auto outcome = remote_lists.fetch_now(f.name);
    auto st = remote_lists.stats(f.name);
    if (st && st->has_cache)
      log::info("remote watchlist fetched", {{"list", f.name}, {"bytes", st->cache_bytes}});
    else
      log::error("remote watchlist not available: starting without it",
                 {{"list", f.name}, {"error", st ? st->last_error : std::string("unknown list")}});
    (void)outcome;
  }
  auto initial = watchlist::load(cfg.watchlists, base_dir);
  if (!initial.snapshot) {
    log::error("watchlist load failed", {{"error", initial.error}});
    return exit_bad_config;
  }
  for (const auto& issue : initial.snapshot->issues())
    log::warn("watchlist line skipped", {{"file", issue.file}, {"line", issue.line}, {"reason", issue.reason}});
  log::info("watchlist loaded", {{"entries", initial.snapshot->size()},
                                 {"version", initial.snapshot->version().substr(0, 16)},
                                 {"skipped_lines", initial.snapshot->issues().size()}});
  metrics.watchlist_loaded(initial.snapshot->size(), initial.snapshot->version());
  watchlist::Holder holder(initial.snapshot);
  std::function<void()> watchlist_changed;  // set once the sources exist, before reloader.start()
  // Set once the pipeline exists: addresses a reload added (reloader thread).
  std::function<void(std::vector<std::string>)> files_added;
  watchlist::Reloader reloader(holder, cfg.watchlists, base_dir);
  remote_changed = [&reloader] { reloader.request_reload(); };
  std::shared_ptr<const watchlist::Snapshot> previous_snapshot = initial.snapshot;  // reloader thread only
  reloader.on_reload([&metrics, &watchlist_changed, &files_added, &previous_snapshot](const watchlist::ReloadEvent& ev) {
    if (!ev.ok) {
      metrics.watchlist_reload_failed();
      log::error("watchlist reload failed; keeping the previous list",
                 {{"trigger", watchlist::to_string(ev.trigger)}, {"error", ev.error}});
      return;
    }
    metrics.watchlist_loaded(ev.snapshot->size(), ev.snapshot->version(), ev.at);
    // The old snapshot is gone once readers let go; hand its pages back to the
    // OS (glibc keeps them otherwise: ~55 MB per million entries, docs/benchmarks.md).
    ::malloc_trim(0);
    log::info("watchlist reloaded", {{"trigger", watchlist::to_string(ev.trigger)},
                                     {"entries", ev.snapshot->size()},
                                     {"version", ev.snapshot->version().substr(0, 16)},
                                     {"changed", ev.changed},
                                     {"skipped_lines", ev.issue_count},
                                     {"ms", ev.duration.count()}});
    if (ev.changed && files_added) {
      auto added = ev.snapshot->added_since(previous_snapshot.get());
      if (!added.empty()) files_added(std::move(added));
    }
    previous_snapshot = ev.snapshot;
    if (watchlist_changed) watchlist_changed();
  });

  // Live entries (API, follow the money): <storage.dir>/watchlist.db.
  watchlist::OverlayHolder overlay;
  const bool sync_full = cfg.storage.sync == config::StorageSync::full;
  auto registry = registry::Registry::open((std::filesystem::path(cfg.storage.dir) / "watchlist.db").string(),
                                           sync_full, overlay, error);
  if (!registry) {
    log::error("cannot open the live watchlist", {{"error", error}});
    return exit_failure;
  }
  {
    auto st = registry->stats();
    log::info("live watchlist loaded", {{"path", registry->path()}, {"api_entries", st.api_entries},
                                        {"derived_entries", st.derived_entries}});
  }
  // Recent transfers for retro-scans: <storage.dir>/retro.db.
  std::unique_ptr<retro::Index> retro_index;
  if (cfg.retro.enabled) {
    retro::Options ro;
    ro.path = (std::filesystem::path(cfg.storage.dir) / "retro.db").string();
    ro.window = std::chrono::hours(cfg.retro.window_hours);
    ro.max_transfers = cfg.retro.max_transfers;
    ro.sync_full = sync_full;
    retro_index = retro::Index::open(ro, error);
    if (!retro_index) {
      log::error("cannot open the retro-scan index", {{"path", ro.path}, {"error", error}});
      return exit_failure;
    }
  }
  auto follow_rules = follow::Rules::from_config(cfg.watchlists, base_dir);
  if (!follow_rules.errors().empty()) {
    for (const auto& e : follow_rules.errors()) log::error("follow the money: bad setting", {{"error", e}});
    return exit_bad_config;
  }
  const alert::Explorers explorers(cfg.explorers);
  const match::ListTraits traits = match::ListTraits::from(cfg.watchlists);

  boost::asio::io_context io(1);

  // 5. delivery
  Pipeline* pipeline_ptr = nullptr;
  DeliveryMetrics delivery_metrics(metrics, cfg.webhooks, pipeline_ptr);
  delivery::Dispatcher dispatcher(io, cfg.webhooks, *outbox, delivery_metrics);

  // 6. pipeline and sources
  Pipeline pipeline(io, cfg, holder, *outbox, metrics,
                    [&dispatcher](std::vector<outbox::Record> records) { dispatcher.submit(std::move(records)); });
  pipeline_ptr = &pipeline;
  {
    Pipeline::Incident incident;
    incident.overlay = &overlay;
    incident.registry = registry.get();
    incident.retro = retro_index.get();
    incident.follow = &follow_rules;
    incident.explorers = &explorers;
    incident.metrics = &incident_metrics;
    incident.traits = traits;
    pipeline.set_incident(std::move(incident));
  }
  files_added = [&io, &pipeline](std::vector<std::string> added) {
    const auto at = unix_ms_now();
    boost::asio::post(io, [&pipeline, at, added = std::move(added)]() mutable {
      pipeline.on_listed(std::move(added), at, "watchlist reload");
    });
  };
  dispatcher.set_heartbeat_source([&] { return heartbeat_json(pipeline.source_status(), holder.current().get()); });
  if (!dispatcher.start(error)) {
    log::error("webhook delivery cannot start", {{"error", error}});
    return exit_bad_config;
  }
  std::vector<std::unique_ptr<sources::Source>> sources;
  sources::SourceContext source_context;
  source_context.listed_addresses = [&holder, &overlay](Chain chain) {
    auto snap = holder.current();
    std::vector<std::string> out = snap ? snap->addresses(chain) : std::vector<std::string>();
    // Live entries not already in the files; the overlay is sorted by
    // address, so an address with several live entries is adjacent.
    const auto now = unix_ms_now();
    const std::string* last = nullptr;
    overlay.current()->for_each([&](const watchlist::LiveEntry& e) {
      if (e.chain != chain || e.expired(now) || (last && *last == e.address)) return;
      last = &e.address;
      if (!snap || !snap->find(e.address)) out.push_back(e.address);
    });
    return out;
  };
  for (const auto& s : cfg.sources) {
    // Chain sources resume from their last checkpoint (cursor + lifecycle window).
    std::string state_error;
    auto saved = outbox->load_state(Pipeline::state_key(s.name), &state_error);
    if (!state_error.empty()) {
      log::error("cannot read a source's saved state", {{"source", s.name}, {"error", state_error}});
      return exit_failure;
    }
    sources.push_back(sources::make_source(io, s, pipeline, saved.value_or(std::string()), source_context));
  }
  // Sources that subscribe per address (mempool.space) re-read the list after a reload, on the io thread.
  watchlist_changed = [&io, &sources] {
    boost::asio::post(io, [&sources] {
      for (auto& s : sources)
        if (s) s->on_watchlist_changed();
    });
  };
  // Live additions (io thread): retro-scan them, and let per-address sources subscribe.
  registry->set_on_added([&pipeline, &watchlist_changed](const std::vector<std::string>& added,
                                                          watchlist::LiveEntry::Kind kind) {
    pipeline.on_listed(added, unix_ms_now(),
                       kind == watchlist::LiveEntry::Kind::api ? "watchlist API" : "follow the money");
    if (watchlist_changed) watchlist_changed();
  });
  // Expired live entries stop matching at once (LiveEntry::expired); this
  // deletes them from the file, audited.
  boost::asio::steady_timer expire_timer(io);
  std::function<void()> expire_loop = [&] {
    expire_timer.expires_after(kExpireInterval);
    expire_timer.async_wait([&](boost::system::error_code e) {
      if (e) return;
      auto r = registry->expire(unix_ms_now());
      if (!r.ok)
        log::error("cannot delete expired watchlist entries", {{"error", r.error}});
      else if (!r.removed.empty()) {
        incident_metrics.live_change("expire", r.removed.size());
        log::info("watchlist entries expired", {{"count", r.removed.size()}});
      }
      expire_loop();
    });
  };
  expire_loop();

  // 7. admin
  std::unique_ptr<admin::AdminServer> admin_server;
  std::unique_ptr<registry::Api> api;
  if (cfg.admin.enabled) {
    admin::Limits limits;
    limits.max_body_bytes = cfg.admin.max_body_bytes;
    admin_server = std::make_unique<admin::AdminServer>(io, cfg.admin.listen_address, cfg.admin.port, limits);
    if (!cfg.admin.tls_cert_file.empty())
      admin_server->set_tls(admin::TlsFiles{cfg.admin.tls_cert_file, cfg.admin.tls_key_file});
    admin_server->set_metrics([&] {
      auto st = outbox->stats();
      metrics::OutboxSample sample;
      sample.pending = st.pending;
      sample.dead_letters = st.dead;
      sample.write_errors = st.write_errors;
      if (st.oldest_pending_created_at_ms)
        sample.oldest_pending_age_seconds = std::max<double>(0, (unix_ms_now() - st.oldest_pending_created_at_ms) / 1000.0);
      metrics.set_outbox(sample);
      auto rs = registry->stats();
      incident_metrics.set_live_entries(rs.api_entries, rs.derived_entries, rs.derived_entries - rs.derived_approved);
      if (retro_index) {
        auto x = retro_index->stats();
        incident_metrics.sample_retro({x.stored, x.bytes, x.dropped_window, x.dropped_cap, x.dropped_queue_full,
                                       x.write_errors});
      }
      const auto now = std::chrono::system_clock::now();
      for (const auto& l : remote_lists.all_stats()) {
        metrics::IncidentMetrics::RemoteSample r;
        r.list = l.name;
        if (l.last_success) {
          r.age_seconds = std::chrono::duration<double>(now - *l.last_success).count();
          r.last_success_unix = std::chrono::duration<double>(l.last_success->time_since_epoch()).count();
        }
        r.updated = l.updated;
        r.not_modified = l.not_modified;
        r.failed = l.failed;
        incident_metrics.sample_remote(r);
      }
      return metrics.serialize();
    });
    admin_server->set_readiness([&] {
      std::vector<admin::ReadinessCheck> checks;
      checks.push_back({"config", true, "loaded"});  // the daemon does not start without it
      auto snap = holder.current();
      checks.push_back({"watchlist", snap != nullptr,
                        snap ? std::to_string(snap->size()) + " entries (version " + snap->version().substr(0, 6) + ")"
                             : std::string("not loaded")});
      for (const auto& l : remote_lists.all_stats())
        checks.push_back({"remote list " + l.name, l.has_cache,
                          l.has_cache ? (l.last_error.empty() ? std::string("fetched")
                                                              : "using the last good copy (" + l.last_error + ")")
                                      : "never fetched: " + (l.last_error.empty() ? std::string("pending") : l.last_error)});
      for (const auto& s : pipeline.source_status()) {
        bool ok = s.state == sources::SourceState::connected || s.state == sources::SourceState::finished;
        std::string detail(sources::to_string(s.state));
        if (!s.reason.empty()) detail += " (" + s.reason + ")";
        checks.push_back({"source " + s.name, ok, detail});
      }
      auto st = outbox->stats();
      static std::uint64_t last_errors = 0;  // io thread only
      bool writable = st.write_errors == last_errors;
      last_errors = st.write_errors;
      checks.push_back({"outbox", writable,
                        writable ? "writable (" + std::to_string(st.pending) + " pending)"
                                 : "failing writes (" + std::to_string(st.write_errors) + " errors so far; retrying)"});
      return checks;
    });
    // The watchlist API: every route needs a bearer token (docs/watchlist-api.md).
    if (cfg.admin.tokens.empty())
      log::warn("watchlist API has no tokens configured: every request gets 401 (admin.tokens)");
    api = std::make_unique<registry::Api>(*registry, admin::TokenSet(cfg.admin.tokens), [] { return unix_ms_now(); });
    api->set_file_lookup([&holder, &traits](const address::Address& a) {
      return file_listings(holder.current().get(), traits, a);
    });
    registry::add_routes(
        [&](std::string method, std::string path, admin::Handler h, admin::PathMatch m) {
          admin_server->add_route(std::move(method), std::move(path),
                                  [h = std::move(h), &incident_metrics](const admin::Request& r) {
                                    auto resp = h(r);
                                    incident_metrics.api_request(resp.status);
                                    return resp;
                                  },
                                  m);
        },
        *api);
    if (!admin_server->start(error)) {
      log::error("admin listener cannot start", {{"address", cfg.admin.listen_address},
                                                 {"port", cfg.admin.port}, {"error", error}});
      return exit_failure;
    }
    log::info("admin listening", {{"address", cfg.admin.listen_address}, {"port", admin_server->bound_port()},
                                  {"tls", admin_server->tls()}, {"api_tokens", cfg.admin.tokens.size()}});
  }

  // 8. signals
  boost::asio::signal_set stop_signals(io, SIGINT, SIGTERM);
  boost::asio::signal_set hup(io, SIGHUP);
  bool stopping = false;
  boost::asio::steady_timer deadline_timer(io);
  auto shutdown = [&](int signo) {
    if (stopping) return;
    stopping = true;
    log::info("shutting down", {{"signal", signo}});
    // 10. stop intake, stop sources, flush, let deliveries finish.
    pipeline.close_intake();
    for (auto& s : sources) s->stop();
    reloader.stop();
    remote_lists.stop();
    expire_timer.cancel();
    outbox->flush();
    auto deadline = std::chrono::steady_clock::now() + kShutdownDeadline;
    dispatcher.stop(deadline, [&] {
      if (admin_server) admin_server->stop();
      stop_signals.cancel();
      hup.cancel();
      io.stop();
    });
    deadline_timer.expires_at(deadline + std::chrono::seconds(1));
    deadline_timer.async_wait([&](boost::system::error_code e) {
      if (!e) io.stop();
    });
  };
  stop_signals.async_wait([&](boost::system::error_code e, int signo) {
    if (!e) shutdown(signo);
  });
  std::function<void()> wait_hup = [&] {
    hup.async_wait([&](boost::system::error_code e, int) {
      if (e) return;
      log::info("SIGHUP: reloading watchlists");
      reloader.request_reload();
      wait_hup();
    });
  };
  wait_hup();

  // 9. run
  reloader.start();
  remote_lists.start();
  for (auto& s : sources) s->start();
  log::info("freezewatch running", {{"sources", sources.size()}, {"webhooks", cfg.webhooks.size()}});
  io.run();

  reloader.stop();
  remote_lists.stop();
  // Its scan callbacks post to io: stop it while io still exists.
  if (retro_index) retro_index->stop();
  outbox->flush();
  log::info("freezewatch stopped", {{"pending_alerts", outbox->stats().pending}});
  return exit_ok;
}

}  // namespace fw::app
