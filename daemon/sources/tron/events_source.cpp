#include "sources/tron/events_source.hpp"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <atomic>
#include <optional>
#include <set>

#include "decode/tron/event_plugin.hpp"
#include "decode/tron/plugin_tracker.hpp"
#include "decode/tron/tokens.hpp"
#include "log/log.hpp"
#include "sources/spooled_intake.hpp"

namespace fw::sources {

namespace {

namespace tron = decode::tron;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kMaxWarnedContracts = 64;
constexpr std::string_view kRoute = "triggers";

void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace

struct TronEventsSource::Impl {
  Impl(boost::asio::io_context& io, const config::SourceConfig& c, Observer& o, std::string saved)
      : io_(io),
        config_(c),
        name_(c.name),
        observer_(&o),
        saved_state_(std::move(saved)),
        tracker_(tron::LedgerContext{c.network, c.chain_name, c.name}, c.final_depth) {}

  boost::asio::io_context& io_;
  config::SourceConfig config_;
  std::string name_;
  Observer* observer_;  // null once the owner is gone
  std::string saved_state_;
  std::optional<tron::PluginDecoder> decoder_;
  tron::PluginTracker tracker_;
  std::unique_ptr<SpooledIntake> intake_;
  std::atomic<const SpooledIntake*> intake_view_{nullptr};  // for stats() from other threads

  std::atomic<SourceState> state_{SourceState::disconnected};
  std::atomic<std::uint64_t> rejected_{0}, connects_{0}, ignored_{0};
  std::set<std::string> warned_contracts_;
  bool started_ = false;
  bool stopping_ = false;

  bool live() const noexcept { return observer_ != nullptr && !stopping_; }

  void set_state(SourceState s, std::string_view reason) {
    state_.store(s, std::memory_order_relaxed);
    if (observer_) observer_->on_state(name_, s, reason);
  }

  void report(std::string_view reason, std::string_view detail) {
    bump(rejected_);
    if (live()) observer_->on_decode_error(name_, reason, detail);
  }

  // ---- start / stop --------------------------------------------------------

  void start(const std::shared_ptr<Impl>& self) {
    if (started_ || stopping_) return;
    started_ = true;
    set_state(SourceState::connecting, "");
    std::string error;
    auto tokens = tron::TokenRegistry::from_config(config_.tokens, error);
    if (!tokens) {
      log::error("tron events source cannot start", {{"source", name_}, {"error", error}});
      set_state(SourceState::disconnected, error);
      return;
    }
    decoder_.emplace(*tokens, config_.network, name_, config_.chain_name);
    if (!saved_state_.empty()) {
      if (!tracker_.restore(saved_state_, error)) {
        log::error("tron events saved state does not restore: starting empty", {{"source", name_}, {"error", error}});
        report("bad_field", "saved state: " + error);
      } else {
        log::info("tron events state restored", {{"source", name_}, {"tip", tracker_.tip()},
                                                 {"solidified", tracker_.solidified()},
                                                 {"live", tracker_.ledger().stats().live}});
      }
      saved_state_.clear();
      saved_state_.shrink_to_fit();
    }

    SpooledIntakeOptions o;
    o.name = name_;
    o.host = config_.listen_host;
    o.port = config_.listen_port;
    o.max_body_bytes = config_.max_body_bytes;
    o.spool_dir = config_.spool_dir;
    SpooledIntakeHooks h;
    std::weak_ptr<Impl> weak = self;
    h.route = [](std::string_view) { return std::optional<std::string>(kRoute); };
    h.process = [weak](const SpoolEntry& e, std::string_view body, Clock::time_point received) {
      auto me = weak.lock();
      return me ? me->process(e, body, received) : IntakeResult{};
    };
    h.checkpoint = [weak](std::function<void()> durable) {
      auto me = weak.lock();
      if (!me || !me->observer_) return;  // the entries stay for the next start
      me->observer_->on_checkpoint(me->name_, me->tracker_.save(), std::move(durable));
    };
    h.error = [weak](std::string_view reason, std::string_view detail) {
      if (auto me = weak.lock()) me->report(reason, detail);
    };
    intake_ = std::make_unique<SpooledIntake>(io_, std::move(o), std::move(h));
    intake_view_.store(intake_.get(), std::memory_order_release);
    if (auto err = intake_->start(); !err.empty()) {
      log::error("tron events endpoint cannot listen", {{"source", name_}, {"error", err}});
      set_state(SourceState::disconnected, err);
      return;
    }
    bump(connects_);
    log::info("tron events endpoint listening", {{"source", name_}, {"address", config_.listen_host},
                                                 {"port", intake_->bound_port()}, {"spool", config_.spool_dir}});
    set_state(SourceState::connected, "");
  }

  void stop() {
    if (stopping_) return;
    if (intake_) intake_->stop();  // checkpoints what was processed
    stopping_ = true;
    if (started_) set_state(SourceState::disconnected, "stopped");
  }

  // ---- processing ----------------------------------------------------------

  IntakeResult process(const SpoolEntry& entry, std::string_view body, Clock::time_point received) {
    IntakeResult result;
    auto r = decoder_->decode(body);
    if (!r.ok()) {
      log::warn("tron events body rejected: quarantined",
                {{"source", name_}, {"seq", entry.seq}, {"reason", tron::to_string(r.error.reason)},
                 {"detail", r.error.detail}});
      report(tron::to_string(r.error.reason), "body " + std::to_string(entry.seq) + ": " + r.error.detail);
      result.action = IntakeResult::Action::quarantine;
      result.reason = std::string(tron::to_string(r.error.reason)) + ": " + r.error.detail;
      return result;
    }
    for (const auto& p : r.issues)
      report(tron::to_string(p.reason), "body " + std::to_string(entry.seq) + ": " + p.detail);
    if (!r.issues.empty()) {
      result.action = IntakeResult::Action::keep;
      result.reason = "partly decoded, " + std::to_string(r.issues.size()) + " problem(s); first: " +
                      tron::to_string(r.issues.front().reason) + ": " + r.issues.front().detail;
      log::warn("tron events body partly undecodable: the rest was processed",
                {{"source", name_}, {"seq", entry.seq}, {"problems", r.issues.size()}, {"first", result.reason}});
    }
    note_ignored(r.value);

    std::vector<Transfer> out;
    const std::uint64_t tip_before = tracker_.tip(), solid_before = tracker_.solidified();
    for (auto& t : r.value.triggers) tracker_.apply(t, out);
    result.changed = !out.empty() || tracker_.tip() != tip_before || tracker_.solidified() != solid_before;
    if (!live()) return result;
    if (!out.empty()) observer_->on_transfers(name_, out, received);
    if (tracker_.tip() > tip_before) observer_->on_block(name_, tracker_.tip(), false);
    return result;
  }

  void note_ignored(const tron::TriggerBatch& batch) {
    if (batch.ignored_contracts == 0) return;
    bump(ignored_, batch.ignored_contracts);
    if (live()) observer_->on_events_ignored(name_, "unconfigured_contract", batch.ignored_contracts);
    for (const auto& t : batch.triggers) {
      if (t.skip != tron::Skip::not_configured || warned_contracts_.size() >= kMaxWarnedContracts) continue;
      if (!warned_contracts_.insert(t.contract).second) continue;
      log::warn("tron events: events of a contract that is not a configured token are ignored",
                {{"source", name_}, {"contract", t.contract}, {"tx", t.tx_id},
                 {"hint", "a counterfeit token copies USDT's Transfer event; only configured contracts count"}});
    }
  }
};

TronEventsSource::TronEventsSource(boost::asio::io_context& io, const config::SourceConfig& config,
                                   Observer& observer, std::string saved_state)
    : impl_(std::make_shared<Impl>(io, config, observer, std::move(saved_state))) {}

TronEventsSource::~TronEventsSource() {
  impl_->observer_ = nullptr;
  impl_->stop();
  impl_->intake_view_.store(nullptr, std::memory_order_release);
  impl_->intake_.reset();
}

void TronEventsSource::start() { impl_->start(impl_); }
void TronEventsSource::stop() { impl_->stop(); }
const std::string& TronEventsSource::name() const noexcept { return impl_->name_; }
SourceState TronEventsSource::state() const noexcept { return impl_->state_.load(std::memory_order_relaxed); }

SourceStats TronEventsSource::stats() const noexcept {
  SourceStats s;
  s.rejected = impl_->rejected_.load(std::memory_order_relaxed);
  s.connects = impl_->connects_.load(std::memory_order_relaxed);
  if (const SpooledIntake* in = impl_->intake_view_.load(std::memory_order_acquire)) {
    s.frames = in->bodies();
    s.bytes = in->body_bytes();
    s.last_frame = Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(in->last_post_ns())));
  }
  return s;
}

std::uint64_t TronEventsSource::ignored_events() const noexcept {
  return impl_->ignored_.load(std::memory_order_relaxed);
}

std::uint16_t TronEventsSource::bound_port() const noexcept {
  const SpooledIntake* in = impl_->intake_view_.load(std::memory_order_acquire);
  return in ? in->bound_port() : 0;
}

}  // namespace fw::sources
