#include "decode/tron/ledger.hpp"

#include <gtest/gtest.h>

namespace fw::decode::tron {
namespace {

Transfer transfer(const std::string& tx, std::uint32_t index, std::uint64_t block, std::uint64_t amount = 5) {
  Transfer t;
  t.chain = Chain::tron;
  t.chain_name = "tron";
  t.source = "s";
  t.asset = Asset{"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", "USDT", 6};
  t.senders = {"TA5WVDb8QG5SoPNk1HCnombmkS9nWqH9LR"};
  t.recipient = "TSHfFTij9Ch7MEcs8c67b9iPTCYmxrwsVV";
  t.amount = Amount(amount);
  t.tx_id = tx;
  t.event_index = index;
  t.occurrence = index;
  t.block_height = block;
  t.block_time = 1700000000;
  return t;
}

Ledger ledger(LedgerOptions o = {}) { return Ledger(LedgerContext{Network::mainnet, "tron", "s"}, o); }

std::string stages(const std::vector<Transfer>& out) {
  std::string s;
  for (const auto& t : out) {
    if (!s.empty()) s += ",";
    s += t.tx_id + ":" + to_string(t.status) + (t.revision ? "/r" + std::to_string(t.revision) : "");
  }
  return s;
}

TEST(TronLedger, ConfirmedThenSolidifiedEmitsEachStageOnce) {
  auto l = ledger();
  std::vector<Transfer> out;
  l.confirmed(transfer("a", 0, 10), out);
  l.confirmed(transfer("a", 0, 10), out);  // the unconfirmed view repeats itself
  l.solidified(transfer("a", 0, 10), out);
  l.solidified(transfer("a", 0, 10), out);
  l.confirmed(transfer("a", 0, 10), out);  // a late unconfirmed answer
  EXPECT_EQ(stages(out), "a:confirmed,a:final");
  EXPECT_EQ(l.stats().live, 0u);
}

TEST(TronLedger, FirstSeenSolidifiedEmitsConfirmedAndFinal) {
  auto l = ledger();
  std::vector<Transfer> out;
  l.solidified(transfer("a", 1, 10), out);
  EXPECT_EQ(stages(out), "a:confirmed,a:final");
}

TEST(TronLedger, RemovedRetractsAndAReappearanceGetsANewRevision) {
  auto l = ledger();
  std::vector<Transfer> out;
  l.confirmed(transfer("a", 0, 10), out);
  l.removed("a", 0, "reorg: removed by the node", out);
  l.removed("a", 0, "again", out);  // no longer live: ignored
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].status_reason, "reorg: removed by the node");
  EXPECT_EQ(out[1].revision, 0u);  // a retraction keeps the revision it retracts
  l.confirmed(transfer("a", 0, 11), out);
  l.finalize_through(11, out);
  EXPECT_EQ(stages(out), "a:confirmed,a:retracted,a:confirmed/r1,a:final/r1");
}

TEST(TronLedger, FinalizeThroughAndRetractBelowGoInBlockOrder) {
  auto l = ledger();
  std::vector<Transfer> out;
  l.confirmed(transfer("c", 0, 12), out);
  l.confirmed(transfer("a", 0, 10), out);
  l.confirmed(transfer("b", 0, 11), out);
  out.clear();
  l.finalize_through(11, out);
  EXPECT_EQ(stages(out), "a:final,b:final");
  out.clear();
  l.confirmed(transfer("d", 0, 13), out);
  out.clear();
  l.retract_below(13, "reorg: passed", out);
  EXPECT_EQ(stages(out), "c:retracted");
  EXPECT_EQ(out[0].status_reason, "reorg: passed");
  EXPECT_TRUE(l.live("d:0"));
}

TEST(TronLedger, SolidifiedUsesTheSolidifiedViewsBlockFacts) {
  auto l = ledger();
  std::vector<Transfer> out;
  l.confirmed(transfer("a", 0, 10), out);
  l.solidified(transfer("a", 0, 12), out);  // moved to another block by a fork
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].block_height, 12u);
  EXPECT_EQ(out[1].status, TransferStatus::final);
}

TEST(TronLedger, SaveRestoreContinuesIdentically) {
  auto a = ledger();
  std::vector<Transfer> out;
  auto t = transfer("a", 3, 10, 1399000000);
  t.block_hash = "00ff";
  a.confirmed(t, out);
  a.confirmed(transfer("b", 0, 11), out);
  a.removed("b", 0, "gone", out);
  a.confirmed(transfer("c", 1, 12), out);

  auto b = ledger();
  std::string error;
  ASSERT_TRUE(b.restore(a.save(), error)) << error;
  EXPECT_EQ(b.save(), a.save());
  EXPECT_EQ(b.stats().live, 2u);
  EXPECT_EQ(b.stats().retracted, 1u);

  std::vector<Transfer> from_a, from_b;
  for (auto* l : {&a, &b}) {
    auto& o = l == &a ? from_a : from_b;
    l->confirmed(transfer("b", 0, 13), o);  // comes back: revision 1
    l->finalize_through(13, o);
  }
  ASSERT_EQ(from_a.size(), from_b.size());
  for (std::size_t i = 0; i < from_a.size(); ++i) {
    EXPECT_EQ(from_a[i].tx_id, from_b[i].tx_id);
    EXPECT_EQ(from_a[i].status, from_b[i].status);
    EXPECT_EQ(from_a[i].revision, from_b[i].revision);
    EXPECT_EQ(from_a[i].amount, from_b[i].amount);
    EXPECT_EQ(from_a[i].senders, from_b[i].senders);
    EXPECT_EQ(from_a[i].recipient, from_b[i].recipient);
    EXPECT_EQ(from_a[i].asset.contract, from_b[i].asset.contract);
    EXPECT_EQ(from_a[i].asset.decimals, from_b[i].asset.decimals);
    EXPECT_EQ(from_a[i].block_height, from_b[i].block_height);
    EXPECT_EQ(from_a[i].block_hash, from_b[i].block_hash);
    EXPECT_EQ(from_a[i].block_time, from_b[i].block_time);
    EXPECT_EQ(from_a[i].occurrence, from_b[i].occurrence);
    EXPECT_EQ(from_a[i].source, from_b[i].source);
  }
  EXPECT_EQ(stages(from_b), "b:confirmed/r1,a:final,c:final,b:final/r1");  // block order
}

TEST(TronLedger, RestoreRefusesMalformedState) {
  auto l = ledger();
  std::string error;
  EXPECT_FALSE(l.restore("nope", error));
  EXPECT_FALSE(l.restore(R"({"live":[{"tx":"a"}],"retracted":[]})", error));
  EXPECT_NE(error.find("live transfer"), std::string::npos) << error;
  EXPECT_EQ(l.stats().live, 0u);
}

TEST(TronLedger, LiveEventsAreBoundedLowestBlockFirst) {
  auto l = ledger(LedgerOptions{.max_live = 2});
  std::vector<Transfer> out;
  l.confirmed(transfer("a", 0, 10), out);
  l.confirmed(transfer("b", 0, 12), out);
  l.confirmed(transfer("c", 0, 11), out);
  EXPECT_EQ(l.stats().live, 2u);
  EXPECT_EQ(l.stats().evicted, 1u);
  EXPECT_FALSE(l.live("a:0"));
  EXPECT_TRUE(l.live("b:0"));
}

}  // namespace
}  // namespace fw::decode::tron
