#include "admin/server.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <future>
#include <regex>
#include <sstream>
#include <thread>

#include "http_client.hpp"
#include "metrics/metrics.hpp"

namespace fw::admin {
namespace {

using test::Client;
using test::get;
using namespace std::chrono_literals;

// The server on 127.0.0.1, port 0, its io_context on a background thread.
// Configure it (routes, providers, limits) before run(); after run() only the
// io thread touches it.
class AdminServerTest : public ::testing::Test {
 protected:
  void make(Limits limits) { server_ = std::make_unique<AdminServer>(io_, "127.0.0.1", 0, limits); }

  AdminServer& server() {
    if (!server_) make(Limits{});
    return *server_;
  }

  void run() {
    std::string error;
    ASSERT_TRUE(server().start(error)) << error;
    ASSERT_NE(server().bound_port(), 0);
    thread_ = std::thread([this] { io_.run(); });
  }

  std::uint16_t port() { return server_->bound_port(); }

  // Stops the server on the io thread; true once `done` ran.
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

  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_{io_.get_executor()};
  std::unique_ptr<AdminServer> server_;
  std::thread thread_;
  bool stopped_ = false;
};

TEST_F(AdminServerTest, HealthzAnswers200Ok) {
  run();
  Client c(port());
  const auto r = c.request(get("/healthz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
  EXPECT_EQ(r->header("content-type"), "text/plain; charset=utf-8");
}

TEST_F(AdminServerTest, MetricsAreServedInPrometheusTextFormat) {
  metrics::Metrics m("1.2.3");
  m.source("exchange").frame_received();
  server().set_metrics([&m] { return m.serialize(); });
  run();

  Client c(port());
  const auto r = c.request(get("/metrics"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r->body, m.serialize());

  // Every line is a comment or "name{labels} value".
  const std::regex sample(R"(^[a-zA-Z_:][a-zA-Z0-9_:]*(\{.*\})? [-+0-9.eEInfa]+$)");
  std::istringstream lines(r->body);
  int samples = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_TRUE(std::regex_match(line, sample)) << line;
    ++samples;
  }
  EXPECT_GT(samples, 20);
  EXPECT_NE(r->body.find("freezewatch_build_info{version=\"1.2.3\"} 1\n"), std::string::npos);
  EXPECT_NE(r->body.find("freezewatch_frames_received_total{source=\"exchange\"} 1\n"), std::string::npos);
}

TEST_F(AdminServerTest, MetricsWithoutProviderIs503) {
  run();
  Client c(port());
  const auto r = c.request(get("/metrics"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
}

TEST_F(AdminServerTest, ReadyzIs200WhenEveryCheckPassesAnd503NamingTheFailingCheck) {
  std::atomic<bool> fresh{true};
  server().set_readiness([&fresh] {
    std::vector<ReadinessCheck> checks{{"config", true, "loaded"}};
    if (fresh) checks.push_back({"source exchange", true, "connected"});
    else checks.push_back({"source exchange", false, "stale (no frame for 61 s)"});
    return checks;
  });
  run();

  Client c(port());
  auto r = c.request(get("/readyz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ready\nok: config: loaded\nok: source exchange: connected\n");

  fresh = false;  // evaluated again on every request
  r = c.request(get("/readyz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body.rfind("not ready: source exchange: stale (no frame for 61 s)\n", 0), 0u) << r->body;
}

TEST_F(AdminServerTest, ReadyzBeforeChecksAreRegisteredIs503) {
  run();
  Client c(port());
  const auto r = c.request(get("/readyz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "not ready: startup: readiness checks not registered\n");
}

TEST_F(AdminServerTest, ReadinessProviderThatThrowsIs503) {
  server().set_readiness([]() -> std::vector<ReadinessCheck> { throw std::runtime_error("lock timeout"); });
  run();
  Client c(port());
  const auto r = c.request(get("/readyz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(r->body, "not ready: readiness: check failed: lock timeout\n");
}

TEST_F(AdminServerTest, UnknownPathIs404AndWrongMethodIs405) {
  run();
  Client c(port());
  auto r = c.request(get("/nope"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);

  r = c.request("POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 405);
  EXPECT_EQ(r->header("allow"), "GET, HEAD");

  // The connection survives both.
  r = c.request(get("/healthz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminServerTest, KeepAliveServesTwoRequestsOnOneConnection) {
  server().set_metrics([] { return std::string("x 1\n"); });
  run();
  Client c(port());
  auto r = c.request(get("/healthz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_NE(r->header("connection"), "close");
  r = c.request(get("/metrics"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "x 1\n");
}

TEST_F(AdminServerTest, PipelinedRequestsAreAnsweredInOrder) {
  run();
  Client c(port());
  ASSERT_TRUE(c.send(get("/healthz") + get("/nope") + get("/healthz")));
  const auto a = c.read_reply();
  const auto b = c.read_reply();
  const auto d = c.read_reply();
  ASSERT_TRUE(a && b && d);
  EXPECT_EQ(a->status, 200);
  EXPECT_EQ(b->status, 404);
  EXPECT_EQ(d->status, 200);
}

TEST_F(AdminServerTest, ConnectionCloseIsHonoured) {
  run();
  Client c(port());
  const auto r = c.request(get("/healthz", "Connection: close\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("connection"), "close");
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(AdminServerTest, Http10WithoutKeepAliveClosesAfterTheResponse) {
  run();
  Client c(port());
  const auto r = c.request("GET /healthz HTTP/1.0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(AdminServerTest, CustomRouteSeesMethodTargetHeadersAndBody) {
  server().add_route("POST", "/api/echo", [](const Request& req) {
    Response res = Response::json(201, "{\"method\":\"" + req.method + "\",\"path\":\"" + req.path +
                                           "\",\"query\":\"" + req.query + "\",\"body\":" + req.body + "}");
    res.headers.push_back({"X-Token-Seen", std::string(req.header("authorization").value_or("none"))});
    res.headers.push_back({"X-Peer-Local", req.peer.rfind("127.0.0.1:", 0) == 0 ? "yes" : "no"});
    return res;
  });
  run();
  Client c(port());
  const std::string body = R"({"address":"SP000"})";
  const auto r = c.request("POST /api/echo?dry_run=1 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer t0k\r\n"
                           "Content-Type: application/json\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 201);
  EXPECT_EQ(r->header("content-type"), "application/json");
  EXPECT_EQ(r->header("x-token-seen"), "Bearer t0k");
  EXPECT_EQ(r->header("x-peer-local"), "yes");
  EXPECT_EQ(r->body, R"({"method":"POST","path":"/api/echo","query":"dry_run=1","body":{"address":"SP000"}})");
}

TEST_F(AdminServerTest, PrefixRouteAnswersSubPaths) {
  server().add_route("GET", "/api/watchlist/", [](const Request& req) { return Response::text(200, req.path); },
                     PathMatch::prefix);
  run();
  Client c(port());
  const auto r = c.request(get("/api/watchlist/entries/42"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "/api/watchlist/entries/42");
}

TEST_F(AdminServerTest, ChunkedRequestBodyIsReassembled) {
  server().add_route("POST", "/echo", [](const Request& req) { return Response::text(200, req.body); });
  run();
  Client c(port());
  const auto r = c.request("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello world");
}

TEST_F(AdminServerTest, BodyOverTheLimitIs413AndTheConnectionCloses) {
  Limits limits;
  limits.max_body_bytes = 1024;
  make(limits);
  bool called = false;
  server().add_route("POST", "/echo", [&called](const Request& req) {
    called = true;
    return Response::text(200, req.body);
  });
  run();

  {  // Declared by Content-Length: refused after the head, before the body is read.
    Client c(port());
    const auto r = c.request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4096\r\n\r\n" + std::string(4096, 'a'));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
    EXPECT_EQ(r->header("connection"), "close");
    EXPECT_EQ(r->body, "request body too large (limit 1024 bytes)\n");
    EXPECT_TRUE(c.closed_by_peer());
  }
  {  // Chunked: refused once the body passes the limit.
    Client c(port());
    const auto r = c.request("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                             "800\r\n" + std::string(0x800, 'b') + "\r\n0\r\n\r\n");
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 413);
  }
  {  // At the limit is fine.
    Client c(port());
    const auto r = c.request("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1024\r\n\r\n" + std::string(1024, 'c'));
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body.size(), 1024u);
  }
  EXPECT_TRUE(called);
}

TEST_F(AdminServerTest, OversizedHeadIs431) {
  Limits limits;
  limits.max_header_bytes = 1024;
  make(limits);
  run();
  Client c(port());
  const auto r = c.request(get("/healthz", "X-Big: " + std::string(2000, 'x') + "\r\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 431);
  EXPECT_EQ(r->header("connection"), "close");
}

TEST_F(AdminServerTest, MalformedRequestIs400) {
  run();
  Client c(port());
  const auto r = c.request("THIS IS NOT HTTP\r\n\r\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(AdminServerTest, HeadAnswersHeadersWithoutBody) {
  run();
  Client c(port());
  auto r = c.request("HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\n", /*head_request=*/true);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->header("content-length"), "3");
  // No stray body bytes: the next response parses cleanly on the same connection.
  r = c.request(get("/nope"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

TEST_F(AdminServerTest, Expect100ContinueGetsAnInterimAnswerBeforeTheBody) {
  server().add_route("POST", "/echo", [](const Request& req) { return Response::text(200, req.body); });
  run();
  Client c(port());
  ASSERT_TRUE(c.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  auto r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 100);
  ASSERT_TRUE(c.send("hello"));
  r = c.read_reply();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "hello");
}

TEST_F(AdminServerTest, HandlerExceptionIs500AndTheConnectionStaysUsable) {
  server().add_route("GET", "/boom", [](const Request&) -> Response { throw std::runtime_error("kaput"); });
  run();
  Client c(port());
  auto r = c.request(get("/boom"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(r->body, "internal error\n");
  r = c.request(get("/healthz"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminServerTest, InvalidStatusOrHeaderFromAHandlerIsContained) {
  server().add_route("GET", "/bad-status", [](const Request&) { return Response::text(42, "?"); });
  server().add_route("GET", "/bad-header", [](const Request&) {
    Response r = Response::text(200, "fine");
    r.headers.push_back({"X-Split", "a\r\nInjected: yes"});
    r.headers.push_back({"Content-Length", "999"});
    r.headers.push_back({"X-Ok", "kept"});
    return r;
  });
  server().add_route("GET", "/no-content", [](const Request&) { return Response::text(204, "ignored"); });
  run();
  Client c(port());
  auto r = c.request(get("/bad-status"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  r = c.request(get("/bad-header"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "fine");
  EXPECT_EQ(r->header("injected"), "");
  EXPECT_EQ(r->header("x-split"), "");
  EXPECT_EQ(r->header("x-ok"), "kept");
  r = c.request(get("/no-content"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 204);
  r = c.request(get("/healthz"));  // framing intact after the 204
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST_F(AdminServerTest, ConnectionsBeyondTheLimitAreClosed) {
  Limits limits;
  limits.max_connections = 1;
  make(limits);
  run();
  Client first(port());
  ASSERT_TRUE(first.request(get("/healthz")));  // the first connection is established and counted
  Client second(port());
  second.send(get("/healthz"));
  EXPECT_FALSE(second.read_reply());
  EXPECT_TRUE(first.request(get("/healthz")));
}

TEST_F(AdminServerTest, IdleConnectionIsClosedAfterTheIdleTimeout) {
  Limits limits;
  limits.idle_timeout = 200ms;
  make(limits);
  run();
  Client c(port());
  ASSERT_TRUE(c.request(get("/healthz")));
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 3s);
}

TEST_F(AdminServerTest, GracefulStopClosesIdleConnectionsAndReportsDone) {
  run();
  Client c(port());
  ASSERT_TRUE(c.request(get("/healthz")));  // now idle on keep-alive
  ASSERT_TRUE(stop_server());
  EXPECT_TRUE(c.closed_by_peer());
  EXPECT_THROW(Client{port()}, std::runtime_error);  // no longer listening
}

TEST_F(AdminServerTest, DestroyingARunningServerClosesItsConnections) {
  bool handler_ran_after = false;
  server().add_route("POST", "/late", [&handler_ran_after](const Request&) {
    handler_ran_after = true;
    return Response::text(200, "");
  });
  run();
  Client idle(port());
  ASSERT_TRUE(idle.request(get("/healthz")));
  Client mid_body(port());
  ASSERT_TRUE(mid_body.send("POST /late HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc"));
  std::this_thread::sleep_for(50ms);  // let the server read the head

  std::promise<void> destroyed;
  boost::asio::post(io_, [this, &destroyed] {
    server_.reset();
    destroyed.set_value();
  });
  ASSERT_EQ(destroyed.get_future().wait_for(3s), std::future_status::ready);
  EXPECT_TRUE(idle.closed_by_peer());
  mid_body.send("defghij");
  EXPECT_FALSE(mid_body.read_reply());
  EXPECT_FALSE(handler_ran_after);
}

TEST_F(AdminServerTest, StopBeforeStartReportsDone) {
  server();
  thread_ = std::thread([this] { io_.run(); });
  EXPECT_TRUE(stop_server());
}

TEST_F(AdminServerTest, BindFailureIsReportedAsAnError) {
  run();
  AdminServer second(io_, "127.0.0.1", port());
  std::string error;
  EXPECT_FALSE(second.start(error));
  EXPECT_NE(error.find("127.0.0.1:" + std::to_string(port())), std::string::npos) << error;
  EXPECT_NE(error.find("in use"), std::string::npos) << error;
  EXPECT_EQ(second.bound_port(), 0);
}

TEST_F(AdminServerTest, InvalidListenAddressIsReportedAsAnError) {
  AdminServer bad(io_, "localhost", 0);
  std::string error;
  EXPECT_FALSE(bad.start(error));
  EXPECT_NE(error.find("invalid listen address"), std::string::npos) << error;
}

}  // namespace
}  // namespace fw::admin
