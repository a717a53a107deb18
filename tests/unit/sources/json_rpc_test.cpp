#include "sources/json_rpc.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <string>
#include <vector>

#include "sources/json_rpc_coro.hpp"

namespace fw::sources {
namespace {

using namespace std::chrono_literals;

// A JsonRpc whose transport is a vector: what was sent, and whether it is "open".
struct Rig {
  boost::asio::io_context io;
  std::vector<std::string> sent;
  bool open = true;
  std::vector<RpcResult> done;
  JsonRpc rpc{io, "test",
              [this](std::string m) {
                if (!open) return false;
                sent.push_back(std::move(m));
                return true;
              },
              50ms};

  JsonRpc::Done collect() {
    return [this](RpcResult r) { done.push_back(std::move(r)); };
  }
  void settle() {
    io.poll();
    io.restart();
  }
};

TEST(JsonRpc, SendsNumberedRequestsAndCompletesThemLaterNotInline) {
  Rig t;
  EXPECT_EQ(t.rpc.call("eth_chainId", "[]", t.collect()), 1);
  EXPECT_EQ(t.rpc.call("eth_getBlockByNumber", R"(["0x1",false])", t.collect()), 2);
  ASSERT_EQ(t.sent.size(), 2u);
  EXPECT_EQ(t.sent[0], R"({"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]})");
  EXPECT_EQ(t.sent[1], R"({"jsonrpc":"2.0","id":2,"method":"eth_getBlockByNumber","params":["0x1",false]})");
  EXPECT_EQ(t.rpc.pending(), 2u);

  auto m = t.rpc.handle(R"({"jsonrpc":"2.0","id":2,"result":{"number":"0x1","txs":[1, 2]}})");
  EXPECT_EQ(m.kind, RpcMessage::Kind::response);
  EXPECT_FALSE(m.late);
  EXPECT_TRUE(t.done.empty());  // posted, not called inside handle()
  t.settle();
  ASSERT_EQ(t.done.size(), 1u);
  EXPECT_TRUE(t.done[0].ok());
  EXPECT_EQ(t.done[0].result, R"({"number":"0x1","txs":[1, 2]})");  // raw JSON text
  EXPECT_EQ(t.rpc.pending(), 1u);
}

TEST(JsonRpc, ScalarResultsKeepTheirJsonSpelling) {
  Rig t;
  t.rpc.call("a", "[]", t.collect());
  t.rpc.call("b", "[]", t.collect());
  t.rpc.call("c", "[]", t.collect());
  t.rpc.handle(R"({"id":1,"result":"0x7a69"})");
  t.rpc.handle("{\"result\":true  ,\"id\":2}");  // id after result, spaces
  t.rpc.handle(R"({"id":3,"result":null})");
  t.settle();
  ASSERT_EQ(t.done.size(), 3u);
  EXPECT_EQ(t.done[0].result, "\"0x7a69\"");
  EXPECT_EQ(t.done[1].result, "true");
  EXPECT_EQ(t.done[2].result, "null");
}

TEST(JsonRpc, ErrorObjectsAreValuesWithCodeMessageAndData) {
  Rig t;
  t.rpc.call("eth_getLogs", "[{}]", t.collect());
  t.rpc.handle(R"({"error":{"code":-32000,"message":"unknown block","data":{"x":[1,2]}},"id":1,"jsonrpc":"2.0"})");
  t.settle();
  ASSERT_EQ(t.done.size(), 1u);
  const RpcResult& r = t.done[0];
  EXPECT_EQ(r.status, RpcResult::Status::error);
  EXPECT_EQ(r.code, -32000);
  EXPECT_EQ(r.message, "unknown block");
  EXPECT_EQ(r.data, R"({"x":[1,2]})");
  EXPECT_EQ(r.describe(), R"(error -32000: unknown block (data {"x":[1,2]}))");
  EXPECT_EQ(t.rpc.stats().errors, 1u);
}

TEST(JsonRpc, NotificationsAreHandedBackWithRawParams) {
  Rig t;
  auto m = t.rpc.handle(
      R"({"jsonrpc":"2.0","method":"eth_subscription","params":{"subscription":"0x1","result":{"a":[1,{"b":2}]}}})");
  ASSERT_EQ(m.kind, RpcMessage::Kind::notification);
  EXPECT_EQ(m.method, "eth_subscription");
  EXPECT_EQ(m.params, R"({"subscription":"0x1","result":{"a":[1,{"b":2}]}})");
}

TEST(JsonRpc, UnusableFramesAreInvalidWithAReason) {
  Rig t;
  auto batch = t.rpc.handle("[1,2]");
  EXPECT_EQ(batch.kind, RpcMessage::Kind::invalid);
  EXPECT_EQ(batch.error.rfind("not a JSON-RPC object", 0), 0u) << batch.error;
  auto broken = t.rpc.handle("{nope");
  EXPECT_EQ(broken.kind, RpcMessage::Kind::invalid);
  EXPECT_EQ(broken.error.rfind("not JSON", 0), 0u) << broken.error;
  auto orphan = t.rpc.handle(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  EXPECT_EQ(orphan.kind, RpcMessage::Kind::invalid);
  EXPECT_NE(orphan.error.find("error without an id: -32700 Parse error"), std::string::npos) << orphan.error;
  auto empty = t.rpc.handle(R"({"id":4})");
  EXPECT_EQ(empty.kind, RpcMessage::Kind::invalid);
  EXPECT_EQ(t.rpc.stats().invalid, 4u);
}

TEST(JsonRpc, TimeoutCompletesTheCallAndALateAnswerIsDropped) {
  Rig t;
  t.rpc.call("slow", "[]", t.collect());
  t.io.run_for(300ms);
  t.io.restart();
  ASSERT_EQ(t.done.size(), 1u);
  EXPECT_EQ(t.done[0].status, RpcResult::Status::timeout);
  EXPECT_EQ(t.done[0].describe(), "timeout after 50 ms");
  auto m = t.rpc.handle(R"({"id":1,"result":1})");
  EXPECT_EQ(m.kind, RpcMessage::Kind::response);
  EXPECT_TRUE(m.late);
  t.settle();
  EXPECT_EQ(t.done.size(), 1u);
  EXPECT_EQ(t.rpc.stats().timeouts, 1u);
  EXPECT_EQ(t.rpc.stats().late, 1u);
}

TEST(JsonRpc, PerCallTimeoutOverridesTheDefault) {
  Rig t;
  t.rpc.call("patient", "[]", t.collect(), 5s);
  t.io.run_for(200ms);
  t.io.restart();
  EXPECT_TRUE(t.done.empty());
  t.rpc.handle(R"({"id":1,"result":"ok"})");
  t.settle();
  ASSERT_EQ(t.done.size(), 1u);
  EXPECT_TRUE(t.done[0].ok());
}

TEST(JsonRpc, ConnectionLossFailsPendingCallsAndClosedTransportFailsAtOnce) {
  Rig t;
  t.rpc.call("a", "[]", t.collect());
  t.rpc.call("b", "[]", t.collect());
  t.rpc.fail_all("connection lost");
  t.settle();
  ASSERT_EQ(t.done.size(), 2u);
  EXPECT_EQ(t.done[0].status, RpcResult::Status::disconnected);
  EXPECT_EQ(t.done[1].describe(), "disconnected: connection lost");
  t.open = false;
  t.rpc.call("c", "[]", t.collect());
  t.settle();
  ASSERT_EQ(t.done.size(), 3u);
  EXPECT_EQ(t.done[2].status, RpcResult::Status::disconnected);
  EXPECT_EQ(t.rpc.pending(), 0u);
}

TEST(JsonRpc, StopCompletesPendingAndLaterCalls) {
  Rig t;
  t.rpc.call("a", "[]", t.collect());
  t.rpc.stop();
  t.rpc.call("b", "[]", t.collect());
  t.settle();
  ASSERT_EQ(t.done.size(), 2u);
  EXPECT_EQ(t.done[0].status, RpcResult::Status::stopped);
  EXPECT_EQ(t.done[1].status, RpcResult::Status::stopped);
  EXPECT_EQ(t.sent.size(), 1u);
}

TEST(JsonRpc, CoroutineFormsResumeWithTheAnswersInCallOrder) {
  Rig t;
  RpcResult single;
  std::vector<RpcResult> all;
  bool finished = false;
  boost::asio::co_spawn(
      t.io,
      [&]() -> boost::asio::awaitable<void> {
        single = co_await co_call(t.rpc, "eth_chainId", "[]");
        std::vector<RpcCall> calls;  // (GCC 12: no braced list of strings inside a coroutine)
        calls.push_back(RpcCall{std::string("m1"), std::string("[1]")});
        calls.push_back(RpcCall{std::string("m2"), std::string("[2]")});
        all = co_await co_call_all(t.rpc, std::move(calls));
        finished = true;
      },
      boost::asio::detached);
  t.settle();
  ASSERT_EQ(t.sent.size(), 1u);
  t.rpc.handle(R"({"id":1,"result":"0x1"})");
  t.settle();
  EXPECT_EQ(single.result, "\"0x1\"");
  ASSERT_EQ(t.sent.size(), 3u);  // both sent at once
  t.rpc.handle(R"({"id":3,"result":"two"})");
  t.rpc.handle(R"({"id":2,"result":"one"})");
  t.settle();
  ASSERT_TRUE(finished);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].result, "\"one\"");
  EXPECT_EQ(all[1].result, "\"two\"");
}

}  // namespace
}  // namespace fw::sources
