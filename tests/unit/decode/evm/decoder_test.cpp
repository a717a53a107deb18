#include "decode/evm/decoder.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fixtures.hpp"

namespace fw::decode::evm {
namespace {

using test::member;
using test::read_fixture;
using test::replaced;

constexpr const char* kAnvilToken = "0x5fbdb2315678afecb367f032d93f642f64180aa3";
constexpr const char* kGanacheToken = "0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab";
constexpr const char* kUsdt = "0xdac17f958d2ee523a2206206994597c13d831ec7";

TokenRegistry registry(std::vector<TokenInfo> tokens) {
  TokenRegistry r;
  std::string error;
  for (auto& t : tokens) EXPECT_TRUE(r.add(std::move(t), error)) << error;
  return r;
}

Decoder decoder(TokenRegistry tokens, std::string chain_name = "anvil") {
  return Decoder(std::move(tokens), Network::testnet, "node", std::move(chain_name));
}

Decoder anvil_decoder() { return decoder(registry({{kAnvilToken, "TT", 18}})); }

std::string anvil_log_params() { return member(read_fixture("captured/anvil-logs-notification.json"), "params"); }

// A getLogs result of the anvil log with the given edits applied to its text.
std::string as_result(const std::string& log_object) { return "[" + log_object + "]"; }
std::string anvil_log_object() { return member(anvil_log_params(), "result"); }

TEST(EvmNotification, AnvilTransferLogDecodesEveryField) {
  auto d = anvil_decoder();
  auto r = d.notification(anvil_log_params());
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.kind, Notification::Kind::log);
  EXPECT_EQ(r.value.subscription, "0x66785966787a6e3043366f7a46464437");
  EXPECT_FALSE(r.value.removed);
  const Transfer& t = r.value.log;
  EXPECT_EQ(t.chain, Chain::evm);
  EXPECT_EQ(t.chain_name, "anvil");
  EXPECT_EQ(t.network, Network::testnet);
  EXPECT_EQ(t.source, "node");
  EXPECT_EQ(t.asset.contract, kAnvilToken);
  EXPECT_EQ(t.asset.symbol, "TT");
  EXPECT_EQ(t.asset.decimals, 18);
  ASSERT_EQ(t.senders.size(), 1u);
  EXPECT_EQ(t.senders[0], "0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266");
  EXPECT_EQ(t.recipient, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  EXPECT_EQ(t.amount.to_decimal(), "123");
  EXPECT_EQ(t.tx_id, "0x03c6696ec876c843778645f4dc72d23c951aec1976244d0120031844267c4e6d");
  EXPECT_EQ(t.block_hash, "0x89f765ac5fd1c645930c76410663a4efb9cfdbcf151fea7b983da6310ab6200f");
  EXPECT_EQ(t.block_height, 4u);
  EXPECT_EQ(t.event_index, 0u);
  EXPECT_EQ(t.block_time, 0x6b07d890);  // anvil adds blockTimestamp to logs
  EXPECT_EQ(t.status, TransferStatus::confirmed);
}

TEST(EvmNotification, GanacheTransferLogDecodesDespiteItsFieldOrder) {
  auto d = decoder(registry({{kGanacheToken, "GT", 0}}));
  auto r = d.notification(member(read_fixture("captured/ganache-logs-notification.json"), "params"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.kind, Notification::Kind::log);
  EXPECT_EQ(r.value.subscription, "0x2");
  const Transfer& t = r.value.log;
  EXPECT_EQ(t.senders, std::vector<std::string>{"0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1"});
  EXPECT_EQ(t.recipient, "0xffcf8fdee72ac11b5c542428b35eef5769c409f0");
  EXPECT_EQ(t.amount.to_decimal(), "12345678");
  EXPECT_EQ(t.block_height, 2u);
  EXPECT_EQ(t.tx_id, "0xd9087f0e44a16914ef289ff5bde9dc878c91825b47231e45afcc6187bfe93b9d");
  EXPECT_FALSE(t.block_time.has_value());  // ganache sends no blockTimestamp
}

TEST(EvmNotification, RemovedTrueMarksTheLogRetracted) {
  auto d = anvil_decoder();
  auto r = d.notification(replaced(anvil_log_params(), "\"removed\":false", "\"removed\":true"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.kind, Notification::Kind::log);
  EXPECT_TRUE(r.value.removed);
  EXPECT_EQ(r.value.log.status, TransferStatus::retracted);
  EXPECT_EQ(r.value.log.block_hash, "0x89f765ac5fd1c645930c76410663a4efb9cfdbcf151fea7b983da6310ab6200f");
  EXPECT_EQ(r.value.log.block_height, 4u);
}

TEST(EvmNotification, AnvilNewHeadsGivesTheHeaderAndItsBloom) {
  auto d = anvil_decoder();
  auto r = d.notification(member(read_fixture("captured/anvil-newHeads-notification.json"), "params"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.kind, Notification::Kind::new_head);
  const BlockHeader& h = r.value.header;
  EXPECT_EQ(h.number, 4u);
  EXPECT_EQ(h.hash, "0x89f765ac5fd1c645930c76410663a4efb9cfdbcf151fea7b983da6310ab6200f");
  EXPECT_EQ(h.parent_hash, "0x8f8338fd67a259ae32750ec408a806b04244d91177e02e486a7ea285b631d6fc");
  EXPECT_EQ(h.timestamp, 0x6b07d890);
  EXPECT_EQ(h.logs_bloom.size(), 256u);
  EXPECT_TRUE(r.issues.empty());
}

TEST(EvmNotification, GanacheNewHeadsGivesTheHeader) {
  auto d = anvil_decoder();
  auto r = d.notification(member(read_fixture("captured/ganache-newHeads-notification.json"), "params"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.kind, Notification::Kind::new_head);
  EXPECT_EQ(r.value.subscription, "0x1");
  EXPECT_EQ(r.value.header.number, 2u);
  EXPECT_EQ(r.value.header.hash, "0xfa150bad76c2a3efd70dcf2b31cb07303c72e51b361d5a70226b086ae3ae29da");
  EXPECT_EQ(r.value.header.parent_hash, "0xedfb1b802d64576d9d2d296cc5f460d7032d1d27c72e7335146cd533bccb399d");
  EXPECT_EQ(r.value.header.timestamp, 0x6b07d6b6);
}

TEST(EvmNotification, GethDocHeaderWithoutHashIsAMissingField) {
  // The geth pubsub doc's newHeads example has no "hash": a header we cannot link.
  auto d = anvil_decoder();
  auto doc = read_fixture("geth-pubsub-doc-examples.json");
  auto r = d.notification(member(member(doc, "newHeads_notification"), "params"));
  EXPECT_EQ(r.value.kind, Notification::Kind::new_head);
  EXPECT_EQ(r.error.reason, Error::missing_field);
  EXPECT_EQ(r.error.detail, "missing field params.result.hash");
}

TEST(EvmNotification, LogsOfOtherContractsAndEventsAreOther) {
  auto d = anvil_decoder();
  auto doc = read_fixture("geth-pubsub-doc-examples.json");
  auto other_contract = d.notification(member(member(doc, "logs_notification"), "params"));
  ASSERT_TRUE(other_contract.ok()) << other_contract.error.detail;
  EXPECT_EQ(other_contract.value.kind, Notification::Kind::other);

  const std::string approval = "0x8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925";
  auto other_event = d.notification(
      replaced(anvil_log_params(), "0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef", approval));
  ASSERT_TRUE(other_event.ok()) << other_event.error.detail;
  EXPECT_EQ(other_event.value.kind, Notification::Kind::other);
}

TEST(EvmNotification, NotJsonAndNotAnObjectAreRefused) {
  auto d = anvil_decoder();
  EXPECT_EQ(d.notification("{\"subscription\":").error.reason, Error::not_json);
  EXPECT_EQ(d.notification("[1,2]").error.reason, Error::not_object);
  EXPECT_EQ(d.notification("{\"subscription\":\"0x1\"}").error.reason, Error::missing_field);
}

// --- malformed logs ------------------------------------------------------------

TEST(EvmLogs, FourTopicsIsRefusedAsAnErc721ShapedTransfer) {
  auto d = anvil_decoder();
  auto params = replaced(anvil_log_params(), "\"],\"data\"",
                         "\",\"0x0000000000000000000000000000000000000000000000000000000000000001\"],\"data\"");
  auto r = d.notification(params);
  EXPECT_EQ(r.value.kind, Notification::Kind::log);
  EXPECT_EQ(r.error.reason, Error::bad_field);
  EXPECT_NE(r.error.detail.find("params.result.topics: a Transfer(address,address,uint256) log has 3 topics, got 4"),
            std::string::npos)
      << r.error.detail;
}

TEST(EvmLogs, TwoTopicsIsRefused) {
  auto d = anvil_decoder();
  auto r = d.logs(as_result(replaced(anvil_log_object(),
                                     ",\"0x00000000000000000000000070997970c51812dc3a010c7d01b50e0d17dc79c8\"", "")));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value.transfers.empty());
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].reason, Error::bad_field);
  EXPECT_NE(r.issues[0].detail.find("result[0].topics: a Transfer(address,address,uint256) log has 3 topics, got 2"),
            std::string::npos)
      << r.issues[0].detail;
}

TEST(EvmLogs, ShortDataIsRefusedWithItsLength) {
  auto d = anvil_decoder();
  auto r = d.logs(as_result(replaced(anvil_log_object(),
                                     "0x000000000000000000000000000000000000000000000000000000000000007b",
                                     "0x0000000000000000000000000000000000000000000000000000000000007b")));
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].reason, Error::bad_field);
  EXPECT_NE(r.issues[0].detail.find("result[0].data: expected one 32-byte word (the uint256 value), got 31 bytes"),
            std::string::npos)
      << r.issues[0].detail;
}

TEST(EvmLogs, EmptyAndOddDataAreRefused) {
  auto d = anvil_decoder();
  const std::string word = "0x000000000000000000000000000000000000000000000000000000000000007b";
  auto empty = d.logs(as_result(replaced(anvil_log_object(), word, "0x")));
  ASSERT_EQ(empty.issues.size(), 1u);
  EXPECT_NE(empty.issues[0].detail.find("got 0 bytes"), std::string::npos) << empty.issues[0].detail;
  auto odd = d.logs(as_result(replaced(anvil_log_object(), word, "0x7")));
  ASSERT_EQ(odd.issues.size(), 1u);
  EXPECT_NE(odd.issues[0].detail.find("result[0].data: not 0x-prefixed hex bytes"), std::string::npos)
      << odd.issues[0].detail;
}

TEST(EvmLogs, TopicThatIsNotAnAddressWordIsABadAddress) {
  auto d = anvil_decoder();
  auto r = d.logs(as_result(replaced(anvil_log_object(), "0x000000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266",
                                     "0x100000000000000000000000f39fd6e51aad88f6f4ce6ab8827279cfffb92266")));
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].reason, Error::bad_address);
  EXPECT_NE(r.issues[0].detail.find("result[0].topics[1]: not an address word"), std::string::npos)
      << r.issues[0].detail;
}

TEST(EvmLogs, MissingTransactionHashIsAMissingField) {
  auto d = anvil_decoder();
  auto r = d.logs(as_result(replaced(anvil_log_object(), "\"transactionHash\"", "\"txHash\"")));
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].reason, Error::missing_field);
  EXPECT_EQ(r.issues[0].detail, "missing field result[0].transactionHash");
}

TEST(EvmLogs, OneBadLogDoesNotHideTheOthers) {
  auto d = anvil_decoder();
  auto good = anvil_log_object();
  auto bad = replaced(good, "\"logIndex\":\"0x0\"", "\"logIndex\":\"zz\"");
  auto r = d.logs("[" + bad + "," + replaced(good, "\"logIndex\":\"0x0\"", "\"logIndex\":\"0x1\"") + "]");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.transfers.size(), 1u);
  EXPECT_EQ(r.value.transfers[0].event_index, 1u);
  ASSERT_EQ(r.issues.size(), 1u);
  EXPECT_EQ(r.issues[0].reason, Error::bad_field);
  EXPECT_NE(r.issues[0].detail.find("result[0].logIndex: not a hex quantity"), std::string::npos);
}

TEST(EvmLogs, ResultThatIsNotAnArrayIsRefused) {
  auto d = anvil_decoder();
  EXPECT_EQ(d.logs("{}").error.reason, Error::not_object);
  EXPECT_EQ(d.logs("nope").error.reason, Error::not_json);
}

// --- getLogs -------------------------------------------------------------------

TEST(EvmLogs, MainnetUsdtGetLogsFixtureDecodesExactly) {
  auto d = decoder(TokenRegistry::ethereum_defaults(), "ethereum");
  auto r = d.logs(member(read_fixture("usdt-transfer-log.eth_getLogs.response.json"), "result"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_TRUE(r.issues.empty());
  ASSERT_EQ(r.value.transfers.size(), 1u);
  const Transfer& t = r.value.transfers[0];
  EXPECT_EQ(t.chain_name, "ethereum");
  EXPECT_EQ(t.asset.contract, kUsdt);
  EXPECT_EQ(t.asset.symbol, "USDT");
  EXPECT_EQ(t.senders, std::vector<std::string>{"0xa9d1e08c7793af67e9d92fe308d5697fb81d3e43"});
  EXPECT_EQ(t.recipient, "0x78cccfb3d517cd4ed6d045e263e134712288ace2");
  EXPECT_EQ(t.amount.to_decimal(), "1000105011");
  EXPECT_EQ(t.amount_decimal(), "1000.105011");
  EXPECT_EQ(t.block_height, 0x11dc77eu);
  EXPECT_EQ(t.block_hash, "0xd5c72ad752b2f0144a878594faf8bd9f570f2f72af8e7f0940d3545a6388f629");
  EXPECT_EQ(t.tx_id, "0xf3ed91a03ddf964281ac7a24351573efd535b80fc460a5c2ad2b9d23153ec678");
  EXPECT_EQ(t.event_index, 0xe8u);
  EXPECT_EQ(t.occurrence, 0u);
}

TEST(EvmLogs, UsdtLogIsIgnoredWhenUsdtIsNotListed) {
  auto d = anvil_decoder();
  auto r = d.logs(member(read_fixture("usdt-transfer-log.eth_getLogs.response.json"), "result"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value.transfers.empty());
  EXPECT_EQ(r.value.ignored, 1u);
}

TEST(EvmLogs, SortedByBlockAndLogIndexWithOccurrencesPerTransaction) {
  auto d = anvil_decoder();
  auto log = anvil_log_object();
  auto at = [&](const char* index) { return replaced(log, "\"logIndex\":\"0x0\"", std::string("\"logIndex\":\"") + index + "\""); };
  auto other_tx = replaced(at("0x1"), "0x03c6696ec876c843778645f4dc72d23c951aec1976244d0120031844267c4e6d",
                           "0x13c6696ec876c843778645f4dc72d23c951aec1976244d0120031844267c4e6d");
  // Same tx, same from/to/value twice (logIndex 2 and 0), another tx in between.
  auto r = d.logs("[" + at("0x2") + "," + other_tx + "," + at("0x0") + "]");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.transfers.size(), 3u);
  EXPECT_EQ(r.value.transfers[0].event_index, 0u);
  EXPECT_EQ(r.value.transfers[0].occurrence, 0u);
  EXPECT_EQ(r.value.transfers[1].event_index, 1u);
  EXPECT_EQ(r.value.transfers[1].occurrence, 0u);  // another tx
  EXPECT_EQ(r.value.transfers[2].event_index, 2u);
  EXPECT_EQ(r.value.transfers[2].occurrence, 1u);
}

TEST(EvmLogs, RemovedLogsInAGetLogsAnswerAreSkippedAndCounted) {
  auto d = anvil_decoder();
  auto r = d.logs(as_result(replaced(anvil_log_object(), "\"removed\":false", "\"removed\":true")));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value.transfers.empty());
  EXPECT_EQ(r.value.removed, 1u);
}

TEST(EvmLogs, FullUint256ValueIsExact) {
  auto d = anvil_decoder();
  auto r = d.logs(as_result(replaced(anvil_log_object(),
                                     "0x000000000000000000000000000000000000000000000000000000000000007b",
                                     "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff")));
  ASSERT_EQ(r.value.transfers.size(), 1u);
  EXPECT_EQ(r.value.transfers[0].amount.to_decimal(),
            "115792089237316195423570985008687907853269984665640564039457584007913129639935");
}

// --- blocks, receipts, quantities ----------------------------------------------

TEST(EvmBlocks, HeaderResultAndNull) {
  auto d = anvil_decoder();
  auto head = member(member(read_fixture("captured/anvil-newHeads-notification.json"), "params"), "result");
  auto r = d.header(head);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ(r.value->number, 4u);
  auto none = d.header("null");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value.has_value());
  EXPECT_EQ(d.header("\"0x1\"").error.reason, Error::not_object);
  EXPECT_EQ(d.header(replaced(head, "\"number\":\"0x4\"", "\"number\":4")).error.detail,
            "result.number: expected a hex string, got a number (4)");
}

TEST(EvmBlocks, MalformedBloomIsAnIssueNotAnError) {
  auto d = anvil_decoder();
  auto r = d.header(R"({"number":"0x1","hash":"0x89f765ac5fd1c645930c76410663a4efb9cfdbcf151fea7b983da6310ab6200f",)"
                    R"("parentHash":"0x8f8338fd67a259ae32750ec408a806b04244d91177e02e486a7ea285b631d6fc","logsBloom":"0x00"})");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.value->logs_bloom.empty());
  EXPECT_EQ(r.issues.size(), 1u);
}

TEST(EvmBlocks, FullBlockGivesNativeValueTransfersOnly) {
  auto d = decoder(registry({{kAnvilToken, "TT", 18}}), "ethereum");
  const std::string block = R"({"number":"0x10","hash":"0x89f765ac5fd1c645930c76410663a4efb9cfdbcf151fea7b983da6310ab6200f",)"
      R"("parentHash":"0x8f8338fd67a259ae32750ec408a806b04244d91177e02e486a7ea285b631d6fc","timestamp":"0x10","transactions":[)"
      R"({"hash":"0x03c6696ec876c843778645f4dc72d23c951aec1976244d0120031844267c4e6d","from":"0xF39Fd6e51aad88F6F4ce6aB8827279cffFb92266",)"
      R"("to":"0x70997970c51812dc3a010c7d01b50e0d17dc79c8","value":"0xde0b6b3a7640000","transactionIndex":"0x0"},)"
      R"({"hash":"0x13c6696ec876c843778645f4dc72d23c951aec1976244d0120031844267c4e6d","from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",)"
      R"("to":"0x70997970c51812dc3a010c7d01b50e0d17dc79c8","value":"0x0","transactionIndex":"0x1"},)"
      R"({"hash":"0x23c6696ec876c843778645f4dc72d23c951aec1976244d0120031844267c4e6d","from":"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266",)"
      R"("to":null,"value":"0x5","transactionIndex":"0x2"}]})";
  auto r = d.full_block(block);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_TRUE(r.value.has_value());
  EXPECT_EQ(r.value->tx_hashes.size(), 3u);
  ASSERT_EQ(r.value->native.size(), 1u);
  const Transfer& t = r.value->native[0];
  EXPECT_TRUE(t.asset.is_native());
  EXPECT_EQ(t.asset.symbol, "ETH");
  EXPECT_EQ(t.asset.decimals, 18);
  EXPECT_EQ(t.senders, std::vector<std::string>{"0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266"});
  EXPECT_EQ(t.recipient, "0x70997970c51812dc3a010c7d01b50e0d17dc79c8");
  EXPECT_EQ(t.amount_decimal(), "1");
  EXPECT_EQ(t.block_height, 16u);
  EXPECT_EQ(t.block_time, 16);
  EXPECT_EQ(t.event_index, 0u);
  EXPECT_TRUE(r.issues.empty());
}

TEST(EvmBlocks, ReceiptsArrayObjectAndNull) {
  auto d = anvil_decoder();
  auto many = d.receipts(R"([{"transactionHash":"0x03c6696ec876c843778645f4dc72d23c951aec1976244d0120031844267c4e6d","status":"0x1"},)"
                         R"({"transactionHash":"0x13c6696ec876c843778645f4dc72d23c951aec1976244d0120031844267c4e6d","status":"0x0"},)"
                         R"({"transactionHash":"0x23c6696ec876c843778645f4dc72d23c951aec1976244d0120031844267c4e6d","root":"0x00"}])");
  ASSERT_TRUE(many.ok());
  ASSERT_EQ(many.value.size(), 3u);
  EXPECT_TRUE(many.value[0].success);
  EXPECT_FALSE(many.value[1].success);
  EXPECT_TRUE(many.value[2].success);
  auto one = d.receipts(R"({"transactionHash":"0x03c6696ec876c843778645f4dc72d23c951aec1976244d0120031844267c4e6d","status":"0x0"})");
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one.value.size(), 1u);
  EXPECT_FALSE(one.value[0].success);
  auto none = d.receipts("null");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none.value.empty());
  EXPECT_EQ(d.receipts(R"({"status":"0x1"})").error.reason, Error::missing_field);
}

TEST(EvmBlocks, QuantityResults) {
  auto d = anvil_decoder();
  EXPECT_EQ(d.quantity("\"0x7a69\"").value, 31337u);
  EXPECT_EQ(d.quantity("\"0x0\"").value, 0u);
  EXPECT_EQ(d.quantity("\"0x\"").error.reason, Error::bad_field);
  EXPECT_EQ(d.quantity("\"0x10000000000000000\"").error.reason, Error::bad_field);
  EXPECT_EQ(d.quantity("31337").error.reason, Error::bad_field);
  EXPECT_EQ(to_quantity(0), "0x0");
  EXPECT_EQ(to_quantity(31337), "0x7a69");
  EXPECT_EQ(to_quantity(~0ull), "0xffffffffffffffff");
}

// --- bloom, filter ---------------------------------------------------------------

TEST(EvmBloom, AnvilBlockBloomHoldsItsTokenTransferButNotUsdt) {
  auto d = anvil_decoder();
  auto r = d.notification(member(read_fixture("captured/anvil-newHeads-notification.json"), "params"));
  ASSERT_TRUE(r.ok());
  const auto& bloom = r.value.header.logs_bloom;
  EXPECT_TRUE(bloom_may_contain(bloom, registry({{kAnvilToken, "TT", 18}})));
  EXPECT_FALSE(bloom_may_contain(bloom, TokenRegistry::ethereum_defaults()));
  EXPECT_TRUE(bloom_may_contain({}, TokenRegistry::ethereum_defaults()));  // no bloom: fetch
  EXPECT_FALSE(bloom_may_contain(std::vector<std::uint8_t>(256, 0), registry({{kAnvilToken, "TT", 18}})));
}

TEST(EvmBloom, GanacheBlockBloomHoldsItsTokenTransfer) {
  auto d = anvil_decoder();
  auto r = d.notification(member(read_fixture("captured/ganache-newHeads-notification.json"), "params"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(bloom_may_contain(r.value.header.logs_bloom, registry({{kGanacheToken, "GT", 0}})));
}

TEST(EvmFilter, MembersListEveryTokenAndTheTransferTopic) {
  EXPECT_EQ(logs_filter_members(TokenRegistry::ethereum_defaults()),
            "\"address\":[\"0xdac17f958d2ee523a2206206994597c13d831ec7\",\"0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48\"],"
            "\"topics\":[\"0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef\"]");
}

}  // namespace
}  // namespace fw::decode::evm
