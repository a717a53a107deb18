#include "sources/stacks/node_source.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <sstream>
#include <thread>

#include "sources/spool.hpp"

namespace fw::sources {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace fs = std::filesystem;
using namespace std::chrono_literals;

const std::string kNakamotoTxid = "0x516c07d6398d0ba082d1da053784da5bbfce2252102e486ba94bab9c693c4b0f";

std::string read_fixture(const std::string& name) {
  std::ifstream in(std::string(FW_FIXTURES_DIR) + "/stacks/event-observer/derived/" + name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Records every call; checkpoints are durable at once unless held.
struct Recorder : Observer {
  struct Event {
    std::string kind;  // state | transfers | block | checkpoint | decode_error
    std::string detail;
    std::vector<Transfer> transfers;
  };
  std::vector<Event> events;
  std::vector<std::string> states;
  std::string last_state;
  std::vector<std::function<void()>> held;
  bool hold = false;

  void on_frame(std::string_view, std::string_view, std::chrono::steady_clock::time_point) override {}
  void on_state(std::string_view, SourceState s, std::string_view reason) override {
    states.push_back(std::string(to_string(s)) + (reason.empty() ? "" : ": " + std::string(reason)));
    events.push_back({"state", states.back(), {}});
  }
  void on_frame_rejected(std::string_view, std::string_view, std::string_view) override {}
  void on_reconnect(std::string_view) override {}
  void on_transfers(std::string_view, std::vector<Transfer>& t, std::chrono::steady_clock::time_point) override {
    events.push_back({"transfers", std::string(to_string(t.front().status)), t});
  }
  void on_block(std::string_view, std::uint64_t height, bool reorg) override {
    events.push_back({"block", std::to_string(height) + (reorg ? " reorg" : ""), {}});
  }
  void on_checkpoint(std::string_view, std::string state, std::function<void()> durable) override {
    last_state = state;
    events.push_back({"checkpoint", std::move(state), {}});
    if (hold)
      held.push_back(std::move(durable));
    else
      durable();
  }
  void on_decode_error(std::string_view, std::string_view reason, std::string_view detail) override {
    events.push_back({"decode_error", std::string(reason) + " " + std::string(detail), {}});
  }

  std::vector<Event> of(std::string_view kind) const {
    std::vector<Event> out;
    for (const auto& e : events)
      if (e.kind == kind) out.push_back(e);
    return out;
  }
};

class StacksNodeSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("fw-node-source-" + std::to_string(::getpid()) + "-" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    config_.name = "node";
    config_.type = config::SourceConfig::Type::stacks_node;
    config_.listen_host = "127.0.0.1";
    config_.listen_port = 0;
    config_.spool_dir = (dir_ / "spool").string();
    config_.network = Network::testnet;
  }
  void TearDown() override { fs::remove_all(dir_); }

  // Entries a previous run left behind.
  void leave_in_spool(const std::string& route, const std::string& body) {
    std::string error;
    auto spool = Spool::open({config_.spool_dir, false}, error);
    ASSERT_TRUE(spool) << error;
    ASSERT_TRUE(spool->put(route, body, error)) << error;
  }

  std::size_t files_in(const fs::path& d, std::string_view suffix) const {
    if (!fs::exists(d)) return 0;
    std::size_t n = 0;
    for (const auto& e : fs::directory_iterator(d))
      if (e.path().string().ends_with(suffix)) ++n;
    return n;
  }
  std::size_t spooled() const { return files_in(config_.spool_dir, ".json"); }
  std::size_t quarantined() const { return files_in(fs::path(config_.spool_dir) / "failed", ".json"); }

  // Runs the io_context until `done` or 5 s.
  void run_until(const std::function<bool()>& done) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      io_.restart();
      io_.run_for(10ms);
    }
    ASSERT_TRUE(done()) << "timed out";
  }

  // POSTs from another thread while this one runs the io_context.
  int post(std::uint16_t port, const std::string& target, const std::string& body) {
    auto result = std::async(std::launch::async, [&] {
      net::io_context cio;
      beast::tcp_stream stream(cio);
      stream.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
      http::request<http::string_body> req{http::verb::post, target, 11};
      req.set(http::field::host, "127.0.0.1");
      req.set(http::field::content_type, "application/json");
      req.body() = body;
      req.prepare_payload();
      http::write(stream, req);
      beast::flat_buffer buf;
      http::response<http::string_body> res;
      http::read(stream, buf, res);
      return static_cast<int>(res.result_int());
    });
    run_until([&] { return result.wait_for(0s) == std::future_status::ready; });
    return result.get();
  }

  fs::path dir_;
  config::SourceConfig config_;
  net::io_context io_;
  Recorder rec_;
};

TEST_F(StacksNodeSourceTest, LeftoverSpoolEntriesAreProcessedInSeqOrderAndDeletedAfterTheCheckpoint) {
  leave_in_spool("/new_mempool_tx", read_fixture("new_mempool_tx.json"));
  leave_in_spool("/new_block", read_fixture("new_block.nakamoto.stx_transfer.json"));
  rec_.hold = true;
  StacksNodeSource source(io_, config_, rec_, "");
  source.start();
  EXPECT_EQ(source.state(), SourceState::connected);
  EXPECT_NE(source.bound_port(), 0);
  run_until([&] { return !rec_.of("checkpoint").empty(); });

  auto transfers = rec_.of("transfers");
  ASSERT_EQ(transfers.size(), 2u);
  EXPECT_EQ(transfers[0].detail, "pending");
  EXPECT_EQ(transfers[1].detail, "confirmed");
  EXPECT_EQ(transfers[1].transfers.at(0).tx_id, kNakamotoTxid);
  EXPECT_EQ(transfers[1].transfers.at(0).block_height, 2u);
  ASSERT_EQ(rec_.of("block").size(), 1u);
  EXPECT_EQ(rec_.of("block")[0].detail, "2");
  EXPECT_EQ(rec_.of("checkpoint").size(), 1u) << "one checkpoint for the batch";

  // Entries stay until the checkpoint is durable.
  EXPECT_EQ(spooled(), 2u);
  for (auto& d : rec_.held) d();
  EXPECT_EQ(spooled(), 0u);
  EXPECT_EQ(quarantined(), 0u);
}

TEST_F(StacksNodeSourceTest, APostIsSpooledAnsweredAndProcessedAfterwards) {
  StacksNodeSource source(io_, config_, rec_, "");
  source.start();
  ASSERT_NE(source.bound_port(), 0);
  EXPECT_EQ(post(source.bound_port(), "/attachments/new", "{}"), 200);
  EXPECT_EQ(post(source.bound_port(), "/new_block", read_fixture("new_block.nakamoto.stx_transfer.json")), 200);
  run_until([&] { return !rec_.of("checkpoint").empty(); });
  ASSERT_EQ(rec_.of("transfers").size(), 1u);
  EXPECT_EQ(rec_.of("transfers")[0].transfers.at(0).tx_id, kNakamotoTxid);
  EXPECT_EQ(spooled(), 0u) << "deleted once durable; ignored paths never spooled";
  EXPECT_EQ(source.stats().frames, 1u);

  source.stop();
  EXPECT_EQ(rec_.states.back(), "disconnected: stopped");
  EXPECT_EQ(source.bound_port(), 0);
}

TEST_F(StacksNodeSourceTest, SavedStateIsRestored) {
  const auto block = read_fixture("new_block.nakamoto.stx_transfer.json");
  leave_in_spool("/new_block", block);
  std::string saved;
  {
    StacksNodeSource first(io_, config_, rec_, "");
    first.start();
    run_until([&] { return !rec_.of("checkpoint").empty(); });
    saved = rec_.last_state;
  }
  Recorder second_rec;
  leave_in_spool("/new_block", block);  // the same block again
  StacksNodeSource second(io_, config_, second_rec, saved);
  second.start();
  run_until([&] { return spooled() == 0; });
  EXPECT_TRUE(second_rec.of("transfers").empty()) << "a known block alerts nothing";
  EXPECT_TRUE(second_rec.of("decode_error").empty());
}

TEST_F(StacksNodeSourceTest, AStateThatDoesNotRestoreIsCountedAndTheSourceStartsEmpty) {
  leave_in_spool("/new_block", read_fixture("new_block.nakamoto.stx_transfer.json"));
  StacksNodeSource source(io_, config_, rec_, "{not a state");
  source.start();
  run_until([&] { return !rec_.of("checkpoint").empty(); });
  ASSERT_EQ(rec_.of("decode_error").size(), 1u);
  EXPECT_TRUE(rec_.of("decode_error")[0].detail.starts_with("bad_field saved state: "));
  EXPECT_EQ(rec_.of("transfers").size(), 1u) << "the first block after an empty start applies";
}

TEST_F(StacksNodeSourceTest, UndecodableBodiesAreQuarantinedWithAReasonAndNeverRetried) {
  leave_in_spool("/new_block", "{\"truncated\": ");
  leave_in_spool("/new_mempool_tx", "[\"0xdeadbeef\"]");
  rec_.hold = true;
  StacksNodeSource source(io_, config_, rec_, "");
  source.start();
  run_until([&] { return rec_.of("decode_error").size() == 2; });
  run_until([&] { return spooled() == 0; });  // nothing changed the state: no checkpoint to wait for
  EXPECT_EQ(quarantined(), 2u);
  EXPECT_EQ(files_in(fs::path(config_.spool_dir) / "failed", ".reason"), 2u);
  EXPECT_TRUE(rec_.of("decode_error")[0].detail.starts_with("not_json "));
  EXPECT_TRUE(rec_.of("decode_error")[1].detail.starts_with("bad_tx "));
  EXPECT_TRUE(rec_.of("checkpoint").empty());
  EXPECT_EQ(source.stats().rejected, 2u);
}

TEST_F(StacksNodeSourceTest, AListenAddressInUseLeavesTheSourceDisconnectedWithTheReason) {
  net::ip::tcp::acceptor blocker(io_, net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  config_.listen_port = blocker.local_endpoint().port();
  StacksNodeSource source(io_, config_, rec_, "");
  source.start();
  EXPECT_EQ(source.state(), SourceState::disconnected);
  ASSERT_FALSE(rec_.states.empty());
  EXPECT_NE(rec_.states.back().find("address already in use"), std::string::npos) << rec_.states.back();
  EXPECT_NE(rec_.states.back().find("127.0.0.1:" + std::to_string(config_.listen_port)), std::string::npos);
}

}  // namespace
}  // namespace fw::sources
