#include "sources/deposit_ws_source.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "fakes/ws_server.hpp"
#include "sources/replay_source.hpp"
#include "test_support.hpp"

namespace fw::sources {
namespace {

using namespace std::chrono_literals;
using fw::test::WsServer;
using testing::RecordingObserver;
using testing::run_to_completion;
using testing::run_until;

config::SourceConfig deposit_config(const std::string& url) {
  config::SourceConfig c;
  c.name = "exchange";
  c.type = config::SourceConfig::Type::deposits_ws;
  c.url = url;
  c.subscribe_message = R"({"op":"subscribe","channel":"deposits"})";
  c.connect_timeout_ms = 2000;
  c.idle_timeout_ms = 5000;
  c.ping_interval_ms = 1000;
  c.stale_after_ms = 0;
  c.reconnect = {10, 40};
  return c;
}

TEST(DepositWsSource, SendsTheSubscribeMessageAfterEveryConnectIncludingReconnects) {
  WsServer server;
  boost::asio::io_context io;
  RecordingObserver obs;
  DepositWsSource source(io, deposit_config(server.url()), obs);
  source.start();
  ASSERT_TRUE(run_until(io, [&] { return server.received().size() == 1; }));
  EXPECT_EQ(server.received()[0], R"({"op":"subscribe","channel":"deposits"})");

  server.drop();
  ASSERT_TRUE(run_until(io, [&] { return server.received().size() == 2; }));
  EXPECT_EQ(server.received()[1], R"({"op":"subscribe","channel":"deposits"})");
  EXPECT_EQ(server.connections(), 2u);

  server.drop();
  ASSERT_TRUE(run_until(io, [&] { return server.received().size() == 3; }));
  EXPECT_EQ(server.connections(), 3u);
  EXPECT_EQ(obs.reconnects, 2);
}

TEST(DepositWsSource, NoSubscribeMessageMeansNothingIsSent) {
  WsServer server;
  boost::asio::io_context io;
  RecordingObserver obs;
  auto c = deposit_config(server.url());
  c.subscribe_message.clear();
  DepositWsSource source(io, c, obs);
  source.start();
  ASSERT_TRUE(run_until(io, [&] { return source.state() == SourceState::connected; }));
  testing::run_for(io, 100ms);
  EXPECT_TRUE(server.received().empty());
}

TEST(DepositWsSource, SendsTheConfiguredHeadersOnTheUpgradeRequest) {
  WsServer server;
  boost::asio::io_context io;
  RecordingObserver obs;
  auto c = deposit_config(server.url("/v1/stream?account=42"));
  c.headers.emplace("Authorization", config::Secret("Bearer t0k3n"));
  c.headers.emplace("X-Api-Key", config::Secret("k-123"));
  DepositWsSource source(io, c, obs);
  source.start();
  ASSERT_TRUE(run_until(io, [&] { return server.connections() == 1; }));
  const auto headers = server.last_request_headers();
  EXPECT_EQ(headers.at("authorization"), "Bearer t0k3n");
  EXPECT_EQ(headers.at("x-api-key"), "k-123");
  EXPECT_EQ(headers.at("host"), "127.0.0.1:" + std::to_string(server.port()));
  EXPECT_EQ(headers.at("user-agent").rfind("freezewatch/", 0), 0u);
  EXPECT_EQ(server.last_request_target(), "/v1/stream?account=42");
}

TEST(DepositWsSource, ReportsFramesStatesAndRejectionsUnderItsName) {
  WsServer server;
  boost::asio::io_context io;
  RecordingObserver obs;
  auto c = deposit_config(server.url());
  c.max_frame_bytes = 1024;
  DepositWsSource source(io, c, obs);
  EXPECT_EQ(source.name(), "exchange");
  source.start();
  ASSERT_TRUE(run_until(io, [&] { return server.received().size() == 1; }));
  server.send("not json at all");  // the source moves bytes; decode judges them
  server.send(R"({"type":"deposit"})");
  ASSERT_TRUE(run_until(io, [&] { return obs.frames.size() == 2; }));
  EXPECT_EQ(obs.frames[0], "not json at all");
  EXPECT_EQ(obs.frames[1], R"({"type":"deposit"})");
  server.send(std::string(2048, 'z'));
  ASSERT_TRUE(run_until(io, [&] { return !obs.rejected.empty() && server.received().size() == 2; }));
  EXPECT_EQ(obs.rejected[0].first, "oversized");
  server.send("after");
  ASSERT_TRUE(run_until(io, [&] { return obs.frames.size() == 3; }));
  EXPECT_EQ(source.stats().frames, 3u);
  EXPECT_EQ(source.stats().rejected, 1u);
  for (const auto& name : obs.sources) EXPECT_EQ(name, "exchange");

  source.stop();
  ASSERT_TRUE(run_to_completion(io, 3s));
  EXPECT_EQ(obs.states.back().reason, "stopped");
  EXPECT_EQ(source.state(), SourceState::disconnected);
}

TEST(DepositWsSource, OptionsComeFromTheSourceConfig) {
  auto c = deposit_config("wss://deposits.example.com/v1");
  c.headers.emplace("Authorization", config::Secret("Bearer s"));
  c.ca_file = "/etc/ca.pem";
  c.tls_verify = false;
  c.connect_timeout_ms = 1;
  c.idle_timeout_ms = 2;
  c.ping_interval_ms = 3;
  c.stale_after_ms = 4;
  c.max_frame_bytes = 5;
  c.reconnect = {6, 7};
  const auto o = DepositWsSource::options_from(c);
  EXPECT_EQ(o.name, "exchange");
  EXPECT_EQ(o.url, "wss://deposits.example.com/v1");
  ASSERT_EQ(o.headers.size(), 1u);
  EXPECT_EQ(o.headers.at("Authorization"), "Bearer s");
  EXPECT_EQ(o.ca_file, "/etc/ca.pem");
  EXPECT_FALSE(o.tls_verify);
  EXPECT_EQ(o.connect_timeout_ms, 1u);
  EXPECT_EQ(o.idle_timeout_ms, 2u);
  EXPECT_EQ(o.ping_interval_ms, 3u);
  EXPECT_EQ(o.stale_after_ms, 4u);
  EXPECT_EQ(o.max_frame_bytes, 5u);
  EXPECT_EQ(o.backoff_initial_ms, 6u);
  EXPECT_EQ(o.backoff_max_ms, 7u);
}

TEST(MakeSource, BuildsTheConfiguredKindOfSource) {
  boost::asio::io_context io;
  RecordingObserver obs;
  auto ws = make_source(io, deposit_config("ws://127.0.0.1:9/"), obs);
  ASSERT_NE(ws, nullptr);
  EXPECT_NE(dynamic_cast<DepositWsSource*>(ws.get()), nullptr);
  EXPECT_EQ(ws->name(), "exchange");

  config::SourceConfig r;
  r.name = "demo";
  r.type = config::SourceConfig::Type::replay;
  r.path = "/nonexistent.jsonl";
  auto replay = make_source(io, r, obs);
  ASSERT_NE(replay, nullptr);
  EXPECT_NE(dynamic_cast<ReplaySource*>(replay.get()), nullptr);
  EXPECT_EQ(replay->name(), "demo");
}

TEST(SourceState, NamesAreStableMetricLabels) {
  EXPECT_EQ(to_string(SourceState::connecting), "connecting");
  EXPECT_EQ(to_string(SourceState::connected), "connected");
  EXPECT_EQ(to_string(SourceState::stale), "stale");
  EXPECT_EQ(to_string(SourceState::disconnected), "disconnected");
  EXPECT_EQ(to_string(SourceState::finished), "finished");
}

}  // namespace
}  // namespace fw::sources
