// Reloads the watchlist while the daemon runs, without a restart.
//
// A Reloader owns one std::thread (no Asio here). It reloads
//   - when request_reload() is called (the app calls it on SIGHUP), and
//   - when watch_files is set: every poll_interval_ms it stat()s the
//     configured files and reloads when one's mtime, ctime, size or inode
//     changed (or it appeared / disappeared) since the last attempt.
// A reload builds a complete new Snapshot aside (watchlist::load, on one
// thread unless set_load_threads() says otherwise) and
// publishes it on the Holder in one atomic store, then releases the old one
// and returns freed memory to the system (malloc_trim). A failed reload (file
// unreadable, strict file with a bad line, no usable header) publishes
// nothing: readers keep the old snapshot, and last_error(), failures() and
// the on_reload callback say why. A file that keeps failing is retried when
// it changes again or on the next request_reload(), not on every poll.
//
// Threads: every public function is safe to call from any thread, except
// that on_reload() must be called before start(). Callbacks run on the
// reloader thread (or on the caller's thread for reload_now()), one at a
// time, in order; a callback must not call reload_now() or stop().
// request_reload() only sets a flag and wakes the thread; it is not
// async-signal-safe (use asio::signal_set or similar to catch SIGHUP).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "config/config.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::watchlist {

enum class ReloadTrigger : std::uint8_t { request, file_change, manual };

constexpr std::string_view to_string(ReloadTrigger t) noexcept {
  switch (t) {
    case ReloadTrigger::request: return "request";
    case ReloadTrigger::file_change: return "file_change";
    case ReloadTrigger::manual: return "manual";
  }
  return "unknown";
}

// What one reload attempt did; passed to the on_reload callback and
// returned by reload_now().
struct ReloadEvent {
  ReloadTrigger trigger = ReloadTrigger::manual;
  bool ok = false;        // a new snapshot was published
  bool changed = false;   // ok, and its version differs from the previous one
  std::string error;      // why it failed; empty when ok
  // The live snapshot after the attempt: the new one when ok, else the one
  // kept (may be null if the holder started empty).
  std::shared_ptr<const Snapshot> snapshot;
  std::string previous_version;   // of the snapshot live before the attempt ("" if none)
  std::vector<LoadIssue> issues;  // bad lines seen by this attempt (capped per file)
  std::size_t issue_count = 0;    // all bad lines seen by this attempt
  std::chrono::system_clock::time_point at{};     // when the attempt finished
  std::chrono::milliseconds duration{0};          // how long loading took
};

class Reloader {
 public:
  using Callback = std::function<void(const ReloadEvent&)>;

  // `holder` must outlive the Reloader. Relative paths in `cfg` resolve
  // against `base_dir` (the config file's folder).
  Reloader(Holder& holder, config::WatchlistsConfig cfg, std::string base_dir);
  ~Reloader();  // stop()
  Reloader(const Reloader&) = delete;
  Reloader& operator=(const Reloader&) = delete;

  // Set before start(); called after every attempt, failed or not.
  void on_reload(Callback cb);

  // Starts the thread. The file baseline is taken from the live snapshot's
  // files() when they match the configured files (so a change between the
  // initial load and start() is not missed), else from stat() now.
  void start();
  // Wakes the thread, waits for it to finish the reload in progress, joins.
  // Idempotent; the Reloader may not be started again.
  void stop();
  bool running() const noexcept;

  // Asks the thread to reload soon; requests made while one is pending
  // coalesce into one reload.
  void request_reload();
  // Reloads on the calling thread and returns the outcome. Serialised with
  // the thread's own reloads; works whether or not start() was called.
  ReloadEvent reload_now(ReloadTrigger trigger = ReloadTrigger::manual);

  // Replaces the configuration used by the next reload (e.g. after the app
  // re-read its config file). Does not reload by itself.
  void set_config(config::WatchlistsConfig cfg);
  // Threads a reload parses with (watchlist::load's `threads`); default 1,
  // so that a reload takes one core and leaves the others to ingest. 0 =
  // all hardware threads. Takes effect at the next reload.
  void set_load_threads(unsigned n);

  std::string last_error() const;          // of the last failed attempt; cleared by a success
  std::uint64_t reloads() const;           // successful reloads
  std::uint64_t failures() const;          // failed reloads
  std::optional<std::chrono::system_clock::time_point> last_success() const;

 private:
  void run();
  std::vector<FileStamp> stamp_all(const config::WatchlistsConfig& cfg) const;

  Holder& holder_;
  const std::string base_dir_;
  Callback callback_;

  mutable std::mutex mu_;  // guards the fields below
  std::condition_variable cv_;
  config::WatchlistsConfig cfg_;
  unsigned load_threads_ = 1;
  bool reload_requested_ = false;
  bool stop_requested_ = false;
  bool started_ = false;
  std::string last_error_;
  std::uint64_t reloads_ = 0;
  std::uint64_t failures_ = 0;
  std::optional<std::chrono::system_clock::time_point> last_success_;

  std::mutex reload_mu_;            // one reload at a time; guards seen_
  std::vector<FileStamp> seen_;     // files as of the last attempt

  std::thread thread_;
};

}  // namespace fw::watchlist
