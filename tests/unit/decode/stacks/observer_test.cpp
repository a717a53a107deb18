#include "decode/stacks/observer.hpp"

#include <algorithm>
#include <random>

#include <gtest/gtest.h>
#include <simdjson.h>

#include "decode/stacks/detail/json.hpp"
#include "decode/stacks/memo.hpp"
#include "decode/stacks/sip005.hpp"
#include "decode/stacks/transfers.hpp"
#include "fixtures.hpp"

namespace fw::decode::stacks {
namespace {

using test::read_fixture;
using test::read_tsv;

class Observer : public ::testing::Test {
 protected:
  ObserverDecoder mainnet{TokenRegistry::defaults(), Network::mainnet, "node-1"};
  ObserverDecoder testnet{TokenRegistry::defaults(), Network::testnet, "node-1"};
};

std::size_t count_asset(const std::vector<Transfer>& ts, bool native) {
  return static_cast<std::size_t>(std::count_if(ts.begin(), ts.end(), [&](const Transfer& t) { return t.asset.is_native() == native; }));
}

std::string issues_text(const std::vector<Problem>& issues) {
  std::string s;
  for (const auto& p : issues) s += std::string(to_string(p.reason)) + ": " + p.detail + "\n";
  return s;
}

// Per-file totals over every /new_block (and /new_microblocks, /new_mempool_tx)
// line, counted independently with a throw-away Python scan: STX and FT
// transfer events with committed != false whose transaction status is
// "success"; mempool transfers from SIP-005 decoding.
struct FileTotals {
  const char* file;
  std::size_t blocks, stx, ft, txs, failed;
  std::size_t microblock_bodies, microblock_stx, microblock_txs;
  std::size_t mempool_bodies, mempool_txs, mempool_transfers;
};

constexpr FileTotals file_totals[] = {
    {"epoch-3-transition.tsv", 52, 36, 0, 135, 3, 0, 0, 0, 50, 51, 36},
    {"fuzzed-transactions-1.tsv", 13, 9, 0, 16, 1, 0, 0, 0, 11, 11, 10},
    {"mainnet-block0.tsv", 3, 0, 0, 10, 0, 0, 0, 0, 0, 0, 0},
    {"mainnet-out-of-order-microblock.tsv", 1, 13, 2, 22, 2, 2, 4, 5, 0, 0, 0},
    {"mainnet-reorg-scenario2.tsv", 5, 14, 2, 24, 1, 1, 4, 5, 0, 0, 0},
    {"poisonmicroblock.tsv", 2, 126, 326, 126, 14, 0, 0, 0, 0, 0, 0},
};

TEST_F(Observer, EveryRecordedBodyDecodesToTheIndependentlyCountedTransfers) {
  for (const auto& want : file_totals) {
    SCOPED_TRACE(want.file);
    FileTotals got{want.file, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    for (const auto& post : read_tsv(want.file)) {
      SCOPED_TRACE(post.line);
      ObserverDecoder& d = std::string_view(want.file).starts_with("mainnet") || std::string_view(want.file).starts_with("poison") ? mainnet : testnet;
      switch (observer_path(post.path)) {
        case ObserverPath::new_block: {
          auto r = d.new_block(post.body);
          ASSERT_TRUE(r.ok()) << r.error.detail;
          EXPECT_TRUE(r.issues.empty()) << issues_text(r.issues);
          ++got.blocks;
          got.stx += count_asset(r.value.transfers, true);
          got.ft += count_asset(r.value.transfers, false);
          got.txs += r.value.included_txids.size();
          got.failed += r.value.failed_txids.size();
          for (const auto& t : r.value.transfers) {
            EXPECT_EQ(t.status, TransferStatus::confirmed);
            EXPECT_EQ(t.block_height, r.value.header.height);
            EXPECT_EQ(t.block_hash, r.value.header.hash);
            EXPECT_EQ(t.block_time, r.value.header.block_time);
          }
          break;
        }
        case ObserverPath::new_microblocks: {
          auto r = d.new_microblocks(post.body);
          ASSERT_TRUE(r.ok()) << r.error.detail;
          EXPECT_TRUE(r.issues.empty()) << issues_text(r.issues);
          ++got.microblock_bodies;
          got.microblock_stx += count_asset(r.value.transfers, true);
          got.microblock_txs += r.value.txids.size();
          for (const auto& t : r.value.transfers) EXPECT_EQ(t.status, TransferStatus::pending);
          break;
        }
        case ObserverPath::new_mempool_tx: {
          auto r = d.new_mempool_tx(post.body);
          ASSERT_TRUE(r.ok()) << r.error.detail;
          EXPECT_TRUE(r.issues.empty()) << issues_text(r.issues);
          ++got.mempool_bodies;
          got.mempool_txs += r.value.txids.size();
          got.mempool_transfers += r.value.transfers.size();
          break;
        }
        case ObserverPath::drop_mempool_tx: EXPECT_TRUE(d.drop_mempool_tx(post.body).ok()); break;
        case ObserverPath::new_burn_block: EXPECT_TRUE(d.new_burn_block(post.body).ok()); break;
        case ObserverPath::other: ADD_FAILURE() << "unexpected path " << post.path;
      }
    }
    EXPECT_EQ(got.blocks, want.blocks);
    EXPECT_EQ(got.stx, want.stx);
    EXPECT_EQ(got.ft, want.ft);
    EXPECT_EQ(got.txs, want.txs);
    EXPECT_EQ(got.failed, want.failed);
    EXPECT_EQ(got.microblock_bodies, want.microblock_bodies);
    EXPECT_EQ(got.microblock_stx, want.microblock_stx);
    EXPECT_EQ(got.microblock_txs, want.microblock_txs);
    EXPECT_EQ(got.mempool_bodies, want.mempool_bodies);
    EXPECT_EQ(got.mempool_txs, want.mempool_txs);
    EXPECT_EQ(got.mempool_transfers, want.mempool_transfers);
  }
}

TEST_F(Observer, CountsTransfersPerBlockInTheReorgScenario) {
  const std::size_t expected[][3] = {{0, 3, 0}, {2, 4, 0}, {3, 4, 0}, {4, 0, 0}, {5, 3, 2}};  // (line, stx, ft)
  auto posts = read_tsv("mainnet-reorg-scenario2.tsv");
  for (const auto& [line, stx, ft] : expected) {
    auto r = mainnet.new_block(posts[line].body);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(count_asset(r.value.transfers, true), stx) << line;
    EXPECT_EQ(count_asset(r.value.transfers, false), ft) << line;
  }
  // Lines 2 and 3 are not one block delivered twice but two siblings at
  // height 2 on the same parent, carrying the same microblock transfers;
  // line 4 builds on line 3's block.
  auto a = mainnet.new_block(posts[2].body).value.header;
  auto b = mainnet.new_block(posts[3].body).value.header;
  auto c = mainnet.new_block(posts[4].body).value.header;
  EXPECT_EQ(a.height, b.height);
  EXPECT_EQ(a.parent_hash, b.parent_hash);
  EXPECT_NE(a.hash, b.hash);
  EXPECT_EQ(c.parent_hash, b.hash);
}

TEST_F(Observer, PoisonMicroblockBodiesAreTheSameBlockTwice) {
  auto posts = read_tsv("poisonmicroblock.tsv");
  auto a = mainnet.new_block(posts[0].body);
  auto b = mainnet.new_block(posts[1].body);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a.value.header.hash, b.value.header.hash);
  EXPECT_EQ(a.value.transfers.size(), b.value.transfers.size());
}

TEST_F(Observer, NakamotoBlockSpotCheck) {
  auto r = testnet.new_block(read_fixture("event-observer/derived/new_block.nakamoto.stx_transfer.json"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  const NewBlock& b = r.value;
  EXPECT_EQ(b.header.height, 2u);
  EXPECT_EQ(b.header.hash, "0x4b765ba0ca88f0dbeed8e4655318701a4a4eb1a36f5baa8680be06e62f068256");
  EXPECT_EQ(b.header.parent_hash, "0x169b06db8912d599051dad3acfa2b04d33b6d98edf4adea6f13ad3935ca5fb7f");
  EXPECT_EQ(b.header.block_hash, "0x81c3b048bb5605af51bc3b3003e5f0fa29f781a6aa5c63a4585987e17477eb50");
  EXPECT_EQ(b.header.block_time, 1760631051);  // block_time, not burn_block_time
  EXPECT_EQ(b.burn_block_height, 242u);
  EXPECT_EQ(b.included_txids, std::vector<std::string>{"0x516c07d6398d0ba082d1da053784da5bbfce2252102e486ba94bab9c693c4b0f"});
  EXPECT_TRUE(b.failed_txids.empty());
  ASSERT_EQ(b.transfers.size(), 1u);
  const Transfer& t = b.transfers[0];
  EXPECT_EQ(t.chain, Chain::stacks);
  EXPECT_EQ(t.network, Network::testnet);
  EXPECT_EQ(t.chain_name, "stacks");
  EXPECT_EQ(t.source, "node-1");
  EXPECT_EQ(t.asset.symbol, "STX");
  EXPECT_EQ(t.senders, std::vector<std::string>{"ST1YEHRRYJ4GF9CYBFFN0ZVCXX1APSBEEQ5KEDN7M"});
  EXPECT_EQ(t.recipient, "ST1WNJTS9JM1JYGK758B10DBAMBZ0K23ADP392SBV");
  EXPECT_EQ(t.amount, Amount(1000));
  EXPECT_EQ(t.memo, std::string(68, '0'));
  EXPECT_EQ(t.tx_id, "0x516c07d6398d0ba082d1da053784da5bbfce2252102e486ba94bab9c693c4b0f");
  EXPECT_EQ(t.event_index, 0u);
  EXPECT_EQ(t.occurrence, 0u);
  EXPECT_EQ(t.block_height, 2u);
  EXPECT_EQ(t.block_hash, "0x4b765ba0ca88f0dbeed8e4655318701a4a4eb1a36f5baa8680be06e62f068256");
}

TEST_F(Observer, MainnetFtBlockSpotCheck) {
  auto r = mainnet.new_block(read_fixture("event-observer/derived/new_block.mainnet.ft_transfer.json"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  const NewBlock& b = r.value;
  EXPECT_EQ(b.header.height, 4u);
  EXPECT_EQ(b.header.hash, "0x68152e9344939b515e1c10c35eb6d96b14caf79bac02d81173da0d8c4a5369c1");
  EXPECT_EQ(b.header.parent_hash, "0x1bc3a55ec5807724b219bfd5d8f0d31064adb555a11375264ad6b66c1f05ea76");
  EXPECT_EQ(b.header.block_time, 1627663220);  // pre-Nakamoto: burn_block_time
  ASSERT_EQ(b.failed_txids.size(), 1u);
  EXPECT_EQ(b.failed_txids[0].first, "0x494fc963dae67883fa25642325f8518f9737c632ff501a71c54bfa3e6770afc2");
  EXPECT_EQ(b.failed_txids[0].second, "abort_by_response");
  EXPECT_EQ(b.included_txids.size(), 7u);
  ASSERT_EQ(b.transfers.size(), 5u);
  const Transfer& ft = b.transfers[2];
  EXPECT_EQ(ft.tx_id, "0x9429dd333db06784e2fd1b91fcd3b5f4f796b4151dd01174f559de2f886f459c");
  EXPECT_EQ(ft.event_index, 3u);
  EXPECT_EQ(ft.asset.contract, "SP32AEEF6WW5Y0NMJ1S8SBSZDAY8R5J32NBZFPKKZ.wrapped-nothing-v8::wrapped-nthng");
  EXPECT_EQ(ft.asset.symbol, "");
  EXPECT_EQ(ft.asset.decimals, 0);
  EXPECT_EQ(ft.senders, std::vector<std::string>{"SP31596TY1N33159BQCVEC9H16HP0KQ2VTD140157"});
  EXPECT_EQ(ft.recipient, "SP1N790WZKDTZF5268QJ4WJVQZ1F413XSB9WZS9RJ");
  EXPECT_EQ(ft.amount, Amount(1000000));
  EXPECT_EQ(ft.memo, "");
  const Transfer& stx = b.transfers[0];
  EXPECT_EQ(stx.tx_id, "0xda94b500aa1b0e2d9d16f35213d849c5c7d8162059f796b7f5fdb7a6fb32383a");
  EXPECT_EQ(stx.event_index, 4u);
  EXPECT_EQ(stx.amount.to_decimal(), "9563363636");
  EXPECT_EQ(stx.amount_decimal(), "9563.363636");
  EXPECT_EQ(stx.memo, "");  // older nodes send no memo
}

TEST_F(Observer, ContractPrincipalSendersAndKnownTokens) {
  TokenRegistry tokens = TokenRegistry::defaults();
  tokens.add({"SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.auto-alex::auto-alex", "atALEX", 8});
  ObserverDecoder d(tokens, Network::mainnet, "node-1");
  auto r = d.new_block(read_tsv("poisonmicroblock.tsv")[0].body);
  ASSERT_TRUE(r.ok());
  auto it = std::find_if(r.value.transfers.begin(), r.value.transfers.end(), [](const Transfer& t) {
    return t.tx_id == "0x58ffe62029f94f7101b959536ea4953b9bce0ec3f6e2a06254c511bdd5cfa9e7" && t.event_index == 217;
  });
  ASSERT_NE(it, r.value.transfers.end());
  EXPECT_EQ(it->senders, std::vector<std::string>{"SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.fwp-wstx-alex-tranched-64"});
  EXPECT_EQ(it->recipient, "SP213BBTNDYH92JNRZHSK5YEPBYSVRAFKTHFGZ1FK");
  EXPECT_EQ(it->asset.contract, "SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.auto-alex::auto-alex");
  EXPECT_EQ(it->asset.symbol, "atALEX");
  EXPECT_EQ(it->amount_decimal(), "46.60580394");
  EXPECT_EQ(r.value.header.hash, "0x05ca75b9949195da435e6e36d731dbaa10bb75fda576a52263e25164990bfdaa");
}

TEST_F(Observer, UncommittedEventsAndFailedTransactionsProduceNothing) {
  const std::string aborted = "0x41638c9caec87c581834e6a0fd06da2b9aba2bf4de2cc30f5e319ebb9d411db2";
  auto r = mainnet.new_block(read_tsv("mainnet-out-of-order-microblock.tsv")[1].body);
  ASSERT_TRUE(r.ok());
  for (const auto& t : r.value.transfers) EXPECT_NE(t.tx_id, aborted);
  EXPECT_NE(std::find(r.value.failed_txids.begin(), r.value.failed_txids.end(),
                      std::pair<std::string, std::string>{aborted, "abort_by_post_condition"}),
            r.value.failed_txids.end());
  EXPECT_NE(std::find(r.value.included_txids.begin(), r.value.included_txids.end(), aborted),
            r.value.included_txids.end());
}

TEST_F(Observer, CommittedFalseIsSkippedEvenForASuccessfulTransaction) {
  const std::string body = R"({"block_height":9,"index_block_hash":"0x)" + std::string(64, 'a') +
                           R"(","parent_index_block_hash":"0x)" + std::string(64, 'b') + R"(","block_hash":"0x)" +
                           std::string(64, 'c') + R"(","transactions":[{"txid":"0x)" + std::string(64, '1') +
                           R"(","status":"success"}],"events":[{"txid":"0x)" + std::string(64, '1') +
                           R"(","type":"stx_transfer_event","committed":false,"event_index":0,"stx_transfer_event":
                           {"amount":"5","sender":"SP000000000000000000002Q6VF78","recipient":"SP000000000000000000002Q6VF78"}}]})";
  auto r = mainnet.new_block(body);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_TRUE(r.value.transfers.empty());
  EXPECT_TRUE(r.issues.empty());
}

// The mempool decode of tx 0x516c07d6 agrees with the block event that later confirms it.
TEST_F(Observer, MempoolDecodeAgreesWithTheBlockEvent) {
  auto pending = testnet.new_mempool_tx(read_fixture("event-observer/derived/new_mempool_tx.json"));
  auto block = testnet.new_block(read_fixture("event-observer/derived/new_block.nakamoto.stx_transfer.json"));
  ASSERT_TRUE(pending.ok() && block.ok());
  ASSERT_EQ(pending.value.transfers.size(), 1u);
  ASSERT_EQ(block.value.transfers.size(), 1u);
  const Transfer& p = pending.value.transfers[0];
  const Transfer& c = block.value.transfers[0];
  EXPECT_EQ(p.status, TransferStatus::pending);
  EXPECT_EQ(pending.value.txids, std::vector<std::string>{p.tx_id});
  EXPECT_EQ(p.tx_id, c.tx_id);
  EXPECT_EQ(p.senders, c.senders);
  EXPECT_EQ(p.recipient, c.recipient);
  EXPECT_EQ(p.amount, c.amount);
  EXPECT_EQ(p.memo, c.memo);
  EXPECT_EQ(p.asset.contract, c.asset.contract);
  EXPECT_EQ(p.occurrence, c.occurrence);
}

// The SIP-010 contract call of mainnet-reorg-scenario2.tsv agrees with its ft_transfer_event.
TEST_F(Observer, Sip010CallAgreesWithItsFtTransferEvent) {
  const std::string txid = "0x9429dd333db06784e2fd1b91fcd3b5f4f796b4151dd01174f559de2f886f459c";
  const std::string body = read_tsv("mainnet-reorg-scenario2.tsv")[5].body;
  std::string raw;
  simdjson::dom::parser parser;
  for (simdjson::dom::object tx : test::parse_json(parser, body)["transactions"].get_array())
    if (std::string_view(tx["txid"]) == txid) raw = std::string(std::string_view(tx["raw_tx"]));
  ASSERT_FALSE(raw.empty());
  auto tx = decode_transaction_hex(raw);
  ASSERT_TRUE(tx.ok()) << tx.error.detail;
  auto pending = to_pending_transfers(tx.value, TokenRegistry::defaults(), Network::mainnet, "node-1", "stacks");
  auto block = mainnet.new_block(body);
  ASSERT_EQ(pending.size(), 1u);
  auto c = std::find_if(block.value.transfers.begin(), block.value.transfers.end(),
                        [&](const Transfer& t) { return t.tx_id == txid; });
  ASSERT_NE(c, block.value.transfers.end());
  EXPECT_EQ(pending[0].tx_id, c->tx_id);
  EXPECT_EQ(pending[0].senders, c->senders);
  EXPECT_EQ(pending[0].recipient, c->recipient);
  EXPECT_EQ(pending[0].amount, c->amount);
  EXPECT_EQ(pending[0].occurrence, c->occurrence);
  EXPECT_EQ(asset_contract(pending[0].asset.contract), asset_contract(c->asset.contract));
}

TEST_F(Observer, MicroblocksGivePendingTransfers) {
  auto r = mainnet.new_microblocks(read_fixture("event-observer/derived/new_microblocks.mainnet.json"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.parent_hash, "0x887c7e1f272134b15f0f2279fe7287d955b4232b42c25a120889deb672f9d495");
  EXPECT_EQ(r.value.txids.size(), 5u);
  ASSERT_EQ(r.value.transfers.size(), 4u);
  const Transfer& t = r.value.transfers[0];
  EXPECT_EQ(t.status, TransferStatus::pending);
  EXPECT_FALSE(t.block_height);
  EXPECT_EQ(t.block_hash, "");
  EXPECT_EQ(t.tx_id, "0x42c1da080f6829d15577ca9e7eb30133b4aebec0d42bef426fba3c43f1146d08");
  EXPECT_EQ(t.event_index, 4u);
  EXPECT_EQ(t.amount.to_decimal(), "4500000000");
  EXPECT_EQ(t.senders, std::vector<std::string>{"SP1E34QESG9WJQYEE4GQCY3WT9Q7GMYPK35CTY0FW"});
  EXPECT_EQ(t.recipient, "SP1P72Z3704VMT3DMHPP2CB8TGQWGDBHD3RPR9GZS");
}

TEST_F(Observer, DropMempoolTx) {
  auto r = testnet.drop_mempool_tx(read_fixture("event-observer/derived/drop_mempool_tx.json"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.txids.size(), 27u);
  EXPECT_EQ(r.value.txids[0], "0x3b992a4281692254c2a70b3a43206121c1cd0c5bd040c3e1bc0f8c065ce45a40");
  EXPECT_EQ(r.value.reason, "StaleGarbageCollect");
  EXPECT_EQ(r.value.new_txid, "");
}

TEST_F(Observer, DropByReplacementNormalisesTxids) {
  // The node docs' shape: txids without 0x; here also upper case.
  auto r = testnet.drop_mempool_tx(R"({"dropped_txids":[")" + std::string(64, 'A') +
                                   R"("],"reason":"ReplaceByFee","new_txid":"0X)" + std::string(64, 'B') + R"("})");
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.txids, std::vector<std::string>{"0x" + std::string(64, 'a')});
  EXPECT_EQ(r.value.reason, "ReplaceByFee");
  EXPECT_EQ(r.value.new_txid, "0x" + std::string(64, 'b'));
  auto no_key = testnet.drop_mempool_tx(R"({"dropped_txids":[],"reason":"TooExpensive"})");
  ASSERT_TRUE(no_key.ok());
  EXPECT_EQ(no_key.value.new_txid, "");
}

TEST_F(Observer, BurnBlocks) {
  auto a = mainnet.new_burn_block(read_fixture("event-observer/derived/new_burn_block.mainnet.json"));
  ASSERT_TRUE(a.ok()) << a.error.detail;
  EXPECT_EQ(a.value.height, 666053u);
  EXPECT_EQ(a.value.hash, "0x0000000000000000000254567a2521ab99e62b14ad99f5648768a794693391b3");
  auto b = testnet.new_burn_block(read_fixture("event-observer/derived/new_burn_block.nakamoto.json"));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b.value.height, 241u);
}

TEST_F(Observer, OccurrenceCountsIdenticalTransfersWithinATransaction) {
  auto ev = [](char tx, int index, const char* amount) {
    return R"({"txid":"0x)" + std::string(64, tx) + R"(","type":"stx_transfer_event","committed":true,"event_index":)" +
           std::to_string(index) + R"(,"stx_transfer_event":{"amount":")" + amount +
           R"(","sender":"SP000000000000000000002Q6VF78","recipient":"SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7"}})";
  };
  const std::string body = R"({"block_height":9,"index_block_hash":"0x)" + std::string(64, 'a') +
                           R"(","parent_index_block_hash":"0x)" + std::string(64, 'b') + R"(","block_hash":"0x)" +
                           std::string(64, 'c') + R"(","transactions":[{"txid":"0x)" + std::string(64, '1') +
                           R"(","status":"success"},{"txid":"0x)" + std::string(64, '2') +
                           R"(","status":"success"}],"events":[)" + ev('1', 0, "5") + "," + ev('1', 1, "7") + "," +
                           ev('1', 2, "5") + "," + ev('2', 0, "5") + "]}";
  auto r = mainnet.new_block(body);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.transfers.size(), 4u);
  EXPECT_EQ(r.value.transfers[0].occurrence, 0u);
  EXPECT_EQ(r.value.transfers[1].occurrence, 0u);
  EXPECT_EQ(r.value.transfers[2].occurrence, 1u);  // same tx, same values as [0]
  EXPECT_EQ(r.value.transfers[3].occurrence, 0u);  // another tx
  EXPECT_EQ(r.value.transfers[1].block_time, std::nullopt);
}

TEST_F(Observer, BadEventsAreReportedAndSkippedWhileTheRestDecodes) {
  auto stx = [](const std::string& fields) {
    return R"({"txid":"0x)" + std::string(64, '1') +
           R"(","type":"stx_transfer_event","committed":true,"event_index":1,"stx_transfer_event":{)" + fields + "}}";
  };
  const std::string good = R"("amount":"5","sender":"SP000000000000000000002Q6VF78","recipient":"SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7")";
  const std::string body =
      R"({"block_height":9,"index_block_hash":"0x)" + std::string(64, 'a') + R"(","parent_index_block_hash":"0x)" +
      std::string(64, 'b') + R"(","block_hash":"0x)" + std::string(64, 'c') + R"(","transactions":[{"txid":"0x)" +
      std::string(64, '1') + R"(","status":"success"}],"events":[)" + stx(good) + "," +
      stx(R"("amount":"5x","sender":"SP000000000000000000002Q6VF78","recipient":"SP000000000000000000002Q6VF78")") + "," +
      stx(R"("amount":"5","recipient":"SP000000000000000000002Q6VF78")") + "," +
      stx(R"("amount":"6","sender":"SP000000000000000000002Q6VF79","recipient":"SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7","memo":"zz")") +
      R"(,{"txid":"0x)" + std::string(64, '9') + R"(","type":"ft_transfer_event","committed":true,"event_index":2,"ft_transfer_event":{}},7]})";
  auto r = mainnet.new_block(body);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.transfers.size(), 2u);
  // A sender that does not parse is kept as sent: the recipient side still matches.
  EXPECT_EQ(r.value.transfers[1].senders, std::vector<std::string>{"SP000000000000000000002Q6VF79"});
  EXPECT_EQ(r.value.transfers[1].memo, "");
  ASSERT_EQ(r.issues.size(), 6u) << issues_text(r.issues);
  EXPECT_EQ(r.issues[0].reason, Error::bad_amount);
  EXPECT_EQ(r.issues[0].detail, "events[1].stx_transfer_event.amount: not a decimal integer: \"5x\"");
  EXPECT_EQ(r.issues[1].reason, Error::missing_field);
  EXPECT_EQ(r.issues[1].detail, "missing field events[2].stx_transfer_event.sender");
  EXPECT_EQ(r.issues[2].reason, Error::bad_address);
  EXPECT_EQ(r.issues[2].detail,
            "events[3].stx_transfer_event.sender: bad checksum: \"SP000000000000000000002Q6VF79\" (kept as sent)");
  EXPECT_EQ(r.issues[3].detail, "events[3].stx_transfer_event.memo: not hex: \"zz\" (dropped)");
  EXPECT_EQ(r.issues[4].detail, "events[4].txid: 0x" + std::string(64, '9') + " is not among the transactions");
  EXPECT_EQ(r.issues[5].detail, "events[5]: expected an object, got a number");
}

TEST_F(Observer, WholeBodyErrors) {
  EXPECT_EQ(mainnet.new_block("{\"block_height\":").error.reason, Error::not_json);
  auto arr = mainnet.new_block("[1,2]");
  EXPECT_EQ(arr.error.reason, Error::bad_shape);
  EXPECT_EQ(arr.error.detail, "expected a JSON object, got an array [1,2]");
  auto miss = mainnet.new_block(R"({"block_height":1})");
  EXPECT_EQ(miss.error.reason, Error::missing_field);
  EXPECT_EQ(miss.error.detail, "missing field index_block_hash");
  auto neg = mainnet.new_block(R"({"block_height":-1})");
  EXPECT_EQ(neg.error.detail, "block_height: expected a non-negative integer, got a number -1");
  auto hash = mainnet.new_block(R"({"block_height":1,"index_block_hash":"0x12"})");
  EXPECT_EQ(hash.error.detail, "index_block_hash: not a 32-byte hex hash: \"0x12\"");
  EXPECT_EQ(mainnet.new_mempool_tx("{}").error.reason, Error::bad_shape);
  auto one_bad = mainnet.new_mempool_tx(R"(["0x00", 5])");
  ASSERT_TRUE(one_bad.ok());
  ASSERT_EQ(one_bad.issues.size(), 2u);
  EXPECT_EQ(one_bad.issues[0].reason, Error::bad_tx);
  EXPECT_EQ(one_bad.issues[0].detail, "[0]: byte 1: expected 4 bytes (chain id), 0 left");
  EXPECT_EQ(one_bad.issues[1].detail, "[1]: expected a raw transaction hex string, got a number");
}

TEST_F(Observer, OneBadMempoolTransactionDoesNotHideTheOthers) {
  std::string good = read_fixture("event-observer/derived/new_mempool_tx.json");
  good = good.substr(1, good.find(']') - 1);  // the quoted hex
  auto r = testnet.new_mempool_tx("[\"0x8080\"," + good + "]");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.transfers.size(), 1u);
  EXPECT_EQ(r.issues.size(), 1u);
}

TEST_F(Observer, IssueListsAreBounded) {
  std::string body = "[";
  for (int i = 0; i < 1000; ++i) body += (i ? ",1" : "1");
  auto r = mainnet.new_mempool_tx(body + "]");
  ASSERT_EQ(r.issues.size(), 33u);
  EXPECT_EQ(r.issues.back().detail, "968 more problems not listed");
}

TEST(BigIntegers, AreWidenedToFloatsOutsideStringsOnly) {
  std::string out;
  EXPECT_FALSE(detail::widen_big_integers(R"({"a":18446744073709551615,"b":-9223372036854775808,"c":1.5e300})", out));
  ASSERT_TRUE(detail::widen_big_integers(
      R"({"UInt":340282366920938463463374607431768211455,"s":"18446744073709551616\"","n":-9223372036854775809})", out));
  EXPECT_EQ(out, R"({"UInt":340282366920938463463374607431768211455.0,"s":"18446744073709551616\"","n":-9223372036854775809.0})");
}

TEST_F(Observer, BlocksWithU128NumbersInSerdeDumpsDecode) {
  const std::string body = R"({"block_height":9,"index_block_hash":"0x)" + std::string(64, 'a') +
                           R"(","parent_index_block_hash":"0x)" + std::string(64, 'b') + R"(","block_hash":"0x)" +
                           std::string(64, 'c') + R"(","transactions":[],"events":[{"txid":"0x)" + std::string(64, '1') +
                           R"(","type":"contract_event","committed":true,"event_index":0,"contract_event":{"value":{"UInt":340282366920938463463374607431768211455}}}]})";
  auto r = mainnet.new_block(body);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_TRUE(r.value.transfers.empty());
}

TEST(ObserverPaths, RoutesExactPaths) {
  EXPECT_EQ(observer_path("/new_block"), ObserverPath::new_block);
  EXPECT_EQ(observer_path("/new_microblocks"), ObserverPath::new_microblocks);
  EXPECT_EQ(observer_path("/new_mempool_tx"), ObserverPath::new_mempool_tx);
  EXPECT_EQ(observer_path("/drop_mempool_tx"), ObserverPath::drop_mempool_tx);
  EXPECT_EQ(observer_path("/new_burn_block"), ObserverPath::new_burn_block);
  EXPECT_EQ(observer_path("/attachments/new"), ObserverPath::other);
  EXPECT_EQ(observer_path("/new_block/"), ObserverPath::other);
  EXPECT_STREQ(to_string(ObserverPath::drop_mempool_tx), "drop_mempool_tx");
}

// Truncated and corrupted bodies: an error or a value, never a crash.
TEST_F(Observer, TruncatedOrCorruptedBodiesNeverCrash) {
  const std::string files[] = {"new_block.nakamoto.stx_transfer.json", "new_block.mainnet.ft_transfer.json",
                               "new_microblocks.mainnet.json",         "new_mempool_tx.json",
                               "new_mempool_tx.large.json",            "drop_mempool_tx.json",
                               "new_burn_block.nakamoto.json"};
  std::mt19937 rng(7);
  auto all = [&](const std::string& body) {
    auto b = mainnet.new_block(body);
    auto m = mainnet.new_microblocks(body);
    auto p = mainnet.new_mempool_tx(body);
    auto d = mainnet.drop_mempool_tx(body);
    auto n = mainnet.new_burn_block(body);
    for (const Problem* e : {&b.error, &m.error, &p.error, &d.error, &n.error}) EXPECT_LT(e->detail.size(), 400u);
    for (const auto& i : b.issues) EXPECT_LT(i.detail.size(), 400u);
  };
  for (const auto& f : files) {
    const std::string body = read_fixture("event-observer/derived/" + f);
    for (std::size_t len = 0; len < body.size(); len += body.size() > 4000 ? 7 : 1) all(body.substr(0, len));
    for (int k = 0; k < 300; ++k) {
      std::string copy = body;
      for (int j = 0; j < 3; ++j) copy[rng() % copy.size()] = static_cast<char>(rng());
      all(copy);
    }
  }
}

}  // namespace
}  // namespace fw::decode::stacks
