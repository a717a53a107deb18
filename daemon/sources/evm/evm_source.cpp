#include "sources/evm/evm_source.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <deque>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "core/backoff.hpp"
#include "decode/evm/decoder.hpp"
#include "decode/evm/tokens.hpp"
#include "lifecycle/tracker.hpp"
#include "log/log.hpp"
#include "sources/deposit_ws_source.hpp"
#include "sources/json_rpc.hpp"
#include "sources/json_rpc_coro.hpp"
#include "sources/ws_client.hpp"

namespace fw::sources {

namespace {

namespace net = boost::asio;
namespace evm = decode::evm;
using net::awaitable;
using Clock = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);
constexpr std::uint64_t kNone = std::numeric_limits<std::uint64_t>::max();
// Hashes of blocks fed to the tracker, kept for this many heights below the newest.
constexpr std::uint64_t kKnownHeights = 1024;
// Gaps reported for one block in a row before it is accepted unlinked (a
// node whose answers never link up must not stall the source forever).
constexpr int kMaxGapRounds = 4;
// eth_getBlockByNumber calls in flight during a catch-up.
constexpr std::size_t kHeaderBatch = 32;
// Announced blocks waiting; more means we fell behind: catch up by range instead.
constexpr std::size_t kMaxAnnounced = 1024;
constexpr std::string_view kStatePrefix = "evm-v1 chain_id=";

std::string heights(std::uint64_t from, std::uint64_t to) {
  return from == to ? std::to_string(from) : std::to_string(from) + ".." + std::to_string(to);
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

// A block as the source feeds it to the tracker.
struct BlockData {
  evm::BlockHeader header;
  std::vector<std::string> tx_hashes;  // native_transfers only
  std::vector<Transfer> native;        // native_transfers only: candidates, then the successful ones
};

// A block the node announced (newHeads), or a hint from a log notification
// (hash and height only: the header is fetched).
struct Announce {
  std::optional<evm::BlockHeader> header;
  std::string hash;
  std::uint64_t number = 0;
  Clock::time_point received{};
  int gap_rounds = 0;
  bool head = false;  // from newHeads: the node's own head (lifecycle add_block node_head)
};

// How a call ended, for the caller.
enum class Fetch : std::uint8_t {
  ok,      // answered and decoded
  failed,  // error object or timeout (only when the caller asked to see them)
  gone,    // the session ended (disconnect, reconnect, restart) or the source is stopping
};

struct StateOverride {
  SourceState state = SourceState::disconnected;
  std::string reason;
};

}  // namespace

struct EvmSource::Impl {
  Impl(net::io_context& io, const config::SourceConfig& c, Observer& o, std::string saved)
      : io_(io),
        name_(c.name),
        url_(c.url),
        chain_name_(c.chain_name),
        network_(c.network),
        chain_id_(c.chain_id),
        native_(c.native_transfers),
        max_range_(std::max<std::uint32_t>(c.getlogs_max_range, 1)),
        range_(max_range_),
        backfill_max_(std::max<std::uint32_t>(c.backfill_max_blocks, 1)),
        retry_initial_(c.reconnect.initial_ms),
        retry_max_(c.reconnect.max_ms),
        close_grace_(c.connect_timeout_ms),
        observer_(&o),
        saved_state_(std::move(saved)),
        tracker_(lifecycle::Options{.final_depth = c.final_depth}),
        wake_(io),
        retry_timer_(io),
        rng_(std::random_device{}()),
        session_backoff_(ms(c.reconnect.initial_ms), ms(c.reconnect.max_ms)),
        ws_options_(DepositWsSource::options_from(c)),
        rpc_(io, c.name, [this](std::string m) { return ws_ && ws_->send(std::move(m)); }, ms(c.request_timeout_ms)) {
    std::string error;
    if (auto tokens = evm::TokenRegistry::for_source(c.chain_name, c.tokens, error)) {
      decoder_.emplace(std::move(*tokens), c.network, c.name, c.chain_name);
      filter_ = evm::logs_filter_members(decoder_->tokens());
    } else {
      config_error_ = std::move(error);
    }
  }

  net::io_context& io_;
  std::string name_;
  std::string url_;
  std::string chain_name_;
  Network network_;
  std::uint64_t chain_id_;
  bool native_;
  std::uint64_t max_range_;  // getlogs_max_range; lowered when an answer did not fit max_frame_bytes
  std::uint64_t range_;      // current eth_getLogs range: halved on refusals, grows back on success
  std::uint64_t backfill_max_;
  ms retry_initial_;
  ms retry_max_;
  ms close_grace_;
  Observer* observer_;  // null once the owner is gone
  std::string saved_state_;
  std::optional<evm::Decoder> decoder_;  // unset: config_error_
  std::string config_error_;
  std::string filter_;  // "address":[..],"topics":[..]
  lifecycle::Tracker tracker_;
  net::steady_timer wake_;         // the sync loop sleeps on it; cancel() wakes it
  net::steady_timer retry_timer_;  // backoff waits
  std::mt19937_64 rng_;
  Backoff session_backoff_;  // between refused sessions (chain id mismatch, subscribe refused)
  WsOptions ws_options_;
  JsonRpc rpc_;
  std::unique_ptr<WsClient> ws_;
  mutable std::mutex ws_mutex_;  // ws_ replacement vs stats() from other threads
  SourceStats past_stats_;       // of the connections' clients replaced so far

  // Session. epoch_ changes on every open and every end of a connection; a
  // round of calls that sees it change gives up (answers may come from
  // another node than the one whose chain id was checked).
  std::uint64_t epoch_ = 0;
  bool connection_open_ = false;
  bool session_requested_ = false;
  bool session_ready_ = false;
  bool restart_requested_ = false;
  std::string restart_reason_;

  // Work for the sync loop.
  bool full_sync_requested_ = false;
  std::uint64_t rewind_from_ = kNone;  // re-read the canonical chain from this height (removed:true)
  std::deque<Announce> announced_;
  std::unordered_set<std::string> queued_;                // hashes in announced_
  std::unordered_map<std::string, std::uint64_t> known_;  // hash -> height, fed to the tracker
  std::uint64_t known_top_ = 0;
  bool dirty_ = false;  // the tracker changed since the last checkpoint
  bool oversized_ = false;  // a message larger than max_frame_bytes closed the connection

  // State: the websocket's, unless catching up on an open socket, or overridden.
  SourceState ws_state_ = SourceState::disconnected;
  std::string ws_reason_;
  bool catching_up_ = false;
  std::string catching_reason_;
  std::optional<StateOverride> override_;
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
    if (override_) {
      s = override_->state;
      reason = override_->reason;
    } else if (catching_up_ && (s == SourceState::connected || s == SourceState::stale)) {
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
    catching_up_ = on;
    catching_reason_ = std::move(reason);
    update_state();
  }

  void report(std::string_view reason, std::string_view detail) {
    if (live()) observer_->on_decode_error(name_, reason, detail);
  }

  template <class T>
  void report_issues(const evm::Decoded<T>& d, std::string_view where) {
    for (const auto& issue : d.issues) report(evm::to_string(issue.reason), std::string(where) + ": " + issue.detail);
  }

  // ---- start / stop ------------------------------------------------------

  void start(const std::shared_ptr<Impl>& self) {
    if (started_ || stopping_) return;
    started_ = true;
    if (!decoder_) {
      log::error("evm source cannot start", {{"source", name_}, {"error", config_error_}});
      override_ = StateOverride{SourceState::disconnected, config_error_};
      update_state();
      return;
    }
    restore();
    log::info("evm source starting",
              {{"source", name_}, {"url", url_}, {"chain_id", chain_id_}, {"chain_name", chain_name_},
               {"tokens", decoder_->tokens().tokens().size()}, {"native_transfers", native_}});
    net::co_spawn(io_, sync_loop(self), [weak = std::weak_ptr<Impl>(self), name = name_](std::exception_ptr e) {
      if (!e) return;
      std::string what = "unknown exception";
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        what = ex.what();
      } catch (...) {
      }
      log::error("evm sync task failed", {{"source", name}, {"error", what}});
      if (auto s = weak.lock()) {
        s->catching_up_ = false;
        s->override_ = StateOverride{SourceState::disconnected, "internal error: " + what};
        s->update_state();
        if (s->ws_) s->ws_->stop(s->close_grace_);
      }
    });
    make_client();
  }

  void restore() {
    if (saved_state_.empty()) return;
    std::string saved = std::move(saved_state_);
    saved_state_.clear();
    const auto nl = saved.find('\n');
    const std::string expected = std::string(kStatePrefix) + std::to_string(chain_id_);
    if (nl == std::string::npos || saved.compare(0, nl, expected) != 0) {
      log::error("evm saved state is for another chain or format: starting at the head block",
                 {{"source", name_}, {"expected", expected}, {"found", log::excerpt(saved.substr(0, nl), 60)}});
      report("bad_field", "saved state: not \"" + expected + "\"");
      return;
    }
    std::string error;
    if (!tracker_.restore(std::string_view(saved).substr(nl + 1), error)) {
      log::error("evm saved state does not restore: starting at the head block", {{"source", name_}, {"error", error}});
      report("bad_field", "saved state: " + error);
    } else if (auto tip = tracker_.tip()) {
      log::info("evm cursor restored", {{"source", name_}, {"tip_height", tip->height}, {"tip", tip->hash}});
    }
  }

  void make_client() {
    WsHooks hooks;
    hooks.on_open = [this] { on_open(); };
    hooks.on_frame = [this](std::string_view payload, Clock::time_point received) { on_frame(payload, received); };
    hooks.on_state = [this](SourceState s, std::string_view reason) { on_ws_state(s, reason); };
    hooks.on_rejected = [this](std::string_view reason, std::string_view excerpt) {
      if (reason == "oversized") oversized_ = true;  // the connection closes; see backfill()
      if (live()) observer_->on_frame_rejected(name_, reason, excerpt);
    };
    hooks.on_reconnect = [this] {
      if (live()) observer_->on_reconnect(name_);
    };
    auto client = std::make_unique<WsClient>(io_, ws_options_, std::move(hooks));
    {
      std::lock_guard lock(ws_mutex_);
      ws_ = std::move(client);
    }
    ws_->start();
  }

  void drop_client() {
    std::unique_ptr<WsClient> old;
    {
      std::lock_guard lock(ws_mutex_);
      if (!ws_) return;
      const SourceStats s = ws_->stats();
      past_stats_.frames += s.frames;
      past_stats_.bytes += s.bytes;
      past_stats_.rejected += s.rejected;
      past_stats_.connects += s.connects;
      past_stats_.reconnects += s.reconnects;
      past_stats_.last_frame = std::max(past_stats_.last_frame, s.last_frame);
      old = std::move(ws_);
    }
    old.reset();  // stops it; no hook is called from here on
  }

  SourceStats stats() const {
    std::lock_guard lock(ws_mutex_);
    SourceStats s = past_stats_;
    if (ws_) {
      const SourceStats c = ws_->stats();
      s.frames += c.frames;
      s.bytes += c.bytes;
      s.rejected += c.rejected;
      s.connects += c.connects;
      s.reconnects += c.reconnects;
      s.last_frame = std::max(s.last_frame, c.last_frame);
    }
    return s;
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    rpc_.stop();
    wake_.cancel();
    retry_timer_.cancel();
    override_.reset();
    if (ws_) {
      ws_->stop(close_grace_);  // reports on_state(disconnected, "stopped") last
    } else {
      ws_state_ = SourceState::disconnected;
      ws_reason_ = "stopped";
      catching_up_ = false;
      update_state();
    }
  }

  // ---- websocket hooks ---------------------------------------------------

  void end_session(std::string_view why) {
    ++epoch_;
    connection_open_ = false;
    session_ready_ = false;
    session_requested_ = false;
    catching_up_ = false;
    announced_.clear();
    queued_.clear();
    rpc_.fail_all(why);  // their answers will not come
    wake_.cancel();
  }

  void on_open() {
    if (stopping_) return;
    end_session("a new connection opened");
    connection_open_ = true;
    session_requested_ = true;
    catching_up_ = true;
    catching_reason_ = "connected: checking the chain id";
    update_state();
  }

  void on_ws_state(SourceState s, std::string_view reason) {
    ws_state_ = s;
    ws_reason_ = std::string(reason);
    if (s != SourceState::connected && s != SourceState::stale && s != SourceState::catching_up && connection_open_)
      end_session(reason.empty() ? std::string_view("connection lost") : reason);
    if (s == SourceState::connected && !session_ready_ && !catching_up_) {
      // Open, but the chain id is not checked yet: not ready (on_open follows).
      catching_up_ = true;
      catching_reason_ = "connected: checking the chain id";
    }
    update_state();
  }

  void on_frame(std::string_view payload, Clock::time_point received) {
    if (!live()) return;
    RpcMessage m = rpc_.handle(payload);
    if (m.kind == RpcMessage::Kind::response) return;
    if (m.kind == RpcMessage::Kind::invalid) {
      report(m.error.rfind("not JSON", 0) == 0 ? "not_json" : "not_object", "websocket: " + m.error);
      return;
    }
    if (m.method != "eth_subscription") return;
    auto n = decoder_->notification(m.params);
    report_issues(n, "notification");
    if (!n.ok()) {
      report(evm::to_string(n.error.reason), "notification: " + n.error.detail);
      return;
    }
    switch (n.value.kind) {
      case evm::Notification::Kind::new_head: {
        auto& h = n.value.header;
        std::string hash = h.hash;
        const std::uint64_t number = h.number;
        Announce a{std::move(h), std::move(hash), number, received, 0};
        a.head = true;
        announce(std::move(a));
        break;
      }
      case evm::Notification::Kind::log: {
        const Transfer& t = n.value.log;
        if (n.value.removed)
          on_removed_log(t);
        else
          announce(Announce{std::nullopt, t.block_hash, t.block_height.value_or(0), received, 0});
        break;
      }
      case evm::Notification::Kind::other: break;
    }
  }

  void announce(Announce a) {
    if (known_.contains(a.hash)) {
      if (a.head) head_is_known_block(a);
      return;
    }
    if (queued_.contains(a.hash)) {
      // A header is better than a hint for the same block.
      if (a.header)
        for (auto& q : announced_)
          if (q.hash == a.hash && !q.header) q.header = std::move(a.header);
      return;
    }
    if (announced_.size() >= kMaxAnnounced) {
      // Far behind: catch up by range (eth_getLogs) rather than block by block.
      log::warn("evm source behind the node: catching up by range", {{"source", name_}, {"queued", announced_.size()}});
      announced_.clear();
      queued_.clear();
      full_sync_requested_ = true;
      wake_.cancel();
      return;
    }
    queued_.insert(a.hash);
    announced_.push_back(std::move(a));
    wake_.cancel();
  }

  // The node's head went back to a block we already hold (a rollback, or a
  // reorg onto a shorter branch whose blocks we saw): the blocks above it
  // leave the canonical chain now, not when a new branch outgrows them.
  void head_is_known_block(const Announce& a) {
    auto step = tracker_.add_block(lifecycle::BlockRef{a.number, a.hash, {}}, {}, {}, {}, false, /*node_head=*/true);
    if (step.kind != lifecycle::Step::Kind::reorg) return;
    dirty_ = true;
    for (const auto& o : step.orphaned) known_.erase(o.hash);
    log::warn("evm reorg: the node's head went back to an earlier block",
              {{"source", name_}, {"height", a.number}, {"tip", a.hash}, {"orphaned", step.orphaned.size()}});
    if (!live()) return;
    if (!step.out.empty()) observer_->on_transfers(name_, step.out, a.received);
    observer_->on_block(name_, a.number, true);
    checkpoint();
  }

  void on_removed_log(const Transfer& t) {
    auto it = known_.find(t.block_hash);
    if (it == known_.end()) return;  // never applied, or already orphaned: nothing to retract here
    log::info("evm node says a block left the canonical chain (removed log): re-reading the chain",
              {{"source", name_}, {"height", it->second}, {"hash", t.block_hash}, {"tx", t.tx_id}});
    rewind_from_ = std::min(rewind_from_, it->second);
    wake_.cancel();
  }

  // ---- calls -------------------------------------------------------------

  // Sleeps `wait` unless stopping; false when stopping.
  awaitable<bool> pause(ms wait) {
    if (stopping_) co_return false;
    retry_timer_.expires_after(wait);
    co_await retry_timer_.async_wait(use_tuple);
    co_return !stopping_;
  }

  bool session_live(std::uint64_t epoch) const noexcept { return !stopping_ && epoch == epoch_ && connection_open_; }

  // Calls `method` and decodes the answer with `decode` (-> evm::Decoded<T>).
  // Error objects and timeouts are retried with backoff, or returned as
  // Fetch::failed (with `failure`) when `pass_failures`; undecodable answers
  // are always retried. gone: the session ended or the source is stopping.
  template <class T, class Decode>
  awaitable<Fetch> fetch(std::string method, std::string params, Decode decode, T& out, bool pass_failures = false,
                         RpcResult* failure = nullptr) {
    Backoff backoff(retry_initial_, retry_max_);
    const std::uint64_t epoch = epoch_;
    for (;;) {
      if (!session_live(epoch)) co_return Fetch::gone;
      RpcResult r = co_await co_call(rpc_, method, params);
      if (!session_live(epoch)) co_return Fetch::gone;
      std::string problem;
      const char* reason = "rest_error";
      if (r.ok()) {
        auto d = decode(r.result);
        report_issues(d, method);
        if (d.ok()) {
          out = std::move(d.value);
          co_return Fetch::ok;
        }
        reason = evm::to_string(d.error.reason);
        problem = d.error.detail;
      } else if (r.status == RpcResult::Status::disconnected || r.status == RpcResult::Status::stopped) {
        co_return Fetch::gone;
      } else if (pass_failures) {
        if (failure) *failure = std::move(r);
        co_return Fetch::failed;
      } else {
        problem = r.describe();
      }
      const ms wait = backoff.next(rng_);
      report(reason, method + " " + log::excerpt(params, 200) + ": " + problem + " (retry in " +
                         std::to_string(wait.count()) + " ms)");
      if (!co_await pause(wait)) co_return Fetch::gone;
    }
  }

  auto decode_quantity() {
    return [this](std::string_view json) { return decoder_->quantity(json); };
  }
  auto decode_header() {
    return [this](std::string_view json) { return decoder_->header(json); };
  }
  auto decode_full_block() {
    return [this](std::string_view json) { return decoder_->full_block(json); };
  }
  auto decode_logs() {
    return [this](std::string_view json) { return decoder_->logs(json); };
  }
  // A subscription id: the result as is, without the quotes of a JSON string.
  static auto decode_any() {
    return [](std::string_view json) {
      evm::Decoded<std::string> d;
      if (json.size() >= 2 && json.front() == '"' && json.back() == '"') json = json.substr(1, json.size() - 2);
      d.value = std::string(json);
      return d;
    };
  }

  std::string logs_by_range(std::uint64_t from, std::uint64_t to) const {
    return "[{\"fromBlock\":\"" + evm::to_quantity(from) + "\",\"toBlock\":\"" + evm::to_quantity(to) + "\"," +
           filter_ + "}]";
  }
  std::string logs_by_hash(const std::string& hash) const {
    return "[{\"blockHash\":\"" + hash + "\"," + filter_ + "}]";
  }
  std::string block_by_number(std::uint64_t h) const {
    return "[\"" + evm::to_quantity(h) + "\"," + (native_ ? "true" : "false") + "]";
  }
  std::string block_by_hash(const std::string& hash) const {
    return "[\"" + hash + "\"," + (native_ ? "true" : "false") + "]";
  }

  // The block `hash` as BlockData (header, and transactions with
  // native_transfers); nullopt in `out` when the node does not have it.
  awaitable<Fetch> block_by_hash(const std::string& hash, std::optional<BlockData>& out) {
    out.reset();
    if (native_) {
      std::optional<evm::FullBlock> b;
      auto f = co_await fetch("eth_getBlockByHash", block_by_hash(hash), decode_full_block(), b);
      if (f == Fetch::ok && b) out = BlockData{std::move(b->header), std::move(b->tx_hashes), std::move(b->native)};
      co_return f;
    }
    std::optional<evm::BlockHeader> h;
    auto f = co_await fetch("eth_getBlockByHash", block_by_hash(hash), decode_header(), h);
    if (f == Fetch::ok && h) out = BlockData{std::move(*h), {}, {}};
    co_return f;
  }

  // Blocks from..to by number, pipelined. `out` ends early at the first
  // height the node has no block for (its chain is shorter than it said).
  awaitable<Fetch> blocks_by_number(std::uint64_t from, std::uint64_t to, std::vector<BlockData>& out) {
    out.clear();
    const std::uint64_t epoch = epoch_;
    Backoff backoff(retry_initial_, retry_max_);
    for (std::uint64_t h = from; h <= to;) {
      const std::uint64_t end = std::min<std::uint64_t>(to, h + kHeaderBatch - 1);
      std::vector<RpcCall> calls;
      for (std::uint64_t q = h; q <= end; ++q) calls.push_back({"eth_getBlockByNumber", block_by_number(q)});
      auto results = co_await co_call_all(rpc_, std::move(calls));
      if (!session_live(epoch)) co_return Fetch::gone;
      std::string problem;
      const char* reason = "rest_error";
      std::size_t decoded = 0;
      bool shorter = false;
      std::vector<BlockData> batch;
      for (std::size_t i = 0; i < results.size() && problem.empty() && !shorter; ++i) {
        const RpcResult& r = results[i];
        const std::string where = "eth_getBlockByNumber " + std::to_string(h + i);
        if (r.status == RpcResult::Status::disconnected || r.status == RpcResult::Status::stopped)
          co_return Fetch::gone;
        if (!r.ok()) {
          problem = where + ": " + r.describe();
          break;
        }
        BlockData b;
        bool found = false;
        if (native_) {
          auto d = decoder_->full_block(r.result);
          report_issues(d, where);
          if (!d.ok()) {
            reason = evm::to_string(d.error.reason);
            problem = where + ": " + d.error.detail;
            break;
          }
          if ((found = d.value.has_value()))
            b = BlockData{std::move(d.value->header), std::move(d.value->tx_hashes), std::move(d.value->native)};
        } else {
          auto d = decoder_->header(r.result);
          report_issues(d, where);
          if (!d.ok()) {
            reason = evm::to_string(d.error.reason);
            problem = where + ": " + d.error.detail;
            break;
          }
          if ((found = d.value.has_value())) b.header = std::move(*d.value);
        }
        if (!found) {
          shorter = true;
          break;
        }
        if (b.header.number != h + i) {
          reason = "bad_field";
          problem = where + ": answered block " + std::to_string(b.header.number);
          break;
        }
        batch.push_back(std::move(b));
        ++decoded;
      }
      if (!problem.empty()) {
        const ms wait = backoff.next(rng_);
        report(reason, problem + " (retry in " + std::to_string(wait.count()) + " ms)");
        if (!co_await pause(wait)) co_return Fetch::gone;
        continue;  // the whole batch again
      }
      backoff.reset();
      for (auto& b : batch) out.push_back(std::move(b));
      if (shorter) break;
      h = end + 1;
    }
    if (native_)
      for (auto& b : out)
        if (co_await keep_successful_native(b) == Fetch::gone) co_return Fetch::gone;
    co_return Fetch::ok;
  }

  // Drops native candidates whose transaction failed (receipt status 0).
  awaitable<Fetch> keep_successful_native(BlockData& b) {
    if (b.native.empty()) co_return Fetch::ok;
    std::vector<evm::Receipt> receipts;
    RpcResult failure;
    auto decode_receipts = [this](std::string_view json) { return decoder_->receipts(json); };
    auto f = co_await fetch("eth_getBlockReceipts", "[" + quoted(b.header.hash) + "]", decode_receipts, receipts,
                            /*pass_failures=*/true, &failure);
    if (f == Fetch::gone) co_return f;
    if (f == Fetch::failed) {
      // Not every node has eth_getBlockReceipts: one receipt per candidate.
      receipts.clear();
      for (const auto& t : b.native) {
        std::vector<evm::Receipt> one;
        auto g = co_await fetch("eth_getTransactionReceipt", "[" + quoted(t.tx_id) + "]", decode_receipts, one);
        if (g == Fetch::gone) co_return g;
        for (auto& r : one) receipts.push_back(std::move(r));
      }
    }
    std::unordered_set<std::string> failed;
    for (const auto& r : receipts)
      if (!r.success) failed.insert(r.tx_hash);
    std::erase_if(b.native, [&](const Transfer& t) { return failed.contains(t.tx_id); });
    co_return Fetch::ok;
  }

  enum class BlockLogs : std::uint8_t { ok, block_gone, gone };

  // The Transfer logs of block `hash` (authoritative for that block).
  awaitable<BlockLogs> logs_of_block(const std::string& hash, std::vector<Transfer>& out) {
    Backoff backoff(retry_initial_, retry_max_);
    for (;;) {
      evm::LogBatch batch;
      RpcResult failure;
      auto f = co_await fetch("eth_getLogs", logs_by_hash(hash), decode_logs(), batch, /*pass_failures=*/true, &failure);
      if (f == Fetch::gone) co_return BlockLogs::gone;
      if (f == Fetch::ok) {
        out = std::move(batch.transfers);
        co_return BlockLogs::ok;
      }
      // An error: "unknown block" after a reorg, or a real failure. Ask whether the block still exists.
      std::optional<evm::BlockHeader> h;
      if (co_await fetch("eth_getBlockByHash", "[" + quoted(hash) + ",false]", decode_header(), h) == Fetch::gone)
        co_return BlockLogs::gone;
      if (!h) co_return BlockLogs::block_gone;
      const ms wait = backoff.next(rng_);
      report("rest_error", "eth_getLogs for block " + hash + ": " + failure.describe() + " (retry in " +
                               std::to_string(wait.count()) + " ms)");
      if (!co_await pause(wait)) co_return BlockLogs::gone;
    }
  }

  // ---- applying blocks ---------------------------------------------------

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

  void checkpoint() {
    if (!dirty_ || !live() || !tracker_.tip()) return;
    dirty_ = false;
    observer_->on_checkpoint(name_, std::string(kStatePrefix) + std::to_string(chain_id_) + "\n" + tracker_.save(),
                             [] {});
  }

  // Feeds one block to the tracker. Returns the height to continue from:
  // number + 1, or lower when the tracker asks for missing heights first
  // (number itself: try again, accepted unlinked once gap_rounds is spent).
  std::uint64_t apply(BlockData block, std::vector<Transfer> transfers, bool accept_unlinked, int& gap_rounds,
                      Clock::time_point received, bool node_head = false) {
    const evm::BlockHeader& h = block.header;
    lifecycle::BlockRef ref{h.number, h.hash, h.parent_hash};
    for (auto& t : block.native) transfers.push_back(std::move(t));
    for (auto& t : transfers)
      if (!t.block_time) t.block_time = h.timestamp;
    auto step = tracker_.add_block(ref, std::move(transfers), block.tx_hashes, {}, accept_unlinked, node_head);
    using Kind = lifecycle::Step::Kind;
    switch (step.kind) {
      case Kind::gap:
        if (++gap_rounds < kMaxGapRounds && step.backfill_from <= step.backfill_to) {
          log::info("evm block does not link to the chain: fetching the heights below it",
                    {{"source", name_}, {"height", h.number}, {"hash", h.hash}, {"parent", h.parent_hash},
                     {"refetch", heights(step.backfill_from, step.backfill_to)}});
          forget(step.backfill_from, step.backfill_to);
          return step.backfill_from;
        }
        log::error("evm block still does not link after refetching: accepted unlinked",
                   {{"source", name_}, {"height", h.number}, {"hash", h.hash}, {"parent", h.parent_hash}});
        report("rest_error", "block " + h.hash + " at height " + std::to_string(h.number) + ": parent " +
                                 h.parent_hash + " unknown after " + std::to_string(gap_rounds) + " refetches");
        return h.number;
      case Kind::stale:
        log::debug("evm block at or below the final cursor ignored",
                   {{"source", name_}, {"height", h.number}, {"hash", h.hash}});
        return h.number + 1;
      case Kind::duplicate:
        remember(ref);
        return h.number + 1;
      case Kind::applied:
      case Kind::reorg:
        break;
    }
    gap_rounds = 0;
    dirty_ = true;
    remember(ref);
    const bool reorg = step.kind == Kind::reorg;
    if (reorg) {
      for (const auto& o : step.orphaned) known_.erase(o.hash);
      log::warn("evm reorg", {{"source", name_}, {"height", h.number}, {"tip", h.hash},
                              {"orphaned", step.orphaned.size()}, {"from_height", step.orphaned.front().height}});
    }
    if (!live()) return h.number + 1;
    if (!step.out.empty()) observer_->on_transfers(name_, step.out, received);
    if (!step.side_branch) observer_->on_block(name_, h.number, reorg);
    return h.number + 1;
  }

  // Fetches and applies the canonical blocks from..to (by number). During a
  // catch-up (`catching`) the state says what is being fetched.
  // `unlinked_at`: the height accepted without a known parent, or kNone.
  // False when the session ended.
  awaitable<bool> backfill(std::uint64_t from, std::uint64_t to, std::uint64_t unlinked_at, bool catching) {
    int gap_rounds = 0;
    Backoff backoff(retry_initial_, retry_max_);
    for (std::uint64_t h = from; h <= to;) {
      const std::uint64_t end = std::min<std::uint64_t>(to, h + range_ - 1);
      if (catching) set_catching_up(true, "backfilling blocks " + heights(h, to));

      evm::LogBatch batch;
      RpcResult failure;
      oversized_ = false;
      auto f = co_await fetch("eth_getLogs", logs_by_range(h, end), decode_logs(), batch, /*pass_failures=*/true,
                              &failure);
      if (f == Fetch::gone) {
        if (oversized_ && range_ > 1) {
          // The answer was larger than max_frame_bytes and cost the connection:
          // the next session asks for less.
          // (The ceiling comes down too: that much data will not fit next time either.)
          range_ = std::max<std::uint64_t>(1, (end - h + 1) / 2);
          max_range_ = range_;
          log::warn("evm eth_getLogs answer larger than max_frame_bytes: smaller ranges after the reconnect",
                    {{"source", name_}, {"blocks", heights(h, end)}, {"range", range_}});
        }
        co_return false;
      }
      if (f == Fetch::failed) {
        // Providers cap ranges and result counts: smaller ranges, down to one block.
        std::string detail = "eth_getLogs " + heights(h, end) + ": " + failure.describe();
        if (range_ > 1) {
          range_ = std::max<std::uint64_t>(1, (end - h + 1) / 2);
          log::warn("evm eth_getLogs refused: smaller ranges",
                    {{"source", name_}, {"blocks", heights(h, end)}, {"error", failure.describe()}, {"range", range_}});
          report("rest_error", detail + " (retrying with ranges of " + std::to_string(range_) + " blocks)");
          continue;
        }
        const ms wait = backoff.next(rng_);
        report("rest_error", detail + " (retry in " + std::to_string(wait.count()) + " ms)");
        if (!co_await pause(wait)) co_return false;
        continue;
      }
      backoff.reset();

      std::vector<BlockData> blocks;
      if (co_await blocks_by_number(h, end, blocks) == Fetch::gone) co_return false;
      if (blocks.empty()) co_return true;  // the node's chain ends below h

      std::map<std::uint64_t, std::vector<Transfer>> by_height;
      for (auto& t : batch.transfers) by_height[*t.block_height].push_back(std::move(t));
      std::uint64_t next = h;
      bool jumped = false;
      for (auto& b : blocks) {
        const std::uint64_t number = b.header.number;
        if (known_.contains(b.header.hash)) {
          next = number + 1;
          continue;
        }
        std::vector<Transfer> transfers = std::move(by_height[number]);
        const bool moved = std::any_of(transfers.begin(), transfers.end(),
                                       [&](const Transfer& t) { return t.block_hash != b.header.hash; });
        if (moved) {
          // The chain changed between the two calls: this block's own logs.
          transfers.clear();
          auto r = co_await logs_of_block(b.header.hash, transfers);
          if (r == BlockLogs::gone) co_return false;
          if (r == BlockLogs::block_gone) {
            jumped = true;  // reorged away just now: read this height again
            break;
          }
        }
        const bool unlinked = number == unlinked_at || gap_rounds >= kMaxGapRounds;
        next = apply(std::move(b), std::move(transfers), unlinked, gap_rounds, Clock::now());
        if (next != number + 1) {
          jumped = true;
          break;
        }
      }
      checkpoint();
      if (jumped) {
        h = next;
        continue;
      }
      if (blocks.back().header.number < end) co_return true;  // the node's chain is shorter
      h = end + 1;
      range_ = std::min(max_range_, range_ * 2);
    }
    co_return true;
  }

  // ---- the sync loop -----------------------------------------------------

  awaitable<void> restart_connection() {
    restart_requested_ = false;
    const ms wait = session_backoff_.next(rng_);
    log::error("evm session refused: reconnecting",
               {{"source", name_}, {"reason", restart_reason_}, {"retry_in_ms", wait.count()}});
    end_session("restarting the connection");
    drop_client();
    catching_up_ = false;
    override_ = StateOverride{SourceState::disconnected, restart_reason_};
    update_state();
    if (!co_await pause(wait)) co_return;
    override_.reset();
    ws_state_ = SourceState::connecting;
    ws_reason_.clear();
    update_state();
    make_client();
  }

  void request_restart(std::string reason) {
    restart_requested_ = true;
    restart_reason_ = std::move(reason);
  }

  awaitable<void> open_session() {
    std::uint64_t served = 0;
    RpcResult failure;
    auto f = co_await fetch("eth_chainId", "[]", decode_quantity(), served, /*pass_failures=*/true, &failure);
    if (f == Fetch::gone) co_return;
    if (f == Fetch::failed) {
      request_restart("eth_chainId failed: " + failure.describe());
      co_return;
    }
    if (served != chain_id_) {
      request_restart("chain id mismatch: the node at " + url_ + " serves chain id " + std::to_string(served) +
                      ", the source is configured for chain_id " + std::to_string(chain_id_));
      co_return;
    }
    std::string heads_id, logs_id;
    f = co_await fetch("eth_subscribe", "[\"newHeads\"]", decode_any(), heads_id, true, &failure);
    if (f == Fetch::gone) co_return;
    if (f == Fetch::failed) {
      request_restart("eth_subscribe newHeads refused: " + failure.describe());
      co_return;
    }
    f = co_await fetch("eth_subscribe", "[\"logs\",{" + filter_ + "}]", decode_any(), logs_id, true, &failure);
    if (f == Fetch::gone) co_return;
    if (f == Fetch::failed) {
      request_restart("eth_subscribe logs refused: " + failure.describe());
      co_return;
    }
    log::info("evm source subscribed",
              {{"source", name_}, {"chain_id", served}, {"newHeads", heads_id}, {"logs", logs_id}});
    session_backoff_.reset();
    session_ready_ = true;
    full_sync_requested_ = true;
  }

  // Catch-up after every connect: from the cursor to the node's head.
  awaitable<bool> full_sync() {
    auto tip = tracker_.tip();
    set_catching_up(true, tip ? "fetching the head (cursor " + std::to_string(tip->height) + ")"
                              : "fetching the head");
    std::uint64_t head = 0;
    if (co_await fetch("eth_blockNumber", "[]", decode_quantity(), head) != Fetch::ok) co_return false;
    tip = tracker_.tip();
    if (!tip) {
      log::info("evm: no saved cursor, starting at the head block (earlier history is not backfilled)",
                {{"source", name_}, {"height", head}});
      co_return co_await backfill(head, head, head, true);
    }
    // From the tip's own height: a different block there means a reorg while we were away.
    std::uint64_t from = std::min(tip->height, head);
    std::uint64_t unlinked_at = kNone;
    if (head - from + 1 > backfill_max_) {
      const std::uint64_t skip_to = head - backfill_max_ + 1;
      const std::string detail = "gap of " + std::to_string(head - from) + " blocks (" + heights(from + 1, head) +
                                 ") exceeds backfill_max_blocks " + std::to_string(backfill_max_) + ": blocks " +
                                 heights(from + 1, skip_to - 1) + " are skipped";
      log::error("evm gap too long to backfill: skipping ahead", {{"source", name_}, {"detail", detail}});
      report("rest_error", detail);
      from = skip_to;
      unlinked_at = skip_to;
    }
    if (head > tip->height)
      log::info("evm backfilling", {{"source", name_}, {"from", tip->height + 1}, {"to", head}});
    if (!co_await backfill(from, head, unlinked_at, true)) co_return false;
    if (auto t = tracker_.tip())
      log::info("evm caught up", {{"source", name_}, {"height", t->height}, {"tip", t->hash}});
    co_return true;
  }

  // removed:true: re-read the canonical chain from `from` by number.
  awaitable<bool> rewind(std::uint64_t from) {
    std::uint64_t head = 0;
    if (co_await fetch("eth_blockNumber", "[]", decode_quantity(), head) != Fetch::ok) co_return false;
    forget(from, kNone - 1);
    co_return co_await backfill(std::min(from, head), head, kNone, false);
  }

  // One announced block (newHeads or a log hint).
  awaitable<void> process(Announce a) {
    queued_.erase(a.hash);
    if (known_.contains(a.hash)) co_return;
    if (auto c = tracker_.final_cursor(); c && a.number <= c->height) co_return;  // too old to matter
    std::optional<BlockData> block;
    if (a.header && !native_) {
      block = BlockData{std::move(*a.header), {}, {}};
    } else {
      auto f = co_await block_by_hash(a.hash, block);
      if (f != Fetch::ok || !block) co_return;  // session over, or the node no longer has it
      if (native_ && co_await keep_successful_native(*block) == Fetch::gone) co_return;
    }
    std::vector<Transfer> transfers;
    if (evm::bloom_may_contain(block->header.logs_bloom, decoder_->tokens())) {
      auto r = co_await logs_of_block(block->header.hash, transfers);
      if (r != BlockLogs::ok) co_return;  // session over, or reorged away already
    }
    const std::uint64_t number = block->header.number;
    evm::BlockHeader header = block->header;
    int rounds = a.gap_rounds;
    const std::uint64_t next = apply(std::move(*block), std::move(transfers), rounds >= kMaxGapRounds, rounds,
                                     a.received, a.head);
    if (next > number) {
      checkpoint();
      co_return;
    }
    // Missing heights first, then this block again.
    if (!co_await backfill(next, number - 1, kNone, false)) co_return;
    a.gap_rounds = std::max(rounds, a.gap_rounds + 1);
    a.header = std::move(header);
    queued_.insert(a.hash);
    announced_.push_front(std::move(a));
  }

  static awaitable<void> sync_loop(std::shared_ptr<Impl> self) {
    Impl& s = *self;
    while (!s.stopping_) {
      if (s.restart_requested_) {
        co_await s.restart_connection();
        continue;
      }
      if (s.session_requested_) {
        s.session_requested_ = false;
        co_await s.open_session();
        continue;
      }
      if (s.session_ready_) {
        if (s.full_sync_requested_) {
          s.full_sync_requested_ = false;
          const std::uint64_t epoch = s.epoch_;
          const bool done = co_await s.full_sync();
          if (done && epoch == s.epoch_ && !s.full_sync_requested_) s.set_catching_up(false);
          continue;
        }
        if (s.rewind_from_ != kNone) {
          const std::uint64_t from = s.rewind_from_;
          s.rewind_from_ = kNone;
          co_await s.rewind(from);
          continue;
        }
        if (!s.announced_.empty()) {
          Announce a = std::move(s.announced_.front());
          s.announced_.pop_front();
          co_await s.process(std::move(a));
          continue;
        }
      }
      s.wake_.expires_at(Clock::time_point::max());
      co_await s.wake_.async_wait(use_tuple);
    }
  }
};

EvmSource::EvmSource(net::io_context& io, const config::SourceConfig& config, Observer& observer,
                     std::string saved_state)
    : impl_(std::make_shared<Impl>(io, config, observer, std::move(saved_state))) {}

EvmSource::~EvmSource() {
  auto keep = impl_;  // the sync task may hold the last other reference
  keep->observer_ = nullptr;
  keep->stop();
  keep->drop_client();  // no hook call from here on
}

void EvmSource::start() { impl_->start(impl_); }
void EvmSource::stop() { impl_->stop(); }
const std::string& EvmSource::name() const noexcept { return impl_->name_; }
SourceState EvmSource::state() const noexcept { return impl_->state_.load(std::memory_order_relaxed); }
SourceStats EvmSource::stats() const noexcept { return impl_->stats(); }

}  // namespace fw::sources
