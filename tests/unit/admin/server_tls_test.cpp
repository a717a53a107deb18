#include "admin/server.hpp"

#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "http_client.hpp"

namespace fw::admin {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

// ---------------------------------------------------------------------------
// A self-signed certificate made at test time (EC P-256, CN and SAN
// localhost + 127.0.0.1), written as PEM files into a fresh temp folder.

struct KeyPair {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  ~KeyPair() {
    X509_free(cert);
    EVP_PKEY_free(key);
  }
};

void add_ext(X509* cert, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  ASSERT_NE(ext, nullptr) << value;
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

void make_self_signed(KeyPair& kp) {
  kp.key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  ASSERT_NE(kp.key, nullptr);
  kp.cert = X509_new();
  X509_set_version(kp.cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(kp.cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(kp.cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(kp.cert), 24 * 3600);
  X509_set_pubkey(kp.cert, kp.key);
  X509_NAME* name = X509_get_subject_name(kp.cert);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
  X509_set_issuer_name(kp.cert, name);
  add_ext(kp.cert, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(kp.cert, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  ASSERT_GT(X509_sign(kp.cert, kp.key, EVP_sha256()), 0);
}

void write_pem(const fs::path& cert_path, const fs::path& key_path, const KeyPair& kp) {
  FILE* f = std::fopen(cert_path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_X509(f, kp.cert);
  std::fclose(f);
  f = std::fopen(key_path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  PEM_write_PrivateKey(f, kp.key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

// ---------------------------------------------------------------------------
// A blocking HTTPS client over OpenSSL, verifying the server against `ca_file`
// (host name `host` checked against the certificate's SAN).

class TlsClient {
 public:
  struct Options {
    std::string ca_file;  // "" = trust nothing (verification must fail)
    std::string host = "localhost";
    int max_version = 0;  // 0 = library default
  };

  TlsClient(std::uint16_t port, const Options& o) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    if (!o.ca_file.empty()) SSL_CTX_load_verify_locations(ctx_, o.ca_file.c_str(), nullptr);
    if (o.max_version) {
      SSL_CTX_set_min_proto_version(ctx_, 0);
      SSL_CTX_set_max_proto_version(ctx_, o.max_version);
      SSL_CTX_set_security_level(ctx_, 0);  // let the client offer old versions at all
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      error_ = "connect failed";
      return;
    }
    ssl_ = SSL_new(ctx_);
    SSL_set_fd(ssl_, fd_);
    SSL_set_tlsext_host_name(ssl_, o.host.c_str());
    SSL_set1_host(ssl_, o.host.c_str());
    if (SSL_connect(ssl_) != 1) {
      char buf[256];
      ERR_error_string_n(ERR_get_error(), buf, sizeof buf);
      error_ = buf;
      ERR_clear_error();
      return;
    }
    connected_ = true;
  }
  ~TlsClient() {
    if (ssl_) SSL_free(ssl_);
    if (fd_ >= 0) ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  TlsClient(const TlsClient&) = delete;
  TlsClient& operator=(const TlsClient&) = delete;

  bool connected() const { return connected_; }
  const std::string& error() const { return error_; }
  long verify_result() const { return ssl_ ? SSL_get_verify_result(ssl_) : -1; }
  int version() const { return ssl_ ? SSL_version(ssl_) : 0; }

  bool send(std::string_view bytes) {
    while (!bytes.empty()) {
      const int n = SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()));
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return true;
  }

  std::optional<test::Reply> read_reply() {
    std::size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill()) return std::nullopt;
    const std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    test::Reply r;
    if (head.rfind("HTTP/1.", 0) != 0 || head.size() < 12) return std::nullopt;
    r.status = std::stoi(head.substr(9, 3));
    std::size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      const std::size_t start = pos + 2;
      pos = head.find("\r\n", start);
      const std::string line = head.substr(start, pos == std::string::npos ? std::string::npos : pos - start);
      const auto colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string name = line.substr(0, colon);
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      std::string value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.erase(0, 1);
      r.headers[name] = value;
    }
    const std::size_t length = r.headers.count("content-length") ? std::stoul(r.headers["content-length"]) : 0;
    while (buf_.size() < length)
      if (!fill()) return std::nullopt;
    r.body = buf_.substr(0, length);
    buf_.erase(0, length);
    return r;
  }

  std::optional<test::Reply> request(const std::string& raw) {
    if (!send(raw)) return std::nullopt;
    return read_reply();
  }

  // The server ended the session (close_notify, EOF or reset) with nothing left to read.
  bool closed_by_peer() {
    if (!buf_.empty()) return false;
    char c;
    return SSL_read(ssl_, &c, 1) <= 0;
  }

 private:
  bool fill() {
    char tmp[8192];
    const int n = SSL_read(ssl_, tmp, sizeof tmp);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<std::size_t>(n));
    return true;
  }

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  int fd_ = -1;
  bool connected_ = false;
  std::string error_;
  std::string buf_;
};

// ---------------------------------------------------------------------------

class AdminServerTlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    char tmpl[] = "/tmp/fw_admin_tls_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    KeyPair a, b;
    make_self_signed(a);
    make_self_signed(b);
    write_pem(dir_ / "cert.pem", dir_ / "key.pem", a);
    write_pem(dir_ / "other-cert.pem", dir_ / "other-key.pem", b);
  }
  static void TearDownTestSuite() { fs::remove_all(dir_); }

  static std::string cert() { return (dir_ / "cert.pem").string(); }
  static std::string key() { return (dir_ / "key.pem").string(); }

  void make(Limits limits = {}) {
    server_ = std::make_unique<AdminServer>(io_, "127.0.0.1", 0, limits);
    server_->set_tls({cert(), key()});
  }

  void run() {
    if (!server_) make();
    std::string error;
    ASSERT_TRUE(server_->start(error)) << error;
    thread_ = std::thread([this] { io_.run(); });
  }

  std::uint16_t port() { return server_->bound_port(); }
  TlsClient::Options trusted() { return {cert(), "localhost", 0}; }

  bool stop_server(std::chrono::milliseconds wait = 3s) {
    if (!server_ || stopped_) return true;
    stopped_ = true;
    auto done = std::make_shared<std::promise<void>>();
    auto finished = done->get_future();
    boost::asio::post(io_, [this, done] { server_->stop([done] { done->set_value(); }); });
    return finished.wait_for(wait) == std::future_status::ready;
  }

  void TearDown() override {
    EXPECT_TRUE(stop_server());
    guard_.reset();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  static inline fs::path dir_;
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  std::unique_ptr<AdminServer> server_;
  std::thread thread_;
  bool stopped_ = false;
};

TEST_F(AdminServerTlsTest, HttpsHealthzAnswersWhenTheClientVerifiesTheCertificate) {
  run();
  EXPECT_TRUE(server_->tls());
  TlsClient c(port(), trusted());
  ASSERT_TRUE(c.connected()) << c.error();
  EXPECT_EQ(c.verify_result(), X509_V_OK);
  EXPECT_GE(c.version(), TLS1_2_VERSION);
  const auto r = c.request(test::get("/healthz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
}

TEST_F(AdminServerTlsTest, VerificationByIpAddressUsesTheSubjectAltName) {
  run();
  TlsClient c(port(), {cert(), "127.0.0.1", 0});
  ASSERT_TRUE(c.connected()) << c.error();
  const auto r = c.request(test::get("/healthz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminServerTlsTest, ClientThatDoesNotTrustTheCertificateFailsTheHandshake) {
  run();
  {
    TlsClient untrusted(port(), {"", "localhost", 0});
    EXPECT_FALSE(untrusted.connected());
    TlsClient wrong_ca(port(), {(dir_ / "other-cert.pem").string(), "localhost", 0});
    EXPECT_FALSE(wrong_ca.connected());
    TlsClient wrong_name(port(), {cert(), "admin.example.org", 0});
    EXPECT_FALSE(wrong_name.connected());
  }
  TlsClient c(port(), trusted());  // the server keeps serving
  ASSERT_TRUE(c.connected()) << c.error();
  EXPECT_TRUE(c.request(test::get("/healthz")));
}

TEST_F(AdminServerTlsTest, KeepAliveRoutesAndBodiesWorkInsideTheSession) {
  make();
  server_->add_route("POST", "/echo", [](const Request& req) {
    return Response::text(200, std::string(req.header("authorization").value_or("-")) + " " + req.body);
  });
  run();
  TlsClient c(port(), trusted());
  ASSERT_TRUE(c.connected()) << c.error();
  auto r = c.request("POST /echo HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t\r\nContent-Length: 5\r\n\r\nhello");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "Bearer t hello");
  ASSERT_TRUE(c.send(test::get("/nope") + test::get("/healthz")));  // pipelined, same session
  r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
  r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminServerTlsTest, PlainHttpToTheTlsListenerGets400AndTheServerKeepsServing) {
  run();
  {
    test::Client plain(port());
    const auto r = plain.request(test::get("/healthz"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_NE(r->body.find("HTTPS only"), std::string::npos) << r->body;
    EXPECT_TRUE(plain.closed_by_peer());
  }
  {  // A broken handshake (a ClientHello header, then junk) is dropped.
    test::Client junk(port());
    junk.send(std::string("\x16\x03\x01\x00\x08\x01\x00\x00\x04", 9) + "junk");
    EXPECT_TRUE(junk.closed_after_some_bytes());  // a TLS alert at most
  }
  TlsClient c(port(), trusted());
  ASSERT_TRUE(c.connected()) << c.error();
  const auto r = c.request(test::get("/healthz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminServerTlsTest, ClientLimitedToTls11IsRefused) {
  run();
  TlsClient old(port(), {cert(), "localhost", TLS1_1_VERSION});
  EXPECT_FALSE(old.connected());
  TlsClient c(port(), trusted());
  EXPECT_TRUE(c.connected()) << c.error();
}

TEST_F(AdminServerTlsTest, BodyOverTheLimitIs413AndOversizedHeadIs431) {
  Limits limits;
  limits.max_body_bytes = 1024;
  limits.max_header_bytes = 1024;
  make(limits);
  server_->add_route("POST", "/echo", [](const Request& req) { return Response::text(200, req.body); });
  run();
  {
    TlsClient c(port(), trusted());
    ASSERT_TRUE(c.connected()) << c.error();
    const auto r = c.request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + std::string(4096, 'a'));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_EQ(r->body, "request body too large (limit 1024 bytes)\n");
  }
  {
    TlsClient c(port(), trusted());
    ASSERT_TRUE(c.connected()) << c.error();
    const auto r = c.request(test::get("/healthz", "X-Big: " + std::string(2000, 'x') + "\r\n"));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 431);
  }
  TlsClient c(port(), trusted());
  ASSERT_TRUE(c.connected()) << c.error();
  const auto r = c.request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'c'));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body.size(), 1024u);
}

TEST_F(AdminServerTlsTest, ConnectionCloseEndsTheSession) {
  run();
  TlsClient c(port(), trusted());
  ASSERT_TRUE(c.connected()) << c.error();
  const auto r = c.request(test::get("/healthz", "Connection: close\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(AdminServerTlsTest, GracefulStopClosesIdleSessionsAndHalfOpenHandshakes) {
  run();
  TlsClient idle(port(), trusted());
  ASSERT_TRUE(idle.connected()) << idle.error();
  ASSERT_TRUE(idle.request(test::get("/healthz")));
  test::Client silent(port());  // connected, never says anything
  std::this_thread::sleep_for(50ms);
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(stop_server());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_TRUE(idle.closed_by_peer());
  EXPECT_TRUE(silent.closed_by_peer());
}

TEST_F(AdminServerTlsTest, StartFailsWithAClearErrorWhenTheFilesAreUnusable) {
  const std::string missing = (dir_ / "missing.pem").string();
  const std::string not_pem = (dir_ / "not-pem.txt").string();
  std::ofstream(not_pem) << "hello\n";
  const std::string other_key = (dir_ / "other-key.pem").string();

  struct Case {
    TlsFiles files;
    std::string expected;
  } cases[] = {
      {{missing, key()}, "admin TLS: cannot read cert_file " + missing + ": No such file or directory"},
      {{cert(), missing}, "admin TLS: cannot read key_file " + missing + ": No such file or directory"},
      {{not_pem, key()}, "admin TLS: cert_file " + not_pem + ": no PEM certificate could be loaded"},
      {{cert(), not_pem}, "admin TLS: key_file " + not_pem + ": no unencrypted PEM private key could be loaded"},
      {{cert(), other_key}, "admin TLS: key_file " + other_key + " does not match the certificate in cert_file " + cert()},
      {{cert(), ""}, "admin TLS: both cert_file and key_file are needed"},
  };
  for (const auto& c : cases) {
    AdminServer server(io_, "127.0.0.1", 0);
    server.set_tls(c.files);
    std::string error;
    EXPECT_FALSE(server.start(error));
    EXPECT_EQ(error.rfind(c.expected, 0), 0u) << error;
    EXPECT_EQ(server.bound_port(), 0);
  }
}

}  // namespace
}  // namespace fw::admin
