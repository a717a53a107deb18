#include "decode/tron/plugin_tracker.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace fw::decode::tron {
namespace {

using test::read_fixture;

struct Fixture {
  PluginDecoder decoder{TokenRegistry::defaults(), Network::mainnet, "node", "tron"};
  PluginTracker tracker{LedgerContext{Network::mainnet, "tron", "node"}, 19};

  std::string feed(const std::string& body) {
    auto r = decoder.decode(body);
    EXPECT_TRUE(r.ok()) << r.error.detail;
    EXPECT_TRUE(r.issues.empty()) << r.issues[0].detail;
    std::vector<Transfer> out;
    for (auto& t : r.value.triggers) tracker.apply(t, out);
    std::string s;
    for (const auto& t : out) {
      if (!s.empty()) s += ",";
      s += to_string(t.status);
      if (t.revision) s += "/r" + std::to_string(t.revision);
    }
    return s;
  }
};

std::string solidity_trigger(std::uint64_t n) {
  return R"({"timeStamp":1626888200000,"triggerName":"solidityTrigger","latestSolidifiedBlockNumber":)" +
         std::to_string(n) + "}";
}

std::string without_solidified(std::string body) {
  return test::replace(std::move(body), "\"latestSolidifiedBlockNumber\":17924959,", "");
}

TEST(TronPluginTracker, ContractTriggerThenSolidificationGivesConfirmedThenFinal) {
  Fixture f;
  EXPECT_EQ(f.feed(test::usdt_event_trigger()), "confirmed");
  EXPECT_EQ(f.feed(test::usdt_log_trigger()), "");  // the same log, as a log trigger
  EXPECT_EQ(f.tracker.tip(), 17924978u);
  EXPECT_EQ(f.feed(solidity_trigger(17924977)), "");
  EXPECT_EQ(f.feed(solidity_trigger(17924978)), "final");
  EXPECT_EQ(f.tracker.ledger().stats().live, 0u);
}

TEST(TronPluginTracker, SolidityEventTriggerIsFinal) {
  Fixture f;
  EXPECT_EQ(f.feed(test::usdt_event_trigger()), "confirmed");
  EXPECT_EQ(f.feed(test::usdt_event_trigger("solidityEventTrigger")), "final");
  Fixture g;
  EXPECT_EQ(g.feed(test::usdt_log_trigger("solidityLogTrigger")), "confirmed,final");
}

TEST(TronPluginTracker, RemovedRetractsAndAReinclusionGetsANewRevision) {
  Fixture f;
  EXPECT_EQ(f.feed(test::usdt_event_trigger()), "confirmed");
  EXPECT_EQ(f.feed(test::usdt_event_trigger("contractEventTrigger", /*removed=*/true)), "retracted");
  EXPECT_EQ(f.feed(test::usdt_event_trigger("contractEventTrigger", /*removed=*/true)), "");
  EXPECT_EQ(f.feed(test::usdt_event_trigger()), "confirmed/r1");
}

TEST(TronPluginTracker, BlockTriggerSolidificationFinalisesAndMovesTheTip) {
  Fixture f;
  EXPECT_EQ(f.feed(test::usdt_event_trigger()), "confirmed");
  std::string block = read_fixture("event-plugin.blockTrigger.json");
  block = test::replace(block, "\"blockNumber\":17924932", "\"blockNumber\":17924999");
  block = test::replace(block, "\"latestSolidifiedBlockNumber\":17924914", "\"latestSolidifiedBlockNumber\":17924980");
  EXPECT_EQ(f.feed(block), "final");
  EXPECT_EQ(f.tracker.tip(), 17924999u);
  EXPECT_EQ(f.tracker.solidified(), 17924980u);
  // A late trigger for a solidified block is final at once.
  Fixture g;
  g.feed(block);
  EXPECT_EQ(g.feed(test::usdt_event_trigger()), "confirmed,final");
}

TEST(TronPluginTracker, WithoutSolidificationReportsFinalDepthDecides) {
  Fixture f;  // final_depth 19
  EXPECT_EQ(f.feed(without_solidified(test::usdt_event_trigger())), "confirmed");
  std::string block =
      test::replace(read_fixture("event-plugin.blockTrigger.json"), "\"latestSolidifiedBlockNumber\":17924914,", "");
  EXPECT_EQ(f.feed(test::replace(block, "\"blockNumber\":17924932", "\"blockNumber\":17924995")), "");
  EXPECT_EQ(f.feed(test::replace(block, "\"blockNumber\":17924932", "\"blockNumber\":17924996")), "final");
}

TEST(TronPluginTracker, CounterfeitAndOtherEventsChangeNothing) {
  Fixture f;
  EXPECT_EQ(f.feed(read_fixture("event-plugin.contractEventTrigger.json")), "");
  EXPECT_EQ(f.feed(read_fixture("event-plugin.transactionTrigger.json")), "");
  EXPECT_EQ(f.tracker.ledger().stats().live, 0u);
}

TEST(TronPluginTracker, SaveRestoreContinuesIdentically) {
  Fixture f;
  f.feed(test::usdt_event_trigger());
  f.feed(solidity_trigger(17924000));
  Fixture g;
  std::string error;
  ASSERT_TRUE(g.tracker.restore(f.tracker.save(), error)) << error;
  EXPECT_EQ(g.tracker.save(), f.tracker.save());
  EXPECT_EQ(g.feed(test::usdt_event_trigger()), "");  // still live: not confirmed twice
  EXPECT_EQ(g.feed(solidity_trigger(17924978)), "final");
  EXPECT_FALSE(g.tracker.restore("{\"v\":1}", error));
  EXPECT_EQ(g.tracker.tip(), 0u);
}

}  // namespace
}  // namespace fw::decode::tron
