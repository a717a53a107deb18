#include "sources/stacks/node_source.hpp"

#include <atomic>
#include <cstdlib>
#include <exception>
#include <optional>
#include <vector>

#include "decode/stacks/observer.hpp"
#include "decode/stacks/tokens.hpp"
#include "lifecycle/tracker.hpp"
#include "log/log.hpp"
#include "sources/spooled_intake.hpp"

namespace fw::sources {

namespace {

namespace stacks = decode::stacks;
using Clock = std::chrono::steady_clock;

// Orphaned block hashes named in a reorg log line.
constexpr std::size_t kMaxLoggedOrphans = 8;

void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

bool fault_abort_after_spool() {
  const char* v = std::getenv("FREEZEWATCH_FAULT_ABORT_AFTER_SPOOL");
  return v != nullptr && std::string_view(v) == "1";
}

stacks::TokenRegistry registry_from(const config::SourceConfig& c) {
  auto tokens = stacks::TokenRegistry::defaults();
  for (const auto& t : c.tokens) tokens.add({t.asset, t.symbol, t.decimals});
  return tokens;
}

// "bad_tx: mempool[2]: byte 57: ..." for a .reason file.
std::string describe(const stacks::Problem& p) { return std::string(stacks::to_string(p.reason)) + ": " + p.detail; }

}  // namespace

struct StacksNodeSource::Impl {
  Impl(boost::asio::io_context& io, const config::SourceConfig& c, Observer& o, std::string saved)
      : name_(c.name),
        listen_host_(c.listen_host),
        spool_dir_(c.spool_dir),
        observer_(&o),
        saved_state_(std::move(saved)),
        decoder_(registry_from(c), c.network, c.name, c.chain_name),
        tracker_(lifecycle::Options{.final_depth = c.final_depth}),
        abort_after_spool_(fault_abort_after_spool()) {
    SpooledIntakeOptions so;
    so.name = c.name;
    so.host = c.listen_host;
    so.port = c.listen_port;
    so.max_body_bytes = c.max_body_bytes;
    so.spool_dir = c.spool_dir;
    so.fsync = c.spool_fsync;
    so.checkpoint_every = kCheckpointEvery;
    // The hooks run on the io thread and never after the intake's destructor
    // began; the intake is the last member, destroyed first.
    SpooledIntakeHooks h;
    h.route = [](std::string_view path) -> std::optional<std::string> {
      if (stacks::observer_path(path) == stacks::ObserverPath::other) return std::nullopt;
      return std::string(path);
    };
    h.process = [this](const SpoolEntry& e, std::string_view body, Clock::time_point received) {
      return process(e, body, received);
    };
    h.checkpoint = [this](std::function<void()> durable) {
      if (!observer_) return;  // going away: the entries stay for the next start
      observer_->on_checkpoint(name_, tracker_.save(), std::move(durable));
    };
    h.error = [this](std::string_view reason, std::string_view detail) { decode_error(reason, detail); };
    intake_ = std::make_unique<SpooledIntake>(io, std::move(so), std::move(h));
  }

  std::string name_;
  std::string listen_host_;
  std::string spool_dir_;
  Observer* observer_;  // null once the owner is gone
  std::string saved_state_;
  stacks::ObserverDecoder decoder_;
  lifecycle::Tracker tracker_;
  bool abort_after_spool_;
  bool started_ = false;
  bool stopping_ = false;
  std::atomic<SourceState> state_{SourceState::disconnected};
  std::atomic<std::uint64_t> rejected_{0}, connects_{0};
  std::unique_ptr<SpooledIntake> intake_;  // last: destroyed first

  void set_state(SourceState s, std::string_view reason) {
    state_.store(s, std::memory_order_relaxed);
    if (observer_) observer_->on_state(name_, s, reason);
  }

  void decode_error(std::string_view reason, std::string_view detail) {
    bump(rejected_);
    if (observer_) observer_->on_decode_error(name_, reason, detail);
  }

  void start() {
    set_state(SourceState::connecting, "");
    restore();
    // Leftovers of a previous run are queued first, then the endpoint listens.
    if (auto err = intake_->start(); !err.empty()) {
      log::error("stacks-node observer endpoint down", {{"source", name_}, {"error", err}});
      set_state(SourceState::disconnected, err);
      return;
    }
    bump(connects_);
    log::info("stacks-node observer endpoint listening",
              {{"source", name_}, {"address", listen_host_}, {"port", intake_->bound_port()}, {"spool", spool_dir_}});
    set_state(SourceState::connected, "");
  }

  void restore() {
    if (saved_state_.empty()) return;
    std::string error;
    if (!tracker_.restore(saved_state_, error)) {
      log::error("stacks-node saved state does not restore: starting with an empty chain window",
                 {{"source", name_}, {"error", error}});
      decode_error("bad_field", "saved state: " + error);
    } else if (auto tip = tracker_.tip()) {
      log::info("stacks-node state restored", {{"source", name_}, {"tip_height", tip->height}, {"tip", tip->hash}});
    }
    saved_state_.clear();
    saved_state_.shrink_to_fit();
  }

  // ---- one spooled body -------------------------------------------------

  IntakeResult process(const SpoolEntry& entry, std::string_view body, Clock::time_point received) {
    if (abort_after_spool_) {
      // Tests: the body is spooled and its 200 written; die before any effect.
      log::error("fault injection: abort after spooling", {{"source", name_}, {"seq", entry.seq}});
      std::abort();
    }
    try {
      return decode_and_apply(entry, body, received);
    } catch (const std::exception& e) {
      // A bug, not bad input (decoders and the tracker return errors as
      // values). Set the body aside rather than crash on it at every restart.
      log::error("stacks-node body failed with an internal error: quarantined",
                 {{"source", name_}, {"route", entry.route}, {"seq", entry.seq}, {"error", e.what()}});
      decode_error("other", entry.route + ": internal error: " + e.what());
      return IntakeResult{IntakeResult::Action::quarantine, std::string("internal error: ") + e.what(), true};
    }
  }

  IntakeResult decode_and_apply(const SpoolEntry& entry, std::string_view body, Clock::time_point received) {
    IntakeResult result;
    std::optional<stacks::Problem> rejected;
    std::vector<stacks::Problem> issues;
    auto take = [&](auto& decoded) {
      if (!decoded.ok()) rejected = decoded.error;
      issues = std::move(decoded.issues);
      return decoded.ok();
    };
    switch (stacks::observer_path("/" + entry.route)) {
      case stacks::ObserverPath::new_block:
        if (auto r = decoder_.new_block(body); take(r)) result.changed = on_new_block(std::move(r.value), received);
        break;
      case stacks::ObserverPath::new_microblocks:
        // Microblock transactions are confirmed by the anchored block that
        // follows (its /new_block lists them again): until then, pending.
        if (auto r = decoder_.new_microblocks(body); take(r))
          result.changed = emit(tracker_.add_pending(std::move(r.value.transfers)), received);
        break;
      case stacks::ObserverPath::new_mempool_tx:
        if (auto r = decoder_.new_mempool_tx(body); take(r))
          result.changed = emit(tracker_.add_pending(std::move(r.value.transfers)), received);
        break;
      case stacks::ObserverPath::drop_mempool_tx:
        if (auto r = decoder_.drop_mempool_tx(body); take(r))
          result.changed = emit(tracker_.drop_pending(r.value.txids, r.value.reason, r.value.new_txid), received);
        break;
      case stacks::ObserverPath::new_burn_block:
        if (auto r = decoder_.new_burn_block(body); take(r))
          log::debug("stacks burn block", {{"source", name_}, {"height", r.value.height}, {"hash", r.value.hash}});
        break;
      case stacks::ObserverPath::other:  // only a hand-placed file gets here
        rejected = stacks::Problem{stacks::Error::bad_shape, "not an event observer route: " + entry.route};
        break;
    }

    if (rejected) {  // no effect: kept for inspection, never retried
      log::warn("stacks-node body rejected: quarantined",
                {{"source", name_}, {"route", entry.route}, {"seq", entry.seq},
                 {"reason", stacks::to_string(rejected->reason)}, {"detail", rejected->detail}});
      decode_error(stacks::to_string(rejected->reason), entry.route + ": " + rejected->detail);
      result.action = IntakeResult::Action::quarantine;
      result.reason = describe(*rejected);
      return result;
    }
    if (!issues.empty()) {  // the rest was processed; the body is kept for inspection
      for (const auto& p : issues) decode_error(stacks::to_string(p.reason), entry.route + ": " + p.detail);
      log::warn("stacks-node body partly undecodable: the rest was processed",
                {{"source", name_}, {"route", entry.route}, {"seq", entry.seq},
                 {"problems", issues.size()}, {"first", describe(issues.front())}});
      result.action = IntakeResult::Action::keep;
      result.reason = "partly decoded, " + std::to_string(issues.size()) + " problem(s); first: " + describe(issues.front());
    }
    return result;
  }

  // Returns whether the tracker changed.
  bool on_new_block(stacks::NewBlock block, Clock::time_point received) {
    const auto& h = block.header;
    const std::size_t decoded = block.transfers.size();
    lifecycle::BlockRef ref{h.height, h.hash, h.parent_hash};
    // The node cannot be asked for a block we missed (it re-delivers on its
    // own), so an unlinked block is taken as the new tip.
    auto step = tracker_.add_block(ref, std::move(block.transfers), block.included_txids, block.failed_txids,
                                   /*accept_unlinked=*/true);
    using Kind = lifecycle::Step::Kind;
    switch (step.kind) {
      case Kind::duplicate:
        log::debug("stacks block already known", {{"source", name_}, {"height", h.height}, {"hash", h.hash}});
        return false;
      case Kind::stale:
        log::warn("stacks block at or below the final block ignored",
                  {{"source", name_}, {"height", h.height}, {"hash", h.hash}, {"parent", h.parent_hash}});
        return false;
      case Kind::gap:  // not with accept_unlinked
        log::warn("stacks block does not link", {{"source", name_}, {"height", h.height}, {"hash", h.hash}});
        return false;
      case Kind::applied:
      case Kind::reorg:
        break;
    }
    if (step.kind == Kind::reorg) {
      std::string orphans;
      for (std::size_t i = 0; i < step.orphaned.size() && i < kMaxLoggedOrphans; ++i) {
        if (i) orphans += ',';
        orphans += std::to_string(step.orphaned[i].height) + ":" + step.orphaned[i].hash;
      }
      if (step.orphaned.size() > kMaxLoggedOrphans) orphans += ",...";
      log::warn("stacks chain reorganisation: blocks left the canonical chain",
                {{"source", name_}, {"height", h.height}, {"hash", h.hash}, {"parent", h.parent_hash},
                 {"orphaned_count", step.orphaned.size()}, {"orphaned", orphans},
                 {"transfers_emitted", step.out.size()}});
    } else {
      log::debug("stacks block", {{"source", name_}, {"height", h.height}, {"hash", h.hash},
                                  {"side_branch", step.side_branch}, {"transfers", decoded},
                                  {"emitted", step.out.size()}});
    }
    if (!step.side_branch && observer_) observer_->on_block(name_, h.height, step.kind == Kind::reorg);
    emit_transfers(step.out, received);
    return true;
  }

  // Mempool steps: the tracker changed exactly when something was emitted
  // (a transaction without transfers, or an unknown dropped txid, is not kept).
  bool emit(lifecycle::Step step, Clock::time_point received) {
    if (step.kind == lifecycle::Step::Kind::duplicate || step.out.empty()) return false;
    emit_transfers(step.out, received);
    return true;
  }

  void emit_transfers(std::vector<Transfer>& out, Clock::time_point received) {
    if (!out.empty() && observer_) observer_->on_transfers(name_, out, received);
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    intake_->stop();  // checkpoints what was processed; queued bodies stay spooled
    if (started_) set_state(SourceState::disconnected, "stopped");
  }
};

StacksNodeSource::StacksNodeSource(boost::asio::io_context& io, const config::SourceConfig& config,
                                   Observer& observer, std::string saved_state)
    : impl_(std::make_shared<Impl>(io, config, observer, std::move(saved_state))) {}

StacksNodeSource::~StacksNodeSource() {
  impl_->observer_ = nullptr;
  impl_->stop();
}

void StacksNodeSource::start() {
  auto& s = *impl_;
  if (s.started_ || s.stopping_) return;
  s.started_ = true;
  s.start();
}

void StacksNodeSource::stop() { impl_->stop(); }

const std::string& StacksNodeSource::name() const noexcept { return impl_->name_; }
SourceState StacksNodeSource::state() const noexcept { return impl_->state_.load(std::memory_order_relaxed); }

SourceStats StacksNodeSource::stats() const noexcept {
  const auto& s = *impl_;
  SourceStats out;
  out.frames = s.intake_->bodies();
  out.bytes = s.intake_->body_bytes();
  out.rejected = s.rejected_.load(std::memory_order_relaxed);
  out.connects = s.connects_.load(std::memory_order_relaxed);
  out.last_frame = Clock::time_point(std::chrono::duration_cast<Clock::duration>(
      std::chrono::nanoseconds(s.intake_->last_post_ns())));
  return out;
}

std::uint16_t StacksNodeSource::bound_port() const noexcept { return impl_->intake_->bound_port(); }

}  // namespace fw::sources
