// `freezewatch run`: the daemon's life, top to bottom.
//   1. config        strict load; invalid -> exit 3
//   2. logging       level and format from the config
//   3. storage       create the directory, open the outbox (SQLite WAL)
//   4. watchlist     initial load (failure -> exit 3), reloader thread (files, SIGHUP)
//   5. delivery      dispatcher: re-sends every pending alert with its original id
//   6. pipeline      decode -> match -> alert -> outbox, fed by the sources
//   7. admin         /metrics /healthz /readyz
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

#include "admin/server.hpp"
#include "app/exit_codes.hpp"
#include "app/pipeline.hpp"
#include "config/config.hpp"
#include "delivery/dispatcher.hpp"
#include "log/log.hpp"
#include "metrics/metrics.hpp"
#include "outbox/outbox.hpp"
#include "sources/source.hpp"
#include "watchlist/reloader.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::app {
namespace {

constexpr auto kShutdownDeadline = std::chrono::seconds(10);
constexpr auto kSampleInterval = std::chrono::milliseconds(500);

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
  watchlist::Reloader reloader(holder, cfg.watchlists, base_dir);
  reloader.on_reload([&metrics, &watchlist_changed](const watchlist::ReloadEvent& ev) {
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
    if (watchlist_changed) watchlist_changed();
  });

  boost::asio::io_context io(1);

  // 5. delivery
  Pipeline* pipeline_ptr = nullptr;
  DeliveryMetrics delivery_metrics(metrics, cfg.webhooks, pipeline_ptr);
  delivery::Dispatcher dispatcher(io, cfg.webhooks, *outbox, delivery_metrics);

  // 6. pipeline and sources
  Pipeline pipeline(io, cfg, holder, *outbox, metrics,
                    [&dispatcher](std::vector<outbox::Record> records) { dispatcher.submit(std::move(records)); });
  pipeline_ptr = &pipeline;
  dispatcher.set_heartbeat_source([&] { return heartbeat_json(pipeline.source_status(), holder.current().get()); });
  if (!dispatcher.start(error)) {
    log::error("webhook delivery cannot start", {{"error", error}});
    return exit_bad_config;
  }
  std::vector<std::unique_ptr<sources::Source>> sources;
  sources::SourceContext source_context;
  source_context.listed_addresses = [&holder](Chain chain) {
    std::vector<std::string> out;
    if (auto snap = holder.current())
      for (const auto& e : snap->entries())
        if (e.chain == chain) out.emplace_back(e.address);
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

  // 7. admin
  std::unique_ptr<admin::AdminServer> admin_server;
  if (cfg.admin.enabled) {
    admin_server = std::make_unique<admin::AdminServer>(io, cfg.admin.listen_address, cfg.admin.port);
    admin_server->set_metrics([&] {
      auto st = outbox->stats();
      metrics::OutboxSample sample;
      sample.pending = st.pending;
      sample.dead_letters = st.dead;
      sample.write_errors = st.write_errors;
      if (st.oldest_pending_created_at_ms)
        sample.oldest_pending_age_seconds = std::max<double>(0, (unix_ms_now() - st.oldest_pending_created_at_ms) / 1000.0);
      metrics.set_outbox(sample);
      return metrics.serialize();
    });
    admin_server->set_readiness([&] {
      std::vector<admin::ReadinessCheck> checks;
      checks.push_back({"config", true, "loaded"});  // the daemon does not start without it
      auto snap = holder.current();
      checks.push_back({"watchlist", snap != nullptr,
                        snap ? std::to_string(snap->size()) + " entries (version " + snap->version().substr(0, 6) + ")"
                             : std::string("not loaded")});
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
    if (!admin_server->start(error)) {
      log::error("admin listener cannot start", {{"address", cfg.admin.listen_address},
                                                 {"port", cfg.admin.port}, {"error", error}});
      return exit_failure;
    }
    log::info("admin listening", {{"address", cfg.admin.listen_address}, {"port", admin_server->bound_port()}});
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
  for (auto& s : sources) s->start();
  log::info("freezewatch running", {{"sources", sources.size()}, {"webhooks", cfg.webhooks.size()}});
  io.run();

  reloader.stop();
  outbox->flush();
  log::info("freezewatch stopped", {{"pending_alerts", outbox->stats().pending}});
  return exit_ok;
}

}  // namespace fw::app
