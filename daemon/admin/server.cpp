#include "admin/server.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <cstring>
#include <exception>
#include <fstream>
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

// The OpenSSL error queue's most recent entry, as text; clears the queue.
std::string openssl_reason(const beast::error_code& ec) {
  std::string reason;
  if (const unsigned long e = ERR_peek_last_error(); e != 0) {
    const char* r = ERR_reason_error_string(e);
    reason = r ? r : "";
  }
  ERR_clear_error();
  if (reason.empty()) reason = ec.message();
  return reason;
}

// A server context for `files`: TLS 1.2+, the certificate chain and its key,
// checked to belong together. nullopt + `error` naming the file and the cause.
std::optional<net::ssl::context> make_tls_context(const TlsFiles& files, std::string& error) {
  if (files.cert_file.empty() || files.key_file.empty()) {
    error = "admin TLS: both cert_file and key_file are needed";
    return std::nullopt;
  }
  for (const auto& [what, path] : {std::pair{"cert_file", &files.cert_file}, std::pair{"key_file", &files.key_file}}) {
    std::ifstream probe(*path, std::ios::binary);
    if (!probe) {
      error = std::string("admin TLS: cannot read ") + what + " " + *path + ": " + std::strerror(errno);
      return std::nullopt;
    }
  }
  ERR_clear_error();
  net::ssl::context ctx(net::ssl::context::tls_server);
  ctx.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                  net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                  net::ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx.native_handle(), TLS1_2_VERSION);
  // An encrypted key must fail, not prompt on the terminal.
  ctx.set_password_callback([](std::size_t, net::ssl::context::password_purpose) { return std::string(); });
  beast::error_code ec;
  // Key first: loading a certificate over a key that does not fit just drops
  // the key, so the mismatch is then reported by the check below.
  ctx.use_private_key_file(files.key_file, net::ssl::context::pem, ec);
  if (ec) {
    error = "admin TLS: key_file " + files.key_file + ": no unencrypted PEM private key could be loaded (" +
            openssl_reason(ec) + ")";
    return std::nullopt;
  }
  ctx.use_certificate_chain_file(files.cert_file, ec);
  if (ec) {
    error = "admin TLS: cert_file " + files.cert_file + ": no PEM certificate could be loaded (" + openssl_reason(ec) + ")";
    return std::nullopt;
  }
  if (SSL_CTX_check_private_key(ctx.native_handle()) != 1) {
    ERR_clear_error();
    error = "admin TLS: key_file " + files.key_file + " does not match the certificate in cert_file " + files.cert_file;
    return std::nullopt;
  }
  return ctx;
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

  std::optional<TlsFiles> tls_files;             // set_tls
  std::optional<net::ssl::context> tls_context;  // loaded by start(): the listener speaks HTTPS

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
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

beast::tcp_stream& lowest(beast::tcp_stream& stream) { return stream; }
beast::tcp_stream& lowest(TlsStream& stream) { return beast::get_lowest_layer(stream); }

// Reads and discards what the client still sends, bounded in bytes and time.
template <class Stream>
net::awaitable<void> drain(Stream& stream) {
  lowest(stream).expires_after(kLingerTime);
  std::array<char, 4096> sink;
  std::size_t drained = 0;
  while (drained < kLingerMaxBytes) {
    auto [ec, n] = co_await stream.async_read_some(net::buffer(sink), use_tuple);
    if (ec) break;
    drained += n;
  }
}

net::awaitable<void> linger_close(beast::tcp_stream& stream) {
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  co_await drain(stream);
}

// TLS: a TCP half-close under the session would not be seen as an end by the
// client's TLS layer, so just keep reading (decrypting and discarding) until
// the client, which got "Connection: close", goes away.
net::awaitable<void> linger_close(TlsStream& stream) { co_await drain(stream); }

// Answers a request the server refused before any handler saw it, then closes.
template <class Stream>
net::awaitable<void> send_error(Stream& stream, const Limits& limits, int status, std::string body = {}) {
  if (body.empty()) {
    switch (status) {
      case 413: body = "request body too large (limit " + std::to_string(limits.max_body_bytes) + " bytes)\n"; break;
      case 431: body = "request header fields too large (limit " + std::to_string(limits.max_header_bytes) + " bytes)\n"; break;
      default: body = "bad request\n"; break;
    }
  }
  http::response<http::string_body> res{static_cast<http::status>(status), 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.keep_alive(false);
  res.body() = std::move(body);
  res.prepare_payload();
  lowest(stream).expires_after(limits.io_timeout);
  auto [ec, n] = co_await http::async_write(stream, res, use_tuple);
  if (!ec) co_await linger_close(stream);
}

// The HTTP/1.1 request loop on an open connection (plain, or TLS after the
// handshake). Returns when the connection should close.
template <class Stream>
net::awaitable<void> serve_http(Impl& s, Impl::Session& me, Stream& stream, beast::flat_buffer& buffer,
                                const std::string& peer) {
  while (!s.stopping) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(
        std::min<std::size_t>(s.limits.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser.body_limit(static_cast<std::uint64_t>(s.limits.max_body_bytes));

    me.idle = true;
    lowest(stream).expires_after(s.limits.idle_timeout);
    auto [ec, n] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    me.idle = false;
    if (ec) {
      if (auto status = error_status(ec); status && !s.stopping) co_await send_error(stream, s.limits, *status);
      co_return;
    }

    if (!parser.is_done()) {
      const auto& head = parser.get();
      if (head.version() >= 11 && iequals(head[http::field::expect], "100-continue")) {
        http::response<http::empty_body> cont{http::status::continue_, head.version()};
        lowest(stream).expires_after(s.limits.io_timeout);
        auto [cec, cn] = co_await http::async_write(stream, cont, use_tuple);
        if (cec) co_return;
      }
      lowest(stream).expires_after(s.limits.io_timeout);
      auto [bec, bn] = co_await http::async_read(stream, buffer, parser, use_tuple);
      if (bec) {
        if (auto status = error_status(bec); status && !s.stopping) co_await send_error(stream, s.limits, *status);
        co_return;
      }
    }

    auto req = parser.release();
    const bool keep_alive = req.keep_alive();
    const http::request_header<> head = req.base();
    Response out = s.handle(to_request(std::move(req), peer));
    auto res = s.to_beast(std::move(out), head);
    res.keep_alive(keep_alive && !s.stopping);

    lowest(stream).expires_after(s.limits.io_timeout);
    auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
    if (wec || !res.keep_alive()) co_return;
  }
}

// HTTPS: tell TLS from plain HTTP by the first byte, handshake, then serve.
net::awaitable<void> serve_tls(Impl& s, Impl::Session& me, beast::tcp_stream& tcp_stream, const std::string& peer) {
  beast::flat_buffer buffer;
  me.idle = true;  // nothing asked yet: a graceful stop may cut it
  tcp_stream.expires_after(s.limits.io_timeout);
  auto [dec, is_tls] = co_await beast::async_detect_ssl(tcp_stream, buffer, use_tuple);
  me.idle = false;
  if (dec || s.stopping) co_return;
  if (!is_tls) {
    co_await send_error(tcp_stream, s.limits, 400,
                        "this listener speaks HTTPS only: use https:// (TLS 1.2 or later)\n");
    co_return;
  }

  TlsStream stream(std::move(tcp_stream), *s.tls_context);
  me.stream = &beast::get_lowest_layer(stream);  // the session's socket now lives in `stream`
  me.idle = true;
  me.stream->expires_after(s.limits.io_timeout);
  auto [hec, used] = co_await stream.async_handshake(net::ssl::stream_base::server, buffer.data(), use_tuple);
  me.idle = false;
  if (hec) {
    log::debug("admin TLS handshake failed", {{"peer", peer}, {"error", hec.message()}});
    co_return;
  }
  buffer.consume(used);
  co_await serve_http(s, me, stream, buffer, peer);
  if (!s.stopping) {
    // close_notify, briefly: most clients just close, which ends the wait.
    me.stream->expires_after(std::chrono::milliseconds(250));
    co_await stream.async_shutdown(use_tuple);
  }
  beast::error_code ignored;
  me.stream->socket().shutdown(tcp::socket::shutdown_both, ignored);
  me.stream->close();
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

  if (s.tls_context) {
    co_await serve_tls(s, me, stream, peer);
    co_return;
  }
  beast::flat_buffer buffer;
  co_await serve_http(s, me, stream, buffer, peer);
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

void AdminServer::set_tls(TlsFiles files) { impl_->tls_files = std::move(files); }

bool AdminServer::tls() const noexcept { return impl_->tls_files.has_value(); }

bool AdminServer::start(std::string& error) {
  auto& s = *impl_;
  if (s.started || s.stopping) {
    error = s.started ? "admin server already started" : "admin server was stopped";
    return false;
  }
  if (s.tls_files) {
    s.tls_context = make_tls_context(*s.tls_files, error);
    if (!s.tls_context) return false;
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
