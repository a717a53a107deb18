#include "sources/ws_client.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <memory>

#include "fakes/ws_server.hpp"
#include "test_support.hpp"

namespace fw::sources {
namespace {

using namespace std::chrono_literals;
using testing::RecordingObserver;
using testing::run_for;
using testing::run_to_completion;
using testing::run_until;
using fw::test::WsServer;

// Short timings so the whole file runs in a few seconds.
WsOptions fast_options(const std::string& url) {
  WsOptions o;
  o.name = "test";
  o.url = url;
  o.connect_timeout_ms = 2000;
  o.idle_timeout_ms = 5000;
  o.ping_interval_ms = 0;
  o.stale_after_ms = 0;
  o.backoff_initial_ms = 10;
  o.backoff_max_ms = 40;
  return o;
}

// A WsClient wired to a RecordingObserver, the way DepositWsSource wires it.
struct Harness {
  explicit Harness(WsOptions o) {
    WsHooks h;
    h.on_open = [this] {
      ++opens;
      for (const auto& m : on_open_send) client->send(m);
    };
    h.on_frame = [this](std::string_view p, std::chrono::steady_clock::time_point t) {
      observer.on_frame("test", p, t);
    };
    h.on_state = [this](SourceState s, std::string_view r) { observer.on_state("test", s, r); };
    h.on_rejected = [this](std::string_view r, std::string_view e) { observer.on_frame_rejected("test", r, e); };
    h.on_reconnect = [this] { observer.on_reconnect("test"); };
    client = std::make_unique<WsClient>(io, std::move(o), std::move(h));
  }

  bool wait_connected(std::chrono::milliseconds t = 3s) {
    return run_until(io, [&] { return client->state() == SourceState::connected && client->is_open(); }, t);
  }
  bool wait_frames(std::size_t n, std::chrono::milliseconds t = 3s) {
    return run_until(io, [&] { return observer.frames.size() >= n; }, t);
  }

  boost::asio::io_context io;
  RecordingObserver observer;
  std::vector<std::string> on_open_send;
  int opens = 0;
  std::unique_ptr<WsClient> client;
};

TEST(WsClient, DeliversTextFramesInOrderAndCountsThem) {
  WsServer server;
  Harness h(fast_options(server.url("/feed")));
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  ASSERT_TRUE(server.wait_for_open(1, 2s));
  constexpr int kFrames = 2000;
  std::size_t bytes = 0;
  for (int i = 0; i < kFrames; ++i) {
    std::string f = "{\"n\":" + std::to_string(i) + "}";
    bytes += f.size();
    server.send(std::move(f));
  }
  ASSERT_TRUE(h.wait_frames(kFrames));
  for (int i = 0; i < kFrames; ++i) ASSERT_EQ(h.observer.frames[i], "{\"n\":" + std::to_string(i) + "}");
  const auto st = h.client->stats();
  EXPECT_EQ(st.frames, static_cast<std::uint64_t>(kFrames));
  EXPECT_EQ(st.bytes, bytes);
  EXPECT_EQ(st.connects, 1u);
  EXPECT_NE(st.last_frame, std::chrono::steady_clock::time_point{});
  EXPECT_EQ(server.last_request_target(), "/feed");
}

TEST(WsClient, SendIsRefusedUntilOpenThenWritesEveryMessageInOrder) {
  WsServer server;
  Harness h(fast_options(server.url()));
  h.on_open_send = {"first"};
  EXPECT_FALSE(h.client->send("too early"));
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  // Many sends in one go: the single writer must serialise them.
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(h.client->send("m" + std::to_string(i)));
  ASSERT_TRUE(run_until(h.io, [&] { return server.received().size() >= 201; }));
  const auto got = server.received();
  ASSERT_EQ(got.size(), 201u);
  EXPECT_EQ(got[0], "first");
  for (int i = 0; i < 200; ++i) EXPECT_EQ(got[i + 1], "m" + std::to_string(i));
}

TEST(WsClient, ReconnectsAfterServerDropAndLosesNoFrameSentAfterTheReconnect) {
  WsServer server;
  Harness h(fast_options(server.url()));
  h.on_open_send = {"subscribe"};
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  server.send("a");
  ASSERT_TRUE(h.wait_frames(1));

  server.drop();
  // The client notices, backs off, reconnects and resubscribes.
  ASSERT_TRUE(run_until(h.io, [&] { return server.received().size() >= 2 && server.open_connections() == 1; }));
  EXPECT_EQ(server.connections(), 2u);
  server.send("b");
  server.send("c");
  ASSERT_TRUE(h.wait_frames(3));
  EXPECT_EQ(h.observer.frames, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(h.observer.reconnects, 1);
  EXPECT_EQ(h.client->stats().reconnects, 1u);
  EXPECT_EQ(h.opens, 2);
  EXPECT_FALSE(h.observer.last_reason(SourceState::disconnected).empty());
  // connecting, connected, disconnected, connecting, connected
  ASSERT_GE(h.observer.states.size(), 5u);
  EXPECT_EQ(h.observer.states[2].state, SourceState::disconnected);
  EXPECT_EQ(h.observer.states[3].state, SourceState::connecting);
  EXPECT_EQ(h.observer.states[4].state, SourceState::connected);
}

TEST(WsClient, IdleTimeoutReconnectsWhenTheServerStopsAnsweringPings) {
  WsServer server;
  auto o = fast_options(server.url());
  o.idle_timeout_ms = 300;  // ping after 150 ms of silence, give up after 300 ms
  Harness h(o);
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  server.send("alive");
  ASSERT_TRUE(h.wait_frames(1));

  server.set_frozen(true);  // no more pongs, no more frames
  const auto frozen_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(h.io, [&] { return h.observer.saw_state(SourceState::disconnected); }, 3s));
  const auto noticed = std::chrono::steady_clock::now() - frozen_at;
  EXPECT_NE(h.observer.last_reason(SourceState::disconnected).find("idle timeout"), std::string::npos)
      << h.observer.last_reason(SourceState::disconnected);
  EXPECT_GE(noticed, 200ms);
  EXPECT_LT(noticed, 2s);

  server.set_frozen(false);
  ASSERT_TRUE(run_until(h.io, [&] { return server.connections() >= 2 && h.client->is_open(); }));
  server.send("again");
  ASSERT_TRUE(run_until(h.io, [&] { return !h.observer.frames.empty() && h.observer.frames.back() == "again"; }));
}

TEST(WsClient, PingsKeepAQuietButHealthyConnectionOpen) {
  WsServer server;
  auto o = fast_options(server.url());
  o.idle_timeout_ms = 400;
  o.ping_interval_ms = 50;
  Harness h(o);
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  run_for(h.io, 1000ms);  // two and a half idle timeouts without a data frame
  EXPECT_FALSE(h.observer.saw_state(SourceState::disconnected));
  EXPECT_EQ(server.connections(), 1u);
}

TEST(WsClient, WatchdogReportsStaleWhenSilentAndConnectedAgainOnTheNextFrame) {
  WsServer server;
  auto o = fast_options(server.url());
  o.stale_after_ms = 150;
  Harness h(o);
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  ASSERT_TRUE(run_until(h.io, [&] { return h.client->state() == SourceState::stale; }, 2s));
  EXPECT_NE(h.observer.last_reason(SourceState::stale).find("150 ms"), std::string::npos);

  server.send("wake");
  ASSERT_TRUE(run_until(h.io, [&] { return h.client->state() == SourceState::connected; }, 2s));
  EXPECT_EQ(h.observer.states.back().state, SourceState::connected);
  // Silent again: stale again, measured from the last frame. Still one connection.
  ASSERT_TRUE(run_until(h.io, [&] { return h.client->state() == SourceState::stale; }, 2s));
  EXPECT_EQ(h.observer.count_state(SourceState::stale), 2u);
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_FALSE(h.observer.saw_state(SourceState::disconnected));
}

TEST(WsClient, OversizedFrameIsRejectedCountedAndTheSourceRecovers) {
  WsServer server;
  auto o = fast_options(server.url());
  o.max_frame_bytes = 1024;
  Harness h(o);
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  server.send(std::string(4096, 'x'));
  ASSERT_TRUE(run_until(h.io, [&] { return !h.observer.rejected.empty(); }));
  EXPECT_EQ(h.observer.rejected[0].first, "oversized");
  EXPECT_EQ(h.client->stats().rejected, 1u);
  ASSERT_TRUE(run_until(h.io, [&] { return h.observer.saw_state(SourceState::disconnected); }));
  EXPECT_NE(h.observer.last_reason(SourceState::disconnected).find("max_frame_bytes"), std::string::npos);

  ASSERT_TRUE(run_until(h.io, [&] { return server.open_connections() == 1 && server.connections() == 2; }));
  ASSERT_TRUE(h.wait_connected());
  server.send(std::string(1024, 'y'));  // exactly the limit is fine
  ASSERT_TRUE(h.wait_frames(1));
  EXPECT_EQ(h.observer.frames[0].size(), 1024u);
  EXPECT_TRUE(h.observer.frames[0].find('x') == std::string::npos);
}

TEST(WsClient, BinaryFrameIsRejectedWithoutDroppingTheConnection) {
  WsServer server;
  Harness h(fast_options(server.url()));
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  server.send_binary(std::string("\x00\x01\xff", 3));
  server.send("text after binary");
  ASSERT_TRUE(h.wait_frames(1));
  EXPECT_EQ(h.observer.frames[0], "text after binary");
  ASSERT_EQ(h.observer.rejected.size(), 1u);
  EXPECT_EQ(h.observer.rejected[0].first, "binary");
  EXPECT_EQ(server.connections(), 1u);
  EXPECT_FALSE(h.observer.saw_state(SourceState::disconnected));
}

TEST(WsClient, ServerCloseIsReportedWithItsCodeAndRetried) {
  WsServer server;
  Harness h(fast_options(server.url()));
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  server.close(4001);
  ASSERT_TRUE(run_until(h.io, [&] { return h.observer.saw_state(SourceState::disconnected); }));
  EXPECT_NE(h.observer.last_reason(SourceState::disconnected).find("code 4001"), std::string::npos)
      << h.observer.last_reason(SourceState::disconnected);
  ASSERT_TRUE(run_until(h.io, [&] { return server.connections() >= 2 && h.client->is_open(); }));
}

TEST(WsClient, RejectedUpgradeIsReportedWithTheHttpStatusAndRetried) {
  WsServer server;
  server.set_reject_status(401);
  Harness h(fast_options(server.url()));
  h.client->start();
  ASSERT_TRUE(run_until(h.io, [&] { return server.tcp_accepts() >= 3; }));
  EXPECT_NE(h.observer.last_reason(SourceState::disconnected).find("HTTP 401"), std::string::npos)
      << h.observer.last_reason(SourceState::disconnected);
  EXPECT_EQ(server.connections(), 0u);
  EXPECT_GE(h.observer.reconnects, 2);

  server.set_reject_status(0);
  ASSERT_TRUE(h.wait_connected());
}

TEST(WsClient, RefusedConnectionIsRetriedWithBoundedBackoff) {
  std::string url;
  {
    WsServer gone;  // a port that was just free
    url = gone.url();
  }
  Harness h(fast_options(url));
  h.client->start();
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(run_until(h.io, [&] { return h.observer.reconnects >= 5; }, 3s));
  // Backoff is capped at 40 ms: five retries take well under two seconds.
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2s);
  EXPECT_NE(h.observer.last_reason(SourceState::disconnected).find("connect:"), std::string::npos)
      << h.observer.last_reason(SourceState::disconnected);
  EXPECT_EQ(h.client->stats().connects, 0u);
}

TEST(WsClient, StopClosesGracefullyReportsStoppedLastAndEndsItsTask) {
  WsServer server;
  Harness h(fast_options(server.url()));
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  h.client->stop(1s);
  h.client->stop(1s);  // idempotent
  ASSERT_TRUE(run_to_completion(h.io, 3s));
  ASSERT_FALSE(h.observer.states.empty());
  EXPECT_EQ(h.observer.states.back().state, SourceState::disconnected);
  EXPECT_EQ(h.observer.states.back().reason, "stopped");
  EXPECT_EQ(h.observer.count_state(SourceState::disconnected), 1u);
  ASSERT_TRUE(server.wait_for_open(0, 2s));
  EXPECT_EQ(server.close_codes(), (std::vector<std::uint16_t>{1000}));
  EXPECT_FALSE(h.client->send("after stop"));
}

TEST(WsClient, StopWhileRetryingEndsAtOnce) {
  WsServer server;
  server.set_reject_status(503);
  auto o = fast_options(server.url());
  o.backoff_initial_ms = 5000;  // parked in a long backoff
  o.backoff_max_ms = 5000;
  Harness h(o);
  h.client->start();
  ASSERT_TRUE(run_until(h.io, [&] { return h.observer.saw_state(SourceState::disconnected); }));
  const auto t0 = std::chrono::steady_clock::now();
  h.client->stop(1s);
  ASSERT_TRUE(run_to_completion(h.io, 3s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 1s);
  EXPECT_EQ(h.observer.states.back().reason, "stopped");
}

TEST(WsClient, StopBeforeStartReportsStopped) {
  Harness h(fast_options("ws://127.0.0.1:9/"));
  h.client->stop(1s);
  EXPECT_EQ(h.observer.states.back().reason, "stopped");
  h.client->start();  // ignored after stop
  EXPECT_TRUE(run_to_completion(h.io, 1s));
  EXPECT_EQ(h.observer.states.size(), 1u);
}

TEST(WsClient, DestroyingARunningClientMakesNoFurtherCalls) {
  WsServer server;
  auto h = std::make_unique<Harness>(fast_options(server.url()));
  h->client->start();
  ASSERT_TRUE(h->wait_connected());
  const auto calls = h->observer.calls();
  h->client.reset();
  server.send("after destruction");
  EXPECT_TRUE(run_to_completion(h->io, 3s));  // the task still closes and ends on its own
  EXPECT_EQ(h->observer.calls(), calls);
  EXPECT_TRUE(server.wait_for_open(0, 2s));
}

TEST(WsClient, InvalidUrlIsAStateNotAnException) {
  Harness h(fast_options("http://127.0.0.1/"));
  h.client->start();
  ASSERT_FALSE(h.observer.states.empty());
  EXPECT_EQ(h.observer.states.back().state, SourceState::disconnected);
  EXPECT_NE(h.observer.states.back().reason.find("invalid url"), std::string::npos);
  EXPECT_TRUE(run_to_completion(h.io, 1s));
}

// --- TLS ---------------------------------------------------------------------

fw::test::TlsFiles cert_in(const testing::TempDir& dir, const std::vector<std::string>& names) {
  return fw::test::make_self_signed_cert(dir.path, names);
}

TEST(WsClientTlsTest, VerificationFailsWithoutTheCaFile) {
  const testing::TempDir dir;
  const auto cert = cert_in(dir, {"127.0.0.1"});
  WsServer server({.tls = true, .cert_file = cert.cert_file, .key_file = cert.key_file});
  Harness h(fast_options(server.url()));
  h.client->start();
  ASSERT_TRUE(run_until(h.io, [&] { return h.observer.saw_state(SourceState::disconnected); }));
  const auto reason = h.observer.last_reason(SourceState::disconnected);
  EXPECT_NE(reason.find("certificate verify failed"), std::string::npos) << reason;
  EXPECT_NE(reason.find("self-signed"), std::string::npos) << reason;
  run_for(h.io, 100ms);
  EXPECT_EQ(server.connections(), 0u);
  EXPECT_TRUE(h.observer.frames.empty());
}

TEST(WsClientTlsTest, ConnectsWithTheCaFileAndDeliversFrames) {
  const testing::TempDir dir;
  const auto cert = cert_in(dir, {"127.0.0.1"});
  WsServer server({.tls = true, .cert_file = cert.cert_file, .key_file = cert.key_file});
  auto o = fast_options(server.url("/secure"));
  o.ca_file = cert.cert_file;
  Harness h(o);
  h.on_open_send = {"sub"};
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  ASSERT_TRUE(server.wait_for_received(1, 2s));
  EXPECT_EQ(server.received()[0], "sub");
  server.send("over tls");
  ASSERT_TRUE(h.wait_frames(1));
  EXPECT_EQ(h.observer.frames[0], "over tls");
  EXPECT_EQ(server.last_request_target(), "/secure");
  EXPECT_EQ(server.last_sni(), "");  // no SNI for an IP literal (RFC 6066)
  h.client->stop(1s);
  EXPECT_TRUE(run_to_completion(h.io, 3s));
}

TEST(WsClientTlsTest, ConnectsByHostNameSendingSni) {
  const testing::TempDir dir;
  const auto cert = cert_in(dir, {"localhost"});
  WsServer server({.tls = true, .cert_file = cert.cert_file, .key_file = cert.key_file});
  auto o = fast_options("wss://localhost:" + std::to_string(server.port()) + "/");
  o.ca_file = cert.cert_file;
  Harness h(o);
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
  EXPECT_EQ(server.last_sni(), "localhost");
  EXPECT_EQ(server.last_request_headers().at("host"), "localhost:" + std::to_string(server.port()));
}

TEST(WsClientTlsTest, TrustedCertificateForAnotherHostIsRejected) {
  const testing::TempDir dir;
  const auto cert = cert_in(dir, {"example.invalid"});
  WsServer server({.tls = true, .cert_file = cert.cert_file, .key_file = cert.key_file});
  auto o = fast_options(server.url());
  o.ca_file = cert.cert_file;  // trusted, but not for 127.0.0.1
  Harness h(o);
  h.client->start();
  ASSERT_TRUE(run_until(h.io, [&] { return h.observer.saw_state(SourceState::disconnected); }));
  const auto reason = h.observer.last_reason(SourceState::disconnected);
  EXPECT_NE(reason.find("mismatch"), std::string::npos) << reason;
  EXPECT_EQ(server.connections(), 0u);
}

TEST(WsClientTlsTest, VerificationCanBeTurnedOff) {
  const testing::TempDir dir;
  const auto cert = cert_in(dir, {"example.invalid"});
  WsServer server({.tls = true, .cert_file = cert.cert_file, .key_file = cert.key_file});
  auto o = fast_options(server.url());
  o.tls_verify = false;
  Harness h(o);
  h.client->start();
  ASSERT_TRUE(h.wait_connected());
}

TEST(WsClientTlsTest, MissingCaFileIsAStartError) {
  auto o = fast_options("wss://127.0.0.1:9/");
  o.ca_file = "/nonexistent/ca.pem";
  Harness h(o);
  h.client->start();
  ASSERT_FALSE(h.observer.states.empty());
  EXPECT_EQ(h.observer.states.back().state, SourceState::disconnected);
  EXPECT_NE(h.observer.states.back().reason.find("tls setup"), std::string::npos) << h.observer.states.back().reason;
}

}  // namespace
}  // namespace fw::sources
