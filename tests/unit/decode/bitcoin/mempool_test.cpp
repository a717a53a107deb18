#include "decode/bitcoin/mempool.hpp"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace fw::decode::bitcoin {
namespace {

// ../shared/fixtures/bitcoin (read-only; SOURCES.md there says where each file comes from).
std::string read_fixture(const std::string& relative) {
  std::ifstream in(std::string(FW_FIXTURES_DIR) + "/bitcoin/" + relative, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + relative);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

const std::string kTx01 = "242f3fff9ca7d5aea7a7a57d886f3fa7329e24fac948598a991b3a3dd631cd29";
const std::string kTx02 = "b6a53d8a8025c0c5b194345925a99741b645cae0b1f180f0613273029f2bf698";
const std::string kMainnetTx = "21518a98d1aa9df524865d2f88c578499f524eb1d0c4d3e70312ab863508692f";
const std::string kRbfSender = "1stAprEZapjCYGUACUcXohQqSHF9MU5Kj";
const std::string kBlockHash = "000000000000000000019bfe551da67e0d93dda4b355d16f1fdb4031ba7e5d61";
const std::string kBlockParent = "0000000000000000000004cc6260ec7065ee8f65591864fb4c720ec110e3e2ab";

MempoolDecoder make_decoder() { return MempoolDecoder(DecoderOptions{Network::mainnet, "btc", "bitcoin"}); }

// A tx fixture with its status replaced (as the server fills it on confirmation).
std::string confirmed(std::string tx, std::uint64_t height, const std::string& hash, std::int64_t time) {
  const std::string from = "\"status\": {\n        \"confirmed\": false\n    }";
  auto at = tx.find(from);
  if (at == std::string::npos) throw std::runtime_error("fixture has no unconfirmed status");
  tx.replace(at, from.size(),
             R"("status":{"confirmed":true,"block_height":)" + std::to_string(height) + R"(,"block_hash":")" + hash +
                 R"(","block_time":)" + std::to_string(time) + "}");
  return tx;
}

std::string multi(const std::string& address, const std::string& mempool, const std::string& confirmed_txs,
                  const std::string& removed) {
  return R"({"multi-address-transactions":{")" + address + R"(":{"mempool":[)" + mempool + R"(],"confirmed":[)" +
         confirmed_txs + R"(],"removed":[)" + removed + "]}}}";
}

// A minimal esplora tx: inputs spend from `ins` (address or "" for none,
// "coinbase" for a coinbase input), outputs pay (address or "", value).
std::string make_tx(const std::string& txid, const std::vector<std::string>& ins,
                    const std::vector<std::pair<std::string, std::string>>& outs) {
  std::string s = R"({"txid":")" + txid + R"(","version":2,"vin":[)";
  for (std::size_t i = 0; i < ins.size(); ++i) {
    if (i) s += ',';
    if (ins[i] == "coinbase")
      s += R"({"txid":"0000000000000000000000000000000000000000000000000000000000000000","vout":4294967295,"prevout":null,"is_coinbase":true})";
    else if (ins[i].empty())
      s += R"({"txid":"aa","vout":0,"prevout":{"scriptpubkey":"21","scriptpubkey_type":"p2pk","value":1},"is_coinbase":false})";
    else
      s += R"({"txid":"aa","vout":0,"prevout":{"scriptpubkey_type":"p2pkh","scriptpubkey_address":")" + ins[i] +
           R"(","value":1000},"is_coinbase":false})";
  }
  s += R"(],"vout":[)";
  for (std::size_t i = 0; i < outs.size(); ++i) {
    if (i) s += ',';
    s += "{";
    if (!outs[i].first.empty()) s += R"("scriptpubkey_address":")" + outs[i].first + "\",";
    s += R"("value":)" + outs[i].second + "}";
  }
  s += R"(],"status":{"confirmed":false}})";
  return s;
}

const std::string kTxA(64, 'a');
const std::string kTxB(64, 'b');

TEST(BitcoinTx, DecodesTheRbfReplacementFixtureIntoOneTransferPerOutput) {
  auto d = make_decoder().transaction(read_fixture("mempool-space/tx02_api_tx.json"));
  ASSERT_TRUE(d.ok()) << d.error.detail;
  EXPECT_TRUE(d.issues.empty());
  const Tx& tx = d.value;
  EXPECT_EQ(tx.txid, kTx02);
  EXPECT_FALSE(tx.status.confirmed);
  EXPECT_EQ(tx.senders, std::vector<std::string>{kRbfSender});
  ASSERT_EQ(tx.transfers.size(), 1u);
  const Transfer& t = tx.transfers[0];
  EXPECT_EQ(t.chain, Chain::bitcoin);
  EXPECT_EQ(t.network, Network::mainnet);
  EXPECT_EQ(t.chain_name, "bitcoin");
  EXPECT_EQ(t.source, "btc");
  EXPECT_EQ(t.asset.contract, "");
  EXPECT_EQ(t.asset.symbol, "BTC");
  EXPECT_EQ(t.asset.decimals, 8);
  EXPECT_EQ(t.senders, std::vector<std::string>{kRbfSender});
  EXPECT_EQ(t.recipient, kRbfSender);
  EXPECT_EQ(t.amount, Amount(49040));
  EXPECT_EQ(t.amount_decimal(), "0.0004904");
  EXPECT_EQ(t.tx_id, kTx02);
  EXPECT_EQ(t.event_index, 0u);
  EXPECT_EQ(t.occurrence, 0u);
  EXPECT_EQ(t.status, TransferStatus::pending);
  EXPECT_FALSE(t.block_height);
  EXPECT_EQ(t.block_hash, "");
}

TEST(BitcoinTx, IgnoresTheExtraFieldsOfWebsocketPushedTransactions) {
  auto d = make_decoder().transaction(read_fixture("mempool-space/tx01_api_cached.json"));
  ASSERT_TRUE(d.ok()) << d.error.detail;
  EXPECT_TRUE(d.issues.empty());
  EXPECT_EQ(d.value.txid, kTx01);
  ASSERT_EQ(d.value.transfers.size(), 1u);
  EXPECT_EQ(d.value.transfers[0].recipient, "bc1p5t79edz9w4fcnmkjjk4e6k2tp7kd8cqggz37gal60sp9gyk9x72sk4mk0f");
  EXPECT_EQ(d.value.transfers[0].senders, std::vector<std::string>{kRbfSender});
  EXPECT_EQ(d.value.transfers[0].amount, Amount(49394));
}

TEST(BitcoinTx, DecodesTheMainnetSegwitFixture) {
  auto d = make_decoder().transaction(read_fixture("mempool-space/mainnet_tx_cached.json"));
  ASSERT_TRUE(d.ok()) << d.error.detail;
  EXPECT_TRUE(d.issues.empty());
  EXPECT_EQ(d.value.txid, kMainnetTx);
  ASSERT_EQ(d.value.transfers.size(), 1u);
  const Transfer& t = d.value.transfers[0];
  EXPECT_EQ(t.senders, std::vector<std::string>{"bc1qmxr9gxrtjrv4mflrrgcf986mtd4q4ujss432tk"});
  EXPECT_EQ(t.recipient, "bc1qak63vld8a97884unr6epxzkrud8xs3dfdqswy2");
  EXPECT_EQ(t.amount, Amount(253008854));
  EXPECT_EQ(t.amount_decimal(), "2.53008854");
}

TEST(BitcoinTx, ConfirmedStatusGivesConfirmedTransfersWithTheirBlock) {
  auto d = make_decoder().transaction(
      confirmed(read_fixture("mempool-space/tx02_api_tx.json"), 890448, kBlockHash, 1743541850));
  ASSERT_TRUE(d.ok()) << d.error.detail;
  EXPECT_TRUE(d.value.status.confirmed);
  EXPECT_EQ(d.value.status.block_hash, kBlockHash);
  ASSERT_EQ(d.value.transfers.size(), 1u);
  const Transfer& t = d.value.transfers[0];
  EXPECT_EQ(t.status, TransferStatus::confirmed);
  EXPECT_EQ(t.block_height, 890448u);
  EXPECT_EQ(t.block_hash, kBlockHash);
  EXPECT_EQ(t.block_time, 1743541850);
}

TEST(BitcoinTx, EveryInputAddressIsASenderOnceAndEveryValuedOutputATransfer) {
  const std::string a = "1BoatSLRHtKNngkdXEeobR76b53LETtpyT";
  const std::string b = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy";
  const std::string c = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4";
  auto d = make_decoder().transaction(make_tx(kTxA, {a, b, "", a, "coinbase"},
                                              {{c, "1000"}, {"", "0"}, {"", "7"}, {c, "1000"}, {b, "0"}, {a, "5"}}));
  ASSERT_TRUE(d.ok()) << d.error.detail;
  EXPECT_TRUE(d.issues.empty()) << d.issues[0].detail;
  EXPECT_EQ(d.value.senders, (std::vector<std::string>{a, b}));
  const auto& ts = d.value.transfers;
  ASSERT_EQ(ts.size(), 5u);  // the address-less output of value 0 (OP_RETURN) moves nothing
  EXPECT_EQ(ts[0].recipient, c);
  EXPECT_EQ(ts[0].event_index, 0u);
  EXPECT_EQ(ts[0].occurrence, 0u);
  EXPECT_EQ(ts[1].recipient, "");  // value without an address (bare P2PK, non-standard)
  EXPECT_EQ(ts[1].amount, Amount(7));
  EXPECT_EQ(ts[1].event_index, 2u);
  EXPECT_EQ(ts[2].recipient, c);
  EXPECT_EQ(ts[2].event_index, 3u);
  EXPECT_EQ(ts[2].occurrence, 1u);  // same recipient and amount as output 0
  EXPECT_EQ(ts[3].recipient, b);    // an address with value 0 is still a touch
  EXPECT_EQ(ts[3].amount, Amount(0));
  EXPECT_EQ(ts[4].recipient, a);
  for (const auto& t : ts) EXPECT_EQ(t.senders, (std::vector<std::string>{a, b}));
}

TEST(BitcoinTx, AmountsAreExactSatoshisUpToTheWholeSupply) {
  auto d = make_decoder().transaction(make_tx(kTxA, {"1BoatSLRHtKNngkdXEeobR76b53LETtpyT"},
                                              {{"1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "2099999997690000"},
                                               {"1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "18446744073709551615"}}));
  ASSERT_TRUE(d.ok()) << d.error.detail;
  ASSERT_EQ(d.value.transfers.size(), 2u);
  EXPECT_EQ(d.value.transfers[0].amount_decimal(), "20999999.9769");
  EXPECT_EQ(d.value.transfers[1].amount.to_decimal(0), "18446744073709551615");
}

TEST(BitcoinTx, ValuesThatAreNotWholeSatoshisMakeTheTransactionUnusable) {
  for (const std::string v : {"1.5", "\"1000\"", "-1", "1e3", "null"}) {
    auto d = make_decoder().transaction(make_tx(kTxA, {"1BoatSLRHtKNngkdXEeobR76b53LETtpyT"},
                                                {{"1BoatSLRHtKNngkdXEeobR76b53LETtpyT", v}}));
    EXPECT_FALSE(d.ok()) << v;
    EXPECT_EQ(d.error.reason, Error::bad_amount) << v;
    EXPECT_NE(d.error.detail.find("vout[0].value"), std::string::npos) << d.error.detail;
  }
}

TEST(BitcoinTx, UpperCaseBech32IsCanonicalisedAndBadAddressesAreKeptAsSentWithAnIssue) {
  auto d = make_decoder().transaction(make_tx(kTxA, {"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"},
                                              {{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh", "5"}}));
  ASSERT_TRUE(d.ok()) << d.error.detail;
  EXPECT_EQ(d.value.senders, std::vector<std::string>{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"});
  ASSERT_EQ(d.value.transfers.size(), 1u);
  EXPECT_EQ(d.value.transfers[0].recipient, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh");
  ASSERT_EQ(d.issues.size(), 1u);
  EXPECT_EQ(d.issues[0].reason, Error::bad_address);
  EXPECT_NE(d.issues[0].detail.find("vout[0].scriptpubkey_address"), std::string::npos) << d.issues[0].detail;
}

TEST(BitcoinTx, EveryValidBip173And350AddressIsCanonicalLowerCaseAndEveryInvalidOneAnIssue) {
  simdjson::dom::parser parser;
  const std::string text = read_fixture("bech32_bech32m_address_vectors.json");
  simdjson::dom::element root = parser.parse(text);
  std::size_t valid = 0, invalid = 0;
  auto decoder = make_decoder();
  for (simdjson::dom::element v : root["valid_address"].get_array()) {
    std::string address(v["address"].get_string().value());
    auto d = decoder.transaction(make_tx(kTxA, {address}, {{address, "1"}}));
    ASSERT_TRUE(d.ok()) << address << ": " << d.error.detail;
    std::string lower = address;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_TRUE(d.issues.empty()) << address << ": " << d.issues[0].detail;
    EXPECT_EQ(d.value.transfers[0].recipient, lower);
    EXPECT_EQ(d.value.senders, std::vector<std::string>{lower});
    ++valid;
  }
  for (simdjson::dom::element v : root["invalid_address"].get_array()) {
    std::string address(v.get_string().value());
    auto d = decoder.transaction(make_tx(kTxA, {}, {{address, "1"}}));
    ASSERT_TRUE(d.ok()) << address;
    ASSERT_EQ(d.issues.size(), 1u) << address;
    EXPECT_EQ(d.issues[0].reason, Error::bad_address) << address;
    EXPECT_EQ(d.value.transfers[0].recipient, address);
    ++invalid;
  }
  EXPECT_GE(valid, 5u);
  EXPECT_GE(invalid, 5u);
}

TEST(BitcoinTx, RefusesTransactionsWithoutTxidOrInputsOrOutputs) {
  auto decoder = make_decoder();
  auto no_txid = decoder.transaction(R"({"vin":[],"vout":[]})");
  EXPECT_EQ(no_txid.error.reason, Error::bad_tx);
  auto short_txid = decoder.transaction(R"({"txid":"abc","vin":[],"vout":[]})");
  EXPECT_EQ(short_txid.error.reason, Error::bad_tx);
  auto no_vin = decoder.transaction(R"({"txid":")" + kTxA + R"(","vout":[]})");
  EXPECT_EQ(no_vin.error.reason, Error::bad_tx);
  EXPECT_NE(no_vin.error.detail.find("vin"), std::string::npos);
  auto no_vout = decoder.transaction(R"({"txid":")" + kTxA + R"(","vin":[]})");
  EXPECT_EQ(no_vout.error.reason, Error::bad_tx);
  EXPECT_EQ(decoder.transaction("[1]").error.reason, Error::not_object);
  EXPECT_EQ(decoder.transaction("{").error.reason, Error::not_json);
}

TEST(BitcoinTx, UpperCaseTxidsAreLowerCased) {
  std::string upper(64, 'A');
  auto d = make_decoder().transaction(make_tx(upper, {}, {{"1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "1"}}));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value.txid, std::string(64, 'a'));
  EXPECT_EQ(d.value.transfers[0].tx_id, std::string(64, 'a'));
}

// ---- frames ---------------------------------------------------------------

TEST(BitcoinFrame, EveryRecordedFrameDecodesWithoutError) {
  auto decoder = make_decoder();
  std::size_t n = 0;
  for (const auto& e : std::filesystem::directory_iterator(std::string(FW_FIXTURES_DIR) + "/bitcoin/mempool-space")) {
    auto d = decoder.message(read_fixture("mempool-space/" + e.path().filename().string()));
    EXPECT_TRUE(d.ok()) << e.path() << ": " << d.error.detail;
    EXPECT_TRUE(d.issues.empty()) << e.path() << ": " << d.issues[0].detail;
    ++n;
  }
  EXPECT_EQ(n, 6u);
}

TEST(BitcoinFrame, BlockFrameGivesTheHeaderAndIgnoresMempoolBlocksAndTxConfirmed) {
  auto d = make_decoder().message(read_fixture("mempool-space/tx02_ws_block.json"));
  ASSERT_TRUE(d.ok()) << d.error.detail;
  ASSERT_TRUE(d.value.block);
  EXPECT_EQ(d.value.block->height, 890448u);
  EXPECT_EQ(d.value.block->hash, kBlockHash);
  EXPECT_EQ(d.value.block->parent_hash, kBlockParent);
  EXPECT_EQ(d.value.block->time, 1743541850);
  EXPECT_TRUE(d.value.blocks.empty());
  EXPECT_FALSE(d.value.has_transactions());
  EXPECT_FALSE(d.value.track_error);
}

TEST(BitcoinFrame, TrackTxFramesCarryNothingForAddressTracking) {
  for (const char* f : {"mempool-space/tx01_ws_tx_replaced.json", "mempool-space/tx02_ws_tx_position.json"}) {
    auto d = make_decoder().message(read_fixture(f));
    ASSERT_TRUE(d.ok()) << f;
    EXPECT_FALSE(d.value.block) << f;
    EXPECT_FALSE(d.value.has_transactions()) << f;
  }
}

TEST(BitcoinFrame, MultiAddressTransactionsSplitIntoMempoolConfirmedAndRemoved) {
  const std::string tx01 = read_fixture("mempool-space/tx01_api_cached.json");
  const std::string tx02 = read_fixture("mempool-space/tx02_api_tx.json");
  auto decoder = make_decoder();

  auto pending = decoder.message(multi(kRbfSender, tx01, "", ""));
  ASSERT_TRUE(pending.ok()) << pending.error.detail;
  ASSERT_EQ(pending.value.mempool.size(), 1u);
  EXPECT_EQ(pending.value.mempool[0].txid, kTx01);
  EXPECT_TRUE(pending.value.confirmed.empty());
  EXPECT_TRUE(pending.value.removed.empty());

  auto removed = decoder.message(multi(kRbfSender, tx02, "", tx01));
  ASSERT_TRUE(removed.ok());
  ASSERT_EQ(removed.value.removed.size(), 1u);
  EXPECT_EQ(removed.value.removed[0].txid, kTx01);
  ASSERT_EQ(removed.value.mempool.size(), 1u);
  EXPECT_EQ(removed.value.mempool[0].txid, kTx02);

  // The server's new-block frame: block + the tracked addresses' confirmed txs.
  std::string block = read_fixture("mempool-space/tx02_ws_block.json");
  const std::string conf = confirmed(tx02, 890448, kBlockHash, 1743541850);
  block.insert(block.find_last_of('}'), R"(,"multi-address-transactions":{")" + kRbfSender +
                                            R"(":{"mempool":[],"confirmed":[)" + conf + R"(],"removed":[]}})");
  auto mined = decoder.message(block);
  ASSERT_TRUE(mined.ok()) << mined.error.detail;
  ASSERT_TRUE(mined.value.block);
  ASSERT_EQ(mined.value.confirmed.size(), 1u);
  EXPECT_EQ(mined.value.confirmed[0].status.block_hash, kBlockHash);
  EXPECT_EQ(mined.value.confirmed[0].transfers[0].status, TransferStatus::confirmed);
}

TEST(BitcoinFrame, ATransactionTouchingSeveralTrackedAddressesIsListedOnce) {
  const std::string tx01 = read_fixture("mempool-space/tx01_api_cached.json");
  const std::string frame =
      R"({"multi-address-transactions":{")" + kRbfSender + R"(":{"mempool":[)" + tx01 +
      R"(],"confirmed":[],"removed":[]},"bc1p5t79edz9w4fcnmkjjk4e6k2tp7kd8cqggz37gal60sp9gyk9x72sk4mk0f":{"mempool":[)" +
      tx01 + R"(],"confirmed":[],"removed":[]}}})";
  auto d = make_decoder().message(frame);
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d.value.mempool.size(), 1u);
}

TEST(BitcoinFrame, AMempoolListedTransactionWithConfirmedStatusCountsAsConfirmed) {
  const std::string conf = confirmed(read_fixture("mempool-space/tx02_api_tx.json"), 890448, kBlockHash, 1743541850);
  auto d = make_decoder().message(multi(kRbfSender, conf, "", ""));
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d.value.mempool.empty());
  ASSERT_EQ(d.value.confirmed.size(), 1u);
}

TEST(BitcoinFrame, SingleAddressTrackingFramesAreUnderstoodToo) {
  const std::string tx01 = read_fixture("mempool-space/tx01_api_cached.json");
  const std::string tx02 = read_fixture("mempool-space/tx02_api_tx.json");
  auto decoder = make_decoder();
  auto a = decoder.message(R"({"address-transactions":[)" + tx02 + "]}");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a.value.mempool.size(), 1u);
  auto r = decoder.message(R"({"address-removed-transactions":[)" + tx01 + "]}");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.removed.size(), 1u);
  auto b = decoder.message(R"({"block-transactions":[)" + confirmed(tx02, 890448, kBlockHash, 1743541850) + "]}");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value.confirmed.size(), 1u);
}

TEST(BitcoinFrame, BlocksListIsSortedByHeightAndBadEntriesAreLeftOutWithAnIssue) {
  const std::string h1(64, '1'), h2(64, '2'), h3(64, '3');
  const std::string frame = R"({"blocks":[{"id":")" + h3 + R"(","height":3,"previousblockhash":")" + h2 +
                            R"(","timestamp":30},{"id":")" + h2 + R"(","height":2,"previousblockhash":")" + h1 +
                            R"("},{"id":"zz","height":1},{"height":5}]})";
  auto d = make_decoder().message(frame);
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.value.blocks.size(), 2u);
  EXPECT_EQ(d.value.blocks[0].height, 2u);
  EXPECT_EQ(d.value.blocks[0].parent_hash, h1);
  EXPECT_FALSE(d.value.blocks[0].time);
  EXPECT_EQ(d.value.blocks[1].height, 3u);
  EXPECT_EQ(d.value.blocks[1].time, 30);
  ASSERT_EQ(d.issues.size(), 2u);
  EXPECT_EQ(d.issues[0].reason, Error::bad_field);
  EXPECT_EQ(d.issues[1].reason, Error::missing_field);
}

TEST(BitcoinFrame, ABadTransactionIsAnIssueAndTheOthersStillCount) {
  const std::string good = make_tx(kTxA, {"1BoatSLRHtKNngkdXEeobR76b53LETtpyT"}, {{"1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "1"}});
  const std::string bad = make_tx(kTxB, {}, {{"1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "0.5"}});
  auto d = make_decoder().message(multi(kRbfSender, bad + "," + R"({"vin":[]})" + "," + good, "", ""));
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.value.mempool.size(), 1u);
  EXPECT_EQ(d.value.mempool[0].txid, kTxA);
  ASSERT_EQ(d.issues.size(), 2u);
  EXPECT_EQ(d.issues[0].reason, Error::bad_amount);
  EXPECT_EQ(d.issues[1].reason, Error::bad_tx);
  EXPECT_NE(d.issues[0].detail.find("multi-address-transactions.1stAprEZapjCYGUACUcXohQqSHF9MU5Kj.mempool[0]"),
            std::string::npos)
      << d.issues[0].detail;
}

TEST(BitcoinFrame, ManyBadPartsAreCappedAtThirtyTwoIssuesPlusASummary) {
  std::string txs;
  for (int i = 0; i < 100; ++i) txs += std::string(i ? "," : "") + "{}";
  auto d = make_decoder().message(multi(kRbfSender, txs, "", ""));
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(d.issues.size(), 33u);
  EXPECT_EQ(d.issues.back().detail, "68 more problems not listed");
}

TEST(BitcoinFrame, TrackAddressesErrorAndPong) {
  auto decoder = make_decoder();
  auto e = decoder.message(
      R"({"track-addresses-error": "too many addresses requested, this connection supports tracking a maximum of 10 addresses"})");
  ASSERT_TRUE(e.ok());
  ASSERT_TRUE(e.value.track_error);
  EXPECT_EQ(*e.value.track_error,
            "too many addresses requested, this connection supports tracking a maximum of 10 addresses");
  auto p = decoder.message(R"({"pong":true})");
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p.value.pong);
}

TEST(BitcoinFrame, NotJsonAndNotAnObjectAreErrors) {
  auto decoder = make_decoder();
  auto a = decoder.message("{\"block\":");
  EXPECT_EQ(a.error.reason, Error::not_json);
  EXPECT_STREQ(to_string(a.error.reason), "not_json");
  auto b = decoder.message("[1,2]");
  EXPECT_EQ(b.error.reason, Error::not_object);
  auto c = decoder.message(R"({"multi-address-transactions":[1]})");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c.issues.size(), 1u);
  EXPECT_EQ(c.issues[0].reason, Error::not_object);
}

TEST(BitcoinErrors, EveryReasonIsAMetricLabel) {
  const std::vector<std::string> labels = {"not_json",    "not_object", "missing_field", "bad_field",
                                           "bad_address", "bad_amount", "bad_tx"};
  std::vector<std::string> names;
  for (Error e : all_errors) names.emplace_back(to_string(e));
  EXPECT_EQ(names, labels);
}

}  // namespace
}  // namespace fw::decode::bitcoin
