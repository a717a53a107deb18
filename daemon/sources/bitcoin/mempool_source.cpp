#include "sources/bitcoin/mempool_source.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "address/address.hpp"
#include "decode/bitcoin/mempool.hpp"
#include "decode/bitcoin/protocol.hpp"
#include "lifecycle/tracker.hpp"
#include "log/log.hpp"
#include "sources/deposit_ws_source.hpp"
#include "sources/ws_client.hpp"

namespace fw::sources {

namespace {

namespace net = boost::asio;
namespace btc = decode::bitcoin;
using Clock = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

// How long a block's transfers are collected from the other connections
// after its header arrived (they normally all arrive within milliseconds).
constexpr auto kAssemblyWait = std::chrono::seconds(3);
// Confirmed transactions naming a block whose header never came.
constexpr auto kHeaderWait = std::chrono::seconds(30);
// Hashes of blocks handed to the tracker, remembered to skip repeats cheaply
// (every connect brings a `blocks` list of the latest ones).
constexpr std::size_t kAppliedMemory = 256;
// More connections than this to one server is worth a warning.
constexpr std::size_t kManyConnections = 50;
constexpr std::string_view kRemovedReason = "removed from the mempool";

int severity(SourceState s) noexcept {
  switch (s) {
    case SourceState::connected:
    case SourceState::finished: return 0;
    case SourceState::catching_up: return 1;
    case SourceState::stale: return 2;
    case SourceState::connecting: return 3;
    case SourceState::disconnected: return 4;
  }
  return 4;
}

}  // namespace

struct MempoolSpaceSource::Impl : std::enable_shared_from_this<Impl> {
  struct Connection {
    std::size_t id = 0;  // 1-based, stable for its life: "<source>#<id>" in logs
    std::vector<std::string> chunk;
    std::unique_ptr<WsClient> ws;
    SourceState state = SourceState::disconnected;
    std::string reason;
    Clock::time_point opened_at{};
    bool open = false;
    bool retired = false;  // no longer in the plan; stopping
    bool stopped = false;  // reported disconnected "stopped"
  };

  // One block's transfers, collected from every connection.
  struct Assembly {
    std::optional<btc::BlockHeader> header;
    bool synthetic = false;          // header inferred from a child's previousblockhash
    bool complete = false;           // nothing more will come (a `blocks` list entry)
    std::uint64_t height_hint = 0;   // from the transactions' status while there is no header
    std::vector<Transfer> transfers;
    std::vector<std::string> txids;
    std::unordered_set<std::size_t> reported;  // connections that delivered the block's frame
    Clock::time_point first_seen{};
    Clock::time_point deadline{};
  };

  Impl(net::io_context& io, const config::SourceConfig& c, Observer& o, std::string saved, SourceContext ctx)
      : io_(io),
        name_(c.name),
        network_(c.network),
        close_grace_(c.connect_timeout_ms),
        ping_interval_(c.ping_interval_ms),
        observer_(&o),
        saved_state_(std::move(saved)),
        context_(std::move(ctx)),
        decoder_(btc::DecoderOptions{c.network, c.name, c.chain_name}),
        tracker_(lifecycle::Options{.final_depth = c.final_depth}),
        ws_options_(DepositWsSource::options_from(c)),
        flush_timer_(io),
        ping_timer_(io) {
    limit_.store(std::max<std::uint32_t>(c.max_tracked_addresses, 1), std::memory_order_relaxed);
  }

  net::io_context& io_;
  std::string name_;
  Network network_;
  ms close_grace_;
  ms ping_interval_;
  Observer* observer_;  // null once the owner is gone
  std::string saved_state_;
  SourceContext context_;
  btc::MempoolDecoder decoder_;
  lifecycle::Tracker tracker_;
  WsOptions ws_options_;
  net::steady_timer flush_timer_;
  net::steady_timer ping_timer_;

  std::vector<std::string> addresses_;  // sorted, unique, canonical, this network
  std::atomic<std::size_t> limit_{1};
  std::size_t next_id_ = 1;
  bool warned_many_ = false;

  mutable std::mutex conns_mu_;  // guards the two vectors (stats() reads them from any thread)
  std::vector<std::unique_ptr<Connection>> conns_;    // the plan: conns_[i] tracks chunk i
  std::vector<std::unique_ptr<Connection>> retired_;  // stopping, then destroyed

  std::unordered_map<std::string, Assembly> assembling_;  // by block hash
  std::unordered_map<std::string, std::uint64_t> applied_;
  std::deque<std::string> applied_order_;

  std::atomic<SourceState> state_{SourceState::disconnected};
  SourceState reported_ = SourceState::disconnected;
  std::string reported_reason_;
  bool reported_once_ = false;

  bool started_ = false;
  bool stopping_ = false;

  bool live() const noexcept { return observer_ != nullptr && !stopping_; }

  std::string label(const Connection& c) const {
    return "connection " + std::to_string(c.id) + " (" + std::to_string(c.chunk.size()) + " addresses)";
  }

  void report(std::string_view reason, std::string_view detail) {
    if (live()) observer_->on_decode_error(name_, reason, detail);
  }

  // ---- state -------------------------------------------------------------

  void update_state() {
    SourceState s = SourceState::disconnected;
    std::string reason;
    if (stopping_) {
      for (const auto& c : conns_)
        if (!c->stopped) return;  // the last connection to stop reports it
      reason = "stopped";
    } else if (conns_.empty()) {
      reason = started_ ? "no connection" : "";
    } else {
      const Connection* worst = conns_.front().get();
      for (const auto& c : conns_)
        if (severity(c->state) > severity(worst->state)) worst = c.get();
      s = worst->state;
      reason = worst->reason;
      if (conns_.size() > 1 && severity(s) > 0)
        reason = "connection " + std::to_string(worst->id) + "/" + std::to_string(conns_.size()) +
                 (reason.empty() ? "" : ": " + reason);
    }
    state_.store(s, std::memory_order_relaxed);
    if (reported_once_ && s == reported_ && reason == reported_reason_) return;
    reported_once_ = true;
    reported_ = s;
    reported_reason_ = reason;
    if (observer_) observer_->on_state(name_, s, reason);
  }

  // ---- start / stop ------------------------------------------------------

  void start() {
    if (started_ || stopping_) return;
    started_ = true;
    restore();
    addresses_ = listed_addresses();
    log::info("bitcoin source starting",
              {{"source", name_}, {"addresses", addresses_.size()}, {"max_tracked_addresses", limit()}});
    replan("start");
    arm_ping();
    update_state();
  }

  void restore() {
    if (saved_state_.empty()) return;
    std::string error;
    if (!tracker_.restore(saved_state_, error)) {
      log::error("bitcoin saved state does not restore: starting from the next block",
                 {{"source", name_}, {"error", error}});
      report("bad_field", "saved state: " + error);
    } else if (auto tip = tracker_.tip()) {
      log::info("bitcoin cursor restored", {{"source", name_}, {"tip_height", tip->height}, {"tip", tip->hash}});
    }
    saved_state_.clear();
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    flush_timer_.cancel();
    ping_timer_.cancel();
    if (conns_.empty()) {
      update_state();
      return;
    }
    // Copies: a client that is not running reports "stopped" from inside stop().
    std::vector<WsClient*> clients;
    for (const auto& c : conns_) clients.push_back(c->ws.get());
    for (const auto& c : retired_) clients.push_back(c->ws.get());
    for (WsClient* w : clients) w->stop(close_grace_);
  }

  void on_watchlist_changed() {
    if (!started_ || stopping_) return;
    auto next = listed_addresses();
    if (next == addresses_) return;
    log::info("bitcoin addresses changed", {{"source", name_}, {"before", addresses_.size()}, {"after", next.size()}});
    addresses_ = std::move(next);
    replan("watchlist changed");
  }

  // The watchlist's Bitcoin addresses of this source's network.
  std::vector<std::string> listed_addresses() const {
    std::vector<std::string> out;
    if (!context_.listed_addresses) return out;
    auto all = context_.listed_addresses(Chain::bitcoin);
    address::Address a;
    std::string error;
    for (auto& text : all) {
      if (address::parse_into(Chain::bitcoin, text, a, error) && a.network == network_) out.push_back(a.canonical);
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
  }

  std::size_t limit() const noexcept { return limit_.load(std::memory_order_relaxed); }

  // ---- connections -------------------------------------------------------

  // Spreads addresses_ over connections of at most limit() addresses and
  // sends the chunks that changed.
  void replan(std::string_view why) {
    std::vector<std::vector<std::string>> current;
    for (const auto& c : conns_) current.push_back(c->chunk);
    auto plan = btc::assign_chunks(current, addresses_, limit());
    std::size_t resent = 0, added = 0, retired = 0;
    for (std::size_t i = 0; i < plan.size(); ++i) {
      if (i < conns_.size()) {
        Connection& c = *conns_[i];
        if (c.chunk == plan[i]) continue;
        c.chunk = std::move(plan[i]);
        if (c.open) {
          send_track(c);
          ++resent;
        }
      } else {
        add_connection(std::move(plan[i]));
        ++added;
      }
    }
    while (conns_.size() > plan.size()) {
      retire_last();
      ++retired;
    }
    log::info("bitcoin addresses planned", {{"source", name_}, {"why", why}, {"addresses", addresses_.size()},
                                            {"connections", conns_.size()}, {"limit", limit()},
                                            {"resent", resent}, {"added", added}, {"retired", retired}});
    if (conns_.size() > kManyConnections && !warned_many_) {
      warned_many_ = true;
      log::warn("bitcoin source needs many connections: ask the server operator for a higher MAX_TRACKED_ADDRESSES",
                {{"source", name_}, {"connections", conns_.size()}, {"limit", limit()}});
    }
    update_state();
  }

  void add_connection(std::vector<std::string> chunk) {
    auto c = std::make_unique<Connection>();
    c->id = next_id_++;
    c->chunk = std::move(chunk);
    c->state = SourceState::connecting;
    Connection* raw = c.get();
    WsOptions o = ws_options_;
    o.name = name_ + "#" + std::to_string(raw->id);
    WsHooks hooks;
    hooks.on_open = [this, raw] { on_open(*raw); };
    hooks.on_frame = [this, raw](std::string_view payload, Clock::time_point received) {
      on_frame(*raw, payload, received);
    };
    hooks.on_state = [this, raw](SourceState s, std::string_view reason) { on_conn_state(*raw, s, reason); };
    hooks.on_rejected = [this, raw](std::string_view reason, std::string_view excerpt) {
      if (live() && !raw->retired) observer_->on_frame_rejected(name_, reason, excerpt);
    };
    hooks.on_reconnect = [this, raw] {
      if (live() && !raw->retired) observer_->on_reconnect(name_);
    };
    c->ws = std::make_unique<WsClient>(io_, std::move(o), std::move(hooks));
    {
      std::lock_guard lock(conns_mu_);
      conns_.push_back(std::move(c));
    }
    if (started_ && !stopping_) raw->ws->start();
  }

  void retire_last() {
    std::unique_ptr<Connection> c;
    {
      std::lock_guard lock(conns_mu_);
      c = std::move(conns_.back());
      conns_.pop_back();
      c->retired = true;
      retired_.push_back(std::move(c));
    }
    retired_.back()->ws->stop(close_grace_);
  }

  void send_track(Connection& c) {
    if (!c.ws->send(btc::track_addresses_request(c.chunk)))
      log::warn("bitcoin track-addresses not sent (connection not open)", {{"source", name_}, {"connection", c.id}});
    else
      log::debug("bitcoin track-addresses sent", {{"source", name_}, {"connection", c.id}, {"addresses", c.chunk.size()}});
  }

  void on_open(Connection& c) {
    if (stopping_ || c.retired) return;
    c.open = true;
    c.opened_at = Clock::now();
    c.ws->send(btc::want_blocks_request());
    if (!c.chunk.empty()) send_track(c);
  }

  void on_conn_state(Connection& c, SourceState s, std::string_view reason) {
    if (s != SourceState::connected && s != SourceState::stale) c.open = false;
    if (c.retired) {
      if (s == SourceState::disconnected && reason == "stopped") {
        c.stopped = true;
        // Destroyed outside the client's own hook call.
        net::post(io_, [weak = weak_from_this(), raw = &c] {
          auto self = weak.lock();
          if (!self) return;
          std::lock_guard lock(self->conns_mu_);
          std::erase_if(self->retired_, [raw](const auto& p) { return p.get() == raw; });
        });
      }
      return;
    }
    c.state = s;
    c.reason = std::string(reason);
    if (s == SourceState::disconnected && reason == "stopped") c.stopped = true;
    update_state();
    // A connection that went away no longer holds up a block being assembled.
    if (!c.open && !assembling_.empty() && !stopping_) flush(Clock::now());
  }

  void arm_ping() {
    if (ping_interval_.count() <= 0 || stopping_) return;
    ping_timer_.expires_after(ping_interval_);
    ping_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      auto self = weak.lock();
      if (!self || self->stopping_) return;
      for (const auto& c : self->conns_)
        if (c->open) c->ws->send(btc::ping_request());
      self->arm_ping();
    });
  }

  // ---- frames ------------------------------------------------------------

  void on_frame(Connection& c, std::string_view payload, Clock::time_point received) {
    if (!live() || c.retired) return;
    auto d = decoder_.message(payload);
    if (!d.ok()) {
      report(btc::to_string(d.error.reason), label(c) + ": " + d.error.detail);
      return;
    }
    for (const auto& issue : d.issues) report(btc::to_string(issue.reason), label(c) + ": " + issue.detail);
    btc::Message& m = d.value;
    if (m.track_error) on_track_error(c, *m.track_error);

    bool changed = false;
    if (!m.removed.empty()) {
      std::vector<std::string> txids;
      for (const auto& tx : m.removed) txids.push_back(tx.txid);
      auto step = tracker_.drop_pending(txids, kRemovedReason, "");
      changed |= deliver(step, received);
    }
    if (!m.mempool.empty()) {
      std::vector<Transfer> transfers;
      for (auto& tx : m.mempool)
        for (auto& t : tx.transfers) transfers.push_back(std::move(t));
      if (!transfers.empty()) {
        auto step = tracker_.add_pending(std::move(transfers));
        changed |= deliver(step, received);
      }
    }
    if (changed) checkpoint();

    if (m.blocks.empty() && !m.block && m.confirmed.empty()) return;
    const auto now = Clock::now();
    for (const auto& h : m.blocks) note_listed_header(h, now);
    if (m.block) note_block_frame(c, *m.block, now);
    for (auto& tx : m.confirmed) note_confirmed(c, tx, m.block, now);
    flush(now);
  }

  // The server refused this connection's list and now tracks nothing on it.
  // Several refusals may be in flight (every connection sent a list of the
  // old size): only a refusal naming a limit below what is in force now
  // changes anything, so they do not compound.
  void on_track_error(Connection& c, const std::string& text) {
    const auto n = btc::track_limit(text);
    const std::size_t sent = c.chunk.size();
    log::error("bitcoin server refused track-addresses",
               {{"source", name_}, {"connection", c.id}, {"addresses", sent}, {"error", text}});
    report("other", label(c) + ": track-addresses refused: " + log::excerpt(text, 120));
    std::size_t next = limit();
    if (n && *n >= 1) {
      next = std::min<std::size_t>(next, *n);
    } else if (!n && sent > 1) {
      next = std::min<std::size_t>(next, sent / 2);  // no number in the text: halve what was refused
    }
    if (next < limit()) {
      log::warn("bitcoin per-connection address limit lowered", {{"source", name_}, {"from", limit()}, {"to", next}});
      limit_.store(next, std::memory_order_relaxed);
      replan("server limit");
    } else if (n && *n >= sent && *n >= 1) {
      // A refusal of a longer list sent before the last re-plan; the current one is on its way.
      log::debug("bitcoin earlier track-addresses refusal ignored", {{"source", name_}, {"connection", c.id}});
    } else {
      log::error("bitcoin server tracks no address on this connection: these addresses are not watched",
                 {{"source", name_}, {"connection", c.id}, {"addresses", sent}});
    }
  }

  // ---- blocks ------------------------------------------------------------

  bool was_applied(const std::string& hash) const {
    return applied_.contains(hash) && !assembling_.contains(hash);
  }

  Assembly& assembly(const std::string& hash, Clock::time_point now) {
    auto [it, inserted] = assembling_.try_emplace(hash);
    if (inserted) {
      it->second.first_seen = now;
      it->second.deadline = now + kHeaderWait;
    }
    return it->second;
  }

  void set_header(Assembly& a, const btc::BlockHeader& h, Clock::time_point now) {
    if (a.header && !a.synthetic) return;
    a.header = h;
    a.synthetic = false;
    a.deadline = now + kAssemblyWait;
  }

  // A header from a `blocks` list: a past block; no transactions follow.
  void note_listed_header(const btc::BlockHeader& h, Clock::time_point now) {
    if (was_applied(h.hash)) return;
    auto it = assembling_.find(h.hash);
    if (it != assembling_.end()) {
      set_header(it->second, h, now);
      return;
    }
    Assembly& a = assembly(h.hash, now);
    set_header(a, h, now);
    a.complete = true;
  }

  // A `block` frame of connection `c` (its confirmed transactions, if any, are in the same frame).
  // A late frame for a block already applied: note_confirmed reports its transactions.
  void note_block_frame(Connection& c, const btc::BlockHeader& h, Clock::time_point now) {
    if (was_applied(h.hash)) return;
    Assembly& a = assembly(h.hash, now);
    set_header(a, h, now);
    a.reported.insert(c.id);
  }

  void note_confirmed(Connection& c, btc::Tx& tx, const std::optional<btc::BlockHeader>& frame_block,
                      Clock::time_point now) {
    std::string hash = tx.status.block_hash;
    if (hash.empty() && frame_block &&
        (!tx.status.block_height || *tx.status.block_height == frame_block->height))
      hash = frame_block->hash;
    if (hash.empty()) {
      report("missing_field", label(c) + ": confirmed transaction " + tx.txid + " names no block: skipped");
      return;
    }
    if (was_applied(hash)) {
      log::error("bitcoin confirmed transaction arrived after its block was applied: no confirmed alert for it",
                 {{"source", name_}, {"connection", c.id}, {"tx", tx.txid}, {"block", hash}});
      report("other", label(c) + ": confirmed transaction " + tx.txid + " of block " + hash +
                          " arrived after the block was applied");
      return;
    }
    Assembly& a = assembly(hash, now);
    if (!a.header && tx.status.block_height) a.height_hint = *tx.status.block_height;
    if (std::find(a.txids.begin(), a.txids.end(), tx.txid) != a.txids.end()) return;
    a.txids.push_back(tx.txid);
    for (auto& t : tx.transfers) a.transfers.push_back(std::move(t));
  }

  bool ready(const Assembly& a, Clock::time_point now) const {
    if (a.complete) return true;
    if (now >= a.deadline) return true;
    if (!a.header) return false;
    for (const auto& c : conns_)
      if (c->open && c->opened_at <= a.first_seen && !a.reported.contains(c->id)) return false;
    return true;
  }

  // Applies the assemblies that are ready, lowest height first; one that is
  // not ready holds back the ones above it (blocks go to the tracker in order).
  void flush(Clock::time_point now) {
    // A header naming an assembled block as its parent proves that block.
    for (auto& [hash, a] : assembling_) {
      if (!a.header || a.synthetic || a.header->height == 0) continue;
      auto p = assembling_.find(a.header->parent_hash);
      if (p != assembling_.end() && !p->second.header) {
        p->second.header = btc::BlockHeader{a.header->height - 1, p->first, "", std::nullopt};
        p->second.synthetic = true;
        p->second.complete = true;
      }
    }
    for (;;) {
      auto next = assembling_.end();
      for (auto it = assembling_.begin(); it != assembling_.end(); ++it) {
        if (!it->second.header) continue;
        if (next == assembling_.end() || it->second.header->height < next->second.header->height) next = it;
      }
      if (next == assembling_.end() || !ready(next->second, now)) break;
      Assembly a = std::move(next->second);
      const std::string hash = next->first;
      assembling_.erase(next);
      apply(hash, std::move(a));
      if (!live()) return;
    }
    // Confirmed transactions whose block header never came.
    for (auto it = assembling_.begin(); it != assembling_.end();) {
      if (it->second.header || now < it->second.deadline) {
        ++it;
        continue;
      }
      Assembly a = std::move(it->second);
      const std::string hash = it->first;
      it = assembling_.erase(it);
      auto tip = tracker_.tip();
      if (!tip || a.height_hint > tip->height) {
        a.header = btc::BlockHeader{a.height_hint, hash, "", std::nullopt};
        apply(hash, std::move(a));
        if (!live()) return;
        it = assembling_.begin();  // apply() does not add entries, but restart to be safe
      } else {
        log::error("bitcoin block header never arrived: its confirmed transactions are dropped",
                   {{"source", name_}, {"block", hash}, {"height", a.height_hint}, {"txs", a.txids.size()}});
        report("missing_field", "block " + hash + " (" + std::to_string(a.txids.size()) +
                                    " confirmed transactions): no header within " +
                                    std::to_string(kHeaderWait.count()) + " s");
      }
    }
    arm_flush();
  }

  void arm_flush() {
    std::optional<Clock::time_point> earliest;
    for (const auto& [hash, a] : assembling_)
      if (!earliest || a.deadline < *earliest) earliest = a.deadline;
    if (!earliest) {
      flush_timer_.cancel();
      return;
    }
    flush_timer_.expires_at(*earliest);
    flush_timer_.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      if (auto self = weak.lock(); self && self->live()) self->flush(Clock::now());
    });
  }

  void remember_applied(const std::string& hash, std::uint64_t height) {
    if (!applied_.emplace(hash, height).second) return;
    applied_order_.push_back(hash);
    while (applied_order_.size() > kAppliedMemory) {
      applied_.erase(applied_order_.front());
      applied_order_.pop_front();
    }
  }

  void apply(const std::string& hash, Assembly a) {
    const btc::BlockHeader& h = *a.header;
    lifecycle::BlockRef ref{h.height, hash, h.parent_hash};
    for (auto& t : a.transfers) t.block_time = h.time ? h.time : t.block_time;
    std::vector<Transfer> copy = a.transfers;
    auto step = tracker_.add_block(ref, std::move(a.transfers), a.txids, {});
    using Kind = lifecycle::Step::Kind;
    if (step.kind == Kind::gap) {
      // Nothing in this protocol fetches a missing block: take the server's word.
      log::warn("bitcoin block does not link to the known chain: accepted unlinked",
                {{"source", name_}, {"height", h.height}, {"block", hash}, {"parent", h.parent_hash},
                 {"missing", step.backfill_from <= step.backfill_to
                                 ? std::to_string(step.backfill_from) + ".." + std::to_string(step.backfill_to)
                                 : std::string("none")}});
      step = tracker_.add_block(ref, std::move(copy), a.txids, {}, /*accept_unlinked=*/true);
    }
    remember_applied(hash, h.height);
    switch (step.kind) {
      case Kind::stale:
        log::debug("bitcoin block at or below the final cursor ignored", {{"source", name_}, {"height", h.height}});
        return;
      case Kind::duplicate:
        return;
      case Kind::gap:
      case Kind::applied:
      case Kind::reorg:
        break;
    }
    const bool reorg = step.kind == Kind::reorg;
    if (reorg)
      log::warn("bitcoin reorg", {{"source", name_}, {"height", h.height}, {"tip", hash},
                                  {"orphaned", step.orphaned.size()}});
    log::debug("bitcoin block applied", {{"source", name_}, {"height", h.height}, {"block", hash},
                                         {"txs", a.txids.size()}, {"emitted", step.out.size()}});
    if (!live()) return;
    deliver(step, a.first_seen);
    if (!step.side_branch) observer_->on_block(name_, h.height, reorg);
    checkpoint();
  }

  // ---- to the observer ---------------------------------------------------

  bool deliver(lifecycle::Step& step, Clock::time_point received) {
    if (step.out.empty()) return false;
    if (live()) observer_->on_transfers(name_, step.out, received);
    return true;
  }

  void checkpoint() {
    if (live()) observer_->on_checkpoint(name_, tracker_.save(), [] {});
  }

  // ---- any thread ---------------------------------------------------------

  SourceStats stats() const {
    SourceStats out;
    std::lock_guard lock(conns_mu_);
    auto add = [&out](const Connection& c) {
      if (!c.ws) return;
      const SourceStats s = c.ws->stats();
      out.frames += s.frames;
      out.bytes += s.bytes;
      out.rejected += s.rejected;
      out.connects += s.connects;
      out.reconnects += s.reconnects;
      out.last_frame = std::max(out.last_frame, s.last_frame);
    };
    for (const auto& c : conns_) add(*c);
    for (const auto& c : retired_) add(*c);
    return out;
  }

  std::size_t open_connections() const {
    std::lock_guard lock(conns_mu_);
    return static_cast<std::size_t>(
        std::count_if(conns_.begin(), conns_.end(), [](const auto& c) { return c->ws && c->ws->is_open(); }));
  }
};

MempoolSpaceSource::MempoolSpaceSource(net::io_context& io, const config::SourceConfig& config, Observer& observer,
                                       std::string saved_state, SourceContext context)
    : impl_(std::make_shared<Impl>(io, config, observer, std::move(saved_state), std::move(context))) {}

MempoolSpaceSource::~MempoolSpaceSource() {
  auto keep = impl_;
  keep->observer_ = nullptr;
  keep->stop();
  std::lock_guard lock(keep->conns_mu_);
  for (auto& c : keep->conns_) c->ws.reset();  // no hook call from here on
  for (auto& c : keep->retired_) c->ws.reset();
}

void MempoolSpaceSource::start() { impl_->start(); }
void MempoolSpaceSource::stop() { impl_->stop(); }
void MempoolSpaceSource::on_watchlist_changed() { impl_->on_watchlist_changed(); }
const std::string& MempoolSpaceSource::name() const noexcept { return impl_->name_; }
SourceState MempoolSpaceSource::state() const noexcept { return impl_->state_.load(std::memory_order_relaxed); }
SourceStats MempoolSpaceSource::stats() const noexcept { return impl_->stats(); }
std::size_t MempoolSpaceSource::connections() const noexcept { return impl_->open_connections(); }
std::size_t MempoolSpaceSource::limit() const noexcept { return impl_->limit(); }

}  // namespace fw::sources
