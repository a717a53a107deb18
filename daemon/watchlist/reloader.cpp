#include "watchlist/reloader.hpp"

#include <algorithm>
#include <exception>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fw::watchlist {

namespace {

std::chrono::milliseconds poll_period(const config::WatchlistsConfig& cfg) {
  // A zero period would spin; 10 ms is far below any sensible setting.
  return std::chrono::milliseconds(std::max<std::uint32_t>(cfg.poll_interval_ms, 10));
}

}  // namespace

Reloader::Reloader(Holder& holder, config::WatchlistsConfig cfg, std::string base_dir)
    : holder_(holder), base_dir_(std::move(base_dir)), cfg_(std::move(cfg)) {}

Reloader::~Reloader() { stop(); }

void Reloader::on_reload(Callback cb) {
  std::lock_guard lk(mu_);
  callback_ = std::move(cb);
}

std::vector<FileStamp> Reloader::stamp_all(const config::WatchlistsConfig& cfg) const {
  std::vector<FileStamp> out;
  out.reserve(cfg.files.size());
  for (const auto& f : cfg.files) out.push_back(stamp_file(resolve_path(f.path, base_dir_)));
  return out;
}

void Reloader::start() {
  config::WatchlistsConfig cfg;
  {
    std::lock_guard lk(mu_);
    if (started_) return;
    started_ = true;
    cfg = cfg_;
  }
  {
    std::lock_guard rl(reload_mu_);
    seen_ = stamp_all(cfg);
    // Prefer the stamps of the files the live snapshot was actually read
    // from: a change made after that load but before now is then noticed.
    if (auto snap = holder_.current(); snap && snap->files().size() == cfg.files.size()) {
      bool same_files = true;
      for (std::size_t i = 0; i < cfg.files.size(); ++i) {
        same_files = same_files && snap->files()[i].path == resolve_path(cfg.files[i].path, base_dir_);
      }
      if (same_files) {
        for (std::size_t i = 0; i < cfg.files.size(); ++i) seen_[i] = snap->files()[i].stamp;
      }
    }
  }
  thread_ = std::thread([this] { run(); });
}

void Reloader::stop() {
  std::thread t;
  {
    std::lock_guard lk(mu_);
    stop_requested_ = true;
    t = std::move(thread_);
  }
  cv_.notify_all();
  if (t.joinable()) t.join();
}

bool Reloader::running() const noexcept {
  std::lock_guard lk(mu_);
  return started_ && !stop_requested_;
}

void Reloader::request_reload() {
  {
    std::lock_guard lk(mu_);
    reload_requested_ = true;
  }
  cv_.notify_all();
}

void Reloader::set_config(config::WatchlistsConfig cfg) {
  {
    std::lock_guard lk(mu_);
    cfg_ = std::move(cfg);
  }
  cv_.notify_all();
}

ReloadEvent Reloader::reload_now(ReloadTrigger trigger) {
  std::lock_guard rl(reload_mu_);
  config::WatchlistsConfig cfg;
  unsigned threads = 1;
  {
    std::lock_guard lk(mu_);
    cfg = cfg_;
    threads = load_threads_;
  }
  auto before = holder_.current();
  // Stamped before reading: a change made while loading is seen by the next poll.
  seen_ = stamp_all(cfg);
  const auto t0 = std::chrono::steady_clock::now();
  LoadOutcome out = load(cfg, base_dir_, threads);

  ReloadEvent ev;
  ev.trigger = trigger;
  ev.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0);
  ev.at = std::chrono::system_clock::now();
  ev.previous_version = before ? before->version() : std::string();
  ev.issues = std::move(out.issues);
  ev.issue_count = out.issue_count;
  if (out.snapshot) {
    holder_.publish(out.snapshot);
    ev.ok = true;
    ev.changed = !before || before->version() != out.snapshot->version();
    ev.snapshot = std::move(out.snapshot);
  } else {
    ev.error = std::move(out.error);
    ev.snapshot = before;
  }

  Callback cb;
  {
    std::lock_guard lk(mu_);
    if (ev.ok) {
      ++reloads_;
      last_success_ = ev.at;
      last_error_.clear();
    } else {
      ++failures_;
      last_error_ = ev.error;
    }
    cb = callback_;
  }
  if (cb) cb(ev);
  // The previous snapshot is usually freed here (unless a reader still holds
  // it). glibc keeps freed heap pages mapped, which would leave the process
  // at the size of two snapshots after every reload: give them back.
  const bool replaced = ev.ok && before != nullptr;
  before.reset();
#if defined(__GLIBC__)
  if (replaced) ::malloc_trim(0);
#else
  (void)replaced;
#endif
  return ev;
}

void Reloader::run() {
  std::unique_lock lk(mu_);
  auto next_poll = std::chrono::steady_clock::now() + poll_period(cfg_);
  while (!stop_requested_) {
    if (reload_requested_) {
      reload_requested_ = false;
      lk.unlock();
      try {
        reload_now(ReloadTrigger::request);
      } catch (const std::exception& e) {
        // A bug or out of memory: keep the old snapshot and say so.
        std::lock_guard elk(mu_);
        ++failures_;
        last_error_ = std::string("reload threw: ") + e.what();
      }
      lk.lock();
      continue;
    }
    cv_.wait_until(lk, next_poll, [this] { return stop_requested_ || reload_requested_; });
    if (stop_requested_ || reload_requested_) continue;
    const auto now = std::chrono::steady_clock::now();
    if (now < next_poll) continue;
    next_poll = now + poll_period(cfg_);
    if (!cfg_.watch_files) continue;
    const config::WatchlistsConfig cfg = cfg_;
    lk.unlock();
    bool changed = false;
    {
      std::lock_guard rl(reload_mu_);
      changed = stamp_all(cfg) != seen_;
    }
    if (changed) {
      try {
        reload_now(ReloadTrigger::file_change);
      } catch (const std::exception& e) {
        std::lock_guard elk(mu_);
        ++failures_;
        last_error_ = std::string("reload threw: ") + e.what();
      }
    }
    lk.lock();
  }
}

void Reloader::set_load_threads(unsigned n) {
  std::lock_guard lk(mu_);
  load_threads_ = n;
}

std::string Reloader::last_error() const {
  std::lock_guard lk(mu_);
  return last_error_;
}

std::uint64_t Reloader::reloads() const {
  std::lock_guard lk(mu_);
  return reloads_;
}

std::uint64_t Reloader::failures() const {
  std::lock_guard lk(mu_);
  return failures_;
}

std::optional<std::chrono::system_clock::time_point> Reloader::last_success() const {
  std::lock_guard lk(mu_);
  return last_success_;
}

}  // namespace fw::watchlist
