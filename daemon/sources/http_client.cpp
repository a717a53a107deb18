#include "sources/http_client.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <deque>
#include <exception>

#include "log/log.hpp"
#include "net/http_date.hpp"
#include "net/url.hpp"
#include "sources/http_client_coro.hpp"

namespace fw::sources {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using net::awaitable;
using namespace net::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);
constexpr int kMaxProvisional = 8;                    // 1xx responses skipped before the final one
constexpr std::uint32_t kMaxHeaderBytes = 64 * 1024;  // response header
constexpr char kUserAgent[] = "freezewatch/" FREEZEWATCH_VERSION;

// Where requests go: the base_url taken apart once, and its path as a
// prefix of every request target.
struct Origin : fw::net::Url {
  std::string base_path;  // path prefix without a trailing '/', "" for none
};

std::optional<Origin> parse_origin(std::string_view url, std::string& error) {
  auto u = fw::net::parse_url(url, fw::net::Scheme::http, "base_url", error);
  if (!u) return std::nullopt;
  if (u->has_query || u->has_fragment) {
    error = "base_url must not have a query or fragment";
    return std::nullopt;
  }
  Origin o{std::move(*u), {}};
  o.base_path = o.path;
  while (!o.base_path.empty() && o.base_path.back() == '/') o.base_path.pop_back();
  return o;
}

bool header_safe(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

bool target_safe(std::string_view s) {
  return std::none_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f;  // no controls, no spaces
  });
}

// asio's host_name_verification, plus an X509 error code so a mismatch is
// reported as "hostname mismatch" (as in ws_client.cpp).
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

void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

struct Request {
  std::uint64_t id = 0;
  http::verb method = http::verb::get;
  std::string target;
  std::string body;
  std::string content_type;
  HttpClient::Done done;
};

// One keep-alive connection: plain or TLS, never both.
struct Connection {
  std::optional<beast::tcp_stream> tcp;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  bool open() const noexcept { return tcp.has_value() || tls.has_value(); }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }

  // Only when no operation is pending on it.
  void reset() {
    if (open()) {
      beast::error_code ec;
      lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
      lowest().socket().close(ec);
    }
    tls.reset();
    tcp.reset();
    buffer.clear();
  }
};

// The outcome of one write + read on an open connection.
struct Attempt {
  HttpResult result;
  bool timed_out = false;
  bool got_some = false;  // some byte of a response arrived
  bool keep_alive = false;
};

HttpResult failure(std::string error) {
  HttpResult r;
  r.error = std::move(error);
  return r;
}

}  // namespace

struct HttpClient::Impl {
  Impl(net::io_context& io, HttpClientOptions o, Origin origin)
      : io_(io), opts_(std::move(o)), origin_(std::move(origin)) {
    origin_url_ = (origin_.tls ? "https://" : "http://") + origin_.where;
  }

  net::io_context& io_;
  HttpClientOptions opts_;
  Origin origin_;
  std::string origin_url_;
  std::optional<ssl::context> tls_;

  std::deque<Request> queue_;
  std::uint64_t next_id_ = 0;
  std::uint64_t current_id_ = 0;  // the request in flight; 0 = none (or taken by cancel/stop)
  Done current_done_;
  bool running_ = false;  // the drain coroutine is alive
  bool stopping_ = false;

  Connection conn_;
  tcp::resolver* resolver_ = nullptr;  // while resolving, for abort()

  std::atomic<std::uint64_t> requests_{0}, failures_{0}, connects_{0}, resends_{0}, bytes_{0};
  std::atomic<std::size_t> pending_{0};

  void update_pending() noexcept {
    pending_.store(queue_.size() + (current_id_ != 0 ? 1 : 0), std::memory_order_relaxed);
  }

  bool prepare(std::string& error) {
    if (opts_.timeout_ms == 0) {
      error = "timeout_ms must be at least 1";
      return false;
    }
    if (opts_.max_response_bytes == 0) {
      error = "max_response_bytes must be at least 1";
      return false;
    }
    for (const auto& [name, value] : opts_.headers) {
      if (name.empty() || !header_safe(name) || !header_safe(value)) {
        error = "header '" + log::excerpt(name, 40) + "' has an empty name or contains CR, LF or NUL";
        return false;
      }
    }
    if (!origin_.tls) {
      if (!opts_.ca_file.empty() || !opts_.tls_verify)
        log::warn("ca_file / tls_verify ignored for an http:// base_url", {{"source", opts_.name}});
      return true;
    }
    beast::error_code ec;
    tls_.emplace(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(tls_->native_handle(), TLS1_2_VERSION);
    if (opts_.tls_verify) {
      tls_->set_verify_mode(ssl::verify_peer, ec);
      tls_->set_default_verify_paths(ec);
      if (ec) log::warn("no default CA paths", {{"source", opts_.name}, {"error", ec.message()}});
      ec.clear();
      if (!opts_.ca_file.empty()) {
        tls_->load_verify_file(opts_.ca_file, ec);
        if (ec) {
          error = "cannot load ca_file " + opts_.ca_file + ": " + ec.message();
          return false;
        }
      }
    } else {
      tls_->set_verify_mode(ssl::verify_none, ec);
      log::warn("TLS certificate verification is disabled", {{"source", opts_.name}, {"host", origin_.host}});
    }
    return true;
  }

  // --- queue ----------------------------------------------------------------

  // Completes `done` later on the io thread (never inside the caller).
  void complete_later(Done done, HttpResult r) {
    net::post(io_, [done = std::move(done), r = std::move(r)]() mutable { done(std::move(r)); });
  }

  std::uint64_t enqueue(Request req, const std::shared_ptr<Impl>& self) {
    if (!req.target.empty() && req.target.front() != '/') req.target.insert(0, "/");
    if (req.target.empty()) req.target = "/";
    if (stopping_) {
      complete_later(std::move(req.done), failure("stopped"));
      return 0;
    }
    if (!target_safe(req.target)) {
      complete_later(std::move(req.done), failure("invalid request target '" + log::excerpt(req.target, 80) + "'"));
      return 0;
    }
    if (queue_.size() >= opts_.max_queued) {
      complete_later(std::move(req.done), failure("request queue for " + origin_.where + " is full (" +
                                                  std::to_string(opts_.max_queued) + ")"));
      return 0;
    }
    req.id = ++next_id_;
    const std::uint64_t id = req.id;
    queue_.push_back(std::move(req));
    update_pending();
    if (!running_) {
      running_ = true;
      net::co_spawn(io_, drain(self), [weak = std::weak_ptr<Impl>(self), name = opts_.name](std::exception_ptr e) {
        if (!e) return;
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          what = ex.what();
        } catch (...) {
        }
        log::error("http client task failed", {{"source", name}, {"error", what}});
        // A bug: fail what is pending rather than leave callers waiting forever.
        if (auto s = weak.lock()) {
          s->running_ = false;
          s->conn_.reset();
          s->fail_all("internal error: " + what);
        }
      });
    }
    return id;
  }

  // Closes what the request in flight waits on (its completion sees an error).
  void abort_io() {
    if (resolver_) resolver_->cancel();
    if (conn_.open()) {
      beast::error_code ec;
      conn_.lowest().socket().close(ec);
    }
  }

  // Completes every pending request now with `error`.
  void fail_all(const std::string& error) {
    std::vector<Done> dones;
    if (current_id_ != 0 && current_done_) dones.push_back(std::move(current_done_));
    current_id_ = 0;
    current_done_ = nullptr;
    for (auto& r : queue_) dones.push_back(std::move(r.done));
    queue_.clear();
    update_pending();
    for (auto& d : dones) {
      bump(requests_);
      bump(failures_);
      if (d) d(failure(error));
    }
  }

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    if (running_)
      abort_io();  // the drain coroutine resets the connection itself
    else
      conn_.reset();
    fail_all("stopped");
  }

  void drop_all() {
    stopping_ = true;
    // Destroyed at the end, after the state is consistent: a dropped handler
    // may own a coroutine frame whose destruction runs arbitrary code.
    Done current = std::move(current_done_);
    std::deque<Request> queued = std::move(queue_);
    current_done_ = nullptr;
    current_id_ = 0;
    queue_.clear();
    update_pending();
    if (running_)
      abort_io();
    else
      conn_.reset();
  }

  void cancel(std::uint64_t id) {
    if (id == 0) return;
    if (id == current_id_) {
      Done done = std::move(current_done_);
      current_id_ = 0;
      current_done_ = nullptr;
      abort_io();
      update_pending();
      bump(requests_);
      bump(failures_);
      if (done) done(failure("cancelled"));
      return;
    }
    auto it = std::find_if(queue_.begin(), queue_.end(), [id](const Request& r) { return r.id == id; });
    if (it == queue_.end()) return;
    Done done = std::move(it->done);
    queue_.erase(it);
    update_pending();
    bump(requests_);
    bump(failures_);
    if (done) done(failure("cancelled"));
  }

  // Runs queued requests one at a time until the queue is empty.
  static awaitable<void> drain(std::shared_ptr<Impl> self) {
    auto& s = *self;
    struct NotRunning {
      bool& running;
      ~NotRunning() { running = false; }
    } not_running{s.running_};
    while (!s.stopping_ && !s.queue_.empty()) {
      Request req = std::move(s.queue_.front());
      s.queue_.pop_front();
      s.current_id_ = req.id;
      s.current_done_ = std::move(req.done);
      s.update_pending();
      HttpResult r = co_await s.perform(req);
      if (s.stopping_) break;                 // stop() completed it already
      if (s.current_id_ != req.id) continue;  // cancelled: completed already
      Done done = std::move(s.current_done_);
      s.current_id_ = 0;
      s.current_done_ = nullptr;
      s.update_pending();
      bump(s.requests_);
      if (r.status == 0) bump(s.failures_);
      if (done) done(std::move(r));  // may queue more, stop, or destroy the client
    }
    // The connection stays open for the next request unless we are stopping.
    if (s.stopping_) s.conn_.reset();
  }

  bool abandoned(std::uint64_t id) const noexcept { return stopping_ || current_id_ != id; }

  // One request: (connect), write, read; once more on a fresh connection when
  // a reused one turned out to be closed.
  awaitable<HttpResult> perform(const Request& req) {
    const auto budget = ms(opts_.timeout_ms);
    const auto deadline = Clock::now() + budget;
    const auto msg = build(req);
    auto out_of_time = [&](std::string_view step) {
      return failure("no response from " + origin_.where + " within " + std::to_string(budget.count()) + " ms (" +
                     std::string(step) + ")");
    };
    for (int pass = 0;; ++pass) {
      const bool reused = conn_.open();
      if (!reused) {
        bool timed_out = false;
        std::string step;
        std::string error = co_await connect(deadline, timed_out, step);
        if (abandoned(req.id)) {
          conn_.reset();
          co_return failure("cancelled");
        }
        if (!error.empty()) {
          conn_.reset();
          co_return timed_out ? out_of_time(step) : failure(std::move(error));
        }
      }
      Attempt a;
      if (origin_.tls)
        a = co_await round_trip(*conn_.tls, msg, deadline);
      else
        a = co_await round_trip(*conn_.tcp, msg, deadline);
      if (abandoned(req.id)) {
        conn_.reset();
        co_return failure("cancelled");
      }
      if (a.result.status != 0) {
        if (!a.keep_alive) conn_.reset();
        co_return std::move(a.result);
      }
      conn_.reset();
      if (reused && pass == 0 && req.method == http::verb::get && !a.got_some && !a.timed_out &&
          Clock::now() < deadline) {
        bump(resends_);
        continue;
      }
      co_return a.timed_out ? out_of_time(a.result.error) : std::move(a.result);
    }
  }

  http::request<http::string_body> build(const Request& req) const {
    http::request<http::string_body> msg{req.method, origin_.base_path + req.target, 11};
    msg.set(http::field::host, origin_.host_header);
    msg.set(http::field::user_agent, kUserAgent);
    for (const auto& [name, value] : opts_.headers) msg.set(name, value);
    if (req.method != http::verb::get) {
      if (!req.content_type.empty()) msg.set(http::field::content_type, req.content_type);
      msg.body() = req.body;
    }
    msg.keep_alive(true);
    msg.prepare_payload();
    return msg;
  }

  // Resolve + connect (+ TLS) before `deadline`. "" on success, else the
  // error; `timed_out` + `step` when the deadline cut it.
  awaitable<std::string> connect(Clock::time_point deadline, bool& timed_out, std::string& step) {
    auto ex = co_await net::this_coro::executor;
    tcp::resolver resolver(ex);
    net::steady_timer timer(ex);
    timer.expires_at(deadline);
    resolver_ = &resolver;
    struct Unregister {
      tcp::resolver*& slot;
      ~Unregister() { slot = nullptr; }
    } unregister{resolver_};
    auto resolved =
        co_await (resolver.async_resolve(origin_.host, origin_.port, use_tuple) || timer.async_wait(use_tuple));
    if (resolved.index() == 1) {
      timed_out = true;
      step = "resolve";
      co_return "resolve timed out";
    }
    auto [rec, results] = std::get<0>(std::move(resolved));
    if (rec) co_return "resolve " + origin_.host + ": " + rec.message();

    auto connect_failed = [&](const beast::error_code& ec, const char* what) {
      if (ec == beast::error::timeout) {
        timed_out = true;
        step = what;
      }
      return std::string(what) + " " + origin_.where + ": " + ec.message();
    };
    if (origin_.tls) {
      auto& stream = conn_.tls.emplace(ex, *tls_);
      auto& low = beast::get_lowest_layer(stream);
      low.expires_at(deadline);
      auto [cec, peer] = co_await low.async_connect(results, use_tuple);
      if (cec) co_return connect_failed(cec, "connect");
      beast::error_code ignored;
      low.socket().set_option(tcp::no_delay(true), ignored);
      if (!origin_.host_is_ip && !SSL_set_tlsext_host_name(stream.native_handle(), origin_.host.c_str()))
        co_return "tls: cannot set SNI host name";
      if (opts_.tls_verify)
        stream.set_verify_callback(VerifyHost{ssl::host_name_verification(origin_.host), origin_.host_is_ip});
      low.expires_at(deadline);
      auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
      if (hec) {
        std::string error = connect_failed(hec, "tls handshake with");
        const long verify = SSL_get_verify_result(stream.native_handle());
        if (!timed_out && verify != X509_V_OK) error += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
        co_return error;
      }
    } else {
      auto& low = conn_.tcp.emplace(ex);
      low.expires_at(deadline);
      auto [cec, peer] = co_await low.async_connect(results, use_tuple);
      if (cec) co_return connect_failed(cec, "connect");
      beast::error_code ignored;
      low.socket().set_option(tcp::no_delay(true), ignored);
    }
    bump(connects_);
    co_return std::string();
  }

  template <class Stream>
  awaitable<Attempt> round_trip(Stream& stream, const http::request<http::string_body>& msg,
                                Clock::time_point deadline) {
    Attempt a;
    auto& low = beast::get_lowest_layer(stream);
    low.expires_at(deadline);
    auto [wec, written] = co_await http::async_write(stream, msg, use_tuple);
    if (wec) {
      a.timed_out = wec == beast::error::timeout;
      a.result.error = a.timed_out ? "write" : "write to " + origin_.where + ": " + wec.message();
      co_return a;
    }
    for (int i = 0; i <= kMaxProvisional; ++i) {
      http::response_parser<http::string_body> parser;
      parser.header_limit(kMaxHeaderBytes);
      parser.body_limit(opts_.max_response_bytes);
      low.expires_at(deadline);
      auto [rec, n] = co_await http::async_read(stream, conn_.buffer, parser, use_tuple);
      a.got_some = a.got_some || parser.got_some();
      if (rec == http::error::body_limit) {
        a.result.error = "response from " + origin_.where + " larger than max_response_bytes (" +
                         std::to_string(opts_.max_response_bytes) + ")";
        co_return a;
      }
      if (rec) {
        a.timed_out = rec == beast::error::timeout;
        if (a.timed_out)
          a.result.error = parser.is_header_done() ? "reading the body" : "waiting for the response";
        else if (!a.got_some && (rec == http::error::end_of_stream || rec == net::error::eof))
          a.result.error = origin_.where + " closed the connection before a response";
        else
          a.result.error = "read from " + origin_.where + ": " + rec.message();
        co_return a;
      }
      auto& res = parser.get();
      const int status = static_cast<int>(res.result_int());
      if (status >= 100 && status < 200 && status != 101) continue;  // provisional: read on
      a.result.status = status;
      a.result.retry_after = fw::net::parse_retry_after(res[http::field::retry_after], std::chrono::system_clock::now());
      a.result.body = std::move(res.body());
      a.keep_alive = res.keep_alive();
      bump(bytes_, a.result.body.size());
      low.expires_never();
      co_return a;
    }
    a.result.error = "too many provisional (1xx) responses from " + origin_.where;
    co_return a;
  }
};

HttpClient::HttpClient(std::shared_ptr<Impl> impl) : impl_(std::move(impl)) {}

std::unique_ptr<HttpClient> HttpClient::create(net::io_context& io, HttpClientOptions options, std::string& error) {
  auto origin = parse_origin(options.base_url, error);
  if (!origin) return nullptr;
  auto impl = std::make_shared<Impl>(io, std::move(options), std::move(*origin));
  if (!impl->prepare(error)) return nullptr;
  return std::unique_ptr<HttpClient>(new HttpClient(std::move(impl)));
}

HttpClient::~HttpClient() { impl_->drop_all(); }

void HttpClient::get(std::string target, Done done) {
  impl_->enqueue(Request{0, http::verb::get, std::move(target), {}, {}, std::move(done)}, impl_);
}

void HttpClient::post(std::string target, std::string body, std::string content_type, Done done) {
  impl_->enqueue(
      Request{0, http::verb::post, std::move(target), std::move(body), std::move(content_type), std::move(done)},
      impl_);
}

void HttpClient::stop() { impl_->stop(); }

const std::string& HttpClient::origin() const noexcept { return impl_->origin_url_; }

std::size_t HttpClient::pending() const noexcept { return impl_->pending_.load(std::memory_order_relaxed); }

HttpClientStats HttpClient::stats() const noexcept {
  const auto& s = *impl_;
  auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  return HttpClientStats{get(s.requests_), get(s.failures_), get(s.connects_), get(s.resends_), get(s.bytes_)};
}

// --- coroutine forms ---------------------------------------------------------

namespace {

struct InitiateRequest {
  std::shared_ptr<HttpClient::Impl> impl;

  template <class Handler>
  void operator()(Handler&& handler, Request req) const {
    auto slot = net::get_associated_cancellation_slot(handler);
    auto ex = net::get_associated_executor(handler, impl->io_.get_executor());
    auto h = std::make_shared<std::decay_t<Handler>>(std::forward<Handler>(handler));
    // Resume the awaiting coroutine through its executor, never inline.
    req.done = [h, ex](HttpResult r) { net::post(ex, [h, r = std::move(r)]() mutable { (*h)(std::move(r)); }); };
    const std::uint64_t id = impl->enqueue(std::move(req), impl);
    if (id != 0 && slot.is_connected()) {
      slot.assign([weak = std::weak_ptr<HttpClient::Impl>(impl), id](net::cancellation_type) {
        if (auto s = weak.lock()) s->cancel(id);  // a no-op once the request completed
      });
    }
  }
};

awaitable<HttpResult> co_request(std::shared_ptr<HttpClient::Impl> impl, Request req) {
  // Named, not a braced temporary inside the co_await: GCC 12 destroys a
  // braced aggregate temporary in a co_await full-expression twice (a
  // shared_ptr inside then loses a reference).
  InitiateRequest initiation{std::move(impl)};
  co_return co_await net::async_initiate<const net::use_awaitable_t<>&, void(HttpResult)>(
      std::move(initiation), net::use_awaitable, std::move(req));
}

}  // namespace

awaitable<HttpResult> co_get(HttpClient& client, std::string target) {
  return co_request(client.impl(), Request{0, http::verb::get, std::move(target), {}, {}, nullptr});
}

awaitable<HttpResult> co_post(HttpClient& client, std::string target, std::string body, std::string content_type) {
  return co_request(client.impl(),
                    Request{0, http::verb::post, std::move(target), std::move(body), std::move(content_type), nullptr});
}

}  // namespace fw::sources
