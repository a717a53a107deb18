#include "sources/tron/grid_source.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <optional>
#include <random>
#include <set>

#include "core/backoff.hpp"
#include "decode/tron/grid.hpp"
#include "decode/tron/grid_cursor.hpp"
#include "decode/tron/tokens.hpp"
#include "log/log.hpp"
#include "sources/detail/stats.hpp"
#include "sources/http_client.hpp"

namespace fw::sources {

namespace {

namespace net = boost::asio;
namespace tron = decode::tron;
using net::awaitable;
using Clock = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxWarnedContracts = 64;
constexpr decode::tron::GridView kViews[] = {decode::tron::GridView::solidified, decode::tron::GridView::unconfirmed};

void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpClientOptions http_options(const config::SourceConfig& c) {
  HttpClientOptions o;
  o.name = c.name;
  o.base_url = c.api_url;
  for (const auto& [name, value] : c.headers) o.headers.emplace(name, value.reveal());
  o.ca_file = c.ca_file;
  o.tls_verify = c.tls_verify;
  o.timeout_ms = c.request_timeout_ms;
  return o;
}

std::string describe(const HttpResult& r) {
  if (r.status == 0) return r.error;
  std::string out = "HTTP " + std::to_string(r.status);
  if (r.status == 429 || r.status == 403) out += " (rate limited)";
  if (!r.body.empty()) out += ": " + log::excerpt(r.body, 120);
  return out;
}

}  // namespace

struct TronGridSource::Impl : detail::StatCounters {
  Impl(net::io_context& io, const config::SourceConfig& c, Observer& o, std::string saved)
      : io_(io),
        config_(c),
        name_(c.name),
        api_url_(c.api_url),
        poll_interval_(std::max<std::uint32_t>(c.poll_interval_ms, 100)),
        observer_(&o),
        saved_state_(std::move(saved)),
        poll_timer_(io),
        retry_timer_(io),
        rng_(std::random_device{}()) {}

  net::io_context& io_;
  config::SourceConfig config_;
  std::string name_;
  std::string api_url_;
  ms poll_interval_;
  Observer* observer_;  // null once the owner is gone
  std::string saved_state_;
  net::steady_timer poll_timer_;
  net::steady_timer retry_timer_;
  std::mt19937_64 rng_;
  std::optional<tron::GridDecoder> decoder_;
  std::optional<tron::GridCursor> cursor_;
  std::unique_ptr<HttpClient> http_;

  std::atomic<SourceState> state_{SourceState::disconnected};
  SourceState reported_ = SourceState::disconnected;
  std::string reported_reason_;
  bool reported_once_ = false;
  int failures_in_a_row_ = 0;
  std::uint64_t reported_tip_ = 0;
  std::atomic<std::uint64_t> ignored_{0};
  std::set<std::string> warned_contracts_;
  bool started_ = false;
  bool stopping_ = false;

  bool live() const noexcept { return observer_ != nullptr && !stopping_; }

  void set_state(SourceState s, std::string_view reason) {
    state_.store(s, std::memory_order_relaxed);
    if (reported_once_ && s == reported_ && reason == reported_reason_) return;
    reported_once_ = true;
    reported_ = s;
    reported_reason_.assign(reason);
    if (observer_) observer_->on_state(name_, s, reason);
  }

  void report(std::string_view reason, std::string_view detail) {
    bump(rejected_);
    if (live()) observer_->on_decode_error(name_, reason, detail);
  }

  // ---- start / stop ------------------------------------------------------

  void start(const std::shared_ptr<Impl>& self) {
    if (started_ || stopping_) return;
    started_ = true;
    set_state(SourceState::connecting, "");

    std::string error;
    auto tokens = tron::TokenRegistry::from_config(config_.tokens, error);
    if (!tokens) {
      log::error("tron grid source cannot start", {{"source", name_}, {"error", error}});
      set_state(SourceState::disconnected, error);
      return;
    }
    http_ = HttpClient::create(io_, http_options(config_), error);
    if (!http_) {
      log::error("tron grid source cannot start", {{"source", name_}, {"api_url", api_url_}, {"error", error}});
      set_state(SourceState::disconnected, "api_url: " + error);
      return;
    }
    decoder_.emplace(*tokens, config_.network, name_, config_.chain_name);
    cursor_.emplace(*tokens, tron::LedgerContext{config_.network, config_.chain_name, name_});
    restore();

    const std::int64_t lookback = std::int64_t{config_.final_depth} * kBlockMs;
    const std::int64_t max_gap = std::int64_t{std::max<std::uint32_t>(config_.backfill_max_blocks, 1)} * kBlockMs;
    for (const auto& note : cursor_->begin(unix_ms(), lookback, max_gap)) {
      log::error("tron grid cursor too old to backfill: skipping ahead",
                 {{"source", name_}, {"detail", note}, {"backfill_max_blocks", config_.backfill_max_blocks}});
      report("rest_error", note);
    }
    std::string contracts;
    for (const auto& c : cursor_->contracts()) contracts += (contracts.empty() ? "" : ",") + c;
    log::info("tron grid source polling", {{"source", name_}, {"api_url", api_url_}, {"contracts", contracts},
                                           {"poll_interval_ms", poll_interval_.count()}});

    net::co_spawn(io_, poll_loop(self), [weak = std::weak_ptr<Impl>(self), name = name_](std::exception_ptr e) {
      if (!e) return;
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        what = ex.what();
      } catch (...) {
      }
      log::error("tron grid poll task failed", {{"source", name}, {"error", what}});
      if (auto s = weak.lock()) s->set_state(SourceState::disconnected, "internal error: " + what);
    });
  }

  void restore() {
    if (saved_state_.empty()) return;
    std::string error;
    if (!cursor_->restore(saved_state_, error)) {
      log::error("tron grid saved state does not restore: starting afresh", {{"source", name_}, {"error", error}});
      report("bad_field", "saved state: " + error);
    } else {
      log::info("tron grid cursor restored", {{"source", name_}, {"tip", cursor_->tip()}, {"live", cursor_->live()}});
    }
    saved_state_.clear();
    saved_state_.shrink_to_fit();
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    if (http_) http_->stop();
    poll_timer_.cancel();
    retry_timer_.cancel();
    if (started_) set_state(SourceState::disconnected, "stopped");
  }

  // ---- REST --------------------------------------------------------------

  awaitable<bool> pause(net::steady_timer& timer, ms wait) {
    if (stopping_) co_return false;
    timer.expires_after(wait);
    co_await timer.async_wait(use_tuple);
    co_return !stopping_;
  }

  // HttpClient::get as an awaitable. Not co_get(): with GCC 12.2 it drops one
  // reference to the client's Impl per call (a temporary in its co_await
  // expression is destroyed twice), freeing the client after the first
  // request (sources/stacks/api_source.cpp works around it the same way).
  awaitable<HttpResult> get(std::string target) {
    auto result = std::make_shared<std::optional<HttpResult>>();
    auto signal = std::make_shared<net::steady_timer>(io_, Clock::time_point::max());
    http_->get(std::move(target), [result, signal](HttpResult r) {
      *result = std::move(r);
      signal->cancel();  // never inside get(): the wait below is already pending
    });
    while (!result->has_value()) co_await signal->async_wait(use_tuple);
    co_return std::move(**result);
  }

  // GET + decode, retried until it works or the source stops. `target` is a
  // named local of the caller (no temporary in a co_await expression).
  awaitable<std::optional<tron::GridPage>> fetch(const std::string& target) {
    Backoff backoff{ms(kRetryInitialMs), ms(kRetryMaxMs)};
    for (;;) {
      if (stopping_) co_return std::nullopt;
      HttpResult r = co_await get(target);
      if (stopping_) co_return std::nullopt;
      std::string problem;
      std::string_view reason = "rest_error";
      if (r.ok()) {
        auto d = decoder_->events_page(r.body);
        if (d.ok()) {
          for (const auto& issue : d.issues)
            report(tron::to_string(issue.reason), "GET " + api_url_ + target + ": " + issue.detail);
          bump(connects_);
          bump(frames_);
          bump(bytes_, r.body.size());
          last_frame_ns_.store(
              std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(),
              std::memory_order_relaxed);
          failures_in_a_row_ = 0;
          co_return std::move(d.value);
        }
        reason = tron::to_string(d.error.reason);
        problem = d.error.detail;
      } else {
        problem = describe(r);
      }
      bump(reconnects_);
      ms wait = backoff.next(rng_);
      if (r.retry_after && (r.status == 429 || r.status == 403 || r.status == 503))
        wait = std::max(wait, *r.retry_after);
      const std::string detail =
          "GET " + api_url_ + target + ": " + problem + " (retry in " + std::to_string(wait.count()) + " ms)";
      report(reason, detail);
      log::debug("tron grid request failed", {{"source", name_}, {"detail", detail}});
      if (++failures_in_a_row_ >= kFailuresBeforeDisconnected) set_state(SourceState::disconnected, problem);
      if (!co_await pause(retry_timer_, wait)) co_return std::nullopt;
    }
  }

  // ---- polling -----------------------------------------------------------

  void note_ignored(const tron::GridPage& page, std::string_view contract) {
    if (page.ignored_contracts == 0) return;
    bump(ignored_, page.ignored_contracts);
    if (live()) observer_->on_events_ignored(name_, "unconfigured_contract", page.ignored_contracts);
    for (const auto& e : page.events) {
      if (e.skip != tron::Skip::not_configured || warned_contracts_.size() >= kMaxWarnedContracts) continue;
      if (!warned_contracts_.insert(e.contract).second) continue;
      log::warn("tron grid: events of a contract that is not a configured token are ignored",
                {{"source", name_}, {"queried", contract}, {"contract", e.contract}, {"tx", e.tx_id},
                 {"hint", "a counterfeit token copies USDT's Transfer event; only configured contracts count"}});
    }
  }

  // Every page of one view of one contract, from the cursor. True when the
  // last page was reached, false when stopping or the page cap was hit.
  awaitable<std::optional<bool>> drain(const std::string& contract, tron::GridView view) {
    const std::int64_t min_ts = cursor_->start_ms(contract, view);
    std::string fingerprint;
    for (unsigned pages = 0; pages < kMaxPagesPerRound; ++pages) {
      const std::string target = tron::GridCursor::events_target(contract, view, min_ts, kPageLimit, fingerprint);
      auto page = co_await fetch(target);
      if (!page || !live()) co_return std::nullopt;
      const auto received = Clock::now();
      std::vector<Transfer> out;
      const auto applied = cursor_->apply(contract, view, *page, out);
      note_ignored(*page, contract);
      log::debug("tron grid page", {{"source", name_}, {"contract", contract}, {"view", tron::to_string(view)},
                                    {"events", page->events.size()}, {"fresh", applied.fresh},
                                    {"repeats", applied.repeats}, {"stale", applied.stale},
                                    {"emitted", out.size()}, {"more", !page->fingerprint.empty()}});
      if (failures_in_a_row_ == 0 && state_.load(std::memory_order_relaxed) == SourceState::disconnected)
        set_state(SourceState::connected, "");
      if (!out.empty()) observer_->on_transfers(name_, out, received);
      if (cursor_->tip() > reported_tip_) {
        reported_tip_ = cursor_->tip();
        observer_->on_block(name_, reported_tip_, false);
      }
      if (!out.empty() || (view == tron::GridView::solidified && applied.fresh > 0))
        observer_->on_checkpoint(name_, cursor_->save(), [] {});
      if (page->fingerprint.empty()) co_return true;
      fingerprint = std::move(page->fingerprint);
    }
    co_return false;
  }

  static awaitable<void> poll_loop(std::shared_ptr<Impl> self) {
    Impl& s = *self;
    while (s.live()) {
      bool more = false;
      for (const auto& contract : s.cursor_->contracts()) {
        for (const auto view : kViews) {
          auto done = co_await s.drain(contract, view);
          if (!done) co_return;
          more = more || !*done;
        }
      }
      if (more) {
        s.set_state(SourceState::catching_up, "more than " + std::to_string(kMaxPagesPerRound) +
                                                   " pages behind: polling again at once");
        continue;
      }
      s.set_state(SourceState::connected, "");
      if (!co_await s.pause(s.poll_timer_, s.poll_interval_)) co_return;
    }
  }
};

TronGridSource::TronGridSource(net::io_context& io, const config::SourceConfig& config, Observer& observer,
                               std::string saved_state)
    : impl_(std::make_shared<Impl>(io, config, observer, std::move(saved_state))) {}

TronGridSource::~TronGridSource() {
  auto keep = impl_;  // the poll task may hold the last other reference
  keep->observer_ = nullptr;
  keep->stop();
}

void TronGridSource::start() { impl_->start(impl_); }
void TronGridSource::stop() { impl_->stop(); }
const std::string& TronGridSource::name() const noexcept { return impl_->name_; }
SourceState TronGridSource::state() const noexcept { return impl_->state_.load(std::memory_order_relaxed); }
SourceStats TronGridSource::stats() const noexcept { return impl_->snapshot(); }
std::uint64_t TronGridSource::ignored_events() const noexcept {
  return impl_->ignored_.load(std::memory_order_relaxed);
}

}  // namespace fw::sources
