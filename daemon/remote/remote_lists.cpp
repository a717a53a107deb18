#include "remote/remote_lists.hpp"

#include <fcntl.h>
#include <openssl/ssl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "core/backoff.hpp"
#include "log/log.hpp"
#include "net/http_date.hpp"
#include "net/url.hpp"
#include "remote/meta.hpp"

namespace fw::remote {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using asio::awaitable;
using namespace asio::experimental::awaitable_operators;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;

constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

constexpr int kMaxRedirects = 3;
constexpr int kMaxProvisional = 8;                  // 1xx responses skipped before the final one
constexpr std::uint32_t kHeaderLimit = 64 << 10;   // response header bytes
constexpr auto kMaxRetryAfter = std::chrono::hours(24);
constexpr auto kFailureBackoffBase = std::chrono::seconds(1);
constexpr auto kMinFailureWait = milliseconds(200);
constexpr char kUserAgent[] = "freezewatch/" FREEZEWATCH_VERSION;

std::int64_t unix_ms(system_clock::time_point tp) {
  return std::chrono::duration_cast<milliseconds>(tp.time_since_epoch()).count();
}

system_clock::time_point from_unix_ms(std::int64_t ms) { return system_clock::time_point(milliseconds(ms)); }

// ---- addresses -----------------------------------------------------------------

using Target = net::Url;

std::optional<Target> parse_target(std::string_view url, std::string& error) {
  return net::parse_url(url, net::Scheme::http, "url", error);
}

bool header_safe(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool is_redirect(int status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// asio's host_name_verification, plus an X509 error code so a mismatch is
// reported as such rather than as a generic verify failure.
struct VerifyHost {
  ssl::host_name_verification check;
  bool is_ip;
  bool operator()(bool preverified, ssl::verify_context& ctx) const {
    if (!preverified) return false;
    if (check(preverified, ctx)) return true;
    X509_STORE_CTX_set_error(ctx.native_handle(),
                             is_ip ? X509_V_ERR_IP_ADDRESS_MISMATCH : X509_V_ERR_HOSTNAME_MISMATCH);
    return false;
  }
};

std::shared_ptr<ssl::context> make_tls(const config::WatchlistFile::Remote& r, std::string& error) {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_client);
  beast::error_code ec;
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1,
                   ec);
  if (!r.tls_verify) {
    ctx->set_verify_mode(ssl::verify_none, ec);
    return ctx;
  }
  ctx->set_verify_mode(ssl::verify_peer, ec);
  ctx->set_default_verify_paths(ec);
  if (ec) {
    error = "cannot load the system CA store: " + ec.message();
    return nullptr;
  }
  if (!r.ca_file.empty()) {
    ctx->load_verify_file(r.ca_file, ec);
    if (ec) {
      error = "cannot load ca_file " + r.ca_file + ": " + ec.message();
      return nullptr;
    }
  }
  return ctx;
}

void fsync_dir_of(const std::string& path) {
  const std::filesystem::path dir = std::filesystem::path(path).parent_path();
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)::fsync(fd);
  ::close(fd);
}

// ---- one request -----------------------------------------------------------------

// What one request/response exchange produced.
struct Exchange {
  FetchError error = FetchError::none;
  std::string message;
  int status = 0;
  std::string location;
  std::string etag;
  std::string last_modified;
  std::string retry_after;
  std::uint64_t bytes = 0;  // 200: body bytes written to the .tmp file (fsync'ed)
  std::string body_sha256;  // 200: of that body
};

}  // namespace

// ---- state -----------------------------------------------------------------------

struct List {
  config::WatchlistFile file;  // .remote set
  std::string config_error;    // non-empty: this list cannot be polled
  std::optional<Target> target;
  std::string fingerprint;
  std::shared_ptr<ssl::context> tls;  // for https (the url's, or a redirect's)

  // Guarded by Impl::mu_.
  CacheMeta meta;
  ListStats stats;

  // Poll-thread state.
  steady_clock::time_point due{};
  Backoff backoff{kFailureBackoffBase, kFailureBackoffBase};
  asio::steady_timer* wake = nullptr;  // the poll loop's timer while it runs
  std::vector<std::shared_ptr<std::promise<FetchOutcome>>> waiters;
};

struct RemoteLists::Impl {
  OnChanged on_changed;
  std::vector<std::unique_ptr<List>> lists;

  mutable std::mutex mu;  // guards List::meta, List::stats, and the fields below
  bool started = false;
  bool stopped = false;
  std::unique_ptr<asio::io_context> io;
  asio::io_context* direct_io = nullptr;  // of a fetch_now() before start(), so stop() can end it

  std::mutex direct_mu;  // fetch_now() before start(): one at a time; start() waits for it
  std::thread thread;
  std::minstd_rand rng{std::random_device{}()};  // poll thread only

  List* find(const std::string& name) const {
    for (const auto& l : lists)
      if (l->file.name == name) return l.get();
    return nullptr;
  }

  awaitable<Exchange> exchange(List& l, const Target& t, bool send_headers, const CacheMeta* validators,
                               steady_clock::time_point deadline);
  template <class Stream>
  awaitable<Exchange> round_trip(Stream& stream, const Target& t, List& l, bool send_headers,
                                 const CacheMeta* validators, steady_clock::time_point deadline);
  awaitable<FetchOutcome> fetch(List& l);
  FetchOutcome finish(List& l, FetchOutcome o, const Exchange* x, steady_clock::time_point started);
  awaitable<void> poll_loop(List& l);
  void schedule_after(List& l, const FetchOutcome& o);
};

namespace {

FetchOutcome failure(FetchError e, std::string message, int status = 0) {
  FetchOutcome o;
  o.result = FetchResult::failed;
  o.error = e;
  o.message = std::move(message);
  o.status = status;
  return o;
}

}  // namespace

template <class Stream>
awaitable<Exchange> RemoteLists::Impl::round_trip(Stream& stream, const Target& t, List& l, bool send_headers,
                                                  const CacheMeta* validators, steady_clock::time_point deadline) {
  Exchange x;
  auto timed_out = [&](const beast::error_code& ec) {
    return ec == beast::error::timeout || steady_clock::now() >= deadline;
  };
  auto net_fail = [&](const beast::error_code& ec, std::string what) {
    x.error = timed_out(ec) ? FetchError::timeout : FetchError::network;
    x.message = what + " " + t.host_header + ": " + ec.message();
    if (ec == http::error::end_of_stream) x.message = "connection closed by " + t.host_header + " before a response";
    return x;
  };

  http::request<http::empty_body> req{http::verb::get, t.target, 11};
  req.set(http::field::host, t.host_header);
  req.set(http::field::user_agent, kUserAgent);
  req.set(http::field::accept, "*/*");
  req.set(http::field::connection, "close");
  if (send_headers) {
    for (const auto& [k, v] : l.file.remote->headers) req.set(k, v.reveal());
  }
  if (validators) {
    if (!validators->etag.empty()) req.set(http::field::if_none_match, validators->etag);
    if (!validators->last_modified.empty()) req.set(http::field::if_modified_since, validators->last_modified);
  }

  auto [wec, written] = co_await http::async_write(stream, req, use_tuple);
  (void)written;
  if (wec) co_return net_fail(wec, "sending to");

  beast::flat_buffer buffer;
  std::optional<http::response_parser<http::file_body>> parser;
  for (int i = 0;; ++i) {
    parser.emplace();
    parser->header_limit(kHeaderLimit);
    parser->body_limit(boost::none);  // set below, for a 200 only: a big error page is still "HTTP 500"
    auto [hec, n] = co_await http::async_read_header(stream, buffer, *parser, use_tuple);
    (void)n;
    if (hec) co_return net_fail(hec, "reading the response from");
    const int status = parser->get().result_int();
    if (status >= 100 && status < 200 && status != 101 && i < kMaxProvisional) continue;
    break;
  }
  auto& res = parser->get();
  x.status = res.result_int();
  x.location = std::string(res[http::field::location]);
  x.etag = std::string(res[http::field::etag]);
  x.last_modified = std::string(res[http::field::last_modified]);
  x.retry_after = std::string(res[http::field::retry_after]);
  if (x.status != 200) co_return x;  // the body is not needed: the connection is closed

  const auto too_large = [&] {
    x.error = FetchError::too_large;
    x.message = "response from " + t.host_header + " is larger than max_bytes (" +
                std::to_string(l.file.remote->max_bytes) + ")";
    return x;
  };
  // Content-Length says it: refuse before reading. Otherwise (chunked, or
  // until the connection closes) the parser counts while reading.
  if (const auto declared = parser->content_length(); declared && *declared > l.file.remote->max_bytes)
    co_return too_large();
  parser->body_limit(l.file.remote->max_bytes);

  if (parser->is_done()) {  // Content-Length: 0
    x.error = FetchError::empty;
    x.message = "empty response body from " + t.host_header;
    co_return x;
  }
  const std::string tmp = l.file.path + ".tmp";
  beast::error_code fec;
  res.body().open(tmp.c_str(), beast::file_mode::write, fec);
  if (fec) {
    x.error = FetchError::file;
    x.message = "cannot create " + tmp + ": " + fec.message();
    co_return x;
  }
  auto drop_tmp = [&] {
    beast::error_code ignored;
    res.body().file().close(ignored);
    ::unlink(tmp.c_str());
  };
  auto [bec, m] = co_await http::async_read(stream, buffer, *parser, use_tuple);
  (void)m;
  if (bec == http::error::body_limit) {
    drop_tmp();
    co_return too_large();
  }
  if (bec) {
    drop_tmp();
    co_return net_fail(bec, "reading the body from");
  }
  const int fd = res.body().file().native_handle();
  struct stat st {};
  if (::fsync(fd) != 0 || ::fstat(fd, &st) != 0) {
    const std::string e = std::strerror(errno);
    drop_tmp();
    x.error = FetchError::file;
    x.message = "cannot fsync " + tmp + ": " + e;
    co_return x;
  }
  beast::error_code cec;
  res.body().file().close(cec);
  x.bytes = static_cast<std::uint64_t>(st.st_size);
  if (x.bytes == 0) {
    ::unlink(tmp.c_str());
    x.error = FetchError::empty;
    x.message = "empty response body from " + t.host_header;
  }
  co_return x;
}

awaitable<Exchange> RemoteLists::Impl::exchange(List& l, const Target& t, bool send_headers,
                                                const CacheMeta* validators, steady_clock::time_point deadline) {
  Exchange x;
  auto ex = co_await asio::this_coro::executor;
  const auto budget = std::to_string(l.file.remote->timeout_ms);

  tcp::resolver resolver(ex);
  asio::steady_timer timer(ex);
  timer.expires_at(deadline);
  auto resolved = co_await (resolver.async_resolve(t.host, t.port, use_tuple) || timer.async_wait(use_tuple));
  if (resolved.index() == 1) {
    x.error = FetchError::timeout;
    x.message = "resolving " + t.host + " took longer than " + budget + " ms";
    co_return x;
  }
  auto [rec, results] = std::get<0>(std::move(resolved));
  if (rec) {
    x.error = FetchError::resolve;
    x.message = "resolve " + t.host + ": " + rec.message();
    co_return x;
  }
  auto timed_out = [&](const beast::error_code& ec) {
    return ec == beast::error::timeout || steady_clock::now() >= deadline;
  };
  auto fail = [&](const beast::error_code& ec, FetchError kind, const char* step) {
    x.error = timed_out(ec) ? FetchError::timeout : kind;
    x.message = std::string(step) + t.host_header + ": " + ec.message();
    if (x.error == FetchError::timeout) x.message += " (timeout_ms " + budget + ")";
    return x;
  };

  if (t.tls) {
    if (!l.tls) {  // an http list redirected to https
      std::string e;
      l.tls = make_tls(*l.file.remote, e);
      if (!l.tls) {
        x.error = FetchError::config;
        x.message = e;
        co_return x;
      }
    }
    beast::ssl_stream<beast::tcp_stream> stream(ex, *l.tls);
    auto& low = beast::get_lowest_layer(stream);
    low.expires_at(deadline);  // one budget for every step below
    auto [cec, peer] = co_await low.async_connect(results, use_tuple);
    (void)peer;
    if (cec) co_return fail(cec, FetchError::connect, "connect ");
    if (!t.host_is_ip) SSL_set_tlsext_host_name(stream.native_handle(), t.host.c_str());
    if (l.file.remote->tls_verify) stream.set_verify_callback(VerifyHost{ssl::host_name_verification(t.host), t.host_is_ip});
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
    if (hec) co_return fail(hec, FetchError::tls, "TLS handshake with ");
    x = co_await round_trip(stream, t, l, send_headers, validators, deadline);
    if (x.error == FetchError::timeout) x.message += " (timeout_ms " + budget + ")";
    co_return x;  // no TLS close_notify: the response is complete (or abandoned) and the list is re-fetched anyway
  }
  beast::tcp_stream stream(ex);
  stream.expires_at(deadline);
  auto [cec, peer] = co_await stream.async_connect(results, use_tuple);
  (void)peer;
  if (cec) co_return fail(cec, FetchError::connect, "connect ");
  x = co_await round_trip(stream, t, l, send_headers, validators, deadline);
  if (x.error == FetchError::timeout) x.message += " (timeout_ms " + budget + ")";
  co_return x;
}

awaitable<FetchOutcome> RemoteLists::Impl::fetch(List& l) {
  const auto started = steady_clock::now();
  if (!l.config_error.empty()) co_return finish(l, failure(FetchError::config, l.config_error), nullptr, started);
  const auto deadline = started + milliseconds(l.file.remote->timeout_ms);

  // Validators only when the cache they describe is still there, and only
  // for the url they were obtained from.
  CacheMeta validators;
  bool conditional = false;
  {
    std::lock_guard lock(mu);
    validators = l.meta;
  }
  std::error_code fec;
  if (validators.url_sha256 == l.fingerprint && std::filesystem::is_regular_file(l.file.path, fec) &&
      (!validators.etag.empty() || !validators.last_modified.empty()))
    conditional = true;

  Target t = *l.target;
  const std::string configured_origin = t.origin();
  std::string url = l.file.remote->url;
  Exchange x;
  for (int hop = 0;; ++hop) {
    x = co_await exchange(l, t, t.origin() == configured_origin, conditional ? &validators : nullptr, deadline);
    if (x.error != FetchError::none) co_return finish(l, failure(x.error, x.message, x.status), &x, started);
    if (!is_redirect(x.status)) break;
    if (hop == kMaxRedirects) {
      co_return finish(l, failure(FetchError::redirect, "more than " + std::to_string(kMaxRedirects) + " redirects", x.status),
                       &x, started);
    }
    auto base = boost::urls::parse_absolute_uri(url);
    auto ref = boost::urls::parse_uri_reference(x.location);
    boost::urls::url next;
    if (x.location.empty() || !base || !ref || !boost::urls::resolve(*base, *ref, next)) {
      co_return finish(l, failure(FetchError::redirect, "HTTP " + std::to_string(x.status) + " from " + t.host_header +
                                                            " without a usable Location", x.status),
                       &x, started);
    }
    next.remove_fragment();
    std::string e;
    auto nt = parse_target(next.buffer(), e);
    if (!nt) co_return finish(l, failure(FetchError::redirect, "redirect from " + t.host_header + ": " + e, x.status), &x, started);
    if (t.tls && !nt->tls) {
      co_return finish(l, failure(FetchError::redirect, "redirect from https to http refused (" + t.host_header + ")", x.status),
                       &x, started);
    }
    url = std::string(next.buffer());
    t = std::move(*nt);
  }

  if (x.status == 304) {
    if (!conditional) {
      co_return finish(l, failure(FetchError::status, "HTTP 304 from " + t.host_header + " to an unconditional request", 304),
                       &x, started);
    }
    FetchOutcome o;
    o.result = FetchResult::not_modified;
    o.status = 304;
    co_return finish(l, std::move(o), &x, started);
  }
  if (x.status != 200) {
    co_return finish(l, failure(FetchError::status, "HTTP " + std::to_string(x.status) + " from " + t.host_header, x.status),
                     &x, started);
  }

  // 200: the body is in <cache>.tmp, fsync'ed. The same bytes as the cache
  // (a server without validators): keep the file, report "not modified", so
  // the app does not reload a large list for nothing.
  const std::string tmp = l.file.path + ".tmp";
  x.body_sha256 = file_sha256(tmp);
  std::string cached_sha256;
  {
    std::lock_guard lock(mu);
    cached_sha256 = l.meta.body_sha256;
  }
  if (!x.body_sha256.empty() && x.body_sha256 == cached_sha256 && std::filesystem::is_regular_file(l.file.path, fec)) {
    ::unlink(tmp.c_str());
    FetchOutcome o;
    o.result = FetchResult::not_modified;
    o.status = 200;
    o.bytes = x.bytes;
    co_return finish(l, std::move(o), &x, started);
  }
  // Swap it in, then the meta.
  if (::rename(tmp.c_str(), l.file.path.c_str()) != 0) {
    const std::string err = std::strerror(errno);
    ::unlink(tmp.c_str());
    co_return finish(l, failure(FetchError::file, "cannot rename " + tmp + ": " + err, 200), &x, started);
  }
  fsync_dir_of(l.file.path);
  FetchOutcome o;
  o.result = FetchResult::updated;
  o.status = 200;
  o.bytes = x.bytes;
  co_return finish(l, std::move(o), &x, started);
}

// Records the outcome (stats, meta) and runs on_changed for an update.
FetchOutcome RemoteLists::Impl::finish(List& l, FetchOutcome o, const Exchange* x, steady_clock::time_point started) {
  const auto now = system_clock::now();
  o.duration = std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
  if (x && (o.status == 429 || o.status == 503) && !x->retry_after.empty())
    o.retry_after = net::parse_retry_after(x->retry_after, now);

  std::string meta_error;
  if (o.result != FetchResult::failed) {
    CacheMeta meta;
    {
      std::lock_guard lock(mu);
      meta = l.meta;
    }
    meta.url_sha256 = l.fingerprint;
    meta.checked_at_ms = unix_ms(now);
    if (o.status == 200) {  // also an unchanged body: the server's validators may be new
      meta.etag = x->etag;
      meta.last_modified = x->last_modified;
    }
    if (o.result == FetchResult::updated) {
      meta.changed_at_ms = unix_ms(now);
      meta.body_sha256 = x->body_sha256;
    }
    // A lost meta only costs one full download, so a 304 does not fsync.
    meta_error = save_meta(l.file.path + ".meta", meta, o.result == FetchResult::updated);
    std::lock_guard lock(mu);
    l.meta = std::move(meta);
  }

  {
    std::lock_guard lock(mu);
    ListStats& s = l.stats;
    s.last_attempt = now;
    s.last_status = o.status;
    s.last_error = o.message;
    s.last_error_kind = o.error;
    switch (o.result) {
      case FetchResult::updated:
        ++s.updated;
        s.last_success = now;
        s.last_change = now;
        s.has_cache = true;
        s.cache_bytes = o.bytes;
        break;
      case FetchResult::not_modified:
        ++s.not_modified;
        s.last_success = now;
        break;
      case FetchResult::failed:
        ++s.failed;
        break;
    }
  }
  if (!meta_error.empty()) log::warn("remote list: cannot write the cache meta", {{"list", l.file.name}, {"error", meta_error}});
  // Every failed poll is logged (they are spaced by the backoff and the
  // interval); the previous list stays in use.
  if (o.result == FetchResult::failed && o.error != FetchError::stopped)
    log::warn("remote list fetch failed; keeping the previous list",
              {{"list", l.file.name}, {"error", to_string(o.error)}, {"status", o.status}, {"detail", o.message}});
  if (o.result == FetchResult::updated && on_changed) on_changed(l.file.name);
  return o;
}

void RemoteLists::Impl::schedule_after(List& l, const FetchOutcome& o) {
  const auto now = steady_clock::now();
  const milliseconds interval(std::max<std::uint32_t>(l.file.remote->interval_ms, 1));
  milliseconds wait = interval;
  if (o.result == FetchResult::failed) {
    wait = std::min(interval, std::max(kMinFailureWait, l.backoff.next(rng)));
  } else {
    l.backoff.reset();
  }
  if (o.retry_after) wait = std::max(wait, std::min<milliseconds>(*o.retry_after, kMaxRetryAfter));
  l.due = now + wait;
  std::lock_guard lock(mu);
  l.stats.next_poll = system_clock::now() + wait;
}

awaitable<void> RemoteLists::Impl::poll_loop(List& l) {
  asio::steady_timer wake(co_await asio::this_coro::executor);
  l.wake = &wake;
  l.backoff = Backoff(kFailureBackoffBase,
                      std::max<milliseconds>(kFailureBackoffBase, milliseconds(l.file.remote->interval_ms)));
  l.due = steady_clock::now();  // the first poll at once
  for (;;) {
    while (l.waiters.empty() && steady_clock::now() < l.due) {
      wake.expires_at(l.due);
      co_await wake.async_wait(use_tuple);  // cancelled by fetch_now()
    }
    auto waiters = std::move(l.waiters);
    l.waiters.clear();
    FetchOutcome o = co_await fetch(l);
    schedule_after(l, o);
    for (auto& w : waiters) w->set_value(o);
  }
}

// ---- RemoteLists -------------------------------------------------------------------

RemoteLists::RemoteLists(std::vector<config::WatchlistFile> remote_files, OnChanged on_changed)
    : impl_(std::make_unique<Impl>()) {
  impl_->on_changed = std::move(on_changed);
  for (auto& f : remote_files) {
    if (!f.remote) continue;
    auto l = std::make_unique<List>();
    l->file = std::move(f);
    l->stats.name = l->file.name;
    l->fingerprint = url_fingerprint(l->file.remote->url);
    std::string e;
    l->target = parse_target(l->file.remote->url, e);
    if (!l->target) {
      l->config_error = "url: " + e;
    } else if (l->file.path.empty()) {
      l->config_error = "no cache file path";
    } else if (l->file.remote->timeout_ms == 0) {
      l->config_error = "timeout_ms must be positive";
    } else {
      for (const auto& [k, v] : l->file.remote->headers) {
        if (k.empty() || !header_safe(k) || !header_safe(v.reveal())) {
          l->config_error = "header '" + (header_safe(k) ? k : std::string("?")) + "' contains CR, LF or NUL";
          break;
        }
      }
      if (l->config_error.empty() && l->target->tls) {
        l->tls = make_tls(*l->file.remote, e);
        if (!l->tls) l->config_error = e;
      }
    }
    if (l->config_error.empty() && !l->file.remote->tls_verify) {
      log::warn("TLS certificate verification is OFF for this remote list (tls_verify: false)",
                {{"list", l->file.name}});
    }
    std::error_code ec;
    const auto dir = std::filesystem::path(l->file.path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (std::filesystem::is_regular_file(l->file.path, ec)) {
      l->stats.has_cache = true;
      l->stats.cache_bytes = std::filesystem::file_size(l->file.path, ec);
      if (auto m = load_meta(l->file.path + ".meta")) {
        l->meta = std::move(*m);
        if (l->meta.changed_at_ms > 0) l->stats.last_change = from_unix_ms(l->meta.changed_at_ms);
        if (l->meta.checked_at_ms > 0) l->stats.last_success = from_unix_ms(l->meta.checked_at_ms);
      }
    }
    impl_->lists.push_back(std::move(l));
  }
}

RemoteLists::~RemoteLists() { stop(); }

std::vector<std::string> RemoteLists::validate(const std::vector<config::WatchlistFile>& remote_files) {
  std::vector<std::string> errors;
  for (const auto& f : remote_files) {
    if (!f.remote) continue;
    const std::string where = "remote list '" + f.name + "': ";
    std::string e;
    auto t = parse_target(f.remote->url, e);
    if (!t) errors.push_back(where + "url: " + e);
    if (f.path.empty()) errors.push_back(where + "no cache file path");
    if (f.remote->timeout_ms == 0) errors.push_back(where + "timeout_ms must be positive");
    for (const auto& [k, v] : f.remote->headers)
      if (k.empty() || !header_safe(k) || !header_safe(v.reveal()))
        errors.push_back(where + "header '" + (header_safe(k) ? k : std::string("?")) + "' contains CR, LF or NUL");
    if (t && t->tls && f.remote->tls_verify && !f.remote->ca_file.empty()) {
      if (!make_tls(*f.remote, e)) errors.push_back(where + e);
    }
  }
  return errors;
}

void RemoteLists::start() {
  std::lock_guard direct(impl_->direct_mu);
  std::lock_guard lock(impl_->mu);
  if (impl_->started || impl_->stopped) return;
  impl_->started = true;
  impl_->io = std::make_unique<asio::io_context>(1);
  Impl* impl = impl_.get();
  for (auto& l : impl->lists) {
    List* lp = l.get();
    asio::co_spawn(*impl->io, impl->poll_loop(*lp), [impl, lp](std::exception_ptr e) {
      if (!e) return;
      std::string what = "unknown";
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        what = ex.what();
      } catch (...) {
      }
      log::error("remote list poller ended by an exception", {{"list", lp->file.name}, {"error", what}});
      std::lock_guard lock(impl->mu);
      lp->stats.last_error = "poller stopped: " + what;
      lp->stats.next_poll.reset();
    });
  }
  impl->thread = std::thread([impl] {
    auto guard = asio::make_work_guard(*impl->io);  // fetch_now() posts even if every loop has ended
    try {
      impl->io->run();
    } catch (const std::exception& ex) {
      log::error("remote lists thread ended by an exception", {{"error", ex.what()}});
    }
  });
}

void RemoteLists::stop() {
  std::unique_ptr<asio::io_context> io;
  {
    std::lock_guard lock(impl_->mu);
    if (impl_->stopped) return;
    impl_->stopped = true;
    if (impl_->io) impl_->io->stop();
    if (impl_->direct_io) impl_->direct_io->stop();
  }
  if (impl_->thread.joinable()) impl_->thread.join();
  { std::lock_guard wait_direct(impl_->direct_mu); }  // a fetch_now() before start() has ended
  {
    std::lock_guard lock(impl_->mu);
    io = std::move(impl_->io);
    for (auto& l : impl_->lists) l->stats.next_poll.reset();
  }
  // Destroying the io_context destroys the poll loops' frames (closing any
  // connection in progress) and the fetch_now() requests still queued, whose
  // callers then see "stopped".
  io.reset();
  for (auto& l : impl_->lists) {
    l->wake = nullptr;
    l->waiters.clear();
  }
}

FetchOutcome RemoteLists::fetch_now(const std::string& name) {
  List* l = impl_->find(name);
  if (!l) return failure(FetchError::config, "no remote list named '" + name + "'");
  std::future<FetchOutcome> fut;
  std::unique_lock direct(impl_->direct_mu, std::defer_lock);
  {
    std::unique_lock lock(impl_->mu);
    if (impl_->stopped) return failure(FetchError::stopped, "stopped");
    if (impl_->started) {
      auto p = std::make_shared<std::promise<FetchOutcome>>();
      fut = p->get_future();
      asio::post(*impl_->io, [l, p] {
        l->waiters.push_back(p);
        if (l->wake) l->wake->cancel();
      });
    }
  }
  if (!fut.valid()) {  // not started: on this thread
    direct.lock();
    asio::io_context io(1);
    {
      std::lock_guard lock(impl_->mu);
      if (impl_->stopped) return failure(FetchError::stopped, "stopped");
      if (impl_->started) {  // start() won the race for direct_mu: ask its thread
        direct.unlock();
        return fetch_now(name);
      }
      impl_->direct_io = &io;  // from here on stop() can end this fetch
    }
    fut = asio::co_spawn(io, impl_->fetch(*l), asio::use_future);
    io.run();
    {
      std::lock_guard lock(impl_->mu);
      impl_->direct_io = nullptr;
    }
    if (fut.wait_for(std::chrono::seconds(0)) != std::future_status::ready) {
      return failure(FetchError::stopped, "stopped");  // `io` dies with the abandoned fetch in it
    }
  }
  try {
    return fut.get();
  } catch (const std::future_error&) {
    return failure(FetchError::stopped, "stopped");
  }
}

std::optional<ListStats> RemoteLists::stats(const std::string& name) const {
  List* l = impl_->find(name);
  if (!l) return std::nullopt;
  std::lock_guard lock(impl_->mu);
  return l->stats;
}

std::vector<ListStats> RemoteLists::all_stats() const {
  std::vector<ListStats> out;
  std::lock_guard lock(impl_->mu);
  out.reserve(impl_->lists.size());
  for (const auto& l : impl_->lists) out.push_back(l->stats);
  return out;
}

}  // namespace fw::remote
