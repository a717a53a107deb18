#include "delivery/dispatcher.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <future>

#include "delivery/signing.hpp"
#include "test_server.hpp"

namespace fw::delivery {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;
using test::Reply;
using test::ScriptServer;
using test::Seen;

const std::string kSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const std::string kSecret2 = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

std::string key_of(const std::string& secret) { return *decode_secret(secret).key; }

struct Recorder : DeliveryObserver {
  struct Dead {
    std::string endpoint;
    outbox::Record record;
    int status;
  };
  std::vector<std::pair<std::string, std::string>> attempts;
  std::vector<std::pair<std::string, outbox::Record>> delivered;
  std::vector<Dead> dead;
  std::vector<std::pair<std::string, std::string>> heartbeats;

  void on_attempt(std::string_view endpoint, std::string_view outcome) override {
    attempts.emplace_back(endpoint, outcome);
  }
  void on_delivered(std::string_view endpoint, const outbox::Record& r) override { delivered.emplace_back(endpoint, r); }
  void on_dead_letter(std::string_view endpoint, const outbox::Record& r, int status) override {
    dead.push_back(Dead{std::string(endpoint), r, status});
  }
  void on_heartbeat(std::string_view endpoint, std::string_view outcome) override {
    heartbeats.emplace_back(endpoint, outcome);
  }

  std::vector<std::string> outcomes(const std::string& endpoint) const {
    std::vector<std::string> out;
    for (const auto& [e, o] : attempts)
      if (e == endpoint) out.push_back(o);
    return out;
  }
  std::size_t delivered_to(const std::string& endpoint) const {
    std::size_t n = 0;
    for (const auto& d : delivered) n += d.first == endpoint;
    return n;
  }
};

Reply status(int s) {
  Reply r;
  r.status = s;
  return r;
}

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    static std::atomic<int> counter{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("fw_delivery_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    outbox::Options o;
    o.path = (dir_ / "outbox.db").string();
    std::string error;
    outbox_ = outbox::Outbox::open(o, error);
    ASSERT_TRUE(outbox_) << error;
  }

  void TearDown() override {
    stop(steady_clock::now() + 2s);
    dispatcher_.reset();
    outbox_.reset();
    std::filesystem::remove_all(dir_);
  }

  static config::WebhookConfig hook(const std::string& name, const std::string& url) {
    config::WebhookConfig c;
    c.name = name;
    c.type = config::WebhookConfig::Type::http;
    c.url = url;
    c.secrets = {config::Secret(kSecret)};
    c.timeout_ms = 2000;
    c.concurrency = 1;
    c.retry = {10, 50};
    c.retry_for_ms = 60'000;
    return c;
  }

  void start(const std::vector<config::WebhookConfig>& hooks) {
    dispatcher_ = std::make_unique<Dispatcher>(io_, hooks, *outbox_, observer_);
    if (heartbeat_source_) dispatcher_->set_heartbeat_source(heartbeat_source_);
    std::string error;
    ASSERT_TRUE(dispatcher_->start(error)) << error;
  }

  static outbox::Record record(const std::string& endpoint, const std::string& id, const std::string& body) {
    outbox::Record r;
    r.alert_id = id;
    r.endpoint = endpoint;
    r.event_type = "transfer.pending";
    r.payload = body;
    return r;
  }

  // Appends and waits until durable; returns the inserted records (seq set).
  std::vector<outbox::Record> add(std::vector<outbox::Record> records) {
    std::promise<std::vector<outbox::Record>> p;
    auto f = p.get_future();
    outbox_->append(std::move(records), [&p](std::vector<outbox::Record> inserted) { p.set_value(std::move(inserted)); });
    return f.get();
  }

  // What the app does: append, and hand the durable records to delivery.
  void submit(const std::string& endpoint, const std::string& id, const std::string& body = R"({"n":1})") {
    dispatcher_->submit(add({record(endpoint, id, body)}));
  }

  bool run_until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    const auto end = steady_clock::now() + limit;
    while (!done()) {
      if (steady_clock::now() > end) return false;
      io_.run_for(5ms);
      if (io_.stopped()) io_.restart();
    }
    return true;
  }

  void run_for(std::chrono::milliseconds d) {
    run_until([] { return false; }, d);
  }

  void stop(steady_clock::time_point deadline) {
    if (!dispatcher_) return;
    bool done = false;
    dispatcher_->stop(deadline, [&done] { done = true; });
    EXPECT_TRUE(run_until([&] { return done; }, 5s));
  }

  outbox::Stats outbox_stats() {
    outbox_->flush();
    return outbox_->stats();
  }

  std::filesystem::path dir_;
  boost::asio::io_context io_;
  std::unique_ptr<outbox::Outbox> outbox_;
  Recorder observer_;
  std::function<std::string()> heartbeat_source_;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, PostsSignedStandardWebhooksRequest) {
  ScriptServer server([](const Seen&, int) { return status(204); });
  auto h = hook("a", server.url("/hook?tenant=1"));
  h.secrets.emplace_back(kSecret2);  // rotation: both sign
  h.headers["Authorization"] = config::Secret("Bearer t0ken");
  start({h});
  const std::string body = R"({"type":"transfer.pending","timestamp":"2024-05-14T10:00:00.000Z","data":{"n":1}})";
  submit("a", "fw_0123abcd_pending", body);
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 1; }));

  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 1u);
  const Seen& r = reqs[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/hook?tenant=1");
  EXPECT_EQ(r.body, body);
  EXPECT_EQ(r.header("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.header("user-agent"), "freezewatch/" FREEZEWATCH_VERSION);
  EXPECT_EQ(r.header("authorization"), "Bearer t0ken");
  EXPECT_EQ(r.header("webhook-id"), "fw_0123abcd_pending");
  const std::int64_t ts = std::stoll(r.header("webhook-timestamp"));
  const std::int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  EXPECT_LE(std::llabs(now - ts), 5);
  const std::string sig = r.header("webhook-signature");
  EXPECT_EQ(sig, signature_header({kSecret, kSecret2}, "fw_0123abcd_pending", ts, body).value);
  EXPECT_TRUE(verify(key_of(kSecret), sig, "fw_0123abcd_pending", ts, body));
  EXPECT_TRUE(verify(key_of(kSecret2), sig, "fw_0123abcd_pending", ts, body));

  EXPECT_EQ(observer_.outcomes("a"), std::vector<std::string>{"delivered"});
  EXPECT_EQ(observer_.delivered[0].second.alert_id, "fw_0123abcd_pending");
  EXPECT_EQ(outbox_stats().pending, 0u);
}

TEST_F(DispatcherTest, RetriesA500AndThenDeliversWithTheSameWebhookId) {
  ScriptServer server([](const Seen&, int i) { return status(i == 0 ? 500 : 200); });
  start({hook("a", server.url())});
  submit("a", "fw_retry_pending");
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 1; }));
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].header("webhook-id"), "fw_retry_pending");
  EXPECT_EQ(reqs[1].header("webhook-id"), "fw_retry_pending");
  // Each attempt is signed for its own timestamp.
  for (const auto& r : reqs)
    EXPECT_TRUE(verify(key_of(kSecret), r.header("webhook-signature"), "fw_retry_pending",
                       std::stoll(r.header("webhook-timestamp")), r.body));
  EXPECT_EQ(observer_.outcomes("a"), (std::vector<std::string>{"retry", "delivered"}));
  EXPECT_EQ(observer_.delivered[0].second.attempts, 2u);  // counts the successful one too
  EXPECT_EQ(outbox_stats().pending, 0u);
}

TEST_F(DispatcherTest, HonoursRetryAfterOn429) {
  ScriptServer server([](const Seen&, int i) {
    Reply r = status(i == 0 ? 429 : 200);
    if (i == 0) r.headers.emplace_back("Retry-After", "1");
    return r;
  });
  start({hook("a", server.url())});  // backoff alone would retry within 10 ms
  submit("a", "fw_429_pending");
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 1; }));
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_GE(reqs[1].at - reqs[0].at, 950ms);
  EXPECT_EQ(observer_.outcomes("a"), (std::vector<std::string>{"retry", "delivered"}));
}

TEST_F(DispatcherTest, DeadLettersA400WithTheResponseAndDoesNotRetry) {
  ScriptServer server([](const Seen&, int) {
    Reply r = status(400);
    r.body = R"({"error":"missing field deposit_id"})";
    return r;
  });
  start({hook("a", server.url())});
  submit("a", "fw_bad_pending");
  ASSERT_TRUE(run_until([&] { return observer_.dead.size() == 1; }));
  run_for(150ms);
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_EQ(observer_.outcomes("a"), std::vector<std::string>{"dead_letter"});
  EXPECT_EQ(observer_.dead[0].status, 400);
  EXPECT_EQ(observer_.dead[0].record.alert_id, "fw_bad_pending");

  const auto stats = outbox_stats();
  EXPECT_EQ(stats.pending, 0u);
  EXPECT_EQ(stats.dead, 1u);
  const auto dlq = outbox_->dlq_list(10);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(dlq[0].alert_id, "fw_bad_pending");
  EXPECT_EQ(dlq[0].http_status, 400);
  EXPECT_NE(dlq[0].response_excerpt.find("missing field deposit_id"), std::string::npos) << dlq[0].response_excerpt;
  EXPECT_NE(dlq[0].reason.find("HTTP 400"), std::string::npos) << dlq[0].reason;
}

TEST_F(DispatcherTest, A410IsDeadLetteredAndCountedAsGone) {
  ScriptServer server([](const Seen&, int) { return status(410); });
  start({hook("a", server.url())});
  submit("a", "fw_gone_pending");
  ASSERT_TRUE(run_until([&] { return observer_.dead.size() == 1; }));
  EXPECT_EQ(observer_.outcomes("a"), std::vector<std::string>{"gone"});
  EXPECT_EQ(observer_.dead[0].status, 410);
  const auto dlq = outbox_->dlq_list(10);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(dlq[0].http_status, 410);
}

TEST_F(DispatcherTest, RedirectsAreNotFollowed) {
  ScriptServer server([](const Seen& s, int) {
    Reply r = status(s.target == "/moved" ? 200 : 301);
    r.headers.emplace_back("Location", "/moved");
    return r;
  });
  start({hook("a", server.url())});
  submit("a", "fw_redirect_pending");
  ASSERT_TRUE(run_until([&] { return observer_.dead.size() == 1; }));
  EXPECT_EQ(server.request_count(), 1u);
  EXPECT_EQ(observer_.dead[0].status, 301);
  const auto dlq = outbox_->dlq_list(10);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_NE(dlq[0].reason.find("redirect"), std::string::npos) << dlq[0].reason;
}

TEST_F(DispatcherTest, AHangingEndpointTimesOutWithoutDelayingAnother) {
  ScriptServer slow([](const Seen&, int) {
    Reply r;
    r.hang = true;
    return r;
  });
  ScriptServer fast([](const Seen&, int) { return status(200); });
  auto s = hook("slow", slow.url());
  s.timeout_ms = 800;
  s.retry = {10'000, 10'000};
  start({s, hook("fast", fast.url())});
  const auto t0 = steady_clock::now();
  submit("slow", "fw_slow_pending");
  ASSERT_TRUE(run_until([&] { return slow.request_count() == 1; }));
  submit("fast", "fw_fast_pending");
  ASSERT_TRUE(run_until([&] { return observer_.delivered_to("fast") == 1; }));
  EXPECT_LT(steady_clock::now() - t0, 700ms) << "the fast endpoint waited for the slow one";
  EXPECT_TRUE(observer_.outcomes("slow").empty());

  ASSERT_TRUE(run_until([&] { return !observer_.outcomes("slow").empty(); }, 2s));
  EXPECT_EQ(observer_.outcomes("slow"), std::vector<std::string>{"timeout"});
  EXPECT_GE(steady_clock::now() - t0, 790ms);
  EXPECT_EQ(outbox_stats().pending, 1u);  // rescheduled, not lost
}

TEST_F(DispatcherTest, ReusesOneKeepAliveConnection) {
  ScriptServer server([](const Seen&, int) { return status(200); });
  start({hook("a", server.url())});
  std::vector<outbox::Record> batch;
  for (int i = 0; i < 5; ++i) batch.push_back(record("a", "fw_ka" + std::to_string(i) + "_pending", "{}"));
  dispatcher_->submit(add(std::move(batch)));
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 5; }));
  run_for(50ms);  // idle, then more work on the same connection
  submit("a", "fw_ka5_pending");
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 6; }));
  EXPECT_EQ(server.connections(), 1);
  for (const auto& r : server.requests()) EXPECT_EQ(r.connection, 1);
  EXPECT_EQ(dispatcher_->stats().at(0).connections, 1u);
  // concurrency 1: in seq order
  for (int i = 0; i < 6; ++i)
    EXPECT_EQ(server.requests()[i].header("webhook-id"), "fw_ka" + std::to_string(i) + "_pending");
}

TEST_F(DispatcherTest, AServerThatClosesIdleConnectionsCostsNoFailedAttempt) {
  ScriptServer server([](const Seen&, int i) {
    Reply r = status(200);
    if (i % 2 == 0)
      r.close_silently = true;  // says keep-alive, then closes anyway
    else
      r.close = true;  // Connection: close
    return r;
  });
  start({hook("a", server.url())});
  for (int i = 0; i < 4; ++i) {
    submit("a", "fw_close" + std::to_string(i) + "_pending");
    ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == static_cast<std::size_t>(i + 1); }));
    run_for(20ms);  // let the close reach the client
  }
  EXPECT_EQ(observer_.outcomes("a"), std::vector<std::string>(4, "delivered"));
  EXPECT_EQ(server.connections(), 4);
}

TEST_F(DispatcherTest, RunsUpToConcurrencyRequestsAtOnce) {
  ScriptServer server([](const Seen&, int) {
    Reply r = status(200);
    r.delay = 200ms;
    return r;
  });
  auto h = hook("a", server.url());
  h.concurrency = 3;
  start({h});
  std::vector<outbox::Record> batch;
  for (int i = 0; i < 7; ++i) batch.push_back(record("a", "fw_c" + std::to_string(i) + "_pending", "{}"));
  dispatcher_->submit(add(std::move(batch)));
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 7; }));
  EXPECT_EQ(server.max_concurrent(), 3);
  EXPECT_EQ(server.connections(), 3);
}

TEST_F(DispatcherTest, DeadLettersWhenTheRetryPeriodIsExhausted) {
  ScriptServer server([](const Seen&, int) { return status(503); });
  auto h = hook("a", server.url());
  h.retry = {10, 40};
  h.retry_for_ms = 300;
  start({h});
  submit("a", "fw_503_pending");
  ASSERT_TRUE(run_until([&] { return observer_.dead.size() == 1; }, 3s));
  EXPECT_GE(server.request_count(), 3u);
  EXPECT_EQ(observer_.dead[0].status, 503);
  for (const auto& o : observer_.outcomes("a")) EXPECT_EQ(o, "retry");
  const auto dlq = outbox_->dlq_list(10);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_NE(dlq[0].reason.find("retry period exhausted"), std::string::npos) << dlq[0].reason;
  EXPECT_EQ(dlq[0].http_status, 503);
}

TEST_F(DispatcherTest, ConnectionRefusedIsANetworkErrorThatIsRetried) {
  auto h = hook("a", "http://127.0.0.1:" + std::to_string(test::unused_port()) + "/hook");
  h.retry = {10, 20};
  h.retry_for_ms = 200;
  start({h});
  submit("a", "fw_refused_pending");
  ASSERT_TRUE(run_until([&] { return observer_.dead.size() == 1; }, 3s));
  const auto outcomes = observer_.outcomes("a");
  EXPECT_GE(outcomes.size(), 2u);
  for (const auto& o : outcomes) EXPECT_EQ(o, "network_error");
  EXPECT_EQ(observer_.dead[0].status, 0);
  const auto dlq = outbox_->dlq_list(10);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_EQ(dlq[0].http_status, 0);
  EXPECT_NE(dlq[0].reason.find("network_error"), std::string::npos) << dlq[0].reason;
}

TEST_F(DispatcherTest, SendsPendingRecordsFromTheOutboxAtStartWithTheirOriginalIds) {
  ScriptServer server([](const Seen&, int) { return status(200); });
  add({record("a", "fw_old1_pending", R"({"n":1})"), record("a", "fw_old2_pending", R"({"n":2})"),
       record("removed", "fw_old3_pending", R"({"n":3})")});
  start({hook("a", server.url())});
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 2; }));
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].header("webhook-id"), "fw_old1_pending");
  EXPECT_EQ(reqs[0].body, R"({"n":1})");
  EXPECT_EQ(reqs[1].header("webhook-id"), "fw_old2_pending");
  // The record for an endpoint no longer configured stays pending, not dropped.
  EXPECT_EQ(outbox_stats().pending, 1u);
}

TEST_F(DispatcherTest, SubmittingARecordAlreadyQueuedSendsItOnce) {
  ScriptServer server([](const Seen&, int) { return status(200); });
  auto inserted = add({record("a", "fw_dup_pending", "{}")});
  start({hook("a", server.url())});  // loads it
  dispatcher_->submit(inserted);     // and the app hands it over too
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 1; }));
  run_for(100ms);
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_F(DispatcherTest, DeliversADeadLetterRequeuedByDlqRetry) {
  ScriptServer server([](const Seen&, int i) { return status(i == 0 ? 422 : 200); });
  start({hook("a", server.url())});
  submit("a", "fw_requeue_pending");
  ASSERT_TRUE(run_until([&] { return observer_.dead.size() == 1; }));
  EXPECT_EQ(outbox_->dlq_retry(std::nullopt), 1u);  // what `freezewatch dlq retry` does
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 1; }, 5s));
  const auto reqs = server.requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].header("webhook-id"), "fw_requeue_pending");
  const auto stats = outbox_stats();
  EXPECT_EQ(stats.pending, 0u);
  EXPECT_EQ(stats.dead, 0u);
}

TEST_F(DispatcherTest, SendsSignedHeartbeatsWithTheSourceState) {
  ScriptServer server([](const Seen&, int) { return status(200); });
  auto h = hook("a", server.url());
  h.heartbeat_interval_ms = 100;
  heartbeat_source_ = [] { return R"({"sources":[{"name":"exchange","state":"connected","lag_ms":12}]})"; };
  start({h});
  ASSERT_TRUE(run_until([&] { return server.request_count() >= 2; }, 2s));
  const auto reqs = server.requests();
  EXPECT_LT(reqs[1].at - reqs[0].at, 500ms);
  for (const auto& r : reqs) {
    const std::string id = r.header("webhook-id");
    EXPECT_EQ(id.rfind("hb_", 0), 0u) << id;
    EXPECT_TRUE(verify(key_of(kSecret), r.header("webhook-signature"), id, std::stoll(r.header("webhook-timestamp")),
                       r.body));
    simdjson::dom::parser parser;
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(r.body).get(doc), simdjson::SUCCESS) << r.body;
    EXPECT_EQ(std::string_view(doc["type"]), "freezewatch.heartbeat");
    const std::string_view ts = doc["timestamp"];
    EXPECT_EQ(ts.size(), 24u) << ts;  // 2024-05-14T10:00:00.000Z
    EXPECT_EQ(ts.back(), 'Z');
    EXPECT_EQ(std::string_view(doc["data"]["sources"].at(0)["state"]), "connected");
    EXPECT_EQ(int64_t(doc["data"]["sources"].at(0)["lag_ms"]), 12);
  }
  ASSERT_FALSE(observer_.heartbeats.empty());
  EXPECT_EQ(observer_.heartbeats[0].second, "delivered");
  EXPECT_TRUE(observer_.attempts.empty()) << "heartbeats are not alert attempts";
  EXPECT_EQ(outbox_stats().inserted, 0u) << "heartbeats are not persisted";
}

TEST_F(DispatcherTest, LogSinkWritesEachAlertAsOneJsonLineOnStdout) {
  config::WebhookConfig log_hook;
  log_hook.name = "demo";
  log_hook.type = config::WebhookConfig::Type::log;
  testing::internal::CaptureStdout();
  start({log_hook});
  submit("demo", "fw_l1_pending", R"({"type":"transfer.pending","n":1})");
  submit("demo", "fw_l2_pending", "{\n  \"type\": \"transfer.confirmed\"\n}");
  const bool ok = run_until([&] { return observer_.delivered.size() == 2; });
  const std::string out = testing::internal::GetCapturedStdout();
  ASSERT_TRUE(ok);
  EXPECT_EQ(out, "{\"type\":\"transfer.pending\",\"n\":1}\n{   \"type\": \"transfer.confirmed\" }\n");
  EXPECT_EQ(observer_.outcomes("demo"), (std::vector<std::string>{"delivered", "delivered"}));
  EXPECT_EQ(outbox_stats().pending, 0u);
}

TEST_F(DispatcherTest, StopLetsAnInFlightRequestFinish) {
  ScriptServer server([](const Seen&, int) {
    Reply r = status(200);
    r.delay = 200ms;
    return r;
  });
  start({hook("a", server.url())});
  submit("a", "fw_inflight_pending");
  ASSERT_TRUE(run_until([&] { return server.request_count() == 1; }));
  bool done = false;
  dispatcher_->stop(steady_clock::now() + 3s, [&] { done = true; });
  ASSERT_TRUE(run_until([&] { return done; }));
  EXPECT_EQ(observer_.delivered.size(), 1u);
  EXPECT_EQ(outbox_stats().pending, 0u);
}

TEST_F(DispatcherTest, StopAbortsAtTheDeadlineAndTheAlertStaysPending) {
  ScriptServer server([](const Seen&, int) {
    Reply r;
    r.hang = true;
    return r;
  });
  auto h = hook("a", server.url());
  h.timeout_ms = 10'000;
  start({h});
  submit("a", "fw_abort_pending");
  ASSERT_TRUE(run_until([&] { return server.request_count() == 1; }));
  const auto t0 = steady_clock::now();
  bool done = false;
  dispatcher_->stop(t0 + 200ms, [&] { done = true; });
  ASSERT_TRUE(run_until([&] { return done; }, 3s));
  EXPECT_LT(steady_clock::now() - t0, 1s);
  EXPECT_TRUE(observer_.attempts.empty());
  EXPECT_EQ(outbox_stats().pending, 1u);
  // Work submitted after stop() is not taken (it is durable; the next start sends it).
  submit("a", "fw_late_pending");
  run_for(50ms);
  EXPECT_EQ(server.request_count(), 1u);
}

TEST_F(DispatcherTest, StartRejectsUnusableEndpoints) {
  struct Case {
    config::WebhookConfig cfg;
    std::string message_part;
  };
  std::vector<Case> cases;
  auto bad_url = hook("u", "ftp://example.com/x");
  cases.push_back({bad_url, "http"});
  auto creds = hook("c", "https://user:pw@example.com/x");
  cases.push_back({creds, "credentials"});
  auto bad_secret = hook("s", "http://127.0.0.1:1/x");
  bad_secret.secrets = {config::Secret("whsec_tooshort")};
  cases.push_back({bad_secret, "secret 0"});
  auto no_secret = hook("n", "http://127.0.0.1:1/x");
  no_secret.secrets.clear();
  cases.push_back({no_secret, "no signing secret"});
  auto bad_header = hook("h", "http://127.0.0.1:1/x");
  bad_header.headers["X-Evil"] = config::Secret("a\r\nInjected: 1");
  cases.push_back({bad_header, "CR"});
  auto bad_ca = hook("t", "https://127.0.0.1:1/x");
  bad_ca.ca_file = (dir_ / "missing.pem").string();
  cases.push_back({bad_ca, "ca_file"});
  for (auto& c : cases) {
    Dispatcher d(io_, {c.cfg}, *outbox_, observer_);
    std::string error;
    EXPECT_FALSE(d.start(error)) << c.cfg.name;
    EXPECT_NE(error.find("webhook '" + c.cfg.name + "'"), std::string::npos) << error;
    EXPECT_NE(error.find(c.message_part), std::string::npos) << error;
    EXPECT_EQ(error.find("tooshort"), std::string::npos) << "secrets never appear in errors";
  }
}

// ---- https ---------------------------------------------------------------------

class DispatcherTlsTest : public DispatcherTest {
 protected:
  std::string write_ca(const test::TestCert& cert) {
    const auto path = (dir_ / "ca.pem").string();
    std::ofstream(path) << cert.cert_pem;
    return path;
  }
};

TEST_F(DispatcherTlsTest, DeliversOverHttpsToATrustedServer) {
  const auto cert = test::make_test_cert("freezewatch-test", "IP:127.0.0.1, DNS:localhost");
  ScriptServer server([](const Seen&, int) { return status(200); }, cert);
  auto h = hook("a", server.url());
  h.ca_file = write_ca(cert);
  start({h});
  submit("a", "fw_tls1_pending");
  submit("a", "fw_tls2_pending");
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 2; }));
  EXPECT_EQ(server.connections(), 1);  // keep-alive over TLS too
  for (const auto& r : server.requests())
    EXPECT_TRUE(verify(key_of(kSecret), r.header("webhook-signature"), r.header("webhook-id"),
                       std::stoll(r.header("webhook-timestamp")), r.body));
}

TEST_F(DispatcherTlsTest, VerifiesTheHostNameByDns) {
  const auto cert = test::make_test_cert("freezewatch-test", "DNS:localhost");
  ScriptServer server([](const Seen&, int) { return status(200); }, cert);
  auto h = hook("a", "https://localhost:" + std::to_string(server.port()) + "/hook");
  h.ca_file = write_ca(cert);
  start({h});
  submit("a", "fw_tlsname_pending");
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 1; }));
  EXPECT_EQ(server.requests().at(0).header("host"), "localhost:" + std::to_string(server.port()));
}

TEST_F(DispatcherTlsTest, RefusesAnUntrustedCertificate) {
  const auto cert = test::make_test_cert("freezewatch-test", "IP:127.0.0.1");
  ScriptServer server([](const Seen&, int) { return status(200); }, cert);
  auto h = hook("a", server.url());  // system CAs only
  h.retry_for_ms = 100;
  start({h});
  submit("a", "fw_untrusted_pending");
  ASSERT_TRUE(run_until([&] { return observer_.dead.size() == 1; }, 3s));
  EXPECT_EQ(server.request_count(), 0u);
  const auto dlq = outbox_->dlq_list(10);
  ASSERT_EQ(dlq.size(), 1u);
  EXPECT_NE(dlq[0].reason.find("certificate verify failed"), std::string::npos) << dlq[0].reason;
}

TEST_F(DispatcherTlsTest, RefusesACertificateForAnotherHost) {
  const auto cert = test::make_test_cert("other.example", "DNS:other.example");
  ScriptServer server([](const Seen&, int) { return status(200); }, cert);
  auto h = hook("a", server.url());
  h.ca_file = write_ca(cert);  // trusted, but not issued for 127.0.0.1
  h.retry_for_ms = 100;
  start({h});
  submit("a", "fw_wrongname_pending");
  ASSERT_TRUE(run_until([&] { return observer_.dead.size() == 1; }, 3s));
  EXPECT_EQ(server.request_count(), 0u);
  for (const auto& o : observer_.outcomes("a")) EXPECT_EQ(o, "network_error");
}

TEST_F(DispatcherTlsTest, TlsVerifyFalseAcceptsAnyCertificate) {
  const auto cert = test::make_test_cert("other.example", "DNS:other.example");
  ScriptServer server([](const Seen&, int) { return status(200); }, cert);
  auto h = hook("a", server.url());
  h.tls_verify = false;
  start({h});
  submit("a", "fw_noverify_pending");
  ASSERT_TRUE(run_until([&] { return observer_.delivered.size() == 1; }));
}

}  // namespace
}  // namespace fw::delivery
