#include "sources/http_ingest.hpp"

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <optional>
#include <unordered_map>

#include "log/log.hpp"

namespace fw::sources {

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using net::awaitable;
using ms = std::chrono::milliseconds;

constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);
constexpr auto kMaxDrain = std::chrono::seconds(2);  // reading an unwanted body before closing
constexpr char kServer[] = "freezewatch/" FREEZEWATCH_VERSION;

std::string host_port(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

bool is_http_error(const beast::error_code& ec) {
  return ec.category() == http::make_error_code(http::error::bad_target).category();
}

void bump(std::atomic<std::uint64_t>& c, std::uint64_t by = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + by, std::memory_order_relaxed);
}

void drop(std::atomic<std::uint64_t>& c) noexcept {
  const auto v = c.load(std::memory_order_relaxed);
  c.store(v == 0 ? 0 : v - 1, std::memory_order_relaxed);
}

// One accepted connection. Shared between its session coroutine and the
// registry stop() walks.
struct Conn {
  explicit Conn(tcp::socket s) : stream(std::move(s)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

}  // namespace

struct HttpIngest::Impl {
  Impl(net::io_context& io, HttpIngestOptions o, HttpHandler h)
      : io_(io), opts_(std::move(o)), handler_(std::move(h)) {}

  net::io_context& io_;
  HttpIngestOptions opts_;
  HttpHandler handler_;
  std::optional<tcp::acceptor> acceptor_;
  std::unordered_map<std::uint64_t, std::shared_ptr<Conn>> conns_;
  std::uint64_t next_id_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  std::string where_;  // host:port for logs

  std::atomic<std::uint16_t> port_{0};
  std::atomic<std::uint64_t> accepted_{0}, open_{0}, refused_{0}, requests_{0}, body_bytes_{0}, too_large_{0},
      bad_method_{0}, bad_request_{0}, timeouts_{0}, handler_errors_{0};

  void stop() {
    if (stopping_) return;
    stopping_ = true;
    beast::error_code ec;
    if (acceptor_) acceptor_->close(ec);
    for (auto& [id, c] : conns_) c->stream.close();  // pending reads/writes complete with operation_aborted
  }

  // --- one connection, request after request ------------------------------

  awaitable<void> session(std::shared_ptr<Conn> c, std::uint64_t id) {
    struct Unregister {
      Impl& s;
      std::uint64_t id;
      ~Unregister() {
        s.conns_.erase(id);
        drop(s.open_);
      }
    } unregister{*this, id};
    auto& stream = c->stream;
    auto& buffer = c->buffer;
    beast::error_code ignored;
    stream.socket().set_option(tcp::no_delay(true), ignored);

    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.body_limit(opts_.max_body_bytes);
      stream.expires_after(ms(opts_.idle_timeout_ms));
      auto [hec, hn] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
      if (stopping_) co_return;
      if (hec) {
        if (hec == http::error::body_limit) {
          co_await answer_and_close(
              stream, 413, "request body larger than " + std::to_string(opts_.max_body_bytes) + " bytes", too_large_);
        } else if (hec == http::error::header_limit) {
          co_await answer_and_close(stream, 431, "request header too large", bad_request_);
        } else if (hec == beast::error::timeout) {
          if (parser.got_some()) bump(timeouts_);  // silent idle keep-alive connections are not counted
        } else if (is_http_error(hec) && hec != http::error::end_of_stream && hec != http::error::partial_message) {
          co_await answer_and_close(stream, 400, "bad request: " + hec.message(), bad_request_);
        }
        co_return;
      }
      auto& req = parser.get();
      const bool body_pending = !parser.is_done();

      if (opts_.post_only && req.method() != http::verb::post) {
        bump(bad_method_);
        if (body_pending) {
          co_await answer_and_close(stream, 405, "method not allowed; POST only", bad_method_, false);
          co_return;
        }
        const bool keep = req.keep_alive();
        const auto wec = co_await write_reply(stream, 405, "method not allowed; POST only", req.version(), keep);
        if (wec || !keep || stopping_) {
          close(stream);
          co_return;
        }
        continue;
      }

      if (body_pending) {
        if (beast::iequals(req[http::field::expect], "100-continue")) {
          http::response<http::empty_body> cont{http::status::continue_, req.version()};
          stream.expires_after(ms(opts_.read_timeout_ms));
          auto [cec, cn] = co_await http::async_write(stream, cont, use_tuple);
          if (cec || stopping_) co_return;
        }
        stream.expires_after(ms(opts_.read_timeout_ms));
        auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_tuple);
        if (stopping_) co_return;
        if (bec) {
          if (bec == http::error::body_limit) {
            co_await answer_and_close(
                stream, 413, "request body larger than " + std::to_string(opts_.max_body_bytes) + " bytes", too_large_);
          } else if (bec == beast::error::timeout) {
            bump(timeouts_);
          } else if (is_http_error(bec) && bec != http::error::end_of_stream && bec != http::error::partial_message) {
            co_await answer_and_close(stream, 400, "bad request: " + bec.message(), bad_request_);
          }
          co_return;
        }
      }

      const bool keep = req.keep_alive();
      const unsigned version = req.version();
      const std::string method(req.method_string());
      std::string_view target = req.target();
      const std::string path(target.substr(0, target.find('?')));
      std::string body = std::move(req.body());
      bump(requests_);
      bump(body_bytes_, body.size());

      HttpReply reply;
      try {
        reply = handler_(method, path, std::move(body));
      } catch (const std::exception& e) {
        bump(handler_errors_);
        log::error("http ingest handler failed", {{"source", opts_.name}, {"path", path}, {"error", e.what()}});
        reply = HttpReply{500, "internal error", nullptr};
      }
      if (stopping_) co_return;  // the handler stopped us (the connection is closed)

      const auto wec = co_await write_reply(stream, reply.status, reply.body, version, keep);
      if (reply.after_write && !stopping_) {
        try {
          reply.after_write();
        } catch (const std::exception& e) {
          log::error("http ingest after_write failed", {{"source", opts_.name}, {"path", path}, {"error", e.what()}});
        }
      }
      if (wec || !keep || stopping_) {
        close(stream);
        co_return;
      }
    }
  }

  awaitable<beast::error_code> write_reply(beast::tcp_stream& stream, int status, std::string_view body,
                                           unsigned version, bool keep) {
    if (status < 200 || status > 599) status = 500;
    http::response<http::string_body> res;
    res.version(version);
    res.result(static_cast<unsigned>(status));
    res.set(http::field::server, kServer);
    const bool json = !body.empty() && (body.front() == '{' || body.front() == '[');
    res.set(http::field::content_type, json ? "application/json" : "text/plain; charset=utf-8");
    res.keep_alive(keep);
    res.body().assign(body.data(), body.size());
    res.prepare_payload();
    stream.expires_after(ms(opts_.read_timeout_ms));
    auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
    co_return ec;
  }

  // Answers `status` with Connection: close, then reads and discards what the
  // client still sends (briefly), so it can read the answer instead of
  // getting a reset for the body we did not read.
  awaitable<void> answer_and_close(beast::tcp_stream& stream, int status, std::string body,
                                   std::atomic<std::uint64_t>& counter, bool count = true) {
    if (count) bump(counter);
    const auto wec = co_await write_reply(stream, status, body, 11, false);
    if (wec || stopping_) {
      close(stream);
      co_return;
    }
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    stream.expires_after(std::min<ms>(ms(opts_.read_timeout_ms), kMaxDrain));
    char scratch[16 * 1024];
    for (;;) {
      auto [rec, n] = co_await stream.async_read_some(net::buffer(scratch), use_tuple);
      if (rec || stopping_) break;
    }
    close(stream);
  }

  static void close(beast::tcp_stream& stream) {
    beast::error_code ec;
    stream.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream.close();
  }
};

namespace {

void log_task_failure(const std::string& name, const char* what_task, std::exception_ptr e) {
  if (!e) return;
  std::string what = "unknown exception";
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    what = ex.what();
  } catch (...) {
  }
  log::error(what_task, {{"source", name}, {"error", what}});
}

awaitable<void> accept_loop(std::shared_ptr<HttpIngest::Impl> self) {
  auto& s = *self;
  net::steady_timer pause(s.io_);
  while (!s.stopping_) {
    auto [ec, socket] = co_await s.acceptor_->async_accept(use_tuple);
    if (s.stopping_) break;
    if (ec) {
      if (ec == net::error::operation_aborted) break;
      // Out of file descriptors and the like: keep the listener, slow down.
      log::warn("http ingest accept failed", {{"source", s.opts_.name}, {"listen", s.where_}, {"error", ec.message()}});
      pause.expires_after(ms(100));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    bump(s.accepted_);
    if (s.conns_.size() >= s.opts_.max_connections) {
      bump(s.refused_);
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    const std::uint64_t id = ++s.next_id_;
    auto conn = std::make_shared<Conn>(std::move(socket));
    s.conns_.emplace(id, conn);  // registered now, so stop() reaches it before the session runs
    bump(s.open_);
    net::co_spawn(
        s.io_, [self, conn, id]() { return self->session(conn, id); },
        [name = s.opts_.name](std::exception_ptr e) { log_task_failure(name, "http ingest connection failed", e); });
  }
}

}  // namespace

HttpIngest::HttpIngest(net::io_context& io, HttpIngestOptions options, HttpHandler handler)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler))) {}

HttpIngest::~HttpIngest() {
  // The handler is kept (it may be the caller of this destructor) but is
  // never called again: every path checks stopping_ first.
  impl_->stop();
}

std::string HttpIngest::start() {
  auto& s = *impl_;
  if (s.started_) return "already started";
  if (s.stopping_) return "stopped";
  s.started_ = true;
  s.where_ = host_port(s.opts_.host, s.opts_.port);
  const std::string prefix = "listen on " + s.where_ + ": ";

  beast::error_code ec;
  tcp::endpoint endpoint;
  const auto address = net::ip::make_address(s.opts_.host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, s.opts_.port);
  } else {
    tcp::resolver resolver(s.io_);
    auto results = resolver.resolve(s.opts_.host, std::to_string(s.opts_.port), tcp::resolver::passive, ec);
    if (ec || results.empty()) return prefix + "cannot resolve host" + (ec ? ": " + ec.message() : std::string());
    endpoint = results.begin()->endpoint();
  }

  auto& acceptor = s.acceptor_.emplace(s.io_);
  auto fail = [&](const char* step) {
    beast::error_code ignored;
    acceptor.close(ignored);
    s.acceptor_.reset();
    std::string message = ec.message();
    if (ec == net::error::address_in_use) message = "address already in use";
    return prefix + step + message;
  };
  acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("");
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("");
  acceptor.bind(endpoint, ec);
  if (ec) return fail("");
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("");
  const auto local = acceptor.local_endpoint(ec);
  if (ec) return fail("");
  s.port_.store(local.port(), std::memory_order_relaxed);
  s.where_ = host_port(local.address().to_string(), local.port());
  log::info("http ingest listening", {{"source", s.opts_.name}, {"listen", s.where_}});

  net::co_spawn(s.io_, accept_loop(impl_), [name = s.opts_.name](std::exception_ptr e) {
    log_task_failure(name, "http ingest accept loop failed", e);
  });
  return {};
}

void HttpIngest::stop() { impl_->stop(); }

std::uint16_t HttpIngest::bound_port() const noexcept { return impl_->port_.load(std::memory_order_relaxed); }

HttpIngestStats HttpIngest::stats() const noexcept {
  const auto& s = *impl_;
  auto get = [](const std::atomic<std::uint64_t>& a) { return a.load(std::memory_order_relaxed); };
  HttpIngestStats out;
  out.accepted = get(s.accepted_);
  out.open = get(s.open_);
  out.refused = get(s.refused_);
  out.requests = get(s.requests_);
  out.body_bytes = get(s.body_bytes_);
  out.too_large = get(s.too_large_);
  out.bad_method = get(s.bad_method_);
  out.bad_request = get(s.bad_request_);
  out.timeouts = get(s.timeouts_);
  out.handler_errors = get(s.handler_errors_);
  return out;
}

}  // namespace fw::sources
