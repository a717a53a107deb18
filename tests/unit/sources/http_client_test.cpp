#include "sources/http_client.hpp"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <mutex>
#include <thread>

#include "sources/http_client_coro.hpp"
#include "test_support.hpp"

namespace fw::sources {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;
using testing::run_until;
using testing::TempDir;

constexpr auto use_tuple = net::experimental::as_tuple(net::use_awaitable);

// A scriptable HTTP/1.1 server (plain or TLS) on 127.0.0.1, its own thread.
class TestServer {
 public:
  struct Seen {
    std::string method;
    std::string target;
    std::string body;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::size_t connection = 0;                  // 1-based accept number
  };
  struct Reply {
    int status = 200;
    std::string body;
    std::vector<std::pair<std::string, std::string>> headers;
    bool close = false;   // Connection: close, then close
    bool silent = false;  // never answer (hold the connection)
  };
  using Script = std::function<Reply(const Seen&)>;
  struct Options {
    bool tls = false;
    std::string cert_file, key_file;
    std::chrono::milliseconds close_idle_after{0};  // close a keep-alive connection idle this long
  };

  explicit TestServer(Script script) : TestServer(std::move(script), Options()) {}
  TestServer(Script script, Options options)
      : options_(std::move(options)), script_(std::move(script)), acceptor_(io_) {
    if (options_.tls) {
      ctx_.emplace(ssl::context::tls_server);
      ctx_->use_certificate_chain_file(options_.cert_file);
      ctx_->use_private_key_file(options_.key_file, ssl::context::pem);
    }
    tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    net::co_spawn(
        io_, [this] { return accept_loop(); }, [](std::exception_ptr) {});
    thread_ = std::thread([this] { io_.run(); });
  }

  ~TestServer() {
    io_.stop();
    thread_.join();
  }

  std::uint16_t port() const { return port_; }
  std::string url(const std::string& path = "") const {
    return std::string(options_.tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::size_t accepts() const {
    std::lock_guard lock(mutex_);
    return accepts_;
  }
  std::vector<Seen> seen() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  std::string last_sni() const {
    std::lock_guard lock(mutex_);
    return sni_;
  }

 private:
  net::awaitable<void> accept_loop() {
    for (;;) {
      auto [ec, socket] = co_await acceptor_.async_accept(use_tuple);
      if (ec) co_return;
      std::size_t id;
      {
        std::lock_guard lock(mutex_);
        id = ++accepts_;
      }
      net::co_spawn(
          io_,
          [this, s = std::make_shared<tcp::socket>(std::move(socket)), id]() mutable {
            return connection(std::move(*s), id);
          },
          [](std::exception_ptr) {});
    }
  }

  net::awaitable<void> connection(tcp::socket socket, std::size_t id) {
    if (ctx_) {
      beast::ssl_stream<beast::tcp_stream> stream(std::move(socket), *ctx_);
      auto [ec] = co_await stream.async_handshake(ssl::stream_base::server, use_tuple);
      if (ec) co_return;
      const char* name = SSL_get_servername(stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      {
        std::lock_guard lock(mutex_);
        sni_ = name ? name : "";
      }
      co_await serve(stream, id);
    } else {
      beast::tcp_stream stream(std::move(socket));
      co_await serve(stream, id);
    }
  }

  template <class Stream>
  net::awaitable<void> serve(Stream& stream, std::size_t id) {
    beast::flat_buffer buffer;
    auto& low = beast::get_lowest_layer(stream);
    for (;;) {
      http::request<http::string_body> req;
      if (options_.close_idle_after.count() > 0)
        low.expires_after(options_.close_idle_after);
      else
        low.expires_never();
      auto [ec, n] = co_await http::async_read(stream, buffer, req, use_tuple);
      if (ec) {
        low.close();
        co_return;
      }
      Seen seen{std::string(req.method_string()), std::string(req.target()), req.body(), {}, id};
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (auto& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
        seen.headers[name] = std::string(f.value());
      }
      {
        std::lock_guard lock(mutex_);
        seen_.push_back(seen);
      }
      const Reply reply = script_(seen);
      if (reply.silent) {
        net::steady_timer forever(co_await net::this_coro::executor, std::chrono::hours(1));
        co_await forever.async_wait(use_tuple);
        co_return;
      }
      http::response<http::string_body> res;
      res.version(11);
      res.result(static_cast<unsigned>(reply.status));
      for (const auto& [k, v] : reply.headers) res.set(k, v);
      res.body() = reply.body;
      res.keep_alive(!reply.close);
      res.prepare_payload();
      low.expires_never();
      auto [wec, wn] = co_await http::async_write(stream, res, use_tuple);
      if (wec || reply.close) {
        low.close();
        co_return;
      }
    }
  }

  Options options_;
  Script script_;
  net::io_context io_;
  std::optional<ssl::context> ctx_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  mutable std::mutex mutex_;
  std::size_t accepts_ = 0;
  std::vector<Seen> seen_;
  std::string sni_;
};

TestServer::Reply ok(std::string body) { return TestServer::Reply{200, std::move(body), {}, false, false}; }

struct ClientHarness {
  net::io_context io;
  std::unique_ptr<HttpClient> client;
  std::vector<HttpResult> results;

  explicit ClientHarness(HttpClientOptions o) {
    std::string error;
    client = HttpClient::create(io, std::move(o), error);
    EXPECT_TRUE(client) << error;
  }

  void get(std::string target) {
    client->get(std::move(target), [this](HttpResult r) { results.push_back(std::move(r)); });
  }

  // Runs until `n` results arrived.
  bool wait(std::size_t n, std::chrono::milliseconds timeout = 5s) {
    return run_until(
        io, [&] { return results.size() >= n; }, timeout);
  }
};

HttpClientOptions options_for(const TestServer& server, std::string path = "") {
  HttpClientOptions o;
  o.name = "test";
  o.base_url = server.url(path);
  o.timeout_ms = 3000;
  return o;
}

TEST(HttpClientTest, GetReturnsStatusAndBodyAndSendsHeaders) {
  TestServer server([](const TestServer::Seen& s) { return ok("block " + s.target); });
  auto o = options_for(server, "/api/");
  o.headers["x-api-key"] = "secret-key";
  ClientHarness h(o);
  h.get("/extended/v2/blocks/5?x=1");
  ASSERT_TRUE(h.wait(1));
  const auto& r = h.results[0];
  EXPECT_EQ(r.status, 200);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.body, "block /api/extended/v2/blocks/5?x=1");
  const auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "GET");
  EXPECT_EQ(seen[0].headers.at("x-api-key"), "secret-key");
  EXPECT_EQ(seen[0].headers.at("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_NE(seen[0].headers.at("user-agent").find("freezewatch/"), std::string::npos);
  EXPECT_EQ(h.client->origin(), "http://127.0.0.1:" + std::to_string(server.port()));
}

TEST(HttpClientTest, NonSuccessStatusIsAResultNotAnError) {
  TestServer server([](const TestServer::Seen&) { return TestServer::Reply{404, R"({"error":"not found"})"}; });
  ClientHarness h(options_for(server));
  h.get("/extended/v2/blocks/999999999");
  ASSERT_TRUE(h.wait(1));
  EXPECT_EQ(h.results[0].status, 404);
  EXPECT_FALSE(h.results[0].ok());
  EXPECT_EQ(h.results[0].error, "");
  EXPECT_EQ(h.results[0].body, R"({"error":"not found"})");
}

TEST(HttpClientTest, KeepAliveReusesOneConnection) {
  TestServer server([](const TestServer::Seen& s) { return ok(s.target); });
  ClientHarness h(options_for(server));
  for (int i = 0; i < 5; ++i) h.get("/n/" + std::to_string(i));  // queued: one at a time, in order
  ASSERT_TRUE(h.wait(5));
  for (int i = 0; i < 5; ++i) EXPECT_EQ(h.results[static_cast<std::size_t>(i)].body, "/n/" + std::to_string(i));
  h.get("/later");
  ASSERT_TRUE(h.wait(6));
  EXPECT_EQ(server.accepts(), 1u);
  EXPECT_EQ(h.client->stats().connects, 1u);
  EXPECT_EQ(h.client->stats().requests, 6u);
  EXPECT_EQ(h.client->pending(), 0u);
}

TEST(HttpClientTest, ServerClosingAnIdleConnectionIsInvisible) {
  TestServer::Options so;
  so.close_idle_after = 50ms;
  TestServer server([](const TestServer::Seen& s) { return ok(s.target); }, so);
  ClientHarness h(options_for(server));
  h.get("/first");
  ASSERT_TRUE(h.wait(1));
  std::this_thread::sleep_for(300ms);  // the server has closed the idle connection by now
  h.get("/second");
  ASSERT_TRUE(h.wait(2));
  EXPECT_EQ(h.results[1].status, 200) << h.results[1].error;
  EXPECT_EQ(h.results[1].body, "/second");
  EXPECT_EQ(server.accepts(), 2u);
  EXPECT_EQ(h.client->stats().resends, 1u);
}

TEST(HttpClientTest, ConnectionCloseFromTheServerIsHonoured) {
  TestServer server([](const TestServer::Seen& s) { return TestServer::Reply{200, s.target, {}, /*close=*/true}; });
  ClientHarness h(options_for(server));
  h.get("/a");
  ASSERT_TRUE(h.wait(1));
  h.get("/b");
  ASSERT_TRUE(h.wait(2));
  EXPECT_EQ(h.results[1].body, "/b");
  EXPECT_EQ(server.accepts(), 2u);
  EXPECT_EQ(h.client->stats().resends, 0u) << "a announced close needs no resend";
}

TEST(HttpClientTest, SilentServerTimesOut) {
  TestServer server([](const TestServer::Seen&) { return TestServer::Reply{200, "", {}, false, /*silent=*/true}; });
  auto o = options_for(server);
  o.timeout_ms = 200;
  ClientHarness h(o);
  const auto started = std::chrono::steady_clock::now();
  h.get("/slow");
  ASSERT_TRUE(h.wait(1));
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(h.results[0].status, 0);
  EXPECT_NE(h.results[0].error.find("within 200 ms"), std::string::npos) << h.results[0].error;
  EXPECT_NE(h.results[0].error.find("127.0.0.1:" + std::to_string(server.port())), std::string::npos);
  EXPECT_GE(took, 190ms);
  EXPECT_LT(took, 2s);
  EXPECT_EQ(h.client->stats().failures, 1u);
}

TEST(HttpClientTest, TimeoutDoesNotPoisonTheNextRequest) {
  TestServer server([](const TestServer::Seen& s) {
    TestServer::Reply r = ok(s.target);
    r.silent = s.target == "/hang";
    return r;
  });
  auto o = options_for(server);
  o.timeout_ms = 200;
  ClientHarness h(o);
  h.get("/hang");
  h.get("/fine");
  ASSERT_TRUE(h.wait(2));
  EXPECT_EQ(h.results[0].status, 0);
  EXPECT_EQ(h.results[1].status, 200) << h.results[1].error;
  EXPECT_EQ(h.results[1].body, "/fine");
}

TEST(HttpClientTest, OversizedResponseIsRefused) {
  TestServer server([](const TestServer::Seen& s) { return ok(std::string(s.target == "/big" ? 5000 : 10, 'x')); });
  auto o = options_for(server);
  o.max_response_bytes = 1000;
  ClientHarness h(o);
  h.get("/big");
  h.get("/small");
  ASSERT_TRUE(h.wait(2));
  EXPECT_EQ(h.results[0].status, 0);
  EXPECT_TRUE(h.results[0].body.empty());
  EXPECT_NE(h.results[0].error.find("larger than max_response_bytes (1000)"), std::string::npos) << h.results[0].error;
  EXPECT_EQ(h.results[1].status, 200) << "the next request gets a fresh connection";
  EXPECT_EQ(server.accepts(), 2u);
}

TEST(HttpClientTest, TooManyRequestsCarriesRetryAfter) {
  TestServer server([](const TestServer::Seen& s) {
    TestServer::Reply r{429, "slow down"};
    if (s.target == "/seconds") r.headers.push_back({"Retry-After", "7"});
    if (s.target == "/date") r.headers.push_back({"Retry-After", "Wed, 21 Oct 2099 07:28:00 GMT"});
    if (s.target == "/past") r.headers.push_back({"Retry-After", "Sun, 06 Nov 1994 08:49:37 GMT"});
    if (s.target == "/junk") r.headers.push_back({"Retry-After", "soon"});
    return r;
  });
  ClientHarness h(options_for(server));
  for (const char* t : {"/seconds", "/date", "/past", "/junk", "/none"}) h.get(t);
  ASSERT_TRUE(h.wait(5));
  EXPECT_EQ(h.results[0].status, 429);
  EXPECT_EQ(h.results[0].body, "slow down");
  ASSERT_TRUE(h.results[0].retry_after);
  EXPECT_EQ(*h.results[0].retry_after, 7000ms);
  ASSERT_TRUE(h.results[1].retry_after);
  EXPECT_GT(*h.results[1].retry_after, std::chrono::hours(24 * 365 * 50));
  ASSERT_TRUE(h.results[2].retry_after);
  EXPECT_EQ(*h.results[2].retry_after, 0ms);
  EXPECT_FALSE(h.results[3].retry_after);
  EXPECT_FALSE(h.results[4].retry_after);
}

TEST(HttpClientTest, ConnectionRefusedNamesHostAndPort) {
  std::uint16_t port = 0;
  {
    net::io_context io;
    tcp::acceptor a(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
    port = a.local_endpoint().port();
  }  // closed: nothing listens there now
  HttpClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port);
  ClientHarness h(o);
  h.get("/x");
  ASSERT_TRUE(h.wait(1));
  EXPECT_EQ(h.results[0].status, 0);
  EXPECT_NE(h.results[0].error.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << h.results[0].error;
  EXPECT_NE(h.results[0].error.find("refused"), std::string::npos) << h.results[0].error;
}

TEST(HttpClientTest, PostSendsTheBodyAndIsNotResent) {
  TestServer::Options so;
  so.close_idle_after = 50ms;
  TestServer server([](const TestServer::Seen& s) { return ok("got " + s.body); }, so);
  ClientHarness h(options_for(server));
  h.client->post("/v1/things", R"({"a":1})", "application/json",
                 [&](HttpResult r) { h.results.push_back(std::move(r)); });
  ASSERT_TRUE(h.wait(1));
  EXPECT_EQ(h.results[0].body, R"(got {"a":1})");
  const auto seen = server.seen();
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].headers.at("content-type"), "application/json");
  std::this_thread::sleep_for(300ms);  // the server closes the idle connection
  h.client->post("/v1/things", "{}", "application/json", [&](HttpResult r) { h.results.push_back(std::move(r)); });
  ASSERT_TRUE(h.wait(2));
  EXPECT_EQ(h.results[1].status, 0) << "a POST on a stale connection fails instead of being sent twice";
  EXPECT_EQ(h.client->stats().resends, 0u);
}

TEST(HttpClientTest, RequestsMadeInsideACallbackRun) {
  TestServer server([](const TestServer::Seen& s) { return ok(s.target); });
  ClientHarness h(options_for(server));
  h.client->get("/first", [&](HttpResult r) {
    h.results.push_back(std::move(r));
    h.get("/second");
  });
  ASSERT_TRUE(h.wait(2));
  EXPECT_EQ(h.results[1].status, 200) << h.results[1].error;
  EXPECT_EQ(h.results[1].body, "/second");
  // And from a plain handler on the io thread, with the client idle.
  boost::asio::post(h.io, [&] { h.get("/third"); });
  ASSERT_TRUE(h.wait(3));
  EXPECT_EQ(h.results[2].body, "/third");
  EXPECT_EQ(server.accepts(), 1u);
}

TEST(HttpClientTest, CoroutineFormsWork) {
  TestServer server([](const TestServer::Seen& s) { return ok(s.method + " " + s.target + " " + s.body); });
  ClientHarness h(options_for(server));
  std::vector<HttpResult> got;
  bool done = false;
  net::co_spawn(
      h.io,
      [&]() -> net::awaitable<void> {
        got.push_back(co_await co_get(*h.client, "/one"));
        got.push_back(co_await co_post(*h.client, "/two", "body"));
        done = true;
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  ASSERT_TRUE(run_until(h.io, [&] { return done; }));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].body, "GET /one ");
  EXPECT_EQ(got[1].body, "POST /two body");
}

TEST(HttpClientTest, CancellingTheAwaitingCoroutineCancelsTheRequest) {
  using namespace net::experimental::awaitable_operators;
  TestServer server([](const TestServer::Seen& s) {
    TestServer::Reply r = ok(s.target);
    r.silent = s.target == "/hang";
    return r;
  });
  ClientHarness h(options_for(server));  // 3 s timeout: the race below is decided long before
  std::optional<std::size_t> raced;
  std::optional<HttpResult> after;
  net::co_spawn(
      h.io,
      [&]() -> net::awaitable<void> {
        net::steady_timer t(co_await net::this_coro::executor, 100ms);
        auto r = co_await (co_get(*h.client, "/hang") || t.async_wait(net::use_awaitable));
        raced = r.index();
        after = co_await co_get(*h.client, "/next");
      },
      [](std::exception_ptr e) {
        if (e) std::rethrow_exception(e);
      });
  const auto started = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(h.io, [&] { return after.has_value(); }));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  ASSERT_TRUE(raced);
  EXPECT_EQ(*raced, 1u) << "the timer won";
  EXPECT_EQ(after->status, 200) << after->error;
  EXPECT_EQ(after->body, "/next");
  EXPECT_EQ(h.client->pending(), 0u);
}

TEST(HttpClientTest, StopFailsPendingRequestsAtOnce) {
  TestServer server([](const TestServer::Seen&) { return TestServer::Reply{200, "", {}, false, /*silent=*/true}; });
  ClientHarness h(options_for(server));
  h.get("/a");
  h.get("/b");
  ASSERT_TRUE(run_until(h.io, [&] { return !server.seen().empty(); }));
  h.client->stop();
  ASSERT_EQ(h.results.size(), 2u) << "completed inside stop()";
  EXPECT_EQ(h.results[0].error, "stopped");
  EXPECT_EQ(h.results[1].error, "stopped");
  h.get("/c");
  EXPECT_EQ(h.results.size(), 2u) << "never inside get()";
  ASSERT_TRUE(h.wait(3));
  EXPECT_EQ(h.results[2].error, "stopped");
  testing::run_for(h.io, 50ms);
  EXPECT_EQ(h.results.size(), 3u);
}

TEST(HttpClientTest, DestroyingTheClientDropsCallbacks) {
  TestServer server([](const TestServer::Seen&) { return TestServer::Reply{200, "", {}, false, /*silent=*/true}; });
  ClientHarness h(options_for(server));
  h.get("/a");
  ASSERT_TRUE(run_until(h.io, [&] { return !server.seen().empty(); }));
  h.client.reset();
  testing::run_for(h.io, 100ms);
  EXPECT_TRUE(h.results.empty());
}

TEST(HttpClientTest, BadOptionsAreCreateErrors) {
  net::io_context io;
  std::string error;
  auto make = [&](std::string url) {
    HttpClientOptions o;
    o.base_url = std::move(url);
    error.clear();
    return HttpClient::create(io, o, error);
  };
  EXPECT_FALSE(make("ftp://example.com"));
  EXPECT_NE(error.find("http:// or https://"), std::string::npos) << error;
  EXPECT_FALSE(make("not a url"));
  EXPECT_FALSE(make("https://user:pw@example.com"));
  EXPECT_NE(error.find("credentials"), std::string::npos) << error;
  EXPECT_FALSE(make("https://example.com/?q=1"));
  EXPECT_TRUE(make("https://api.mainnet.hiro.so")) << error;
  EXPECT_TRUE(make("http://[::1]:3999/base")) << error;

  HttpClientOptions o;
  o.base_url = "http://example.com";
  o.headers["x-bad"] = "a\r\nInjected: 1";
  EXPECT_FALSE(HttpClient::create(io, o, error));
  EXPECT_NE(error.find("x-bad"), std::string::npos) << error;

  o = {};
  o.base_url = "https://example.com";
  o.ca_file = "/nonexistent/ca.pem";
  EXPECT_FALSE(HttpClient::create(io, o, error));
  EXPECT_NE(error.find("/nonexistent/ca.pem"), std::string::npos) << error;
}

TEST(HttpClientTest, InvalidTargetFailsWithoutSending) {
  TestServer server([](const TestServer::Seen& s) { return ok(s.target); });
  ClientHarness h(options_for(server));
  h.get("/a b\r\nX: y");
  h.get("no-leading-slash");
  ASSERT_TRUE(h.wait(2));
  EXPECT_EQ(h.results[0].status, 0);
  EXPECT_NE(h.results[0].error.find("invalid request target"), std::string::npos);
  EXPECT_EQ(h.results[1].status, 200) << h.results[1].error;
  EXPECT_EQ(h.results[1].body, "/no-leading-slash");
}

// --- TLS -------------------------------------------------------------------

TEST(HttpClientTlsTest, VerifiesWithTheCaFileAndKeepsTheConnection) {
  TempDir dir;
  const auto cert = fw::test::make_self_signed_cert(dir.path, {"127.0.0.1"});
  TestServer::Options so;
  so.tls = true;
  so.cert_file = cert.cert_file;
  so.key_file = cert.key_file;
  TestServer server([](const TestServer::Seen& s) { return ok(s.target); }, so);
  auto o = options_for(server);
  o.ca_file = cert.cert_file;
  ClientHarness h(o);
  h.get("/one");
  h.get("/two");
  ASSERT_TRUE(h.wait(2));
  EXPECT_EQ(h.results[0].status, 200) << h.results[0].error;
  EXPECT_EQ(h.results[1].body, "/two");
  EXPECT_EQ(server.accepts(), 1u);
  EXPECT_EQ(server.last_sni(), "") << "no SNI for an IP literal";
}

TEST(HttpClientTlsTest, UntrustedCertificateIsRefused) {
  TempDir dir;
  const auto cert = fw::test::make_self_signed_cert(dir.path, {"127.0.0.1"});
  TestServer::Options so;
  so.tls = true;
  so.cert_file = cert.cert_file;
  so.key_file = cert.key_file;
  TestServer server([](const TestServer::Seen& s) { return ok(s.target); }, so);
  ClientHarness h(options_for(server));  // no ca_file
  h.get("/one");
  ASSERT_TRUE(h.wait(1));
  EXPECT_EQ(h.results[0].status, 0);
  EXPECT_NE(h.results[0].error.find("tls handshake with 127.0.0.1:"), std::string::npos) << h.results[0].error;
  EXPECT_TRUE(server.seen().empty());
}

TEST(HttpClientTlsTest, HostNameIsVerifiedAndSentAsSni) {
  TempDir dir;
  const auto cert = fw::test::make_self_signed_cert(dir.path, {"localhost"});
  TestServer::Options so;
  so.tls = true;
  so.cert_file = cert.cert_file;
  so.key_file = cert.key_file;
  TestServer server([](const TestServer::Seen& s) { return ok(s.target); }, so);
  HttpClientOptions o;
  o.base_url = "https://localhost:" + std::to_string(server.port());
  o.ca_file = cert.cert_file;
  ClientHarness h(o);
  h.get("/x");
  ASSERT_TRUE(h.wait(1));
  if (h.results[0].status == 0 && h.results[0].error.find("refused") != std::string::npos)
    GTEST_SKIP() << "localhost resolves to ::1 first here: " << h.results[0].error;
  EXPECT_EQ(h.results[0].status, 200) << h.results[0].error;
  EXPECT_EQ(server.last_sni(), "localhost");

  // Trusted, but issued for another name.
  TempDir other_dir;
  const auto other = fw::test::make_self_signed_cert(other_dir.path, {"example.invalid"});
  so.cert_file = other.cert_file;
  so.key_file = other.key_file;
  TestServer wrong([](const TestServer::Seen& s) { return ok(s.target); }, so);
  o.base_url = "https://localhost:" + std::to_string(wrong.port());
  o.ca_file = other.cert_file;
  ClientHarness h2(o);
  h2.get("/x");
  ASSERT_TRUE(h2.wait(1));
  EXPECT_EQ(h2.results[0].status, 0);
  EXPECT_NE(h2.results[0].error.find("hostname mismatch"), std::string::npos) << h2.results[0].error;
}

}  // namespace
}  // namespace fw::sources
