#include "test_server.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>
#include <thread>

namespace fw::delivery::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
constexpr auto use_tuple = asio::experimental::as_tuple(asio::use_awaitable);

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string bio_string(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<std::size_t>(n));
}

}  // namespace

TestCert make_test_cert(const std::string& common_name, const std::string& san) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(common_name.c_str()),
                             -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, x, x, nullptr, nullptr, 0);
  const std::pair<int, std::string> exts[] = {
      {NID_subject_alt_name, san},
      {NID_basic_constraints, "critical,CA:TRUE"},
      {NID_key_usage, "critical,digitalSignature,keyCertSign"},
      {NID_ext_key_usage, "serverAuth"},
  };
  for (const auto& [nid, value] : exts) {
    X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    if (!ext) throw std::runtime_error("bad certificate extension " + value);
    X509_add_ext(x, ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(x, key, EVP_sha256()) == 0) throw std::runtime_error("X509_sign failed");

  TestCert out;
  BIO* cb = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cb, x);
  out.cert_pem = bio_string(cb);
  BIO_free(cb);
  BIO* kb = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(kb, key, nullptr, nullptr, 0, nullptr, nullptr);
  out.key_pem = bio_string(kb);
  BIO_free(kb);
  X509_free(x);
  EVP_PKEY_free(key);
  return out;
}

struct ScriptServer::Impl {
  Script script;
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::unique_ptr<ssl::context> tls;
  std::thread thread;
  std::uint16_t port = 0;

  mutable std::mutex mutex;
  std::vector<Seen> seen;
  std::atomic<int> connections{0};
  std::atomic<int> active{0};
  std::atomic<int> max_active{0};

  template <class Stream>
  asio::awaitable<void> serve(Stream& stream, int conn_id) {
    beast::flat_buffer buffer;
    auto ex = co_await asio::this_coro::executor;
    for (;;) {
      http::request<http::string_body> req;
      auto [ec, n] = co_await http::async_read(stream, buffer, req, use_tuple);
      (void)n;
      if (ec) co_return;
      Seen s;
      s.method = std::string(req.method_string());
      s.target = std::string(req.target());
      for (const auto& f : req) s.headers[lower(std::string(f.name_string()))] = std::string(f.value());
      s.body = req.body();
      s.connection = conn_id;
      s.at = std::chrono::steady_clock::now();
      int index = 0;
      {
        std::lock_guard lock(mutex);
        index = static_cast<int>(seen.size());
        seen.push_back(s);
      }
      const int now_active = ++active;
      int prev = max_active.load();
      while (now_active > prev && !max_active.compare_exchange_weak(prev, now_active)) {
      }
      Reply r = script(s, index);
      if (r.hang) r.delay = std::chrono::hours(1);
      if (r.delay.count() > 0) {
        asio::steady_timer t(ex);
        t.expires_after(r.delay);
        co_await t.async_wait(use_tuple);
      }
      --active;
      if (r.drop) co_return;
      http::response<http::string_body> res{static_cast<http::status>(r.status), 11};
      for (const auto& [k, v] : r.headers) res.set(k, v);
      res.body() = r.body;
      res.keep_alive(!r.close && req.keep_alive());
      res.prepare_payload();
      auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
      (void)wn;
      if (wec || r.close || r.close_silently || !res.keep_alive()) co_return;
    }
  }

  asio::awaitable<void> session(tcp::socket socket, int conn_id) {
    if (tls) {
      ssl::stream<tcp::socket> stream(std::move(socket), *tls);
      auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
      if (ec) co_return;
      co_await serve(stream, conn_id);
    } else {
      tcp::socket stream(std::move(socket));
      co_await serve(stream, conn_id);
      beast::error_code ec;
      stream.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor.async_accept(use_tuple);
      if (ec) co_return;
      const int id = ++connections;
      // Test code: sessions end with the io_context, exceptions cannot escape
      // (every operation uses as_tuple), so detached is acceptable here.
      asio::co_spawn(io, session(std::move(socket), id), asio::detached);
    }
  }

  void start() {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(ep.protocol());
    acceptor.set_option(tcp::acceptor::reuse_address(true));
    acceptor.bind(ep);
    acceptor.listen();
    port = acceptor.local_endpoint().port();
    asio::co_spawn(io, accept_loop(), asio::detached);
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    io.stop();
    if (thread.joinable()) thread.join();
  }
};

ScriptServer::ScriptServer(Script script) : impl_(std::make_unique<Impl>()) {
  impl_->script = std::move(script);
  impl_->start();
}

ScriptServer::ScriptServer(Script script, const TestCert& cert) : impl_(std::make_unique<Impl>()) {
  impl_->script = std::move(script);
  impl_->tls = std::make_unique<ssl::context>(ssl::context::tls_server);
  impl_->tls->use_certificate_chain(asio::buffer(cert.cert_pem));
  impl_->tls->use_private_key(asio::buffer(cert.key_pem), ssl::context::pem);
  impl_->start();
}

ScriptServer::~ScriptServer() = default;

std::uint16_t ScriptServer::port() const { return impl_->port; }

std::string ScriptServer::url(const std::string& path) const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port()) + path;
}

std::vector<Seen> ScriptServer::requests() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen;
}

std::size_t ScriptServer::request_count() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->seen.size();
}

int ScriptServer::connections() const { return impl_->connections.load(); }
int ScriptServer::max_concurrent() const { return impl_->max_active.load(); }

std::uint16_t unused_port() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const auto port = a.local_endpoint().port();
  a.close();
  return port;
}

}  // namespace fw::delivery::test
