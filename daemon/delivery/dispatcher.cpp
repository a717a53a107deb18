#include "delivery/dispatcher.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <list>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <tuple>
#include <unordered_set>
#include <utility>
#include <variant>

#include "delivery/classify.hpp"
#include "delivery/retry.hpp"
#include "delivery/signing.hpp"
#include "log/log.hpp"
#include "net/url.hpp"

namespace fw::delivery {
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

constexpr std::size_t kMaxResponseBody = 1 << 20;  // larger bodies: status kept, connection closed
constexpr std::size_t kExcerptBytes = 1024;         // response excerpt kept with a dead letter
constexpr auto kRequeuePoll = std::chrono::seconds(1);
constexpr auto kRequeueAnswerTimeout = std::chrono::seconds(10);
constexpr auto kIdleWait = std::chrono::hours(1);
constexpr int kMaxProvisional = 8;  // 1xx responses skipped before the final one
constexpr char kUserAgent[] = "freezewatch/" FREEZEWATCH_VERSION;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string iso_utc_ms(system_clock::time_point tp) {
  const auto ms = std::chrono::duration_cast<milliseconds>(tp.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[96];  // room for any int, so no truncation warning
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return buf;
}

// ---- endpoint address --------------------------------------------------------

bool header_safe(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

// ---- connections -------------------------------------------------------------

// One keep-alive connection: plain or TLS, never both.
struct Connection {
  std::optional<beast::tcp_stream> tcp;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls;
  beast::flat_buffer buffer;

  bool open() const noexcept { return tcp.has_value() || tls.has_value(); }
  beast::tcp_stream& lowest() { return tls ? beast::get_lowest_layer(*tls) : *tcp; }

  // Only when no operation is pending on it (the owning coroutine calls this).
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

// A coroutine's network state that stop() may need to cut: its connection and,
// while resolving, its resolver. Lives in the Endpoint, not in the frame.
struct Worker {
  Connection conn;
  tcp::resolver* resolver = nullptr;

  // Cancels whatever is pending (completions see operation_aborted). The
  // owning coroutine still resets the connection itself.
  void abort() {
    if (resolver) resolver->cancel();
    if (conn.open()) conn.lowest().close();
  }
};

// Publishes a pointer to a frame-local object for as long as the scope lasts
// (also when the frame is destroyed without resuming, at io_context shutdown).
template <class T>
struct Registered {
  Registered(T& slot, T value) : slot_(slot) { slot_ = value; }
  ~Registered() { slot_ = nullptr; }
  Registered(const Registered&) = delete;
  Registered& operator=(const Registered&) = delete;
  T& slot_;
};

struct IdleEntry {
  IdleEntry(std::vector<asio::steady_timer*>& list, asio::steady_timer* t) : list_(list), t_(t) { list_.push_back(t); }
  ~IdleEntry() { std::erase(list_, t_); }
  IdleEntry(const IdleEntry&) = delete;
  IdleEntry& operator=(const IdleEntry&) = delete;
  std::vector<asio::steady_timer*>& list_;
  asio::steady_timer* t_;
};

// The result of one HTTP attempt.
struct Exchange {
  int status = 0;            // 0 = no response (transport failure)
  std::string retry_after;   // raw header
  std::string body;          // up to kMaxResponseBody
  std::string error;         // transport failure, when status == 0
  bool timed_out = false;
  bool header_received = false;
  bool keep_alive = false;
};

// ---- per endpoint state ------------------------------------------------------

struct Item {
  outbox::Record record;
  std::int64_t retry_from_ms = 0;  // the retry period runs from here (created_at; or re-queue time)
};

struct Endpoint {
  config::WebhookConfig cfg;
  net::Url url;
  std::optional<Signer> signer;
  std::unique_ptr<ssl::context> tls;
  RetryPolicy policy;

  std::map<std::pair<std::int64_t, std::int64_t>, Item> queue;  // (next_attempt_at_ms, seq) -> record
  std::unordered_set<std::int64_t> known;                        // seqs queued or in flight
  std::vector<asio::steady_timer*> idle;                         // wake-up timers of idle workers
  std::list<Worker> workers;                                     // stable addresses
  std::optional<asio::steady_timer> heartbeat_timer;

  std::size_t in_flight = 0;
  std::uint64_t connections = 0;
  bool failing = false;
  std::string heartbeat_state;  // last heartbeat outcome, to log transitions only

  bool is_log() const noexcept { return cfg.type == config::WebhookConfig::Type::log; }
  const std::string& name() const noexcept { return cfg.name; }
};

// take_requeued_async answers on the outbox writer thread; it only drops the
// rows here, so nothing of ours needs to be alive on that thread.
struct Mailbox {
  std::mutex mutex;
  std::vector<outbox::Record> records;
  std::uint64_t answered = 0;
};

// Writes the payload as exactly one line. Raw CR/LF can only be insignificant
// whitespace in valid JSON, so replacing them with spaces keeps the JSON valid.
bool write_line(std::string_view body) {
  std::string line;
  line.reserve(body.size() + 1);
  for (char c : body) line += (c == '\n' || c == '\r') ? ' ' : c;
  line += '\n';
  const std::size_t n = std::fwrite(line.data(), 1, line.size(), stdout);
  return n == line.size() && std::fflush(stdout) == 0;
}

}  // namespace

// ---- the shared state --------------------------------------------------------

struct Dispatcher::Impl : std::enable_shared_from_this<Dispatcher::Impl> {
  Impl(asio::io_context& io_, outbox::Outbox& o, DeliveryObserver& obs)
      : io(io_), outbox(o), observer(obs), poll_timer(io_), deadline_timer(io_) {}

  asio::io_context& io;
  outbox::Outbox& outbox;
  DeliveryObserver& observer;
  std::vector<std::unique_ptr<Endpoint>> endpoints;
  std::map<std::string, Endpoint*, std::less<>> by_name;
  std::function<std::string()> heartbeat_source;
  std::mt19937_64 rng{std::random_device{}()};

  bool started = false;
  bool stopping = false;  // no new work
  bool aborting = false;  // in-flight work is being cut: touch neither outbox nor observer
  std::size_t tasks = 0;
  std::function<void()> done;
  asio::steady_timer poll_timer;
  asio::steady_timer deadline_timer;
  std::set<std::string, std::less<>> unknown_endpoints_logged;

  std::shared_ptr<Mailbox> mailbox = std::make_shared<Mailbox>();
  std::uint64_t requeue_asked = 0;
  steady_clock::time_point requeue_asked_at{};

  // --- task tracking (STYLE rule 12) ---

  void spawn(const char* what, const std::string& endpoint, awaitable<void> task) {
    ++tasks;
    asio::co_spawn(io, std::move(task), [self = shared_from_this(), what, endpoint](std::exception_ptr e) {
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& ex) {
          log::error("delivery task failed", {{"task", what}, {"endpoint", endpoint}, {"error", ex.what()}});
        } catch (...) {
          log::error("delivery task failed", {{"task", what}, {"endpoint", endpoint}, {"error", "unknown exception"}});
        }
      }
      self->task_finished();
    });
  }

  void task_finished() {
    --tasks;
    if (stopping && tasks == 0) finish();
  }

  void finish() {
    deadline_timer.cancel();
    if (done) {
      auto d = std::move(done);
      done = nullptr;
      asio::post(io, std::move(d));
    }
  }

  void abort_all() {
    aborting = true;
    for (auto& ep : endpoints) {
      for (auto& w : ep->workers) w.abort();
      for (auto* t : ep->idle) t->cancel();
      ep->idle.clear();
      if (ep->heartbeat_timer) ep->heartbeat_timer->cancel();
    }
    poll_timer.cancel();
  }

  // --- queueing ---

  void wake_one(Endpoint& ep) {
    if (ep.idle.empty()) return;
    auto* t = ep.idle.back();
    ep.idle.pop_back();
    t->cancel();
  }

  void enqueue(outbox::Record rec, std::int64_t retry_from_ms) {
    auto it = by_name.find(rec.endpoint);
    if (it == by_name.end()) {
      if (unknown_endpoints_logged.insert(rec.endpoint).second)
        log::error("alert for a webhook that is not configured; left pending in the outbox",
                   {{"endpoint", rec.endpoint}, {"alert_id", rec.alert_id}, {"seq", rec.seq}});
      return;
    }
    Endpoint& ep = *it->second;
    if (!ep.known.insert(rec.seq).second) return;  // already queued or in flight
    if (rec.created_at_ms == 0) rec.created_at_ms = unix_ms_now();
    if (retry_from_ms == 0) retry_from_ms = rec.created_at_ms;
    const auto key = std::make_pair(rec.next_attempt_at_ms, rec.seq);
    ep.queue.emplace(key, Item{std::move(rec), retry_from_ms});
    wake_one(ep);
  }

  void requeue_local(Endpoint& ep, Item item) {
    const auto key = std::make_pair(item.record.next_attempt_at_ms, item.record.seq);
    ep.queue.emplace(key, std::move(item));
    wake_one(ep);
  }

  // --- outcomes ---

  void delivered(Endpoint& ep, const Item& item) {
    const auto& rec = item.record;
    outbox.mark_delivered(rec.seq);
    ep.known.erase(rec.seq);
    if (ep.failing) {
      ep.failing = false;
      log::info("webhook endpoint recovered", {{"endpoint", ep.name()}, {"alert_id", rec.alert_id}});
    }
    observer.on_delivered(ep.name(), rec);
  }

  void dead_letter(Endpoint& ep, Item& item, int status, const std::string& response, const std::string& reason) {
    auto& rec = item.record;
    outbox.dead_letter(rec.seq, status, log::excerpt(response, kExcerptBytes), reason);
    ep.known.erase(rec.seq);
    log::error("webhook alert dead-lettered",
               {{"endpoint", ep.name()},
                {"alert_id", rec.alert_id},
                {"seq", rec.seq},
                {"status", status},
                {"attempts", rec.attempts},
                {"reason", reason},
                {"response", log::excerpt(response, 200)}});
    observer.on_dead_letter(ep.name(), rec, status);
  }

  // `item.record.attempts` already counts the attempt that just failed.
  void retry_or_give_up(Endpoint& ep, Item item, int status, const std::string& response, const std::string& error,
                        std::optional<milliseconds> retry_after) {
    auto& rec = item.record;
    rec.last_error = error;
    const std::int64_t now = unix_ms_now();
    // retry_from_ms stands in for created_at, so a re-queued dead letter gets a fresh period.
    RetryPlan plan = plan_retry(ep.policy, rec.attempts, item.retry_from_ms, now, retry_after, rng);
    if (plan.give_up) {
      dead_letter(ep, item, status, response,
                  "retry period exhausted after " + std::to_string(rec.attempts) + " attempts; last error: " + error);
      return;
    }
    rec.next_attempt_at_ms = plan.next_attempt_at_ms;
    outbox.reschedule(rec.seq, rec.attempts, rec.next_attempt_at_ms, error);
    if (!ep.failing) {
      ep.failing = true;
      log::warn("webhook delivery failing; will retry",
                {{"endpoint", ep.name()}, {"alert_id", rec.alert_id}, {"error", error},
                 {"retry_in_ms", plan.wait.count()}});
    } else {
      log::debug("webhook retry scheduled",
                 {{"endpoint", ep.name()}, {"alert_id", rec.alert_id}, {"error", error},
                  {"attempts", rec.attempts}, {"retry_in_ms", plan.wait.count()}});
    }
    if (stopping) {
      ep.known.erase(rec.seq);  // stays pending in the outbox for the next start
      return;
    }
    requeue_local(ep, std::move(item));
  }

  // Applies the result of one HTTP attempt.
  void settle(Endpoint& ep, Item item, Exchange x) {
    item.record.attempts += 1;
    if (x.status == 0) {
      const Outcome o = x.timed_out ? Outcome::timeout : Outcome::network_error;
      observer.on_attempt(ep.name(), to_string(o));
      retry_or_give_up(ep, std::move(item), 0, {}, std::string(to_string(o)) + ": " + x.error, std::nullopt);
      return;
    }
    const Classification c = classify(x.status, x.retry_after, system_clock::now());
    observer.on_attempt(ep.name(), c.label);
    const std::string status_text = "HTTP " + std::to_string(x.status);
    switch (c.outcome) {
      case Outcome::delivered:
        delivered(ep, item);
        return;
      case Outcome::retry:
      case Outcome::network_error:
      case Outcome::timeout:
        retry_or_give_up(ep, std::move(item), x.status, x.body, status_text, c.retry_after);
        return;
      case Outcome::gone:
      case Outcome::dead_letter:
        dead_letter(ep, item, x.status, x.body, status_text + ": " + c.reason);
        return;
    }
  }

  // --- HTTP ---

  http::request<http::string_body> make_request(const Endpoint& ep, std::string_view id, std::int64_t ts,
                                                std::string_view body) const {
    http::request<http::string_body> req{http::verb::post, ep.url.target, 11};
    for (const auto& [name, value] : ep.cfg.headers) req.set(name, value.reveal());
    req.set(http::field::host, ep.url.host_header);
    req.set(http::field::user_agent, kUserAgent);
    req.set(http::field::content_type, "application/json");
    req.set("webhook-id", id);
    req.set("webhook-timestamp", std::to_string(ts));
    req.set("webhook-signature", ep.signer->header(id, ts, body));
    req.keep_alive(true);
    req.body().assign(body.data(), body.size());
    req.prepare_payload();
    return req;
  }
};

namespace {

using Impl = Dispatcher::Impl;

// Resolve + connect (+ TLS handshake) within `timeout`. Fills w.conn on success.
awaitable<Exchange> connect(Endpoint* ep, Worker* w, milliseconds timeout) {
  Exchange fail;
  const auto started = steady_clock::now();
  auto ex = co_await asio::this_coro::executor;

  tcp::resolver resolver(ex);
  asio::steady_timer timer(ex);
  timer.expires_after(timeout);
  Registered<tcp::resolver*> registered(w->resolver, &resolver);  // so stop() can cancel it
  auto resolved = co_await (resolver.async_resolve(ep->url.host, ep->url.port, use_tuple) ||
                            timer.async_wait(use_tuple));
  if (resolved.index() == 1) {
    fail.timed_out = true;
    fail.error = "resolving " + ep->url.host + " took longer than " + std::to_string(timeout.count()) + " ms";
    co_return fail;
  }
  auto [rec, results] = std::get<0>(std::move(resolved));
  if (rec) {
    fail.error = "resolve " + ep->url.host + ": " + rec.message();
    co_return fail;
  }
  const auto left = timeout - std::chrono::duration_cast<milliseconds>(steady_clock::now() - started);
  if (left <= milliseconds(0)) {
    fail.timed_out = true;
    fail.error = "connect timed out";
    co_return fail;
  }

  auto timed_out = [&](const beast::error_code& ec) {
    return ec == beast::error::timeout || steady_clock::now() - started >= timeout;
  };
  // A failed connect step: drop the half-made connection, say which step and why.
  auto failed = [&](const beast::error_code& ec, const char* step) {
    fail.timed_out = timed_out(ec);
    fail.error = step + ep->url.host_header + ": " + ec.message();
    w->conn.reset();
    return fail;
  };

  if (ep->url.tls) {
    auto& stream = w->conn.tls.emplace(ex, *ep->tls);
    auto& low = beast::get_lowest_layer(stream);
    low.expires_after(left);
    auto [cec, peer] = co_await low.async_connect(results, use_tuple);
    (void)peer;
    if (cec) co_return failed(cec, "connect ");
    if (!ep->url.host_is_ip) SSL_set_tlsext_host_name(stream.native_handle(), ep->url.host.c_str());
    if (ep->cfg.tls_verify) stream.set_verify_callback(ssl::host_name_verification(ep->url.host));
    auto [hec] = co_await stream.async_handshake(ssl::stream_base::client, use_tuple);
    if (hec) co_return failed(hec, "TLS handshake with ");
    low.expires_never();
  } else {
    auto& low = w->conn.tcp.emplace(ex);
    low.expires_after(left);
    auto [cec, peer] = co_await low.async_connect(results, use_tuple);
    (void)peer;
    if (cec) co_return failed(cec, "connect ");
    low.expires_never();
  }
  ++ep->connections;
  co_return Exchange{};  // status 0, no error: connected
}

// Write the request and read the final response on an open connection.
template <class Stream>
awaitable<Exchange> round_trip(Stream& stream, beast::flat_buffer& buffer, const http::request<http::string_body>& req,
                               milliseconds timeout) {
  Exchange x;
  const auto started = steady_clock::now();
  auto& low = beast::get_lowest_layer(stream);
  auto timed_out = [&](const beast::error_code& ec) {
    return ec == beast::error::timeout || steady_clock::now() - started >= timeout;
  };
  low.expires_after(timeout);
  auto [wec, written] = co_await http::async_write(stream, req, use_tuple);
  (void)written;
  if (wec) {
    x.timed_out = timed_out(wec);
    x.error = "write: " + wec.message();
    co_return x;
  }
  for (int i = 0; i <= kMaxProvisional; ++i) {
    http::response_parser<http::string_body> parser;
    parser.body_limit(kMaxResponseBody);
    auto [rec, n] = co_await http::async_read(stream, buffer, parser, use_tuple);
    (void)n;
    const bool too_big = rec == http::error::body_limit && parser.is_header_done();
    if (rec && !too_big) {
      x.timed_out = timed_out(rec);
      x.header_received = parser.is_header_done();
      x.error = "read: " + rec.message();
      if (rec == http::error::end_of_stream) x.error = "connection closed before a response";
      co_return x;
    }
    auto& res = parser.get();
    const int status = res.result_int();
    if (status >= 100 && status < 200 && status != 101 && !too_big) continue;  // provisional: read on
    x.status = status;
    x.header_received = true;
    x.retry_after = std::string(res[http::field::retry_after]);
    x.body = std::move(res.body());
    x.keep_alive = !too_big && res.keep_alive();
    low.expires_never();
    co_return x;
  }
  x.error = "too many provisional (1xx) responses";
  co_return x;
}

// One attempt: connect if needed, send, read. A reused keep-alive connection
// that fails before any response header (the server closed it while idle:
// EOF, reset, broken pipe, TLS truncation...) is replaced once at no cost; the
// request is idempotent for the receiver (same webhook-id). Timeouts are not
// repeated: they already used the attempt's time budget.
awaitable<Exchange> exchange(std::shared_ptr<Impl> self, Endpoint* ep, Worker* w,
                             const http::request<http::string_body>& req) {
  // One budget for the whole attempt, connection set-up included.
  const milliseconds budget(ep->cfg.timeout_ms);
  const auto deadline = steady_clock::now() + budget;
  auto remaining = [deadline] { return std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()); };
  auto out_of_time = [&](Exchange x) {
    x.error = "no response within " + std::to_string(budget.count()) + " ms (" + x.error + ")";
    return x;
  };
  for (int pass = 0;; ++pass) {
    const bool reused = w->conn.open();
    if (!reused) {
      Exchange c = co_await connect(ep, w, remaining());
      if (self->aborting) co_return c;
      if (!c.error.empty()) co_return c.timed_out ? out_of_time(std::move(c)) : c;
    }
    const milliseconds left = remaining();
    if (left <= milliseconds(0)) {
      Exchange x;
      x.timed_out = true;
      x.error = "connected too late";
      co_return out_of_time(std::move(x));
    }
    Exchange x;
    if (ep->url.tls)
      x = co_await round_trip(*w->conn.tls, w->conn.buffer, req, left);
    else
      x = co_await round_trip(*w->conn.tcp, w->conn.buffer, req, left);
    if (self->aborting) co_return x;
    if (x.status != 0) {
      if (!x.keep_alive) w->conn.reset();
      co_return x;
    }
    w->conn.reset();
    if (reused && pass == 0 && !x.header_received && !x.timed_out) continue;
    co_return x.timed_out ? out_of_time(std::move(x)) : x;
  }
}

awaitable<void> deliver(std::shared_ptr<Impl> self, Endpoint* ep, Worker* w, Item item) {
  if (ep->is_log()) {
    item.record.attempts += 1;
    if (write_line(item.record.payload)) {
      self->observer.on_attempt(ep->name(), to_string(Outcome::delivered));
      self->delivered(*ep, item);
    } else {
      self->observer.on_attempt(ep->name(), to_string(Outcome::network_error));
      self->retry_or_give_up(*ep, std::move(item), 0, {}, "stdout write failed", std::nullopt);
    }
    co_return;
  }
  const auto ts = std::chrono::duration_cast<std::chrono::seconds>(system_clock::now().time_since_epoch()).count();
  const auto req = self->make_request(*ep, item.record.alert_id, ts, item.record.payload);
  const auto started = steady_clock::now();
  Exchange x = co_await exchange(self, ep, w, req);
  if (self->aborting) {
    // Cut by stop(): no outcome. The row is still pending in the outbox.
    ep->known.erase(item.record.seq);
    co_return;
  }
  self->observer.on_request_duration(ep->name(), steady_clock::now() - started);
  self->settle(*ep, std::move(item), std::move(x));
}

awaitable<void> worker_loop(std::shared_ptr<Impl> self, Endpoint* ep, Worker* w) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  while (!self->stopping) {
    const std::int64_t now = unix_ms_now();
    if (!ep->queue.empty() && ep->queue.begin()->first.first <= now) {
      auto node = ep->queue.extract(ep->queue.begin());
      Item item = std::move(node.mapped());
      const std::int64_t seq = item.record.seq;
      ++ep->in_flight;
      try {
        co_await deliver(self, ep, w, std::move(item));
      } catch (const std::exception& e) {
        // A bug, not a network error (those are values). Keep the worker; the
        // record is still pending in the outbox and is sent at the next start.
        ep->known.erase(seq);
        w->conn.reset();
        log::error("webhook delivery failed unexpectedly; the alert stays pending until restart",
                   {{"endpoint", ep->name()}, {"seq", seq}, {"error", e.what()}});
      }
      --ep->in_flight;
      continue;
    }
    const milliseconds wait = ep->queue.empty() ? milliseconds(kIdleWait)
                                                : milliseconds(ep->queue.begin()->first.first - now);
    timer.expires_after(wait);
    IdleEntry idle(ep->idle, &timer);  // wake_one() / stop() cancel it
    co_await timer.async_wait(use_tuple);
  }
  w->conn.reset();
}

awaitable<void> heartbeat_loop(std::shared_ptr<Impl> self, Endpoint* ep, Worker* w) {
  const milliseconds interval(ep->cfg.heartbeat_interval_ms);
  while (!self->stopping) {
    const auto now = system_clock::now();
    std::string data;
    if (self->heartbeat_source) {
      try {
        data = self->heartbeat_source();
      } catch (const std::exception& e) {
        log::error("heartbeat source failed", {{"endpoint", ep->name()}, {"error", e.what()}});
      }
    }
    if (data.empty()) data = "{}";
    const std::string body =
        R"({"type":"freezewatch.heartbeat","timestamp":")" + iso_utc_ms(now) + R"(","data":)" + data + "}";

    Outcome outcome = Outcome::delivered;
    std::string detail;
    if (ep->is_log()) {
      if (!write_line(body)) {
        outcome = Outcome::network_error;
        detail = "stdout write failed";
      }
    } else {
      const auto unix_ms = std::chrono::duration_cast<milliseconds>(now.time_since_epoch()).count();
      const auto req = self->make_request(*ep, "hb_" + std::to_string(unix_ms), unix_ms / 1000, body);
      Exchange x = co_await exchange(self, ep, w, req);
      if (self->aborting) break;
      if (x.status == 0) {
        outcome = x.timed_out ? Outcome::timeout : Outcome::network_error;
        detail = x.error;
      } else {
        outcome = classify(x.status, x.retry_after, system_clock::now()).outcome;
        detail = "HTTP " + std::to_string(x.status);
      }
    }
    const std::string label = to_string(outcome);
    self->observer.on_heartbeat(ep->name(), label);
    if (label != ep->heartbeat_state) {
      if (outcome != Outcome::delivered)
        log::warn("webhook heartbeat failed (not retried; the next one follows)",
                  {{"endpoint", ep->name()}, {"outcome", label}, {"error", detail}});
      else if (!ep->heartbeat_state.empty())
        log::info("webhook heartbeat recovered", {{"endpoint", ep->name()}});
      ep->heartbeat_state = label;
    }
    if (self->stopping) break;
    ep->heartbeat_timer->expires_after(interval);
    co_await ep->heartbeat_timer->async_wait(use_tuple);
  }
  w->conn.reset();
}

void poll_requeued(Impl& s) {
  std::vector<outbox::Record> got;
  std::uint64_t answered = 0;
  {
    std::lock_guard lock(s.mailbox->mutex);
    got.swap(s.mailbox->records);
    answered = s.mailbox->answered;
  }
  const auto now = steady_clock::now();
  // One request at a time; the outbox never answers a failed one, so ask again
  // after a while (rows stay flagged until a request succeeds; seqs dedupe).
  if (answered >= s.requeue_asked || now - s.requeue_asked_at > kRequeueAnswerTimeout) {
    const std::uint64_t ticket = ++s.requeue_asked;
    s.requeue_asked_at = now;
    s.outbox.take_requeued_async([mb = s.mailbox, ticket](std::vector<outbox::Record> records) {
      std::lock_guard lock(mb->mutex);
      for (auto& r : records) mb->records.push_back(std::move(r));
      mb->answered = std::max(mb->answered, ticket);
    });
  }
  if (got.empty()) return;
  log::info("re-queued dead letters taken for delivery", {{"count", got.size()}});
  const std::int64_t now_ms = unix_ms_now();
  for (auto& r : got) s.enqueue(std::move(r), now_ms);
}

awaitable<void> requeue_loop(std::shared_ptr<Impl> self) {
  while (!self->stopping) {
    self->poll_timer.expires_after(kRequeuePoll);
    co_await self->poll_timer.async_wait(use_tuple);
    if (self->stopping) break;
    poll_requeued(*self);
  }
}

// Validates one endpoint and prepares its signer and TLS context.
bool prepare(Endpoint& ep, std::string& error) {
  const std::string where = "webhook '" + ep.name() + "': ";
  ep.policy.initial = milliseconds(ep.cfg.retry.initial_ms);
  ep.policy.max = milliseconds(ep.cfg.retry.max_ms);
  ep.policy.retry_for = milliseconds(static_cast<std::int64_t>(ep.cfg.retry_for_ms));
  if (ep.is_log()) return true;

  std::string e;
  auto url = net::parse_url(ep.cfg.url, net::Scheme::http, "url", e);
  if (!url) {
    error = where + e;
    return false;
  }
  ep.url = std::move(*url);

  std::vector<std::string> secrets;
  for (const auto& s : ep.cfg.secrets) secrets.push_back(s.reveal());
  ep.signer = Signer::create(secrets, e);
  if (!ep.signer) {
    error = where + e;
    return false;
  }
  for (const auto& [name, value] : ep.cfg.headers) {
    if (name.empty() || !header_safe(name) || !header_safe(value.reveal())) {
      error = where + "header '" + log::excerpt(name, 40) + "' has an empty name or contains CR, LF or NUL";
      return false;
    }
  }
  if (ep.cfg.concurrency == 0) {
    error = where + "concurrency must be at least 1";
    return false;
  }
  if (ep.cfg.timeout_ms == 0) {
    error = where + "timeout_ms must be at least 1";
    return false;
  }

  if (ep.url.tls) {
    ep.tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX_set_min_proto_version(ep.tls->native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    if (ep.cfg.tls_verify) {
      ep.tls->set_verify_mode(ssl::verify_peer, ec);
      ep.tls->set_default_verify_paths(ec);
      if (ec) log::warn("no default CA paths", {{"endpoint", ep.name()}, {"error", ec.message()}});
      ec.clear();
      if (!ep.cfg.ca_file.empty()) {
        ep.tls->load_verify_file(ep.cfg.ca_file, ec);
        if (ec) {
          error = where + "cannot load ca_file " + ep.cfg.ca_file + ": " + ec.message();
          return false;
        }
      }
    } else {
      ep.tls->set_verify_mode(ssl::verify_none, ec);
      log::warn("TLS certificate verification is OFF for this webhook (tls_verify: false); alerts could go to an impostor",
                {{"endpoint", ep.name()}, {"url_host", ep.url.host}});
    }
  } else if (!ep.cfg.ca_file.empty() || !ep.cfg.tls_verify) {
    log::warn("ca_file / tls_verify ignored for an http:// webhook", {{"endpoint", ep.name()}});
  }
  return true;
}

}  // namespace

// ---- Dispatcher --------------------------------------------------------------

Dispatcher::Dispatcher(asio::io_context& io, const std::vector<config::WebhookConfig>& webhooks,
                       outbox::Outbox& outbox, DeliveryObserver& observer)
    : impl_(std::make_shared<Impl>(io, outbox, observer)) {
  for (const auto& cfg : webhooks) {
    auto ep = std::make_unique<Endpoint>();
    ep->cfg = cfg;
    impl_->by_name.emplace(ep->cfg.name, ep.get());
    impl_->endpoints.push_back(std::move(ep));
  }
}

Dispatcher::~Dispatcher() {
  auto& s = *impl_;
  s.done = nullptr;
  if (!s.started) return;
  s.stopping = true;
  s.abort_all();
  s.deadline_timer.cancel();
}

bool Dispatcher::start(std::string& error) {
  auto& s = *impl_;
  if (s.started) {
    error = "delivery already started";
    return false;
  }
  if (s.by_name.size() != s.endpoints.size()) {
    error = "webhook names must be unique";
    return false;
  }
  for (auto& ep : s.endpoints)
    if (!prepare(*ep, error)) return false;

  std::string load_error;
  auto pending = s.outbox.load_pending(&load_error);
  if (!load_error.empty()) {
    error = "outbox: " + load_error;
    return false;
  }
  s.started = true;

  std::map<std::string, std::size_t> unknown;
  std::size_t loaded = 0;
  for (auto& rec : pending) {
    if (!s.by_name.contains(rec.endpoint)) {
      ++unknown[rec.endpoint];
      continue;
    }
    ++loaded;
    s.enqueue(std::move(rec), 0);
  }
  for (const auto& [name, count] : unknown) {
    s.unknown_endpoints_logged.insert(name);
    log::warn("pending alerts for a webhook that is no longer configured are left in the outbox",
              {{"endpoint", name}, {"count", count}});
  }

  for (auto& ep : s.endpoints) {
    const std::uint32_t workers = ep->is_log() ? 1 : ep->cfg.concurrency;
    for (std::uint32_t i = 0; i < workers; ++i) {
      Worker* w = &ep->workers.emplace_back();
      s.spawn("webhook worker", ep->name(), worker_loop(impl_, ep.get(), w));
    }
    if (ep->cfg.heartbeat_interval_ms > 0) {
      ep->heartbeat_timer.emplace(s.io);
      Worker* w = &ep->workers.emplace_back();
      s.spawn("webhook heartbeat", ep->name(), heartbeat_loop(impl_, ep.get(), w));
    }
    log::info("webhook endpoint started",
              {{"endpoint", ep->name()},
               {"type", config::to_string(ep->cfg.type)},
               {"host", ep->is_log() ? std::string("stdout") : ep->url.host_header},
               {"queued", ep->queue.size()},
               {"heartbeat_interval_ms", ep->cfg.heartbeat_interval_ms}});
  }
  s.spawn("requeue poller", "", requeue_loop(impl_));
  log::info("delivery started", {{"endpoints", s.endpoints.size()}, {"pending", loaded}});
  return true;
}

void Dispatcher::submit(outbox::Record record) {
  auto& s = *impl_;
  if (s.stopping) return;  // durable: sent at the next start
  s.enqueue(std::move(record), 0);
}

void Dispatcher::submit(std::vector<outbox::Record> records) {
  for (auto& r : records) submit(std::move(r));
}

void Dispatcher::set_heartbeat_source(std::function<std::string()> source) {
  impl_->heartbeat_source = std::move(source);
}

void Dispatcher::stop(steady_clock::time_point deadline, std::function<void()> done) {
  auto& s = *impl_;
  s.done = std::move(done);
  if (!s.stopping) {
    s.stopping = true;
    for (auto& ep : s.endpoints) {
      for (auto* t : ep->idle) t->cancel();
      ep->idle.clear();
      if (ep->heartbeat_timer) ep->heartbeat_timer->cancel();
    }
    s.poll_timer.cancel();
    if (s.tasks > 0) {
      s.deadline_timer.expires_at(deadline);
      s.deadline_timer.async_wait([self = impl_](const beast::error_code& ec) {
        if (ec || self->tasks == 0) return;
        log::warn("delivery stop deadline reached; aborting in-flight requests (they stay pending)");
        self->abort_all();
      });
    }
  }
  if (s.tasks == 0) s.finish();
}

std::vector<Dispatcher::EndpointStats> Dispatcher::stats() const {
  std::vector<EndpointStats> out;
  for (const auto& ep : impl_->endpoints) {
    EndpointStats st;
    st.name = ep->name();
    st.queued = ep->queue.size();
    st.in_flight = ep->in_flight;
    st.connections = ep->connections;
    st.failing = ep->failing;
    out.push_back(std::move(st));
  }
  return out;
}

}  // namespace fw::delivery
