#include "sources/replay_source.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <fstream>

#include "test_support.hpp"

namespace fw::sources {
namespace {

using namespace std::chrono_literals;
using testing::RecordingObserver;
using testing::run_to_completion;
using testing::run_until;
using testing::TempDir;

std::string event(int i) { return R"({"type":"deposit","deposit_id":"d-)" + std::to_string(i) + R"("})"; }

// n events, with blank lines, whitespace-only lines and CRLF mixed in.
std::string write_events(const TempDir& dir, int n, const std::string& name = "events.jsonl") {
  const std::string path = dir.path + "/" + name;
  std::ofstream out(path, std::ios::binary);
  for (int i = 0; i < n; ++i) {
    out << event(i) << (i % 3 == 0 ? "\r\n" : "\n");
    if (i % 7 == 0) out << "\n";
    if (i % 11 == 0) out << "  \t\n";
  }
  return path;
}

config::SourceConfig replay_config(const std::string& path, double rate = 0, bool loop = false) {
  config::SourceConfig c;
  c.name = "replay";
  c.type = config::SourceConfig::Type::replay;
  c.path = path;
  c.rate_per_second = rate;
  c.loop = loop;
  return c;
}

TEST(ReplaySource, ReplaysEveryNonBlankLineInOrderFlatOutThenFinishes) {
  TempDir dir;
  const int n = 20000;
  boost::asio::io_context io;
  RecordingObserver obs;
  ReplaySource source(io, replay_config(write_events(dir, n)), obs);
  source.start();
  ASSERT_TRUE(run_to_completion(io, 5s));
  ASSERT_EQ(obs.frames.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) ASSERT_EQ(obs.frames[i], event(i));
  ASSERT_EQ(obs.states.size(), 3u);
  EXPECT_EQ(obs.states[0].state, SourceState::connecting);
  EXPECT_EQ(obs.states[1].state, SourceState::connected);
  EXPECT_EQ(obs.states[2].state, SourceState::finished);
  EXPECT_EQ(source.state(), SourceState::finished);
  EXPECT_EQ(source.stats().frames, static_cast<std::uint64_t>(n));
  for (const auto& s : obs.sources) EXPECT_EQ(s, "replay");

  source.stop();  // after the end: nothing more to say
  EXPECT_EQ(obs.states.size(), 3u);
}

TEST(ReplaySource, FlatOutStillLetsOtherWorkRun) {
  TempDir dir;
  const int n = 20000;
  boost::asio::io_context io;
  RecordingObserver obs;
  ReplaySource source(io, replay_config(write_events(dir, n)), obs);
  std::size_t frames_when_other_work_ran = 0;
  source.start();
  boost::asio::post(io, [&] { frames_when_other_work_ran = obs.frames.size() + 1; });
  ASSERT_TRUE(run_to_completion(io, 5s));
  EXPECT_GT(frames_when_other_work_ran, 0u);
  EXPECT_LT(frames_when_other_work_ran, static_cast<std::size_t>(n));
}

TEST(ReplaySource, PacesLinesAtTheConfiguredRate) {
  TempDir dir;
  const int n = 60;
  boost::asio::io_context io;
  RecordingObserver obs;
  ReplaySource source(io, replay_config(write_events(dir, n), 200.0), obs);
  const auto t0 = std::chrono::steady_clock::now();
  source.start();
  ASSERT_TRUE(run_to_completion(io, 5s));
  const auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  ASSERT_EQ(obs.frames.size(), static_cast<std::size_t>(n));
  // 60 lines at 200/s: the last one is due at 295 ms. Loose bounds for busy machines.
  EXPECT_GE(elapsed, 0.28);
  EXPECT_LT(elapsed, 1.5);
  const double rate = n / elapsed;
  EXPECT_GT(rate, 40.0);
  EXPECT_LT(rate, 215.0);
}

TEST(ReplaySource, MissingFileIsADisconnectedStateWithTheReason) {
  boost::asio::io_context io;
  RecordingObserver obs;
  ReplaySource source(io, replay_config("/nonexistent/dir/events.jsonl"), obs);
  source.start();
  ASSERT_TRUE(run_to_completion(io, 2s));
  EXPECT_TRUE(obs.frames.empty());
  EXPECT_EQ(source.state(), SourceState::disconnected);
  const auto reason = obs.last_reason(SourceState::disconnected);
  EXPECT_NE(reason.find("/nonexistent/dir/events.jsonl"), std::string::npos) << reason;
  EXPECT_NE(reason.find("No such file"), std::string::npos) << reason;
}

TEST(ReplaySource, LoopStartsOverUntilStopped) {
  TempDir dir;
  const int n = 10;
  boost::asio::io_context io;
  RecordingObserver obs;
  ReplaySource source(io, replay_config(write_events(dir, n), 0, true), obs);
  obs.frame_hook = [&](std::string_view) {
    if (obs.frames.size() == 3 * n + 5) source.stop();
  };
  source.start();
  ASSERT_TRUE(run_to_completion(io, 3s));
  ASSERT_EQ(obs.frames.size(), static_cast<std::size_t>(3 * n + 5));
  for (std::size_t i = 0; i < obs.frames.size(); ++i) EXPECT_EQ(obs.frames[i], event(static_cast<int>(i % n)));
  EXPECT_EQ(obs.states.back().state, SourceState::disconnected);
  EXPECT_EQ(obs.states.back().reason, "stopped");
  EXPECT_EQ(source.stats().reconnects, 3u);
}

TEST(ReplaySource, EmptyFileFinishesAtOnceEvenWhenLooping) {
  TempDir dir;
  const std::string path = dir.path + "/empty.jsonl";
  std::ofstream(path) << "\n\n  \n";
  boost::asio::io_context io;
  RecordingObserver obs;
  ReplaySource source(io, replay_config(path, 0, true), obs);
  source.start();
  ASSERT_TRUE(run_to_completion(io, 2s));
  EXPECT_TRUE(obs.frames.empty());
  EXPECT_EQ(source.state(), SourceState::finished);
}

TEST(ReplaySource, StopDuringAPacedReplayEndsPromptly) {
  TempDir dir;
  boost::asio::io_context io;
  RecordingObserver obs;
  ReplaySource source(io, replay_config(write_events(dir, 100), 10.0), obs);  // would take 10 s
  source.start();
  ASSERT_TRUE(run_until(io, [&] { return obs.frames.size() >= 2; }));
  const auto t0 = std::chrono::steady_clock::now();
  source.stop();
  ASSERT_TRUE(run_to_completion(io, 2s));
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 500ms);
  EXPECT_LT(obs.frames.size(), 5u);
  EXPECT_EQ(obs.states.back().reason, "stopped");
  EXPECT_EQ(source.state(), SourceState::disconnected);
}

TEST(ReplaySource, OverlongLineIsRejectedAndSkipped) {
  TempDir dir;
  const std::string path = dir.path + "/long.jsonl";
  std::ofstream(path) << event(1) << "\n" << std::string(5000, 'q') << "\n" << event(2) << "\n";
  auto c = replay_config(path);
  c.max_frame_bytes = 1024;
  boost::asio::io_context io;
  RecordingObserver obs;
  ReplaySource source(io, c, obs);
  source.start();
  ASSERT_TRUE(run_to_completion(io, 2s));
  EXPECT_EQ(obs.frames, (std::vector<std::string>{event(1), event(2)}));
  ASSERT_EQ(obs.rejected.size(), 1u);
  EXPECT_EQ(obs.rejected[0].first, "oversized");
  EXPECT_EQ(obs.rejected[0].second.substr(0, 3), "qqq");
  EXPECT_EQ(source.stats().rejected, 1u);
}

TEST(ReplaySource, DestroyingARunningReplayMakesNoFurtherCalls) {
  TempDir dir;
  boost::asio::io_context io;
  RecordingObserver obs;
  auto source = std::make_unique<ReplaySource>(io, replay_config(write_events(dir, 100), 50.0), obs);
  source->start();
  ASSERT_TRUE(run_until(io, [&] { return obs.frames.size() >= 1; }));
  const auto calls = obs.calls();
  source.reset();
  ASSERT_TRUE(run_to_completion(io, 2s));
  EXPECT_EQ(obs.calls(), calls);
}

TEST(ReplaySource, TheDemoFileReplaysCompletely) {
  boost::asio::io_context io;
  RecordingObserver obs;
  const std::string path = std::string(FW_SOURCE_DIR) + "/config/demo/alex-lab-2024.jsonl";
  ReplaySource source(io, replay_config(path), obs);
  source.start();
  ASSERT_TRUE(run_to_completion(io, 5s));
  EXPECT_EQ(source.state(), SourceState::finished);
  ASSERT_FALSE(obs.frames.empty());
  for (const auto& f : obs.frames) {
    EXPECT_EQ(f.front(), '{');
    EXPECT_EQ(f.back(), '}');
  }
}

}  // namespace
}  // namespace fw::sources
