#include "sources/http_ingest.hpp"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <future>
#include <mutex>
#include <random>
#include <thread>

namespace fw::sources {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

struct Call {
  std::string method;
  std::string path;
  std::string body;
};

// The server runs on its own io thread; the tests talk to it with blocking
// sockets from the test thread.
class Harness {
 public:
  explicit Harness(HttpIngestOptions options = {}, HttpHandler handler = nullptr) : guard_(io_.get_executor()) {
    if (!handler) handler = [](std::string_view, std::string_view, std::string&&) { return HttpReply{200, "ok", {}}; };
    ingest_ = std::make_unique<HttpIngest>(
        io_, std::move(options),
        [this, handler = std::move(handler)](std::string_view method, std::string_view path, std::string&& body) {
          {
            std::lock_guard lock(mutex_);
            calls_.push_back({std::string(method), std::string(path), body});
          }
          return handler(method, path, std::move(body));
        });
    error_ = ingest_->start();
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Harness() {
    net::post(io_, [this] { ingest_.reset(); });
    guard_.reset();
    thread_.join();
  }

  // Runs `f` on the io thread and waits for it.
  void on_io(std::function<void()> f) {
    std::promise<void> done;
    net::post(io_, [&] {
      f();
      done.set_value();
    });
    done.get_future().wait();
  }

  HttpIngest& ingest() { return *ingest_; }
  const std::string& start_error() const { return error_; }
  std::uint16_t port() const { return ingest_->bound_port(); }
  std::vector<Call> calls() {
    std::lock_guard lock(mutex_);
    return calls_;
  }

 private:
  net::io_context io_;
  net::executor_work_guard<net::io_context::executor_type> guard_;
  std::unique_ptr<HttpIngest> ingest_;
  std::string error_;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<Call> calls_;
};

// A blocking HTTP/1.1 client with a 5 s receive timeout (a hang fails the test).
class Client {
 public:
  explicit Client(std::uint16_t port) : socket_(io_) {
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
    timeval tv{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  http::response<http::string_body> request(http::verb method, std::string target, std::string body = {},
                                            bool keep_alive = true) {
    send(method, std::move(target), std::move(body), keep_alive);
    return read();
  }

  void send(http::verb method, std::string target, std::string body = {}, bool keep_alive = true) {
    http::request<http::string_body> req{method, target, 11};
    req.set(http::field::host, "127.0.0.1");
    req.keep_alive(keep_alive);
    req.body() = std::move(body);
    req.prepare_payload();
    beast::error_code ec;
    http::write(socket_, req, ec);
    write_error = ec;
  }

  void send_raw(std::string_view bytes) { net::write(socket_, net::buffer(bytes)); }

  http::response<http::string_body> read() {
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    beast::error_code ec;
    http::read(socket_, buffer_, parser, ec);
    read_error = ec;
    return parser.release();
  }

  // True when the server closed the connection (EOF or reset) within 5 s.
  bool closed_by_server() {
    char c;
    beast::error_code ec;
    if (buffer_.size() > 0) return false;
    socket_.read_some(net::buffer(&c, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }

  beast::error_code write_error;
  beast::error_code read_error;

 private:
  net::io_context io_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

std::string random_bytes(std::size_t n) {
  std::mt19937 rng(42);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng() & 0xff);
  return s;
}

TEST(HttpIngestTest, PostBodiesArriveIntactIncludingTwoMegabytes) {
  Harness h;
  ASSERT_EQ(h.start_error(), "");
  ASSERT_NE(h.port(), 0);
  Client c(h.port());
  const std::string small = R"({"block_height":7,"events":[]})";
  const std::string big = random_bytes(2 << 20);
  auto r1 = c.request(http::verb::post, "/new_block", small);
  auto r2 = c.request(http::verb::post, "/new_mempool_tx?source=node", big);
  EXPECT_EQ(r1.result_int(), 200u);
  EXPECT_EQ(r1.body(), "ok");
  EXPECT_EQ(r2.result_int(), 200u);
  const auto calls = h.calls();
  ASSERT_EQ(calls.size(), 2u);
  EXPECT_EQ(calls[0].method, "POST");
  EXPECT_EQ(calls[0].path, "/new_block");
  EXPECT_EQ(calls[0].body, small);
  EXPECT_EQ(calls[1].path, "/new_mempool_tx") << "the query string is not part of the path";
  EXPECT_TRUE(calls[1].body == big) << "2 MB body differs";
  EXPECT_EQ(h.ingest().stats().body_bytes, small.size() + big.size());
}

TEST(HttpIngestTest, KeepAliveServesManyRequestsOnOneConnection) {
  Harness h;
  Client c(h.port());
  for (int i = 0; i < 5; ++i) {
    auto r = c.request(http::verb::post, "/new_burn_block", "{\"i\":" + std::to_string(i) + "}");
    ASSERT_EQ(r.result_int(), 200u) << i;
    EXPECT_TRUE(r.keep_alive());
  }
  EXPECT_EQ(h.calls().size(), 5u);
  EXPECT_EQ(h.ingest().stats().accepted, 1u);
  EXPECT_EQ(h.ingest().stats().requests, 5u);
}

TEST(HttpIngestTest, ConnectionCloseIsHonoured) {
  Harness h;
  Client c(h.port());
  auto r = c.request(http::verb::post, "/new_block", "{}", /*keep_alive=*/false);
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(c.closed_by_server());
}

TEST(HttpIngestTest, ManyConnectionsAtOnce) {
  Harness h;
  std::atomic<int> ok{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t) {
    clients.emplace_back([&, t] {
      Client c(h.port());
      for (int i = 0; i < 10; ++i) {
        auto r = c.request(http::verb::post, "/new_block", std::to_string(t * 100 + i));
        if (r.result_int() == 200) ++ok;
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 80);
  EXPECT_EQ(h.calls().size(), 80u);
  EXPECT_EQ(h.ingest().stats().accepted, 8u);
}

TEST(HttpIngestTest, OversizedBodyIsAnswered413AndTheConnectionClosed) {
  HttpIngestOptions o;
  o.max_body_bytes = 1024;
  Harness h(o);
  Client c(h.port());
  auto ok = c.request(http::verb::post, "/new_block", std::string(1024, 'x'));
  EXPECT_EQ(ok.result_int(), 200u) << "exactly the limit is fine";
  auto r = c.request(http::verb::post, "/new_block", std::string(300000, 'x'));
  EXPECT_EQ(r.result_int(), 413u) << c.read_error.message();
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_EQ(h.calls().size(), 1u) << "the handler never sees an oversized body";
  EXPECT_EQ(h.ingest().stats().too_large, 1u);
}

TEST(HttpIngestTest, OversizedChunkedBodyIsAnswered413) {
  HttpIngestOptions o;
  o.max_body_bytes = 10;
  Harness h(o);
  Client c(h.port());
  c.send_raw(
      "POST /new_block HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "8\r\n01234567\r\n8\r\n89abcdef\r\n0\r\n\r\n");
  auto r = c.read();
  EXPECT_EQ(r.result_int(), 413u);
  EXPECT_TRUE(h.calls().empty());
}

TEST(HttpIngestTest, ExpectContinueIsHonoured) {
  HttpIngestOptions o;
  o.max_body_bytes = 100;
  Harness h(o);
  {
    Client c(h.port());
    c.send_raw("POST /new_block HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");
    auto interim = c.read();
    EXPECT_EQ(interim.result_int(), 100u);
    c.send_raw("hello");
    auto r = c.read();
    EXPECT_EQ(r.result_int(), 200u);
    ASSERT_EQ(h.calls().size(), 1u);
    EXPECT_EQ(h.calls()[0].body, "hello");
  }
  {
    Client c(h.port());  // over the limit: 413 straight away, no 100
    c.send_raw("POST /new_block HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\nExpect: 100-continue\r\n\r\n");
    auto r = c.read();
    EXPECT_EQ(r.result_int(), 413u);
  }
}

TEST(HttpIngestTest, NonPostIsAnswered405WithoutCallingTheHandler) {
  Harness h;
  Client c(h.port());
  auto r = c.request(http::verb::get, "/new_block");
  EXPECT_EQ(r.result_int(), 405u);
  EXPECT_TRUE(h.calls().empty());
  auto after = c.request(http::verb::post, "/new_block", "{}");
  EXPECT_EQ(after.result_int(), 200u) << "the connection stays usable";
  EXPECT_EQ(h.ingest().stats().bad_method, 1u);
}

TEST(HttpIngestTest, UnknownPathsAreTheHandlersBusiness) {
  Harness h({}, [](std::string_view, std::string_view path, std::string&&) {
    if (path == "/new_block") return HttpReply{200, "spooled", {}};
    return HttpReply{200, "", {}};  // ignored, but the node must not retry
  });
  Client c(h.port());
  auto r = c.request(http::verb::post, "/attachments/new", "[]");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r.body(), "");
  ASSERT_EQ(h.calls().size(), 1u);
  EXPECT_EQ(h.calls()[0].path, "/attachments/new");
  auto e = c.request(http::verb::post, "/new_block", "{}");
  EXPECT_EQ(e.body(), "spooled");
}

TEST(HttpIngestTest, HandlerStatusAndJsonBodyAreSent) {
  Harness h({}, [](std::string_view, std::string_view, std::string&&) {
    return HttpReply{503, R"({"error":"disk full"})", {}};
  });
  Client c(h.port());
  auto r = c.request(http::verb::post, "/new_block", "{}");
  EXPECT_EQ(r.result_int(), 503u);
  EXPECT_EQ(r[http::field::content_type], "application/json");
  EXPECT_EQ(r.body(), R"({"error":"disk full"})");
}

TEST(HttpIngestTest, HandlerExceptionIsAnswered500) {
  Harness h({},
            [](std::string_view, std::string_view, std::string&&) -> HttpReply { throw std::runtime_error("bug"); });
  Client c(h.port());
  auto r = c.request(http::verb::post, "/new_block", "{}");
  EXPECT_EQ(r.result_int(), 500u);
  EXPECT_EQ(h.ingest().stats().handler_errors, 1u);
  EXPECT_EQ(c.request(http::verb::post, "/new_block", "{}").result_int(), 500u) << "connection still served";
}

// after_write blocks the io thread until the client has read the whole
// response: if it ran before the write completed, the client would never get
// it and the wait would time out.
TEST(HttpIngestTest, AfterWriteRunsOnceTheClientHasTheResponse) {
  std::promise<void> client_has_it;
  auto has_it = client_has_it.get_future();
  std::atomic<bool> ran{false};
  std::atomic<bool> response_was_there{false};
  Harness h({}, [&](std::string_view, std::string_view, std::string&&) {
    return HttpReply{200, "spooled", [&] {
                       response_was_there = has_it.wait_for(5s) == std::future_status::ready;
                       ran = true;
                     }};
  });
  Client c(h.port());
  auto r = c.request(http::verb::post, "/new_block", std::string(500000, 'b'));
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r.body(), "spooled");
  client_has_it.set_value();
  for (int i = 0; i < 500 && !ran; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(ran);
  EXPECT_TRUE(response_was_there);
}

// Like the fault injection (abort right after the 200): everything is torn
// down in after_write, and the client still has its complete answer.
TEST(HttpIngestTest, TearingDownInAfterWriteStillDeliversTheResponse) {
  Harness* self = nullptr;
  Harness h({}, [&](std::string_view, std::string_view, std::string&&) {
    return HttpReply{200, "spooled", [&] { self->ingest().stop(); }};
  });
  self = &h;
  Client c(h.port());
  auto r = c.request(http::verb::post, "/new_block", "{}");
  EXPECT_EQ(r.result_int(), 200u);
  EXPECT_EQ(r.body(), "spooled");
  EXPECT_TRUE(c.closed_by_server());
}

TEST(HttpIngestTest, PortInUseIsAStartErrorNamingHostAndPort) {
  Harness first;
  ASSERT_EQ(first.start_error(), "");
  HttpIngestOptions o;
  o.port = first.port();
  Harness second(o);
  const std::string& error = second.start_error();
  EXPECT_NE(error.find("127.0.0.1:" + std::to_string(first.port())), std::string::npos) << error;
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
  EXPECT_EQ(second.port(), 0);
}

TEST(HttpIngestTest, StopClosesKeepAliveConnections) {
  Harness h;
  Client c(h.port());
  EXPECT_EQ(c.request(http::verb::post, "/new_block", "{}").result_int(), 200u);
  h.on_io([&] { h.ingest().stop(); });
  EXPECT_TRUE(c.closed_by_server());
  beast::error_code ec;
  net::io_context io;
  tcp::socket s(io);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), h.port()), ec);
  EXPECT_TRUE(ec) << "no longer listening";
}

TEST(HttpIngestTest, SilentClientIsDisconnectedAfterTheIdleTimeout) {
  HttpIngestOptions o;
  o.idle_timeout_ms = 200;
  Harness h(o);
  Client c(h.port());
  c.send_raw("POST /new_block HTTP/1.1\r\nHost: x\r\n");  // and nothing more
  const auto started = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  for (int i = 0; i < 100 && h.ingest().stats().timeouts == 0; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_EQ(h.ingest().stats().timeouts, 1u);
  EXPECT_TRUE(h.calls().empty());
}

TEST(HttpIngestTest, SlowBodyIsCutByTheReadTimeout) {
  HttpIngestOptions o;
  o.read_timeout_ms = 200;
  Harness h(o);
  Client c(h.port());
  c.send_raw("POST /new_block HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"partial\":");
  EXPECT_TRUE(c.closed_by_server());
  EXPECT_TRUE(h.calls().empty());
}

TEST(HttpIngestTest, MalformedRequestIsAnswered400) {
  Harness h;
  Client c(h.port());
  c.send_raw("THIS IS NOT HTTP\r\n\r\n");
  auto r = c.read();
  EXPECT_EQ(r.result_int(), 400u);
  EXPECT_TRUE(h.calls().empty());
  EXPECT_EQ(h.ingest().stats().bad_request, 1u);
}

TEST(HttpIngestTest, ConnectionsBeyondTheLimitAreRefused) {
  HttpIngestOptions o;
  o.max_connections = 1;
  Harness h(o);
  Client first(h.port());
  EXPECT_EQ(first.request(http::verb::post, "/new_block", "{}").result_int(), 200u);
  Client second(h.port());
  EXPECT_TRUE(second.closed_by_server());
  EXPECT_EQ(h.ingest().stats().refused, 1u);
  EXPECT_EQ(first.request(http::verb::post, "/new_block", "{}").result_int(), 200u);
}

}  // namespace
}  // namespace fw::sources
