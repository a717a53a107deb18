#include "decode/tron/event_plugin.hpp"

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace fw::decode::tron {
namespace {

using test::kFrom;
using test::kTo;
using test::kUsdt;
using test::read_fixture;

PluginDecoder usdt_decoder() { return PluginDecoder(TokenRegistry::defaults(), Network::mainnet, "node", "tron"); }

constexpr const char* kTxid = "533a57d3238e7648057d14ef6e1f73bd3d6a2444417c35fd6b2e30f22a97eeeb";

TEST(TronEventPlugin, RecordedContractEventOfAnUnconfiguredContractIsIgnoredAndCounted) {
  auto d = usdt_decoder();
  auto r = d.decode(read_fixture("event-plugin.contractEventTrigger.json"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_TRUE(r.issues.empty());
  ASSERT_EQ(r.value.triggers.size(), 1u);
  const Trigger& t = r.value.triggers[0];
  EXPECT_EQ(t.kind, TriggerKind::contract_event);
  EXPECT_EQ(t.skip, Skip::not_configured);
  EXPECT_EQ(t.contract, "TB4muJ2BJP7mXqdNaAx3S65TvZM3pq3VaJ");
  EXPECT_EQ(t.tx_id, kTxid);
  EXPECT_EQ(t.event_index, 2u);
  EXPECT_EQ(t.block_number, 17924978u);
  EXPECT_EQ(t.latest_solidified, 17924959u);
  EXPECT_FALSE(t.removed);
  EXPECT_FALSE(t.transfer);
  EXPECT_EQ(r.value.ignored_contracts, 1u);
}

TEST(TronEventPlugin, RecordedContractEventOfAConfiguredContractIsNotATransfer) {
  TokenRegistry tokens;
  tokens.add({"TB4muJ2BJP7mXqdNaAx3S65TvZM3pq3VaJ", "X", 6});
  PluginDecoder d(tokens, Network::mainnet, "node", "tron");
  auto r = d.decode(read_fixture("event-plugin.contractEventTrigger.json"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.triggers.size(), 1u);
  EXPECT_EQ(r.value.triggers[0].skip, Skip::not_transfer);  // SendCommission(...)
  EXPECT_EQ(r.value.other_events, 1u);
  EXPECT_TRUE(r.issues.empty()) << r.issues[0].detail;
}

TEST(TronEventPlugin, RecordedBlockTriggerGivesBlockFactsOnly) {
  auto d = usdt_decoder();
  auto r = d.decode(read_fixture("event-plugin.blockTrigger.json"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.triggers.size(), 1u);
  const Trigger& t = r.value.triggers[0];
  EXPECT_EQ(t.kind, TriggerKind::block);
  EXPECT_EQ(t.block_number, 17924932u);
  EXPECT_EQ(t.block_hash, "000000000111834415f8ef62981126da6a34d15d712ed6cf7b81342ba069a08b");
  EXPECT_EQ(t.latest_solidified, 17924914u);
  EXPECT_EQ(t.timestamp_ms, 1626887961000);
  EXPECT_FALSE(t.transfer);
}

TEST(TronEventPlugin, RecordedTransactionTriggerCarriesNoTokenTransfer) {
  auto d = usdt_decoder();
  auto r = d.decode(read_fixture("event-plugin.transactionTrigger.json"));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.triggers.size(), 1u);
  EXPECT_EQ(r.value.triggers[0].kind, TriggerKind::transaction);
  EXPECT_EQ(r.value.triggers[0].block_number, 17925042u);
  EXPECT_EQ(r.value.triggers[0].latest_solidified, 17925024u);
  EXPECT_FALSE(r.value.triggers[0].transfer);
  EXPECT_EQ(r.value.ignored_contracts, 0u);  // not a contract trigger: nothing to ignore
}

TEST(TronEventPlugin, UsdtTransferEventDecodesFromTheRawWords) {
  auto d = usdt_decoder();
  auto r = d.decode(test::usdt_event_trigger());
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_TRUE(r.issues.empty()) << r.issues[0].detail;
  ASSERT_EQ(r.value.triggers.size(), 1u);
  ASSERT_TRUE(r.value.triggers[0].transfer);
  const Transfer& t = *r.value.triggers[0].transfer;
  EXPECT_EQ(t.chain, Chain::tron);
  EXPECT_EQ(t.asset.contract, kUsdt);
  EXPECT_EQ(t.asset.decimals, 6);
  EXPECT_EQ(t.senders.at(0), kFrom);
  EXPECT_EQ(t.recipient, kTo);
  EXPECT_EQ(t.amount.to_decimal(), "1399000000");
  EXPECT_EQ(t.tx_id, kTxid);
  EXPECT_EQ(t.event_index, 2u);
  EXPECT_EQ(t.occurrence, 2u);
  EXPECT_EQ(t.block_height, 17924978u);
  EXPECT_EQ(t.block_time, 1626888105);
  EXPECT_EQ(t.source, "node");
}

TEST(TronEventPlugin, WithoutRawDataTheNodesAbiMapsAreUsed) {
  auto d = usdt_decoder();
  std::string body = test::usdt_event_trigger();
  const auto raw_at = body.find("\"rawData\":{");
  body.replace(raw_at, body.find("},\"abi\"", raw_at) + 1 - raw_at, "\"rawData\":null");
  auto r = d.decode(body);
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.value.triggers.at(0).transfer) << (r.issues.empty() ? "" : r.issues[0].detail);
  EXPECT_EQ(r.value.triggers[0].transfer->senders[0], kFrom);
  EXPECT_EQ(r.value.triggers[0].transfer->recipient, kTo);
  EXPECT_EQ(r.value.triggers[0].transfer->amount.to_decimal(), "1399000000");
}

TEST(TronEventPlugin, NegativeAbiValueIsRefusedNotWrapped) {
  // The node decodes uint256 words with a signed BigInteger.
  auto d = usdt_decoder();
  std::string body = test::usdt_event_trigger();
  const auto raw_at = body.find("\"rawData\":{");
  body.replace(raw_at, body.find("},\"abi\"", raw_at) + 1 - raw_at, "\"rawData\":null");
  body = test::replace(body, "\"value\":\"1399000000\"", "\"value\":\"-5\"");
  body = test::replace(body, "\"2\":\"1399000000\"", "\"2\":\"-5\"");
  auto r = d.decode(body);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.triggers.size(), 1u);
  EXPECT_EQ(r.value.triggers[0].skip, Skip::undecodable);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].reason, Error::bad_amount);
  EXPECT_NE(r.issues[0].detail.find("signed"), std::string::npos) << r.issues[0].detail;
}

TEST(TronEventPlugin, ContractLogTriggerDecodesTopicListAndData) {
  auto d = usdt_decoder();
  auto r = d.decode(test::usdt_log_trigger());
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.issues.empty()) << r.issues[0].detail;
  const Trigger& t = r.value.triggers.at(0);
  EXPECT_EQ(t.kind, TriggerKind::contract_log);
  ASSERT_TRUE(t.transfer);
  EXPECT_EQ(t.transfer->senders[0], kFrom);
  EXPECT_EQ(t.transfer->amount.to_decimal(), "1399000000");
}

TEST(TronEventPlugin, SolidityTriggersAndRemovedFlagAreReported) {
  auto d = usdt_decoder();
  auto solid = d.decode(test::usdt_log_trigger("solidityLogTrigger"));
  ASSERT_TRUE(solid.ok());
  EXPECT_EQ(solid.value.triggers.at(0).kind, TriggerKind::solidity_log);
  EXPECT_TRUE(is_solidified(solid.value.triggers[0].kind));
  EXPECT_TRUE(solid.value.triggers[0].transfer);

  auto removed = d.decode(test::usdt_event_trigger("contractEventTrigger", /*removed=*/true));
  ASSERT_TRUE(removed.ok());
  EXPECT_TRUE(removed.value.triggers.at(0).removed);
  EXPECT_TRUE(removed.value.triggers[0].transfer);

  auto st = d.decode(R"({"timeStamp":1,"triggerName":"solidityTrigger","latestSolidifiedBlockNumber":99})");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st.value.triggers.at(0).kind, TriggerKind::solidity);
  EXPECT_EQ(st.value.triggers[0].latest_solidified, 99u);
}

TEST(TronEventPlugin, CounterfeitUsdtEmittingTheSameShapeIsIgnored) {
  auto d = usdt_decoder();
  std::string body = test::replace(test::usdt_event_trigger(), std::string("\"contractAddress\":\"") + kUsdt,
                                   std::string("\"contractAddress\":\"") + test::kCounterfeit);
  body = test::replace(body, test::kUsdtHex20, "5714d9a92682a8f3b05a189d2be0a6421882e149");
  auto r = d.decode(body);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value.triggers.at(0).transfer);
  EXPECT_EQ(r.value.triggers[0].skip, Skip::not_configured);
  EXPECT_EQ(r.value.ignored_contracts, 1u);
}

TEST(TronEventPlugin, RawAddressThatIsNotTheContractIsRefused) {
  auto d = usdt_decoder();
  auto r = d.decode(test::replace(test::usdt_event_trigger(), test::kUsdtHex20, test::kFromHex));
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r.value.triggers.at(0).transfer);
  EXPECT_EQ(r.value.triggers[0].skip, Skip::undecodable);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_NE(r.issues[0].detail.find("rawData.address"), std::string::npos);
}

TEST(TronEventPlugin, ArrayBodyKeepsGoodTriggersAndReportsBadOnes) {
  auto d = usdt_decoder();
  const std::string bad_unique = test::replace(test::usdt_log_trigger(), "eeeb_2\"", "ffff_2\"");
  auto r = d.decode("[" + test::usdt_log_trigger() + ",42," + bad_unique + "," +
                    read_fixture("event-plugin.blockTrigger.json") + R"(,{"noTrigger":1}])");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.triggers.size(), 2u);
  EXPECT_TRUE(r.value.triggers[0].transfer);
  EXPECT_EQ(r.value.triggers[1].kind, TriggerKind::block);
  ASSERT_EQ(r.issues.size(), 3u);
  EXPECT_EQ(r.issues[0].reason, Error::not_object);
  EXPECT_NE(r.issues[1].detail.find("[2].uniqueId"), std::string::npos) << r.issues[1].detail;
  EXPECT_EQ(r.issues[2].reason, Error::missing_field);
}

TEST(TronEventPlugin, WholeBodyErrorsAreValues) {
  auto d = usdt_decoder();
  EXPECT_EQ(d.decode("not json").error.reason, Error::not_json);
  EXPECT_EQ(d.decode("\"text\"").error.reason, Error::not_object);
  auto one = d.decode("{}");
  ASSERT_TRUE(one.ok());
  EXPECT_TRUE(one.value.triggers.empty());
  ASSERT_EQ(one.issues.size(), 1u);
  EXPECT_EQ(one.issues[0].reason, Error::missing_field);
}

TEST(TronEventPlugin, ErcSevenTwentyOneShapeIsRefusedForAConfiguredToken) {
  auto d = usdt_decoder();
  auto body = test::replace(test::usdt_log_trigger(), "\"],\"data\"",
                            "\",\"" + test::value_word(7) + "\"],\"data\"");
  auto r = d.decode(body);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.triggers.at(0).skip, Skip::undecodable);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_NE(r.issues[0].detail.find("4 topics"), std::string::npos) << r.issues[0].detail;
}

}  // namespace
}  // namespace fw::decode::tron
