#include "sources/replay_source.hpp"

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "log/log.hpp"
#include "sources/detail/stats.hpp"
#include "sources/detail/line_reader.hpp"

namespace fw::sources {

namespace {
namespace net = boost::asio;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);
// Flat out, hand the thread back to the io_context this often.
constexpr std::uint64_t kYieldEvery = 256;

bool blank(std::string_view s) noexcept {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r') return false;
  return true;
}

std::int64_t to_ns(Clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}
}  // namespace

struct ReplaySource::Impl : detail::StatCounters {
  Impl(net::io_context& io, const config::SourceConfig& c, Observer& o)
      : io_(io),
        name_(c.name),
        path_(c.path),
        rate_(c.rate_per_second),
        loop_(c.loop),
        observer_(&o),
        reader_(c.max_frame_bytes),
        timer_(io) {}

  net::io_context& io_;
  std::string name_;
  std::string path_;
  double rate_;
  bool loop_;
  Observer* observer_;  // null once the owner is gone
  detail::LineReader reader_;
  net::steady_timer timer_;

  bool started_ = false;
  bool running_ = false;
  bool stopping_ = false;
  std::atomic<SourceState> state_{SourceState::disconnected};

  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }

  void set_state(SourceState s, std::string_view reason) {
    state_.store(s, std::memory_order_relaxed);
    if (observer_) observer_->on_state(name_, s, reason);
  }

  // Emits the file, then reports the final state.
  net::awaitable<void> run() {
    if (stopping_) {
      set_state(SourceState::disconnected, "stopped");
      co_return;
    }
    std::string error;
    set_state(SourceState::connecting, "");
    if (!reader_.open(path_, error)) {
      log::error("replay file unavailable", {{"source", name_}, {"error", error}});
      set_state(SourceState::disconnected, error);
      co_return;
    }
    bump(connects_);
    set_state(SourceState::connected, "");

    const bool paced = rate_ > 0;
    const auto start = Clock::now();
    std::uint64_t index = 0;       // lines emitted since start (drives the pacing)
    std::uint64_t this_pass = 0;   // lines emitted in the current pass over the file
    std::uint64_t since_yield = 0;
    for (;;) {
      if (stopping_) break;
      std::string_view line;
      const auto status = reader_.next(line);
      if (status == detail::LineReader::Status::eof) {
        if (loop_ && this_pass > 0) {
          if (!reader_.rewind()) {
            set_state(SourceState::disconnected, reader_.error());
            co_return;
          }
          this_pass = 0;
          bump(reconnects_);
          continue;
        }
        log::info("replay finished", {{"source", name_}, {"lines", static_cast<std::int64_t>(index)}});
        set_state(SourceState::finished, "end of file");
        co_return;
      }
      if (status == detail::LineReader::Status::error) {
        log::error("replay read failed", {{"source", name_}, {"error", reader_.error()}});
        set_state(SourceState::disconnected, reader_.error());
        co_return;
      }
      if (status == detail::LineReader::Status::too_long) {
        bump(rejected_);
        if (observer_) observer_->on_frame_rejected(name_, "oversized", log::excerpt(line));
        continue;
      }
      if (blank(line)) continue;

      if (paced) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(static_cast<double>(index) / rate_));
        if (due > Clock::now()) {
          // `line` views the reader's buffer, which nothing touches while we wait.
          timer_.expires_at(due);
          co_await timer_.async_wait(use_tuple);
          since_yield = 0;
          if (stopping_) break;
        }
      }
      if (++since_yield >= kYieldEvery) {
        since_yield = 0;
        co_await net::post(io_, net::use_awaitable);
        if (stopping_) break;
      }

      const auto now = Clock::now();
      ++index;
      ++this_pass;
      bump(frames_);
      bump(bytes_, line.size());
      last_frame_ns_.store(to_ns(now), std::memory_order_relaxed);
      if (observer_) observer_->on_frame(name_, line, now);
    }
    set_state(SourceState::disconnected, "stopped");
  }
};

namespace {
// Keeps Impl alive for as long as the replay runs, whatever happens to the
// ReplaySource that started it.
net::awaitable<void> run_replay(std::shared_ptr<ReplaySource::Impl> self) {
  struct NotRunning {
    bool& running;
    ~NotRunning() { running = false; }
  } not_running{self->running_};
  co_await self->run();
}
}  // namespace

ReplaySource::ReplaySource(net::io_context& io, const config::SourceConfig& config, Observer& observer)
    : impl_(std::make_shared<Impl>(io, config, observer)) {}

ReplaySource::~ReplaySource() {
  impl_->observer_ = nullptr;
  stop();
}

void ReplaySource::start() {
  auto& s = *impl_;
  if (s.started_ || s.stopping_) return;
  s.started_ = true;
  s.running_ = true;
  net::co_spawn(
      s.io_, run_replay(impl_),
      [weak = std::weak_ptr<Impl>(impl_), name = s.name_](std::exception_ptr e) {
        if (!e) return;
        auto self = weak.lock();
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          what = ex.what();
        } catch (...) {
        }
        log::error("source task failed", {{"source", name}, {"error", what}});
        if (self) self->set_state(SourceState::disconnected, "internal error: " + what);
      });
}

void ReplaySource::stop() {
  auto& s = *impl_;
  if (s.stopping_) return;
  s.stopping_ = true;
  if (!s.running_) {
    if (s.state_.load(std::memory_order_relaxed) != SourceState::finished)
      s.set_state(SourceState::disconnected, "stopped");
    return;
  }
  s.timer_.cancel();
}

const std::string& ReplaySource::name() const noexcept { return impl_->name_; }
SourceState ReplaySource::state() const noexcept { return impl_->state_.load(std::memory_order_relaxed); }

SourceStats ReplaySource::stats() const noexcept { return impl_->snapshot(); }

}  // namespace fw::sources
