#include "sources/stacks/api_source.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/backoff.hpp"
#include "decode/stacks/hiro.hpp"
#include "decode/stacks/tokens.hpp"
#include "decode/stacks/transfers.hpp"
#include "lifecycle/tracker.hpp"
#include "log/log.hpp"
#include "sources/deposit_ws_source.hpp"
#include "sources/http_client.hpp"
#include "sources/ws_client.hpp"

namespace fw::sources {

namespace {

namespace net = boost::asio;
namespace stacks = decode::stacks;
using net::awaitable;
using Clock = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);
constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
// Hashes of blocks already fed to the tracker, kept for this many heights
// below the newest one (a refetch of an older block costs one header GET).
constexpr std::uint64_t kKnownHeights = 1024;
// Gaps reported for one block in a row before it is accepted unlinked (an
// API whose answers never link up must not stall the source forever).
constexpr int kMaxGapRounds = 4;
// A Retry-After longer than this is not believed (a misconfigured proxy must
// not park the source for a day).
constexpr ms kMaxRetryAfter{300000};

stacks::TokenRegistry registry_from(const config::SourceConfig& c) {
  auto tokens = stacks::TokenRegistry::defaults();
  for (const auto& t : c.tokens) tokens.add({t.asset, t.symbol, t.decimals});
  return tokens;
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

std::string heights(std::uint64_t from, std::uint64_t to) {
  return from == to ? std::to_string(from) : std::to_string(from) + ".." + std::to_string(to);
}

std::string describe(const HttpResult& r) {
  if (r.status == 0) return r.error;
  std::string out = "HTTP " + std::to_string(r.status);
  if (!r.body.empty()) out += ": " + log::excerpt(r.body, 120);
  return out;
}

// A REST call that did not give what was asked for.
enum class Fetch : std::uint8_t { ok, stopped, not_found };

}  // namespace

struct StacksApiSource::Impl {
  Impl(net::io_context& io, const config::SourceConfig& c, Observer& o, std::string saved)
      : io_(io),
        name_(c.name),
        api_url_(c.api_url),
        backfill_max_(std::max<std::uint32_t>(c.backfill_max_blocks, 1)),
        retry_initial_(c.reconnect.initial_ms),
        retry_max_(c.reconnect.max_ms),
        close_grace_(c.connect_timeout_ms),
        observer_(&o),
        saved_state_(std::move(saved)),
        decoder_(registry_from(c), c.network, c.name, c.chain_name),
        tracker_(lifecycle::Options{.final_depth = c.final_depth}),
        wake_(io),
        retry_timer_(io),
        rng_(std::random_device{}()),
        ws_options_(DepositWsSource::options_from(c)),
        http_options_(http_options(c)) {}

  net::io_context& io_;
  std::string name_;
  std::string api_url_;
  std::uint64_t backfill_max_;
  ms retry_initial_;
  ms retry_max_;
  ms close_grace_;
  Observer* observer_;  // null once the owner is gone
  std::string saved_state_;
  stacks::HiroDecoder decoder_;
  lifecycle::Tracker tracker_;
  net::steady_timer wake_;         // the sync loop sleeps on it; cancel() wakes it
  net::steady_timer retry_timer_;  // REST backoff waits
  std::mt19937_64 rng_;
  WsOptions ws_options_;
  HttpClientOptions http_options_;
  std::unique_ptr<HttpClient> http_;
  std::unique_ptr<WsClient> ws_;

  // What the sync loop is asked to do.
  bool full_sync_requested_ = false;        // fetch the latest height, then catch up (start, every connect)
  bool live_sync_requested_ = false;        // a block notification arrived
  std::uint64_t announced_max_ = 0;         // highest height announced over the websocket
  std::uint64_t rewind_from_ = kNone;       // an announced block at or below the tip we do not know
  std::unordered_map<std::string, std::uint64_t> known_;  // index hash -> height, fed to the tracker
  std::uint64_t known_top_ = 0;

  // Subscribe requests awaiting their answer: JSON-RPC id -> event.
  std::map<std::int64_t, std::string> pending_rpc_;
  std::int64_t next_rpc_id_ = 1;

  // State: the websocket's, except catching_up while a full sync runs on an open socket.
  SourceState ws_state_ = SourceState::disconnected;
  std::string ws_reason_;
  bool catching_up_ = false;
  std::string catching_reason_;
  std::atomic<SourceState> state_{SourceState::disconnected};
  SourceState reported_ = SourceState::disconnected;
  std::string reported_reason_;
  bool reported_once_ = false;

  bool started_ = false;
  bool stopping_ = false;

  bool live() const noexcept { return observer_ != nullptr && !stopping_; }

  // ---- state -------------------------------------------------------------

  void update_state() {
    SourceState s = ws_state_;
    std::string reason = ws_reason_;
    if (catching_up_ && (s == SourceState::connected || s == SourceState::stale)) {
      s = SourceState::catching_up;
      reason = catching_reason_;
    }
    state_.store(s, std::memory_order_relaxed);
    if (reported_once_ && s == reported_ && reason == reported_reason_) return;
    reported_once_ = true;
    reported_ = s;
    reported_reason_ = reason;
    if (observer_) observer_->on_state(name_, s, reason);
  }

  void set_catching_up(bool on, std::string reason = {}) {
    if (stopping_) return;  // "stopped" stays the last state reported
    catching_up_ = on;
    catching_reason_ = std::move(reason);
    update_state();
  }

  void report(std::string_view reason, std::string_view detail) {
    if (live()) observer_->on_decode_error(name_, reason, detail);
  }

  // ---- start / stop ------------------------------------------------------

  void start(const std::shared_ptr<Impl>& self) {
    if (started_ || stopping_) return;
    started_ = true;
    restore();

    std::string error;
    http_ = HttpClient::create(io_, http_options_, error);
    if (!http_) {
      log::error("stacks api source cannot start", {{"source", name_}, {"api_url", api_url_}, {"error", error}});
      ws_state_ = SourceState::disconnected;
      ws_reason_ = "api_url: " + error;
      update_state();
      return;
    }

    WsHooks hooks;
    hooks.on_open = [this] { on_open(); };
    hooks.on_frame = [this](std::string_view payload, Clock::time_point received) { on_frame(payload, received); };
    hooks.on_state = [this](SourceState s, std::string_view reason) {
      ws_state_ = s;
      ws_reason_ = std::string(reason);
      update_state();
    };
    hooks.on_rejected = [this](std::string_view reason, std::string_view excerpt) {
      if (live()) observer_->on_frame_rejected(name_, reason, excerpt);
    };
    hooks.on_reconnect = [this] {
      if (live()) observer_->on_reconnect(name_);
    };
    ws_ = std::make_unique<WsClient>(io_, ws_options_, std::move(hooks));

    ws_state_ = SourceState::connecting;
    update_state();
    // Catch up at once (REST needs no websocket), and again after every connect.
    full_sync_requested_ = true;
    net::co_spawn(io_, sync_loop(self), [weak = std::weak_ptr<Impl>(self), name = name_](std::exception_ptr e) {
      if (!e) return;
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        what = ex.what();
      } catch (...) {
      }
      log::error("stacks api sync task failed", {{"source", name}, {"error", what}});
      if (auto s = weak.lock()) {
        s->catching_up_ = false;
        s->ws_state_ = SourceState::disconnected;
        s->ws_reason_ = "internal error: " + what;
        s->update_state();
        if (s->ws_) s->ws_->stop(s->close_grace_);
      }
    });
    ws_->start();
  }

  void restore() {
    if (saved_state_.empty()) return;
    std::string error;
    if (!tracker_.restore(saved_state_, error)) {
      log::error("stacks api saved state does not restore: starting at the latest block",
                 {{"source", name_}, {"error", error}});
      report("bad_field", "saved state: " + error);
    } else if (auto tip = tracker_.tip()) {
      log::info("stacks api cursor restored", {{"source", name_}, {"tip_height", tip->height}, {"tip", tip->hash}});
    }
    saved_state_.clear();
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    if (http_) http_->stop();
    wake_.cancel();
    retry_timer_.cancel();
    if (ws_) {
      ws_->stop(close_grace_);  // reports on_state(disconnected, "stopped") last
    } else {
      ws_state_ = SourceState::disconnected;
      ws_reason_ = "stopped";
      catching_up_ = false;
      update_state();
    }
  }

  // ---- websocket ---------------------------------------------------------

  void send_subscribe(const char* event) {
    const std::int64_t id = next_rpc_id_++;
    pending_rpc_[id] = event;
    std::string msg = R"({"jsonrpc":"2.0","id":)" + std::to_string(id) +
                      R"(,"method":"subscribe","params":{"event":")" + event + R"("}})";
    if (!ws_->send(std::move(msg))) pending_rpc_.erase(id);
  }

  void on_open() {
    if (stopping_) return;
    pending_rpc_.clear();  // answers of an earlier connection will not come
    send_subscribe("block");
    send_subscribe("mempool");
    // Anything may have happened while we were away.
    full_sync_requested_ = true;
    wake_.cancel();
  }

  void on_frame(std::string_view payload, Clock::time_point received) {
    if (!live()) return;
    auto msg = decoder_.ws_message(payload);
    if (!msg.ok()) {
      report(stacks::to_string(msg.error.reason), "websocket: " + msg.error.detail);
      return;
    }
    for (const auto& issue : msg.issues) report(stacks::to_string(issue.reason), "websocket: " + issue.detail);
    auto& m = msg.value;
    switch (m.kind) {
      case stacks::WsMessage::Kind::response: on_response(m); break;
      case stacks::WsMessage::Kind::block: on_block_notification(m.block); break;
      case stacks::WsMessage::Kind::mempool: on_mempool(m, received); break;
      case stacks::WsMessage::Kind::other: break;
    }
  }

  void on_response(const stacks::WsMessage& m) {
    std::string event = "?";
    if (m.id) {
      auto it = pending_rpc_.find(*m.id);
      if (it != pending_rpc_.end()) {
        event = it->second;
        pending_rpc_.erase(it);
      }
    }
    if (m.is_error) {
      log::error("stacks api subscription refused",
                 {{"source", name_}, {"event", event}, {"error", m.error_message}});
      report("rpc_error", "subscribe " + event + ": " + m.error_message);
    } else {
      log::debug("stacks api subscribed", {{"source", name_}, {"event", event}});
    }
  }

  void on_block_notification(const stacks::HiroBlock& b) {
    const auto& h = b.header;
    if (known_.contains(h.hash)) return;  // fed already (e.g. during a backfill)
    announced_max_ = std::max(announced_max_, h.height);
    if (auto tip = tracker_.tip(); tip && h.height <= tip->height) rewind_from_ = std::min(rewind_from_, h.height);
    live_sync_requested_ = true;
    wake_.cancel();
  }

  void on_mempool(stacks::WsMessage& m, Clock::time_point received) {
    if (m.transfers.empty()) return;
    auto step = tracker_.add_pending(std::move(m.transfers));
    if (!step.out.empty() && live()) observer_->on_transfers(name_, step.out, received);
  }

  // ---- REST --------------------------------------------------------------

  // Sleeps `wait` unless stopping; false when stopping.
  awaitable<bool> pause(ms wait) {
    if (stopping_) co_return false;
    retry_timer_.expires_after(wait);
    co_await retry_timer_.async_wait(use_tuple);
    co_return !stopping_;
  }

  // HttpClient::get as an awaitable. Not co_get(): with GCC 12.2 it drops one
  // reference to the client's Impl per call (a temporary in its co_await
  // expression is destroyed twice), freeing the client after the first
  // request. The callback API has no such temporary.
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

  // GET `target` and decode the 2xx body with `decode` (returns Decoded<T>),
  // retrying every failure with backoff. `not_found_ok`: a 404 is returned
  // at once as Fetch::not_found instead of retried here.
  template <class T, class Decode>
  // Arguments are references to the caller's named locals: no temporary in a
  // co_await expression is handed to a coroutine (see get()).
  awaitable<Fetch> fetch(const std::string& target, const Decode& decode, T& out, bool not_found_ok = false) {
    Backoff backoff(retry_initial_, retry_max_);
    for (;;) {
      if (stopping_) co_return Fetch::stopped;
      HttpResult r = co_await get(target);
      if (stopping_) co_return Fetch::stopped;
      if (not_found_ok && r.status == 404) co_return Fetch::not_found;
      std::string problem;
      const char* reason = "rest_error";
      if (r.ok()) {
        auto d = decode(r.body);
        if (d.ok()) {
          for (const auto& issue : d.issues) report(stacks::to_string(issue.reason), target + ": " + issue.detail);
          out = std::move(d.value);
          co_return Fetch::ok;
        }
        reason = stacks::to_string(d.error.reason);
        problem = d.error.detail;
      } else {
        problem = describe(r);
      }
      ms wait = backoff.next(rng_);
      if (r.retry_after && (r.status == 429 || r.status == 503))
        wait = std::max(wait, std::min<ms>(*r.retry_after, kMaxRetryAfter));
      report(reason, "GET " + api_url_ + target + ": " + problem + " (retry in " + std::to_string(wait.count()) + " ms)");
      // Behind until the call succeeds: /readyz says so.
      if (!catching_up_) set_catching_up(true, "REST calls failing, retrying");
      if (!co_await pause(wait)) co_return Fetch::stopped;
    }
  }

  // The newest block the API has.
  awaitable<std::optional<stacks::HiroBlock>> fetch_latest() {
    for (;;) {
      std::vector<stacks::HiroBlock> blocks;
      const std::string target = "/extended/v2/blocks?limit=1";
      const auto decode = [this](std::string_view body) { return decoder_.rest_blocks(body); };
      auto f = co_await fetch(target, decode, blocks);
      if (f != Fetch::ok) co_return std::nullopt;
      if (!blocks.empty()) co_return std::move(blocks.front());
      report("rest_error", "GET " + api_url_ + "/extended/v2/blocks?limit=1: no block in the answer");
      if (!co_await pause(retry_max_)) co_return std::nullopt;
    }
  }

  struct BlockData {
    std::vector<Transfer> transfers;
    std::vector<std::string> included;
    std::vector<std::pair<std::string, std::string>> failed;
  };

  // Every transaction page of block `h`, then every event page of each
  // successful transaction that has events.
  awaitable<std::optional<BlockData>> fetch_block_data(const stacks::BlockHeader& header) {
    BlockData data;
    std::vector<stacks::HiroTx> with_events;
    const std::string base = "/extended/v2/blocks/" + std::to_string(header.height) + "/transactions?limit=" +
                             std::to_string(kPageLimit) + "&offset=";
    const auto decode_txs = [this](std::string_view body) { return decoder_.rest_block_transactions(body); };
    for (std::uint64_t offset = 0;;) {
      stacks::HiroTxPage page;
      const std::string target = base + std::to_string(offset);
      auto f = co_await fetch(target, decode_txs, page);
      if (f != Fetch::ok) co_return std::nullopt;
      for (auto& tx : page.txs) {
        data.included.push_back(tx.tx_id);
        if (tx.tx_status != "success")
          data.failed.emplace_back(tx.tx_id, tx.tx_status);
        else if (tx.event_count > 0)
          with_events.push_back(std::move(tx));
      }
      offset += page.txs.size();
      if (page.txs.empty() || offset >= page.total) break;
    }
    const auto decode_events = [this, &header](std::string_view body) {
      return decoder_.rest_tx_events(body, header);
    };
    for (const auto& tx : with_events) {
      std::vector<Transfer> tx_transfers;
      const std::string ev_base =
          "/extended/v1/tx/events?tx_id=" + tx.tx_id + "&limit=" + std::to_string(kPageLimit) + "&offset=";
      for (std::uint64_t offset = 0;;) {
        stacks::HiroEventPage page;
        const std::string target = ev_base + std::to_string(offset);
        auto f = co_await fetch(target, decode_events, page);
        if (f != Fetch::ok) co_return std::nullopt;
        for (auto& t : page.transfers) tx_transfers.push_back(std::move(t));
        offset += page.event_count;
        const std::uint64_t asked = page.limit > 0 ? page.limit : kPageLimit;
        if (page.event_count == 0 || offset >= tx.event_count || page.event_count < asked) break;
      }
      // Occurrences count within the whole transaction, across pages.
      stacks::assign_occurrences(tx_transfers);
      for (auto& t : tx_transfers) data.transfers.push_back(std::move(t));
    }
    co_return data;
  }

  // ---- sync --------------------------------------------------------------

  void remember(const lifecycle::BlockRef& ref) {
    known_[ref.hash] = ref.height;
    known_top_ = std::max(known_top_, ref.height);
    if (known_.size() > 2 * kKnownHeights && known_top_ > kKnownHeights) {
      const std::uint64_t floor = known_top_ - kKnownHeights;
      std::erase_if(known_, [floor](const auto& kv) { return kv.second < floor; });
    }
  }

  void forget(std::uint64_t from, std::uint64_t to) {
    std::erase_if(known_, [from, to](const auto& kv) { return kv.second >= from && kv.second <= to; });
  }

  // Applies one fetched block. Returns the height to continue from.
  std::uint64_t apply(const stacks::BlockHeader& header, BlockData data, bool accept_unlinked, int& gap_rounds) {
    lifecycle::BlockRef ref{header.height, header.hash, header.parent_hash};
    auto step = tracker_.add_block(ref, std::move(data.transfers), data.included, data.failed, accept_unlinked);
    using Kind = lifecycle::Step::Kind;
    switch (step.kind) {
      case Kind::gap:
        if (++gap_rounds < kMaxGapRounds && step.backfill_from <= step.backfill_to) {
          log::info("stacks api block does not link to the chain: refetching the heights below it",
                    {{"source", name_}, {"height", header.height}, {"hash", header.hash},
                     {"parent", header.parent_hash}, {"refetch", heights(step.backfill_from, step.backfill_to)}});
          forget(step.backfill_from, step.backfill_to);
          return step.backfill_from;
        }
        // The API's answers do not link up: take the block as it is rather than stall.
        log::error("stacks api block still does not link after refetching: accepted unlinked",
                   {{"source", name_}, {"height", header.height}, {"hash", header.hash},
                    {"parent", header.parent_hash}});
        report("rest_error", "block " + header.hash + " at height " + std::to_string(header.height) +
                                     ": parent " + header.parent_hash + " unknown after " +
                                     std::to_string(gap_rounds) + " refetches");
        return header.height;  // the caller retries with accept_unlinked (gap_rounds is spent)
      case Kind::stale:
        log::debug("stacks api block at or below the final cursor ignored",
                   {{"source", name_}, {"height", header.height}, {"hash", header.hash}});
        return header.height + 1;
      case Kind::duplicate:
        remember(ref);
        return header.height + 1;
      case Kind::applied:
      case Kind::reorg:
        break;
    }
    gap_rounds = 0;
    remember(ref);
    const bool reorg = step.kind == Kind::reorg;
    if (reorg) {
      for (const auto& o : step.orphaned) known_.erase(o.hash);
      log::warn("stacks api reorg", {{"source", name_}, {"height", header.height}, {"tip", header.hash},
                                     {"orphaned", step.orphaned.size()}});
    }
    if (!live()) return header.height + 1;
    if (!step.out.empty()) observer_->on_transfers(name_, step.out, Clock::now());
    if (!step.side_branch) observer_->on_block(name_, header.height, reorg);
    observer_->on_checkpoint(name_, tracker_.save(), [] {});
    return header.height + 1;
  }

  // Fetches and applies blocks from..target (target may grow while it runs,
  // as notifications arrive). `unlinked_at`: the height whose block is
  // accepted without a known parent (first start, skipped gap), or kNone.
  awaitable<bool> catch_up(std::uint64_t from, std::uint64_t target, std::uint64_t unlinked_at) {
    int gap_rounds = 0;
    std::uint64_t applied = 0;
    Backoff lag(retry_initial_, retry_max_);  // a block announced but not served yet
    const auto decode_block = [this](std::string_view body) { return decoder_.rest_block(body); };
    for (std::uint64_t h = from;;) {
      target = std::max(target, announced_max_);
      if (rewind_from_ != kNone) {
        // A notification named a block at or below where we are that we do not know.
        h = std::min(h, rewind_from_);
        rewind_from_ = kNone;
      }
      if (h > target) break;

      stacks::HiroBlock block;
      const std::string path = "/extended/v2/blocks/" + std::to_string(h);
      auto f = co_await fetch(path, decode_block, block, /*not_found_ok=*/true);
      if (f == Fetch::stopped) co_return false;
      if (f == Fetch::not_found) {
        // Announced but not served: the API lags, or the chain got shorter.
        const ms wait = lag.next(rng_);
        report("rest_error", "GET " + api_url_ + "/extended/v2/blocks/" + std::to_string(h) +
                                 ": 404 for a block at or below the announced height " + std::to_string(target) +
                                 " (retry in " + std::to_string(wait.count()) + " ms)");
        if (!co_await pause(wait)) co_return false;
        auto latest = co_await fetch_latest();
        if (!latest) co_return false;
        if (latest->header.height < h) {
          announced_max_ = std::min(announced_max_, latest->header.height);
          target = latest->header.height;
        }
        continue;
      }
      if (block.header.height != h) {
        report("rest_error", "GET /extended/v2/blocks/" + std::to_string(h) + ": answered height " +
                                 std::to_string(block.header.height));
        if (!co_await pause(retry_max_)) co_return false;
        continue;
      }
      lag.reset();
      if (known_.contains(block.header.hash)) {
        ++h;
        continue;
      }
      auto data = co_await fetch_block_data(block.header);
      if (!data) co_return false;
      const bool unlinked = h == unlinked_at || gap_rounds >= kMaxGapRounds;
      const std::uint64_t next = apply(block.header, std::move(*data), unlinked, gap_rounds);
      if (next > h) ++applied;
      h = next;
    }
    if (applied > 0) log::debug("stacks api blocks applied", {{"source", name_}, {"blocks", applied}});
    co_return true;
  }

  // One full round: the latest height, then every block up to it.
  awaitable<bool> full_sync() {
    auto tip = tracker_.tip();
    set_catching_up(true, tip ? "fetching the latest height (cursor " + std::to_string(tip->height) + ")"
                              : "fetching the latest height");
    auto latest = co_await fetch_latest();
    if (!latest) co_return false;
    const std::uint64_t target = std::max(latest->header.height, announced_max_);
    tip = tracker_.tip();
    std::uint64_t from = target;
    std::uint64_t unlinked_at = kNone;
    if (!tip) {
      unlinked_at = target;
      log::info("stacks api: no saved cursor, starting at the latest block (earlier history is not backfilled)",
                {{"source", name_}, {"height", target}});
    } else {
      from = tip->height + 1;
      if (from <= target && target - from + 1 > backfill_max_) {
        const std::uint64_t skip_to = target - backfill_max_ + 1;
        const std::string detail = "gap of " + std::to_string(target - from + 1) + " blocks (" +
                                   heights(from, target) + ") exceeds backfill_max_blocks " +
                                   std::to_string(backfill_max_) + ": blocks " + heights(from, skip_to - 1) +
                                   " are skipped";
        log::error("stacks api gap too long to backfill: skipping ahead", {{"source", name_}, {"detail", detail}});
        report("rest_error", detail);
        from = skip_to;
        unlinked_at = skip_to;
      }
    }
    if (from <= target) {
      log::info("stacks api backfilling", {{"source", name_}, {"from", from}, {"to", target}});
      set_catching_up(true, "backfilling blocks " + heights(from, target));
    }
    if (!co_await catch_up(from, target, unlinked_at)) co_return false;
    if (auto t = tracker_.tip(); t && from <= target)
      log::info("stacks api caught up", {{"source", name_}, {"height", t->height}, {"tip", t->hash}});
    co_return true;
  }

  static awaitable<void> sync_loop(std::shared_ptr<Impl> self) {
    Impl& s = *self;
    while (!s.stopping_) {
      if (s.full_sync_requested_) {
        s.full_sync_requested_ = false;
        s.live_sync_requested_ = false;
        const bool done = co_await s.full_sync();
        if (s.stopping_) break;
        // Another connect during this round asks for a new one; otherwise live.
        if (done && !s.full_sync_requested_) s.set_catching_up(false);
        continue;
      }
      if (s.live_sync_requested_) {
        s.live_sync_requested_ = false;
        auto tip = s.tracker_.tip();
        const std::uint64_t from = tip ? tip->height + 1 : s.announced_max_;
        const std::uint64_t unlinked_at = tip ? kNone : s.announced_max_;
        if (!co_await s.catch_up(from, s.announced_max_, unlinked_at)) break;
        // A live round that had to retry REST calls was "behind" meanwhile.
        if (s.catching_up_ && !s.full_sync_requested_) s.set_catching_up(false);
        continue;
      }
      s.wake_.expires_at(Clock::time_point::max());
      co_await s.wake_.async_wait(use_tuple);
    }
  }
};

StacksApiSource::StacksApiSource(net::io_context& io, const config::SourceConfig& config, Observer& observer,
                                 std::string saved_state)
    : impl_(std::make_shared<Impl>(io, config, observer, std::move(saved_state))) {}

StacksApiSource::~StacksApiSource() {
  auto keep = impl_;  // the sync task may hold the last other reference
  keep->observer_ = nullptr;
  keep->stop();
  keep->ws_.reset();  // no hook call from here on
}

void StacksApiSource::start() { impl_->start(impl_); }
void StacksApiSource::stop() { impl_->stop(); }
const std::string& StacksApiSource::name() const noexcept { return impl_->name_; }
SourceState StacksApiSource::state() const noexcept { return impl_->state_.load(std::memory_order_relaxed); }

SourceStats StacksApiSource::stats() const noexcept {
  if (impl_->ws_) return impl_->ws_->stats();
  return {};
}

}  // namespace fw::sources
