#include "ws_server.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <algorithm>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cctype>
#include <cstdio>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <list>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

namespace fw::test {

namespace {
namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using net::awaitable;
using namespace net::experimental::awaitable_operators;
using Clock = std::chrono::steady_clock;
constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);

struct SessionBase {
  virtual ~SessionBase() = default;
  virtual void push(std::string data, bool binary) = 0;
  virtual void drop() = 0;
  virtual void close(std::uint16_t code) = 0;
  virtual void freeze() = 0;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}
}  // namespace

struct WsServer::Impl {
  net::io_context io;
  tcp::acceptor acceptor{io};
  std::optional<ssl::context> tls;
  std::thread thread;

  // Server thread only.
  std::list<std::shared_ptr<SessionBase>> sessions;
  bool frozen = false;
  unsigned reject_status = 0;
  std::vector<std::string> greeting;

  // Shared with the test thread.
  mutable std::mutex mu;
  mutable std::condition_variable cv;
  std::size_t tcp_accepts = 0;
  std::size_t connections = 0;
  std::size_t open = 0;
  std::vector<std::string> received;
  std::map<std::string, std::string> last_headers;
  std::string last_target;
  std::vector<std::uint16_t> close_codes;
  std::string last_sni;

  template <class F>
  void update(F&& f) {
    {
      std::lock_guard lock(mu);
      f();
    }
    cv.notify_all();
  }

  template <class Pred>
  bool wait(std::chrono::milliseconds timeout, Pred pred) const {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, pred);
  }

  // Runs f on the server thread and waits for it.
  template <class F>
  void on_server(F f) {
    std::promise<void> done;
    net::post(io, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  awaitable<void> accept_loop();
};

namespace {

template <class Ws>
class Session final : public SessionBase, public std::enable_shared_from_this<Session<Ws>> {
 public:
  template <class... Args>
  Session(WsServer::Impl& server, Args&&... args)
      : server_(server), ws_(std::forward<Args>(args)...), signal_(server.io), freeze_signal_(server.io), hold_(server.io) {}

  static awaitable<void> run(std::shared_ptr<Session> self) { co_await self->serve(); }

  void push(std::string data, bool binary) override {
    if (frozen_) return;
    out_.push_back({std::move(data), binary});
    signal_.cancel();
  }
  void drop() override {
    beast::error_code ec;
    auto& sock = beast::get_lowest_layer(ws_).socket();
    sock.set_option(net::socket_base::linger(true, 0), ec);  // RST: as abrupt as it gets
    sock.close(ec);
    hold_.cancel();
  }
  void close(std::uint16_t code) override {
    close_code_ = code;
    signal_.cancel();
  }
  void freeze() override {
    frozen_ = true;
    freeze_signal_.cancel();
  }

 private:
  struct Out {
    std::string data;
    bool binary;
  };

  awaitable<void> serve() {
    constexpr bool is_tls = !std::is_same_v<Ws, websocket::stream<beast::tcp_stream>>;
    if constexpr (is_tls) {
      auto [ec] = co_await ws_.next_layer().async_handshake(ssl::stream_base::server, use_tuple);
      if (ec) co_return;
      const char* sni = SSL_get_servername(ws_.next_layer().native_handle(), TLSEXT_NAMETYPE_host_name);
      server_.update([&] { server_.last_sni = sni ? sni : ""; });
    }
    beast::flat_buffer buffer;
    http::request<http::string_body> req;
    auto [rec, n] = co_await http::async_read(ws_.next_layer(), buffer, req, use_tuple);
    if (rec) co_return;
    server_.update([&] {
      server_.last_headers.clear();
      for (const auto& f : req) server_.last_headers[lower(f.name_string())] = std::string(f.value());
      server_.last_target = std::string(req.target());
    });
    if (server_.reject_status != 0) {
      http::response<http::string_body> res{static_cast<http::status>(server_.reject_status), req.version()};
      res.set(http::field::connection, "close");
      res.body() = "rejected by test\n";
      res.prepare_payload();
      co_await http::async_write(ws_.next_layer(), res, use_tuple);
      beast::error_code ignored;
      beast::get_lowest_layer(ws_).socket().shutdown(tcp::socket::shutdown_both, ignored);
      co_return;
    }
    // Registered before the 101 goes out: once a client sees itself
    // connected, send()/close()/drop() already reach this connection (frames
    // wait in out_ until the upgrade is done).
    auto self = this->shared_from_this();
    server_.sessions.push_back(self);
    for (const auto& g : server_.greeting) out_.push_back({g, false});
    auto [aec] = co_await ws_.async_accept(req, use_tuple);
    if (aec) {
      server_.sessions.remove(self);
      co_return;
    }
    server_.update([&] {
      ++server_.connections;
      ++server_.open;
    });
    frozen_ = frozen_ || server_.frozen;
    if (!frozen_) co_await (reader() || writer() || freeze_watch());
    if (frozen_) {
      hold_.expires_at(Clock::time_point::max());
      co_await hold_.async_wait(use_tuple);
    }
    server_.sessions.remove(self);
    server_.update([&] { --server_.open; });
    beast::error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  awaitable<void> reader() {
    beast::flat_buffer buffer;
    for (;;) {
      auto [ec, n] = co_await ws_.async_read(buffer, use_tuple);
      if (ec) {
        if (ec == websocket::error::closed)
          server_.update([&] { server_.close_codes.push_back(static_cast<std::uint16_t>(ws_.reason().code)); });
        co_return;
      }
      server_.update([&] { server_.received.push_back(beast::buffers_to_string(buffer.data())); });
      buffer.consume(buffer.size());
    }
  }

  awaitable<void> writer() {
    for (;;) {
      while (!out_.empty() && close_code_ == 0) {
        ws_.binary(out_.front().binary);
        auto [ec, n] = co_await ws_.async_write(net::buffer(out_.front().data), use_tuple);
        if (ec) co_return;
        out_.pop_front();
      }
      if (close_code_ != 0) {
        co_await ws_.async_close(websocket::close_reason(close_code_), use_tuple);
        co_return;
      }
      signal_.expires_at(Clock::time_point::max());
      co_await signal_.async_wait(use_tuple);
      auto cs = co_await net::this_coro::cancellation_state;
      if (cs.cancelled() != net::cancellation_type::none) co_return;
    }
  }

  awaitable<void> freeze_watch() {
    for (;;) {
      freeze_signal_.expires_at(Clock::time_point::max());
      co_await freeze_signal_.async_wait(use_tuple);
      auto cs = co_await net::this_coro::cancellation_state;
      if (cs.cancelled() != net::cancellation_type::none || frozen_) co_return;
    }
  }

  WsServer::Impl& server_;
  Ws ws_;
  std::deque<Out> out_;
  net::steady_timer signal_;
  net::steady_timer freeze_signal_;
  net::steady_timer hold_;
  bool frozen_ = false;
  std::uint16_t close_code_ = 0;
};

using PlainSession = Session<websocket::stream<beast::tcp_stream>>;
using TlsSession = Session<websocket::stream<beast::ssl_stream<beast::tcp_stream>>>;

// Session and accept tasks end on network errors by returning; anything
// thrown is a bug in the fake, made visible.
void report_exception(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    std::fprintf(stderr, "fw::test::WsServer task failed: %s\n", ex.what());
  } catch (...) {
    std::fprintf(stderr, "fw::test::WsServer task failed\n");
  }
}

}  // namespace

awaitable<void> WsServer::Impl::accept_loop() {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
    if (ec) co_return;
    update([&] { ++tcp_accepts; });
    if (tls) {
      auto s = std::make_shared<TlsSession>(*this, std::move(socket), *tls);
      net::co_spawn(io, TlsSession::run(s), report_exception);
    } else {
      auto s = std::make_shared<PlainSession>(*this, std::move(socket));
      net::co_spawn(io, PlainSession::run(s), report_exception);
    }
  }
}

WsServer::WsServer() : WsServer(Options{}) {}

WsServer::WsServer(Options options) : impl_(std::make_shared<Impl>()) {
  auto& s = *impl_;
  if (options.tls) {
    s.tls.emplace(ssl::context::tls_server);
    s.tls->use_certificate_chain_file(options.cert_file);
    s.tls->use_private_key_file(options.key_file, ssl::context::pem);
  }
  const tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  s.acceptor.open(ep.protocol());
  s.acceptor.set_option(net::socket_base::reuse_address(true));
  s.acceptor.bind(ep);
  s.acceptor.listen();
  net::co_spawn(s.io, s.accept_loop(), report_exception);
  s.thread = std::thread([&s] { s.io.run(); });
}

WsServer::~WsServer() {
  auto& s = *impl_;
  s.on_server([&] {
    beast::error_code ignored;
    s.acceptor.close(ignored);
    for (auto& session : s.sessions) session->drop();
  });
  s.io.stop();
  s.thread.join();
}

std::uint16_t WsServer::port() const noexcept { return impl_->acceptor.local_endpoint().port(); }

std::string WsServer::url(const std::string& target) const {
  return std::string(impl_->tls ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port()) + target;
}

void WsServer::send(std::string text) {
  impl_->on_server([&] {
    for (auto& s : impl_->sessions) s->push(text, false);
  });
}

void WsServer::send_binary(std::string bytes) {
  impl_->on_server([&] {
    for (auto& s : impl_->sessions) s->push(bytes, true);
  });
}

void WsServer::drop() {
  impl_->on_server([&] {
    auto sessions = impl_->sessions;  // drop() may end sessions and edit the list later
    for (auto& s : sessions) s->drop();
  });
}

void WsServer::close(std::uint16_t code) {
  impl_->on_server([&] {
    for (auto& s : impl_->sessions) s->close(code);
  });
}

void WsServer::set_frozen(bool frozen) {
  impl_->on_server([&] {
    impl_->frozen = frozen;
    if (frozen)
      for (auto& s : impl_->sessions) s->freeze();
  });
}

void WsServer::set_reject_status(unsigned status) {
  impl_->on_server([&] { impl_->reject_status = status; });
}

void WsServer::set_greeting(std::vector<std::string> frames) {
  impl_->on_server([&] { impl_->greeting = std::move(frames); });
}

std::size_t WsServer::tcp_accepts() const {
  std::lock_guard lock(impl_->mu);
  return impl_->tcp_accepts;
}
std::size_t WsServer::connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->connections;
}
std::size_t WsServer::open_connections() const {
  std::lock_guard lock(impl_->mu);
  return impl_->open;
}
std::vector<std::string> WsServer::received() const {
  std::lock_guard lock(impl_->mu);
  return impl_->received;
}
std::map<std::string, std::string> WsServer::last_request_headers() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_headers;
}
std::string WsServer::last_request_target() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_target;
}
std::vector<std::uint16_t> WsServer::close_codes() const {
  std::lock_guard lock(impl_->mu);
  return impl_->close_codes;
}
std::string WsServer::last_sni() const {
  std::lock_guard lock(impl_->mu);
  return impl_->last_sni;
}

bool WsServer::wait_for_connections(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->wait(timeout, [&] { return impl_->connections >= n; });
}
bool WsServer::wait_for_open(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->wait(timeout, [&] { return impl_->open == n; });
}
bool WsServer::wait_for_received(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->wait(timeout, [&] { return impl_->received.size() >= n; });
}
bool WsServer::wait_for_tcp_accepts(std::size_t n, std::chrono::milliseconds timeout) const {
  return impl_->wait(timeout, [&] { return impl_->tcp_accepts >= n; });
}

// --- certificates -----------------------------------------------------------

namespace {
struct X509Deleter {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

void add_ext(X509* cert, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  if (!ext) throw std::runtime_error("X509V3_EXT_conf_nid failed for " + value);
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void write_pem(const std::string& path, const std::function<int(FILE*)>& write) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error("cannot write " + path);
  const int ok = write(f);
  std::fclose(f);
  if (!ok) throw std::runtime_error("PEM write failed for " + path);
}
}  // namespace

TlsFiles make_self_signed_cert(const std::string& dir, const std::vector<std::string>& names) {
  std::unique_ptr<EVP_PKEY, PkeyDeleter> key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("EC key generation failed");
  std::unique_ptr<X509, X509Deleter> cert(X509_new());
  X509_set_version(cert.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), static_cast<long>(Clock::now().time_since_epoch().count() & 0x7fffffff));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -60);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* subject = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(subject, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("freezewatch test"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), subject);
  std::string san;
  for (const auto& n : names) {
    boost::system::error_code ec;
    net::ip::make_address(n, ec);
    if (!san.empty()) san += ",";
    san += (ec ? "DNS:" : "IP:") + n;
  }
  add_ext(cert.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert.get(), NID_key_usage, "critical,digitalSignature,keyCertSign");
  add_ext(cert.get(), NID_subject_key_identifier, "hash");
  if (!san.empty()) add_ext(cert.get(), NID_subject_alt_name, san);
  if (!X509_sign(cert.get(), key.get(), EVP_sha256())) throw std::runtime_error("X509_sign failed");

  TlsFiles files{dir + "/cert.pem", dir + "/key.pem"};
  write_pem(files.cert_file, [&](FILE* f) { return PEM_write_X509(f, cert.get()); });
  write_pem(files.key_file,
            [&](FILE* f) { return PEM_write_PrivateKey(f, key.get(), nullptr, nullptr, 0, nullptr, nullptr); });
  return files;
}

std::string make_temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "fw-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  return tmpl;
}

}  // namespace fw::test
