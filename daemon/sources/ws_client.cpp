#include "sources/ws_client.hpp"

#include "sources/detail/stats.hpp"

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <deque>
#include <exception>
#include <optional>
#include <random>

#include "core/backoff.hpp"
#include "log/log.hpp"
#include "net/url.hpp"

namespace fw::sources {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using net::awaitable;
using namespace net::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);
constexpr std::size_t kMaxQueued = 1024;
constexpr std::size_t kExcerpt = 120;

using PlainWs = websocket::stream<beast::tcp_stream>;
using TlsWs = websocket::stream<beast::ssl_stream<beast::tcp_stream>>;

// Where to connect, taken apart once at start().
using Endpoint = fw::net::Url;

std::optional<Endpoint> parse_ws_url(std::string_view text, std::string& error) {
  auto ep = fw::net::parse_url(text, fw::net::Scheme::websocket, "url", error);
  if (!ep) error = "invalid url: " + error;
  return ep;
}

std::int64_t to_ns(Clock::time_point t) noexcept {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

// asio's host_name_verification, plus an X509 error code so a mismatch is
// reported as "hostname mismatch" instead of a bare "certificate verify failed".
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

std::string describe_tls_error(const beast::error_code& ec, SSL* ssl_handle) {
  std::string out = "tls handshake: " + ec.message();
  const long verify = SSL_get_verify_result(ssl_handle);
  if (verify != X509_V_OK) out += std::string(" (") + X509_verify_cert_error_string(verify) + ")";
  return out;
}

// Why a session ended. The first branch to say so wins; a bug (an exception
// other than the cancellation of a losing branch) is kept and rethrown once
// the session has been torn down.
struct SessionEnd {
  std::string why;
  std::exception_ptr bug;

  void set(std::string reason) {
    if (why.empty()) why = std::move(reason);
  }
  void fail(std::exception_ptr e) {
    try {
      std::rethrow_exception(e);
    } catch (const boost::system::system_error& se) {
      // A losing branch resumed after cancellation: not a bug.
      if (se.code() == net::error::operation_aborted) return;
    } catch (...) {
    }
    if (!bug) bug = e;
    set("internal error");
  }
};

}  // namespace

struct WsClient::Impl : detail::StatCounters {
  Impl(net::io_context& io, WsOptions o, WsHooks h)
      : io_(io),
        opts_(std::move(o)),
        hooks_(std::move(h)),
        backoff_(ms(opts_.backoff_initial_ms), ms(opts_.backoff_max_ms)),
        rng_(std::random_device{}()),
        backoff_timer_(io),
        write_signal_(io),
        watchdog_timer_(io),
        grace_timer_(io) {}

  net::io_context& io_;
  WsOptions opts_;
  WsHooks hooks_;
  Endpoint ep_;
  std::optional<ssl::context> tls_;
  Backoff backoff_;
  std::mt19937_64 rng_;

  net::steady_timer backoff_timer_;
  net::steady_timer write_signal_;    // cancelled to wake the writer
  net::steady_timer watchdog_timer_;  // cancelled to re-arm the watchdog
  net::steady_timer grace_timer_;     // bounds a graceful stop

  beast::flat_buffer read_buffer_;  // reused for every frame of every connection
  std::deque<std::string> out_;     // the writer's queue
  Clock::time_point last_data_{};   // last data frame, or the open time

  bool started_ = false;
  bool running_ = false;
  bool stopping_ = false;
  bool open_ = false;
  bool close_requested_ = false;
  std::function<void()> abort_;  // closes the current socket; set while a session runs

  std::atomic<SourceState> state_{SourceState::disconnected};
  // Written only on the io thread (load + store, no locked instruction);
  // read from any thread.

  static void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
    c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
  }

  void set_state(SourceState s, std::string_view reason) {
    state_.store(s, std::memory_order_relaxed);
    if (hooks_.on_state) hooks_.on_state(s, reason);
  }

  void reject(std::string_view reason, std::string_view data) {
    bump(rejected_);
    if (hooks_.on_rejected) hooks_.on_rejected(reason, log::excerpt(data, kExcerpt));
  }

  bool prepare(std::string& error) {
    auto ep = parse_ws_url(opts_.url, error);
    if (!ep) return false;
    ep_ = std::move(*ep);
    if (!ep_.tls) return true;
    try {
      tls_.emplace(ssl::context::tls_client);
      tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                        ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      if (opts_.tls_verify) {
        tls_->set_default_verify_paths();
        if (!opts_.ca_file.empty()) tls_->load_verify_file(opts_.ca_file);
        tls_->set_verify_mode(ssl::verify_peer);
      } else {
        tls_->set_verify_mode(ssl::verify_none);
        log::warn("TLS certificate verification is disabled", {{"source", opts_.name}, {"host", ep_.host}});
      }
    } catch (const boost::system::system_error& e) {
      error = "tls setup: " + e.code().message() + (opts_.ca_file.empty() ? "" : " (ca_file " + opts_.ca_file + ")");
      return false;
    }
    return true;
  }

  void stop(ms grace, const std::shared_ptr<Impl>& self) {
    if (stopping_) return;
    stopping_ = true;
    if (!running_) {
      set_state(SourceState::disconnected, "stopped");
      return;
    }
    backoff_timer_.cancel();
    if (open_) {
      close_requested_ = true;
      write_signal_.cancel();
      grace_timer_.expires_after(grace);
      grace_timer_.async_wait([weak = std::weak_ptr<Impl>(self)](const beast::error_code& ec) {
        if (ec) return;
        if (auto s = weak.lock(); s && s->abort_) s->abort_();
      });
    } else if (abort_) {
      abort_();
    }
  }

  // --- one connection, top to bottom -------------------------------------

  awaitable<std::string> connect_once() {
    auto ex = co_await net::this_coro::executor;
    tcp::resolver resolver(ex);
    if (ep_.tls) {
      TlsWs ws(ex, *tls_);
      co_return co_await session(ws, resolver);
    }
    PlainWs ws(ex);
    co_return co_await session(ws, resolver);
  }

  template <class Ws>
  awaitable<std::string> session(Ws& ws, tcp::resolver& resolver) {
    constexpr bool is_tls = std::is_same_v<Ws, TlsWs>;
    auto& tcp_layer = beast::get_lowest_layer(ws);
    abort_ = [&] {
      resolver.cancel();
      tcp_layer.close();
    };
    struct ClearAbort {
      std::function<void()>& f;
      ~ClearAbort() { f = nullptr; }
    } clear_abort{abort_};

    const auto budget = ms(opts_.connect_timeout_ms);
    const auto deadline = Clock::now() + budget;

    // Resolve. getaddrinfo cannot be interrupted; stop() cancels what it can.
    auto [rec, results] = co_await resolver.async_resolve(ep_.host, ep_.port, use_tuple);
    if (stopping_) co_return "stopped";
    if (rec) co_return "resolve " + ep_.host + ": " + rec.message();

    // Connect (every address in turn), within the budget.
    tcp_layer.expires_at(deadline);
    auto [cec, endpoint] = co_await tcp_layer.async_connect(results, use_tuple);
    if (stopping_) co_return "stopped";
    if (cec == beast::error::timeout) co_return "connect: timed out after " + std::to_string(budget.count()) + " ms";
    if (cec) co_return "connect: " + cec.message();
    beast::error_code ignored;
    tcp_layer.socket().set_option(tcp::no_delay(true), ignored);

    if constexpr (is_tls) {
      auto& tls = ws.next_layer();
      if (!ep_.host_is_ip && !SSL_set_tlsext_host_name(tls.native_handle(), ep_.host.c_str()))
        co_return "tls: cannot set SNI host name";
      if (opts_.tls_verify) tls.set_verify_callback(VerifyHost{ssl::host_name_verification(ep_.host), ep_.host_is_ip});
      auto [hec] = co_await tls.async_handshake(ssl::stream_base::client, use_tuple);
      if (stopping_) co_return "stopped";
      if (hec == beast::error::timeout)
        co_return "tls handshake: timed out after " + std::to_string(budget.count()) + " ms";
      if (hec) co_return describe_tls_error(hec, tls.native_handle());
    }

    // Upgrade. From here on Beast's websocket timeouts own the socket:
    // the tcp_stream's own expiry must be off.
    tcp_layer.expires_never();
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = std::max(ms(1), std::chrono::duration_cast<ms>(deadline - Clock::now()));
    if (opts_.idle_timeout_ms > 0) {
      timeouts.idle_timeout = ms(opts_.idle_timeout_ms);
      timeouts.keep_alive_pings = true;  // ping after idle/2, give up after idle
    } else {
      timeouts.idle_timeout = websocket::stream_base::none();
      timeouts.keep_alive_pings = false;
    }
    ws.set_option(timeouts);
    ws.read_message_max(opts_.max_frame_bytes);
    ws.set_option(websocket::stream_base::decorator([this](websocket::request_type& req) {
      req.set(beast::http::field::user_agent, "freezewatch/" FREEZEWATCH_VERSION);
      for (const auto& [name, value] : opts_.headers) req.set(name, value);
    }));
    ws.text(true);
    websocket::response_type response;
    auto [wec] = co_await ws.async_handshake(response, ep_.host_header, ep_.target, use_tuple);
    if (stopping_) co_return "stopped";
    if (wec) {
      const unsigned status = response.result_int();
      if (status != 0 && status != 101)
        co_return "upgrade rejected: HTTP " + std::to_string(status) + " " + std::string(response.reason());
      if (wec == beast::error::timeout) co_return "upgrade: timed out after " + std::to_string(budget.count()) + " ms";
      co_return "upgrade: " + wec.message();
    }
    // The closing handshake gets the whole budget again.
    timeouts.handshake_timeout = budget;
    ws.set_option(timeouts);

    // Open: subscribe, then read until something ends the connection.
    open_ = true;
    close_requested_ = false;
    out_.clear();
    read_buffer_.clear();
    last_data_ = Clock::now();
    bump(connects_);
    log::info("source connected", {{"source", opts_.name}, {"host", ep_.host}, {"port", ep_.port}});
    set_state(SourceState::connected, "");

    SessionEnd end;
    try {
      if (hooks_.on_open) hooks_.on_open();
    } catch (...) {
      end.fail(std::current_exception());
    }
    if (!end.bug) co_await (reader(ws, end) || writer(ws, end) || watchdog(end) || pinger(ws, end));
    open_ = false;
    out_.clear();
    grace_timer_.cancel();
    if (end.bug) std::rethrow_exception(end.bug);
    co_return end.why.empty() ? std::string("connection ended") : end.why;
  }

  template <class Ws>
  awaitable<void> reader(Ws& ws, SessionEnd& end) {
    try {
      bool first_good = true;
      for (;;) {
        auto [ec, n] = co_await ws.async_read(read_buffer_, use_tuple);
        if (ec) {
          if (ec == websocket::error::message_too_big) {
            reject("oversized", std::string_view(static_cast<const char*>(read_buffer_.cdata().data()),
                                                 read_buffer_.size()));
            end.set("frame larger than max_frame_bytes (" + std::to_string(opts_.max_frame_bytes) + ")");
          } else if (ec == websocket::error::closed) {
            const auto& r = ws.reason();
            end.set("closed by server (code " + std::to_string(static_cast<unsigned>(r.code)) +
                    (r.reason.empty() ? "" : ", " + std::string(r.reason.data(), r.reason.size())) + ")");
          } else if (ec == beast::error::timeout) {
            end.set("idle timeout (no frame or pong for " + std::to_string(opts_.idle_timeout_ms) + " ms)");
          } else {
            end.set("read: " + ec.message());
          }
          co_return;
        }
        const auto now = Clock::now();
        const auto data = read_buffer_.cdata();
        const std::string_view payload(static_cast<const char*>(data.data()), data.size());
        if (!ws.got_text()) {
          reject("binary", payload);
          read_buffer_.consume(read_buffer_.size());
          continue;
        }
        if (first_good) {
          backoff_.reset();  // this connection works: the next failure starts from initial_ms
          first_good = false;
        }
        bump(frames_);
        bump(bytes_, payload.size());
        last_frame_ns_.store(to_ns(now), std::memory_order_relaxed);
        last_data_ = now;
        if (state_.load(std::memory_order_relaxed) == SourceState::stale) {
          set_state(SourceState::connected, "frame received");
          watchdog_timer_.cancel();  // re-arm from this frame
        }
        if (hooks_.on_frame) hooks_.on_frame(payload, now);
        read_buffer_.consume(read_buffer_.size());  // keeps the storage
      }
    } catch (...) {
      end.fail(std::current_exception());
    }
  }

  // The only code that writes to the websocket (Beast allows one write at a
  // time): drains out_, and performs the closing handshake on stop().
  template <class Ws>
  awaitable<void> writer(Ws& ws, SessionEnd& end) {
    try {
      for (;;) {
        while (!out_.empty() && !close_requested_) {
          auto [ec, n] = co_await ws.async_write(net::buffer(out_.front()), use_tuple);
          if (ec) {
            end.set("write: " + ec.message());
            co_return;
          }
          out_.pop_front();
        }
        if (close_requested_) {
          // Whatever the outcome, this connection is over.
          co_await ws.async_close(websocket::close_code::normal, use_tuple);
          end.set("stopped");
          co_return;
        }
        write_signal_.expires_at(Clock::time_point::max());
        // Woken by send()/stop() (cancel) or by the session ending (cancellation).
        co_await write_signal_.async_wait(use_tuple);
        auto cs = co_await net::this_coro::cancellation_state;
        if (cs.cancelled() != net::cancellation_type::none) co_return;  // the session is ending
      }
    } catch (...) {
      end.fail(std::current_exception());
    }
  }

  // Connected but silent for stale_after_ms: report stale (the connection
  // stays; the reader reports connected again on the next frame).
  awaitable<void> watchdog(SessionEnd& end) {
    try {
      const auto period = ms(opts_.stale_after_ms);
      for (;;) {
        if (opts_.stale_after_ms == 0 || state_.load(std::memory_order_relaxed) == SourceState::stale) {
          watchdog_timer_.expires_at(Clock::time_point::max());
        } else if (Clock::now() >= last_data_ + period) {
          set_state(SourceState::stale, "no frame for " + std::to_string(opts_.stale_after_ms) + " ms");
          continue;
        } else {
          watchdog_timer_.expires_at(last_data_ + period);
        }
        co_await watchdog_timer_.async_wait(use_tuple);  // expiry, re-arm or cancellation
        auto cs = co_await net::this_coro::cancellation_state;
        if (cs.cancelled() != net::cancellation_type::none) co_return;
      }
    } catch (...) {
      end.fail(std::current_exception());
    }
  }

  // Our own keep-alive pings at ping_interval_ms (Beast only pings after
  // idle_timeout/2 of silence). A failed ping is left to the reader to report.
  template <class Ws>
  awaitable<void> pinger(Ws& ws, SessionEnd& end) {
    try {
      net::steady_timer timer(co_await net::this_coro::executor);
      bool pinging = opts_.ping_interval_ms > 0;
      for (;;) {
        if (pinging)
          timer.expires_after(ms(opts_.ping_interval_ms));
        else
          timer.expires_at(Clock::time_point::max());
        auto [ec] = co_await timer.async_wait(use_tuple);
        if (ec) co_return;
        auto [pec] = co_await ws.async_ping(websocket::ping_data{}, use_tuple);
        if (pec) pinging = false;
      }
    } catch (...) {
      end.fail(std::current_exception());
    }
  }
};

namespace {

// The reconnect loop: the policy around one-connection sessions.
awaitable<void> run_loop(std::shared_ptr<WsClient::Impl> self) {
  auto& s = *self;
  s.running_ = true;
  struct NotRunning {
    bool& running;
    ~NotRunning() { running = false; }
  } not_running{s.running_};
  bool first = true;
  while (!s.stopping_) {
    if (!first) {
      WsClient::Impl::bump(s.reconnects_);
      if (s.hooks_.on_reconnect) s.hooks_.on_reconnect();
    }
    first = false;
    s.set_state(SourceState::connecting, "");
    std::string why = co_await s.connect_once();
    if (s.stopping_) break;
    s.set_state(SourceState::disconnected, why);
    const auto wait = s.backoff_.next(s.rng_);
    log::warn("source disconnected",
              {{"source", s.opts_.name}, {"reason", why}, {"retry_in_ms", static_cast<std::int64_t>(wait.count())}});
    s.backoff_timer_.expires_after(wait);
    co_await s.backoff_timer_.async_wait(use_tuple);
  }
  s.running_ = false;
  log::info("source stopped", {{"source", s.opts_.name}});
  s.set_state(SourceState::disconnected, "stopped");
}

}  // namespace

WsClient::WsClient(net::io_context& io, WsOptions options, WsHooks hooks)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(hooks))) {}

WsClient::~WsClient() {
  // The session coroutine keeps Impl alive and may finish a graceful close
  // on its own; it just no longer reports to anyone.
  impl_->hooks_ = WsHooks{};
  impl_->stop(ms(impl_->opts_.connect_timeout_ms), impl_);
}

void WsClient::start() {
  auto& s = *impl_;
  if (s.started_ || s.stopping_) return;
  s.started_ = true;
  std::string error;
  if (!s.prepare(error)) {
    log::error("source cannot start", {{"source", s.opts_.name}, {"error", error}});
    s.set_state(SourceState::disconnected, error);
    return;
  }
  s.running_ = true;  // from now on stop() goes through the loop
  net::co_spawn(s.io_, run_loop(impl_),
                [weak = std::weak_ptr<Impl>(impl_), name = s.opts_.name](std::exception_ptr e) {
                  if (!e) return;
                  std::string what = "unknown exception";
                  try {
                    std::rethrow_exception(e);
                  } catch (const std::exception& ex) {
                    what = ex.what();
                  } catch (...) {
                  }
                  log::error("source task failed", {{"source", name}, {"error", what}});
                  if (auto self = weak.lock()) {
                    self->running_ = false;
                    self->open_ = false;
                    self->set_state(SourceState::disconnected, "internal error: " + what);
                  }
                });
}

void WsClient::stop(std::chrono::milliseconds grace) { impl_->stop(grace, impl_); }

bool WsClient::send(std::string message) {
  auto& s = *impl_;
  if (!s.open_ || s.stopping_ || s.out_.size() >= kMaxQueued) return false;
  s.out_.push_back(std::move(message));
  s.write_signal_.cancel();
  return true;
}

bool WsClient::is_open() const noexcept { return impl_->open_; }

SourceState WsClient::state() const noexcept { return impl_->state_.load(std::memory_order_relaxed); }

SourceStats WsClient::stats() const noexcept { return impl_->snapshot(); }

}  // namespace fw::sources
