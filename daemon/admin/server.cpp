#include "admin/server.hpp"

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <exception>
#include <limits>
#include <optional>
#include <unordered_map>
#include <utility>

#include "log/log.hpp"

namespace fw::admin {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);

// After an error answer the client may still be sending (a body we refused).
// Closing with unread data makes the kernel send a reset, which can destroy
// the answer before the client reads it; so drain for a while first.
constexpr std::size_t kLingerMaxBytes = 1024 * 1024;
constexpr std::chrono::seconds kLingerTime{1};

std::string endpoint_string(const tcp::endpoint& ep) {
  const auto addr = ep.address();
  std::string host = addr.to_string();
  if (addr.is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

std::string exception_text(std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    return ex.what();
  } catch (...) {
    return "unknown exception";
  }
}

// The status to answer a failed read with, or nullopt to just close (the
// client went away, timed out, or the server is stopping).
std::optional<int> error_status(const beast::error_code& ec) {
  if (ec == http::error::body_limit) return 413;
  if (ec == http::error::header_limit) return 431;
  if (ec == http::error::end_of_stream || ec == http::error::partial_message) return std::nullopt;
  if (ec.category() == http::make_error_code(http::error::bad_method).category()) return 400;
  return std::nullopt;
}

bool header_text_ok(std::string_view s) {
  for (char c : s)
    if (c == '\r' || c == '\n' || c == '\0') return false;
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

// Headers the server owns: a handler setting them would corrupt the framing.
bool reserved_header(std::string_view name) {
  return iequals(name, "content-length") || iequals(name, "transfer-encoding") || iequals(name, "connection");
}

Request to_request(http::request<http::string_body>&& req, const std::string& peer) {
  Request r;
  r.method = std::string(req.method_string());
  r.target = std::string(req.target());
  const auto q = r.target.find('?');
  r.path = r.target.substr(0, q);
  if (q != std::string::npos) r.query = r.target.substr(q + 1);
  r.headers.reserve(static_cast<std::size_t>(std::distance(req.begin(), req.end())));
  for (const auto& f : req) r.headers.push_back(Header{std::string(f.name_string()), std::string(f.value())});
  r.body = std::move(req.body());
  r.peer = peer;
  return r;
}

}  // namespace

struct AdminServer::Impl {
  Impl(net::io_context& io_, std::string address_, std::uint16_t port_, Limits limits_)
      : io(io_), address(std::move(address_)), port(port_), limits(limits_), acceptor(io_) {}

  struct Session {
    beast::tcp_stream* stream;
    bool idle;  // waiting for (the head of) the next request
  };

  net::io_context& io;
  const std::string address;
  const std::uint16_t port;
  const Limits limits;

  Router router;
  std::function<std::string()> metrics;
  std::function<std::vector<ReadinessCheck>()> readiness;

  tcp::acceptor acceptor;
  std::uint16_t bound_port = 0;
  bool started = false;
  bool stopping = false;
  bool accepting = false;         // the accept loop is running
  std::size_t connections = 0;    // session coroutines spawned and not yet finished
  std::unordered_map<std::uint64_t, Session> sessions;  // references stay valid until erased
  std::uint64_t next_session = 0;
  std::vector<std::function<void()>> on_stopped;

  Response handle(const Request& request) {
    try {
      return router.dispatch(request);
    } catch (const std::exception& e) {
      log::error("admin handler failed", {{"method", request.method}, {"path", request.path}, {"error", e.what()}});
    } catch (...) {
      log::error("admin handler failed", {{"method", request.method}, {"path", request.path}, {"error", "unknown exception"}});
    }
    return Response::text(500, "internal error\n");
  }

  Response serve_metrics() const {
    if (!metrics) return Response::text(503, "metrics not available\n");
    Response r;
    r.content_type = kMetricsContentType;
    r.body = metrics();
    return r;
  }

  Response serve_readiness() const {
    if (!readiness)
      return readiness_response({ReadinessCheck{"startup", false, "readiness checks not registered"}});
    try {
      return readiness_response(readiness());
    } catch (const std::exception& e) {
      return readiness_response({ReadinessCheck{"readiness", false, std::string("check failed: ") + e.what()}});
    }
  }

  http::response<http::string_body> to_beast(Response&& out, const http::request_header<>& req) const {
    int status = out.status;
    if (status < 200 || status > 599) {
      log::error("admin handler returned an invalid status", {{"path", std::string(req.target())}, {"status", status}});
      out = Response::text(500, "internal error\n");
      status = 500;
    }
    http::response<http::string_body> res{static_cast<http::status>(status), req.version()};
    if (!out.content_type.empty()) res.set(http::field::content_type, out.content_type);
    for (const auto& h : out.headers) {
      if (h.name.empty() || !header_text_ok(h.name) || !header_text_ok(h.value) || reserved_header(h.name)) {
        log::error("admin handler set an invalid header", {{"path", std::string(req.target())}, {"header", h.name}});
        continue;
      }
      res.insert(h.name, h.value);
    }
    // 204 and 304 carry no body (Beast refuses to frame one).
    if (status == 204 || status == 304) out.body.clear();
    const std::size_t length = out.body.size();
    res.body() = std::move(out.body);
    res.prepare_payload();
    // HEAD: the GET answer's headers, Content-Length included, without the body.
    if (req.method() == http::verb::head) {
      res.body().clear();
      res.content_length(length);
    }
    return res;
  }

  void close_idle() {
    for (auto& [id, s] : sessions)
      if (s.idle) s.stream->cancel();
  }

  void check_stopped() {
    if (!stopping || accepting || connections > 0 || on_stopped.empty()) return;
    auto callbacks = std::move(on_stopped);
    on_stopped.clear();
    net::post(io, [callbacks = std::move(callbacks)] {
      for (const auto& f : callbacks) f();
    });
  }
};

namespace {

using Impl = AdminServer::Impl;

net::awaitable<void> linger_close(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.expires_after(kLingerTime);
  std::array<char, 4096> sink;
  std::size_t drained = 0;
  while (drained < kLingerMaxBytes) {
    auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), use_tuple);
    if (ec) break;
    drained += n;
  }
}

// Answers a request the server refused before any handler saw it, then closes.
net::awaitable<void> send_error(beast::tcp_stream& stream, const Limits& limits, int status) {
  std::string body;
  switch (status) {
    case 413: body = "request body too large (limit " + std::to_string(limits.max_body_bytes) + " bytes)\n"; break;
    case 431: body = "request header fields too large (limit " + std::to_string(limits.max_header_bytes) + " bytes)\n"; break;
    default: body = "bad request\n"; break;
  }
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.keep_alive(false);
  res.body() = std::move(body);
  res.prepare_payload();
  stream.expires_after(limits.io_timeout);
  auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
  if (!ec) co_await linger_close(stream);
}

net::awaitable<void> session(std::shared_ptr<Impl> self, tcp::socket socket) {
  auto& s = *self;
  beast::error_code ignored;
  std::string peer;
  if (auto ep = socket.remote_endpoint(ignored); !ignored) peer = endpoint_string(ep);

  beast::tcp_stream stream(std::move(socket));
  const auto id = s.next_session++;
  Impl::Session& me = s.sessions.emplace(id, Impl::Session{&stream, false}).first->second;
  struct Unregister {
    Impl& s;
    std::uint64_t id;
    ~Unregister() { s.sessions.erase(id); }
  } unregister{s, id};

  beast::flat_buffer buffer;
  while (!s.stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(s.limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(static_cast<std::uint64_t>(s.limits.max_body_bytes));

    me.idle = true;
    stream.expires_after(s.limits.idle_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    me.idle = false;
    if (ec) {
      if (auto status = error_status(ec); status && !s.stopping) co_await send_error(stream, s.limits, *status);
      break;
    }

    if (!parser.is_done()) {
      const auto& head = parser.get();
      if (head.version() >= 11 && iequals(head[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, head.version()};
        stream.expires_after(s.limits.io_timeout);
        auto [cec, cn] = co_await http::async_write(stream, cont, use_tuple);
        if (cec) break;
      }
      stream.expires_after(s.limits.io_timeout);
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_tuple);
      if (bec) {
        if (auto status = error_status(bec); status && !s.stopping) co_await send_error(stream, s.limits, *status);
        break;
      }
    }

    auto req = parser.release();
    const bool keep_alive = req.keep_alive();
    const http::request_header<> head = req.base();
    Response out = s.handle(to_request(std::move(req), peer));
    auto res = s.to_beast(std::move(out), head);
    res.keep_alive(keep_alive && !s.stopping);

    stream.expires_after(s.limits.io_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
    if (wec || !res.keep_alive()) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream.close();
}

void spawn_session(const std::shared_ptr<Impl>& self, tcp::socket socket) {
  ++self->connections;
  net::co_spawn(self->io, session(self, std::move(socket)), [self](std::exception_ptr e) {
    if (e) log::error("admin connection failed", {{"error", exception_text(e)}});
    --self->connections;
    self->check_stopped();
  });
}

net::awaitable<void> accept_loop(std::shared_ptr<Impl> self) {
  auto& s = *self;
  while (!s.stopping) {
    auto [ec, socket] = co_await s.acceptor.async_accept(use_tuple);
    if (s.stopping) break;
    if (ec) {
      if (ec == net::error::operation_aborted) break;
      // Out of descriptors and the like: wait a little instead of spinning.
      log::warn("admin accept failed", {{"error", ec.message()}});
      net::steady_timer pause(s.io, std::chrono::milliseconds(100));
      co_await pause.async_wait(use_tuple);
      continue;
    }
    if (s.connections >= s.limits.max_connections) {
      beast::error_code ignored;
      socket.close(ignored);
      continue;
    }
    spawn_session(self, std::move(socket));
  }
}

}  // namespace

AdminServer::AdminServer(net::io_context& io, std::string address, std::uint16_t port, Limits limits)
    : impl_(std::make_shared<Impl>(io, std::move(address), port, limits)) {
  Impl* s = impl_.get();  // the router lives inside Impl: the handlers never outlive it
  impl_->router.add("GET", "/metrics", [s](const Request&) { return s->serve_metrics(); });
  impl_->router.add("GET", "/healthz", [](const Request&) { return Response::text(200, "ok\n"); });
  impl_->router.add("GET", "/readyz", [s](const Request&) { return s->serve_readiness(); });
}

AdminServer::~AdminServer() {
  auto& s = *impl_;
  s.stopping = true;
  beast::error_code ignored;
  s.acceptor.close(ignored);
  for (auto& [id, session] : s.sessions) session.stream->close();
  // Coroutines may still hold Impl briefly; make sure none can reach the app's
  // handlers (and whatever they captured) after this point.
  s.router = Router();
  s.metrics = nullptr;
  s.readiness = nullptr;
}

void AdminServer::add_route(std::string method, std::string path, Handler handler, PathMatch match) {
  impl_->router.add(std::move(method), std::move(path), std::move(handler), match);
}

void AdminServer::set_metrics(std::function<std::string()> provider) { impl_->metrics = std::move(provider); }

void AdminServer::set_readiness(std::function<std::vector<ReadinessCheck>()> provider) {
  impl_->readiness = std::move(provider);
}

bool AdminServer::start(std::string& error) {
  auto& s = *impl_;
  if (s.started || s.stopping) {
    error = s.started ? "admin server already started" : "admin server was stopped";
    return false;
  }
  beast::error_code ec;
  const auto addr = net::ip::make_address(s.address, ec);
  if (ec) {
    error = "invalid listen address \"" + s.address + "\": not an IPv4 or IPv6 address";
    return false;
  }
  const tcp::endpoint endpoint(addr, s.port);
  const std::string where = "listen " + endpoint_string(endpoint);

  auto fail = [&](const char* step) {
    error = where + ": " + step + ": " + ec.message();
    beast::error_code ignored;
    s.acceptor.close(ignored);
    return false;
  };
  s.acceptor.open(endpoint.protocol(), ec);
  if (ec) return fail("open");
  s.acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (ec) return fail("setsockopt");
  s.acceptor.bind(endpoint, ec);
  if (ec) return fail("bind");
  s.acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return fail("listen");
  const auto local = s.acceptor.local_endpoint(ec);
  if (ec) return fail("getsockname");

  s.bound_port = local.port();
  s.started = true;
  s.accepting = true;
  net::co_spawn(s.io, accept_loop(impl_), [self = impl_](std::exception_ptr e) {
    if (e) log::error("admin listener failed", {{"error", exception_text(e)}});
    self->accepting = false;
    self->check_stopped();
  });
  return true;  // the app logs where it listens (bound_port())
}

std::uint16_t AdminServer::bound_port() const noexcept { return impl_->bound_port; }

void AdminServer::stop(std::function<void()> done) {
  auto& s = *impl_;
  if (done) s.on_stopped.push_back(std::move(done));
  s.stopping = true;
  beast::error_code ignored;
  s.acceptor.close(ignored);  // the pending accept completes with operation_aborted
  s.close_idle();
  s.check_stopped();
}

}  // namespace fw::admin
