// Remote watchlists: polls each configured HTTP(S) list and keeps a cache
// file per list, which the ordinary watchlist loader reads (WatchlistFile.path).
//
// One poll of a list:
//   GET url with the configured headers, plus If-None-Match / If-Modified-Since
//   from the last 200 (kept in the sidecar <cache>.meta, so a restart sends
//   them too; only when the cache file exists and the meta was written for the
//   same url). One time budget, timeout_ms, for everything: resolve, connect,
//   TLS, redirects, write, read.
//   - 200 with a non-empty body of at most max_bytes: the body is streamed to
//     <cache>.tmp, fsync'ed and renamed over the cache (readers see the old or
//     the new file, never a half-written one), then the meta is written and
//     on_changed(name) runs. result "updated".
//   - 304: nothing written but "last success" (meta checked_at). "not_modified".
//     A 200 whose body has the same SHA-256 as the cache counts the same way
//     (the new body is dropped, the new validators kept), so a server without
//     ETag / Last-Modified does not cause a reload on every poll.
//   - anything else (resolve/connect/TLS error, timeout, 3xx beyond the
//     redirect limit, 4xx/5xx, body over max_bytes by Content-Length or while
//     reading, empty 200 body, file error): the cache is left as it was, the
//     error is recorded. "failed".
//   Redirects (301/302/303/307/308) are followed, at most 3, within the same
//   budget; an https -> http redirect is refused; the configured headers are
//   sent only to the configured origin (scheme, host, port), not to another.
//   TLS verifies the peer against the system store plus ca_file and checks the
//   host name (tls_verify: false disables both); SNI is sent for names.
//
// Schedule: the first poll of every list happens at start(). After a success
// the next one is interval_ms later; after a failure sooner, with exponential
// backoff and full jitter (1 s doubling, capped at interval_ms). A 429 or 503
// with Retry-After pushes the next poll to at least that far away (capped at
// 24 h). fetch_now() ignores the schedule.
//
// Threads: start() starts one thread running its own io_context; all lists
// are polled concurrently on it. on_changed runs on that thread (or on the
// caller's thread for fetch_now() before start()); it must be quick and must
// not call stop() or fetch_now(). stats()/all_stats()/fetch_now()/stop() may
// be called from any thread. stop() is prompt: a fetch in progress, on the
// poll thread or in a fetch_now() before start(), is abandoned (a .tmp file
// may stay behind and is overwritten next time; the cache stays as it was).
// Lifetime: the destructor calls stop(); do not destroy the object while
// another thread is still inside one of its functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"

namespace fw::remote {

// How one fetch ended. Names double as the metric label `result`.
enum class FetchResult : std::uint8_t { updated, not_modified, failed };

constexpr std::string_view to_string(FetchResult r) noexcept {
  switch (r) {
    case FetchResult::updated: return "updated";
    case FetchResult::not_modified: return "not_modified";
    case FetchResult::failed: return "failed";
  }
  return "unknown";
}

// Why a fetch failed (bounded; usable as a metric label).
enum class FetchError : std::uint8_t {
  none,
  config,      // unusable url / header / ca_file
  resolve,     // DNS
  connect,     // TCP connect
  tls,         // TLS handshake / certificate
  network,     // write or read failed, connection closed early, bad HTTP
  timeout,     // timeout_ms passed
  status,      // a status other than 200 / 304 (after redirects)
  redirect,    // too many redirects, bad Location, https -> http
  too_large,   // body over max_bytes
  empty,       // 200 with an empty body
  file,        // writing the cache failed
  stopped,     // stop() interrupted it
};

constexpr std::string_view to_string(FetchError e) noexcept {
  switch (e) {
    case FetchError::none: return "none";
    case FetchError::config: return "config";
    case FetchError::resolve: return "resolve";
    case FetchError::connect: return "connect";
    case FetchError::tls: return "tls";
    case FetchError::network: return "network";
    case FetchError::timeout: return "timeout";
    case FetchError::status: return "status";
    case FetchError::redirect: return "redirect";
    case FetchError::too_large: return "too_large";
    case FetchError::empty: return "empty";
    case FetchError::file: return "file";
    case FetchError::stopped: return "stopped";
  }
  return "unknown";
}

// The outcome of one fetch (returned by fetch_now()).
struct FetchOutcome {
  FetchResult result = FetchResult::failed;
  FetchError error = FetchError::none;
  int status = 0;             // final HTTP status; 0 when none was received
  std::string message;        // failed: what went wrong (never contains header values)
  std::uint64_t bytes = 0;    // updated: size of the new cache file
  std::optional<std::chrono::milliseconds> retry_after;  // from a 429 / 503
  std::chrono::milliseconds duration{0};
};

// Per-list state for metrics and /readyz. Times are wall-clock.
struct ListStats {
  std::string name;
  std::optional<std::chrono::system_clock::time_point> last_attempt;  // a fetch finished (any outcome)
  std::optional<std::chrono::system_clock::time_point> last_success;  // last 200 or 304 (survives restarts)
  std::optional<std::chrono::system_clock::time_point> last_change;   // last 200 (survives restarts)
  std::optional<std::chrono::system_clock::time_point> next_poll;     // while running
  std::string last_error;     // of the last attempt; empty when it succeeded
  FetchError last_error_kind = FetchError::none;
  int last_status = 0;        // of the last attempt
  bool has_cache = false;     // the cache file exists (from a fetch now or before)
  std::uint64_t cache_bytes = 0;
  std::uint64_t updated = 0;       // counters since construction
  std::uint64_t not_modified = 0;
  std::uint64_t failed = 0;
};

class RemoteLists {
 public:
  // Called with the list's name after its cache file was replaced.
  using OnChanged = std::function<void(const std::string& name)>;

  // `remote_files`: entries with .remote set (others are ignored) and .path
  // = the cache file (its folder is created when missing). Loads each list's
  // meta when its cache file exists. Never throws for bad list settings: a
  // list that cannot be polled fails every attempt with FetchError::config
  // (see validate()).
  RemoteLists(std::vector<config::WatchlistFile> remote_files, OnChanged on_changed);
  ~RemoteLists();
  RemoteLists(const RemoteLists&) = delete;
  RemoteLists& operator=(const RemoteLists&) = delete;

  // One message per unusable setting ("remote list 'x': url must start with
  // http:// or https://"), for start-up checks. Empty when all are usable.
  static std::vector<std::string> validate(const std::vector<config::WatchlistFile>& remote_files);

  // Starts the thread; every list is polled at once. Not restartable.
  void start();
  // Interrupts fetches in progress, joins the thread. Idempotent.
  void stop();

  // Fetches `name` now and returns the outcome (unknown name: failed/config).
  // Before start(): runs on the calling thread. While running: the poll thread
  // does it (after a fetch of that list already in progress) and this waits.
  // After stop(): failed/stopped.
  FetchOutcome fetch_now(const std::string& name);

  std::optional<ListStats> stats(const std::string& name) const;
  std::vector<ListStats> all_stats() const;  // in configuration order

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::remote
