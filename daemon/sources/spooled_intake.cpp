#include "sources/spooled_intake.hpp"

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <deque>
#include <vector>

#include "log/log.hpp"
#include "sources/http_ingest.hpp"

namespace fw::sources {

namespace {

namespace net = boost::asio;
using Clock = std::chrono::steady_clock;

void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

}  // namespace

struct SpooledIntake::Impl {
  struct Item {
    SpoolEntry entry;
    std::optional<std::string> body;  // unset: read it back from the spool
    Clock::time_point received;
  };
  struct Finish {
    SpoolEntry entry;
    std::string keep_reason;  // "" = delete
  };

  Impl(net::io_context& io, SpooledIntakeOptions o, SpooledIntakeHooks h)
      : io_(io), options_(std::move(o)), hooks_(std::move(h)) {}

  net::io_context& io_;
  SpooledIntakeOptions options_;
  SpooledIntakeHooks hooks_;
  std::shared_ptr<Spool> spool_;  // shared with checkpoint callbacks that may outlive us
  std::unique_ptr<HttpIngest> server_;
  std::deque<Item> queue_;
  std::uint64_t queued_bytes_ = 0;
  bool drain_scheduled_ = false;
  std::vector<Finish> unsaved_;
  bool dirty_ = false;
  bool stopping_ = false;
  std::atomic<std::uint16_t> port_{0};
  std::atomic<std::uint64_t> bodies_{0}, body_bytes_{0};
  std::atomic<std::int64_t> last_post_ns_{0};

  void error(std::string_view reason, std::string_view detail) {
    if (!stopping_ && hooks_.error) hooks_.error(reason, detail);
  }

  std::string start(const std::shared_ptr<Impl>& self) {
    std::string err;
    auto spool = Spool::open(SpoolOptions{options_.spool_dir, options_.fsync}, err);
    if (!spool) {
      log::error("spool unusable", {{"source", options_.name}, {"dir", options_.spool_dir}, {"error", err}});
      return "spool: " + err;
    }
    spool_ = std::move(spool);
    auto leftovers = spool_->list(&err);
    if (!err.empty()) log::error("spool unreadable", {{"source", options_.name}, {"error", err}});
    if (!leftovers.empty())
      log::info("spool: processing bodies left by the previous run",
                {{"source", options_.name}, {"entries", leftovers.size()}, {"first_seq", leftovers.front().seq}});
    const auto now = Clock::now();
    for (auto& e : leftovers) queue_.push_back(Item{std::move(e), std::nullopt, now});

    HttpIngestOptions ho;
    ho.name = options_.name;
    ho.host = options_.host;
    ho.port = options_.port;
    ho.max_body_bytes = options_.max_body_bytes;
    server_ = std::make_unique<HttpIngest>(
        io_, ho, [weak = std::weak_ptr<Impl>(self)](std::string_view, std::string_view path, std::string&& body) {
          auto me = weak.lock();
          if (!me) return HttpReply{503, "stopping\n", {}};
          return me->on_post(me, path, std::move(body));
        });
    if (auto e = server_->start(); !e.empty()) {
      server_.reset();
      schedule_drain(self);  // leftovers are still worth processing
      return e;
    }
    port_.store(server_->bound_port(), std::memory_order_relaxed);
    schedule_drain(self);
    return {};
  }

  HttpReply on_post(const std::shared_ptr<Impl>& self, std::string_view path, std::string&& body) {
    auto route = hooks_.route(path);
    if (!route) return HttpReply{200, "ignored\n", {}};
    if (!spool_ || stopping_) return HttpReply{503, "not accepting\n", {}};
    std::string err;
    auto entry = spool_->put(*route, body, err);
    if (!entry) {
      log::error("body not spooled: answered 500 (the peer retries)",
                 {{"source", options_.name}, {"path", path}, {"bytes", body.size()}, {"error", err}});
      error("spool_error", std::string(path) + ": " + err);
      return HttpReply{500, "spool error\n", {}};
    }
    const auto now = Clock::now();
    last_post_ns_.store(std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count(),
                        std::memory_order_relaxed);
    Item item{std::move(*entry), std::nullopt, now};
    if (queued_bytes_ + body.size() <= options_.max_queued_body_bytes) {
      queued_bytes_ += body.size();
      item.body = std::move(body);
    }
    HttpReply reply{200, "ok\n", {}};
    // Queued once the answer is out, so processing never delays the peer.
    reply.after_write = [weak = std::weak_ptr<Impl>(self), item = std::move(item)]() mutable {
      auto me = weak.lock();
      if (!me || me->stopping_) return;  // the entry stays in the spool for the next start
      me->queue_.push_back(std::move(item));
      me->schedule_drain(me);
    };
    return reply;
  }

  void schedule_drain(const std::shared_ptr<Impl>& self) {
    if (drain_scheduled_ || queue_.empty() || stopping_) return;
    drain_scheduled_ = true;
    net::post(io_, [weak = std::weak_ptr<Impl>(self)] {
      auto me = weak.lock();
      if (!me) return;
      me->drain_scheduled_ = false;
      if (me->stopping_ || me->queue_.empty()) return;
      Item item = std::move(me->queue_.front());
      me->queue_.pop_front();
      if (item.body) me->queued_bytes_ -= item.body->size();
      me->process(item);
      if (me->queue_.empty() || me->unsaved_.size() >= me->options_.checkpoint_every) me->checkpoint();
      me->schedule_drain(me);
    });
  }

  void process(Item& item) {
    std::string err;
    if (!item.body) {
      item.body = spool_->read(item.entry, err);
      if (!item.body) {
        log::error("spool entry unreadable: quarantined",
                   {{"source", options_.name}, {"entry", item.entry.path}, {"error", err}});
        error("spool_error", item.entry.path + ": " + err);
        quarantine(item.entry, "spool_error: unreadable: " + err);
        return;
      }
    }
    bump(bodies_);
    bump(body_bytes_, item.body->size());
    IntakeResult r = hooks_.process(item.entry, *item.body, item.received);
    dirty_ = dirty_ || r.changed;
    switch (r.action) {
      case IntakeResult::Action::quarantine:
        quarantine(item.entry, r.reason);
        break;
      case IntakeResult::Action::keep:
        unsaved_.push_back(Finish{std::move(item.entry), r.reason.empty() ? "kept" : r.reason});
        break;
      case IntakeResult::Action::done:
        unsaved_.push_back(Finish{std::move(item.entry), {}});
        break;
    }
  }

  void checkpoint() {
    if (unsaved_.empty() && !dirty_) return;
    auto finish = [spool = spool_, name = options_.name, done = std::move(unsaved_)] {
      for (const auto& f : done) {
        std::string err;
        const bool ok = f.keep_reason.empty() ? spool->remove(f.entry, err)
                                              : spool->quarantine(f.entry, f.keep_reason, err);
        if (!ok)
          log::error("spool entry not cleared (processed again at restart, without new alerts)",
                     {{"source", name}, {"entry", f.entry.path}, {"error", err}});
      }
    };
    unsaved_.clear();
    if (!dirty_) {
      finish();  // nothing changed: nothing to make durable first
      return;
    }
    if (!hooks_.checkpoint) return;  // going away: the entries stay, processed again at the next start
    dirty_ = false;
    hooks_.checkpoint(std::move(finish));
  }

  void quarantine(const SpoolEntry& entry, const std::string& reason) {
    std::string err;
    if (!spool_->quarantine(entry, reason, err))
      log::error("spool entry not quarantined", {{"source", options_.name}, {"entry", entry.path}, {"error", err}});
  }

  void stop() {
    if (stopping_) return;
    if (spool_) checkpoint();  // a clean stop leaves no work for the next start
    stopping_ = true;
    if (server_) server_->stop();
    port_.store(0, std::memory_order_relaxed);
    if (!queue_.empty())
      log::info("bodies left in the spool for the next start", {{"source", options_.name}, {"entries", queue_.size()}});
    queue_.clear();
    queued_bytes_ = 0;
  }
};

SpooledIntake::SpooledIntake(net::io_context& io, SpooledIntakeOptions options, SpooledIntakeHooks hooks)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(hooks))) {}

SpooledIntake::~SpooledIntake() {
  impl_->hooks_ = {};  // nothing is called back from here on
  impl_->stop();
}

std::string SpooledIntake::start() { return impl_->start(impl_); }
void SpooledIntake::stop() { impl_->stop(); }
std::uint16_t SpooledIntake::bound_port() const noexcept { return impl_->port_.load(std::memory_order_relaxed); }
std::uint64_t SpooledIntake::bodies() const noexcept { return impl_->bodies_.load(std::memory_order_relaxed); }
std::uint64_t SpooledIntake::body_bytes() const noexcept { return impl_->body_bytes_.load(std::memory_order_relaxed); }
std::int64_t SpooledIntake::last_post_ns() const noexcept { return impl_->last_post_ns_.load(std::memory_order_relaxed); }

}  // namespace fw::sources
