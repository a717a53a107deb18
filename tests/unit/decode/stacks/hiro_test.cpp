#include "decode/stacks/hiro.hpp"

#include <random>

#include <gtest/gtest.h>

#include "decode/stacks/memo.hpp"
#include "fixtures.hpp"

namespace fw::decode::stacks {
namespace {

using test::read_fixture;

class Hiro : public ::testing::Test {
 protected:
  HiroDecoder mainnet{TokenRegistry::defaults(), Network::mainnet, "hiro"};
  HiroDecoder testnet{TokenRegistry::defaults(), Network::testnet, "hiro"};
};

// results[i] of a paged example, as raw JSON text.
std::string result_of(const std::string& example, std::size_t i) {
  // The examples are small and regular; find the i-th top-level object of "results".
  std::string body = read_fixture("hiro-api/examples/" + example);
  std::size_t pos = body.find("\"results\"");
  pos = body.find('[', pos) + 1;
  for (std::size_t n = 0;; ++n) {
    std::size_t start = body.find('{', pos);
    int depth = 0;
    bool in_string = false;
    std::size_t end = start;
    for (; end < body.size(); ++end) {
      char c = body[end];
      if (in_string) {
        if (c == '\\') ++end;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{') {
        ++depth;
      } else if (c == '}' && --depth == 0) {
        break;
      }
    }
    if (n == i) return body.substr(start, end - start + 1);
    pos = end + 1;
  }
}

std::string notification(const std::string& method, const std::string& params) {
  return R"({"jsonrpc":"2.0","method":")" + method + R"(","params":)" + params + "}";
}

TEST_F(Hiro, BlockNotificationFromTheBlocksExample) {
  auto r = mainnet.ws_message(notification("block", result_of("get-blocks.example.json", 0)));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  const WsMessage& m = r.value;
  EXPECT_EQ(m.kind, WsMessage::Kind::block);
  EXPECT_EQ(m.method, "block");
  EXPECT_EQ(m.block.header.height, 21698u);
  // No index_block_hash in this (old) schema: the block hash stands in.
  EXPECT_EQ(m.block.header.hash, "0x9be3e38eab9c7d094fd51792383c66706838d6392e95bc05cc730b8f7520e352");
  EXPECT_EQ(m.block.header.block_hash, m.block.header.hash);
  EXPECT_EQ(m.block.header.parent_hash, "0x76ee36d1d6c88e56b5c0e80f0d7bc7d3492141faf1b900efb19fcd00457d4654");
  EXPECT_EQ(m.block.header.block_time, 1626281749);
  EXPECT_TRUE(m.block.canonical);
  ASSERT_EQ(m.block.txids.size(), 6u);
  EXPECT_EQ(m.block.txids[0], "0x76f58b2eaff65a07a5971b241c4e71fee92ee0f9396809f911f90839f9004cac");
}

TEST_F(Hiro, NakamotoBlockPrefersIndexHashes) {
  const std::string block = R"({"canonical":true,"height":170000,"hash":"0x)" + std::string(64, 'a') +
                            R"(","block_time":1700000000,"block_time_iso":"x","tenure_height":1,"index_block_hash":"0x)" +
                            std::string(64, 'B') + R"(","parent_block_hash":"0x)" + std::string(64, 'c') +
                            R"(","parent_index_block_hash":"0x)" + std::string(64, 'd') +
                            R"(","burn_block_time":1699999999,"tx_count":3})";
  auto r = mainnet.rest_block(block);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.header.hash, "0x" + std::string(64, 'b'));
  EXPECT_EQ(r.value.header.block_hash, "0x" + std::string(64, 'a'));
  EXPECT_EQ(r.value.header.parent_hash, "0x" + std::string(64, 'd'));
  EXPECT_EQ(r.value.header.block_time, 1700000000);
  EXPECT_EQ(r.value.tx_count, 3u);
  EXPECT_TRUE(r.value.txids.empty());
}

TEST_F(Hiro, RestBlocksList) {
  auto r = mainnet.rest_blocks(read_fixture("hiro-api/examples/get-blocks.example.json"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.size(), 1u);
  EXPECT_EQ(r.value[0].header.height, 21698u);
}

TEST_F(Hiro, MempoolNotificationStxTransfer) {
  auto r = testnet.ws_message(notification("mempool", result_of("get-mempool-transactions.example.json", 0)));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_TRUE(r.issues.empty());
  const WsMessage& m = r.value;
  EXPECT_EQ(m.kind, WsMessage::Kind::mempool);
  EXPECT_EQ(m.txid, "0xb31df5a363dad31723324cb5e0eefa04d491519fd30827a521cbc830114aa50c");
  EXPECT_EQ(m.tx_status, "pending");
  ASSERT_EQ(m.transfers.size(), 1u);
  const Transfer& t = m.transfers[0];
  EXPECT_EQ(t.status, TransferStatus::pending);
  EXPECT_EQ(t.network, Network::testnet);
  EXPECT_EQ(t.source, "hiro");
  EXPECT_EQ(t.tx_id, m.txid);
  EXPECT_EQ(t.senders, std::vector<std::string>{"STB44HYPYAT2BB2QE513NSP81HTMYWBJP02HPGK6"});
  EXPECT_EQ(t.recipient, "ST1GY25DM8RZV4X15X07THRZ2C5NMWPGQWKFGV87F");
  EXPECT_EQ(t.amount, Amount(500000));
  EXPECT_EQ(t.memo, "46617563657400000000000000000000000000000000000000000000000000000000");
  EXPECT_EQ(memo_text(t.memo), "Faucet");
}

TEST_F(Hiro, RestMempoolExample) {
  auto r = testnet.rest_mempool(read_fixture("hiro-api/examples/get-mempool-transactions.example.json"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.total, 5u);
  EXPECT_EQ(r.value.txids.size(), 6u);
  ASSERT_EQ(r.value.transfers.size(), 2u);  // two token transfers; send-many is not a SIP-010 transfer
  EXPECT_EQ(r.value.transfers[1].amount, Amount(1000));
  // Nothing in the example is malformed.
  EXPECT_TRUE(r.issues.empty());
}

std::string sip010_mempool_tx(const std::string& args) {
  return R"j({"tx_id":"0x9429dd333db06784e2fd1b91fcd3b5f4f796b4151dd01174f559de2f886f459c","tx_status":"pending",
    "tx_type":"contract_call","sender_address":"SP31596TY1N33159BQCVEC9H16HP0KQ2VTD140157",
    "contract_call":{"contract_id":"SP32AEEF6WW5Y0NMJ1S8SBSZDAY8R5J32NBZFPKKZ.wrapped-nothing-v8",
    "function_name":"transfer","function_signature":"(define-public (transfer ...))","function_args":)j" +
         args + "}}";
}

TEST_F(Hiro, MempoolSip010TransferFromArgumentHex) {
  const std::string args = R"j([
    {"hex":"0x01000000000000000000000000000f4240","repr":"u1000000","name":"amount","type":"uint"},
    {"hex":"0x0516c2549b5e0d4630952bbb36e62621346c09dc5bd3","repr":"'SP31596TY1N33159BQCVEC9H16HP0KQ2VTD140157","name":"sender","type":"principal"},
    {"hex":"0x05166a74839f9b75f7944645e44e4b77f85e408fb95a","repr":"'SP1N790WZKDTZF5268QJ4WJVQZ1F413XSB9WZS9RJ","name":"recipient","type":"principal"},
    {"hex":"0x0a0200000003010203","repr":"(some 0x010203)","name":"memo","type":"(optional (buff 34))"}])j";
  auto r = mainnet.ws_message(notification("mempool", sip010_mempool_tx(args)));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.transfers.size(), 1u);
  const Transfer& t = r.value.transfers[0];
  EXPECT_EQ(t.asset.contract, "SP32AEEF6WW5Y0NMJ1S8SBSZDAY8R5J32NBZFPKKZ.wrapped-nothing-v8::?");
  EXPECT_EQ(t.senders, std::vector<std::string>{"SP31596TY1N33159BQCVEC9H16HP0KQ2VTD140157"});
  EXPECT_EQ(t.recipient, "SP1N790WZKDTZF5268QJ4WJVQZ1F413XSB9WZS9RJ");
  EXPECT_EQ(t.amount, Amount(1000000));
  EXPECT_EQ(t.memo, "010203");
}

TEST_F(Hiro, MempoolSip010TransferFallsBackToRepr) {
  const std::string args = R"j([
    {"repr":"u1000000","name":"amount","type":"uint"},
    {"hex":"0xzz","repr":"'SP31596TY1N33159BQCVEC9H16HP0KQ2VTD140157","name":"sender","type":"principal"},
    {"repr":"SP1N790WZKDTZF5268QJ4WJVQZ1F413XSB9WZS9RJ","name":"recipient","type":"principal"},
    {"repr":"none","name":"memo","type":"(optional (buff 34))"}])j";
  auto r = mainnet.ws_message(notification("mempool", sip010_mempool_tx(args)));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.transfers.size(), 1u);
  EXPECT_EQ(r.value.transfers[0].amount, Amount(1000000));
  EXPECT_EQ(r.value.transfers[0].recipient, "SP1N790WZKDTZF5268QJ4WJVQZ1F413XSB9WZS9RJ");
  EXPECT_EQ(r.value.transfers[0].memo, "");
  ASSERT_EQ(r.issues.size(), 1u);  // the bad hex is reported
  EXPECT_EQ(r.issues[0].detail, "params.contract_call.function_args[1].hex: not hex: \"0xzz\"");
}

TEST_F(Hiro, OtherContractCallsGiveNoTransfer) {
  auto r = testnet.ws_message(notification("mempool", result_of("get-mempool-transactions.example.json", 5)));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.kind, WsMessage::Kind::mempool);
  EXPECT_EQ(r.value.txid, "0x7402d8e52204d6c8cba7465e159e79750338c3ee31d4fe6ddef1d4d226304b65");
  EXPECT_TRUE(r.value.transfers.empty());
}

TEST_F(Hiro, JsonRpcResponsesAndOtherNotifications) {
  auto ok = mainnet.ws_message(R"({"jsonrpc":"2.0","id":1,"result":{}})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok.value.kind, WsMessage::Kind::response);
  EXPECT_EQ(ok.value.id, 1);
  EXPECT_FALSE(ok.value.is_error);
  auto err = mainnet.ws_message(
      R"({"jsonrpc":"2.0","id":2,"error":{"code":-32602,"message":"subscription request must use a valid event name"}})");
  ASSERT_TRUE(err.ok());
  EXPECT_TRUE(err.value.is_error);
  EXPECT_EQ(err.value.id, 2);
  EXPECT_EQ(err.value.error_message, "-32602: subscription request must use a valid event name");
  auto parse_error = mainnet.ws_message(R"({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}})");
  ASSERT_TRUE(parse_error.ok());
  EXPECT_FALSE(parse_error.value.id);
  auto other = mainnet.ws_message(notification("tx_update", R"({"tx_id":"0x00"})"));
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other.value.kind, WsMessage::Kind::other);
  EXPECT_EQ(other.value.method, "tx_update");
  EXPECT_EQ(mainnet.ws_message(R"({"jsonrpc":"2.0"})").error.reason, Error::bad_shape);
  EXPECT_EQ(mainnet.ws_message(R"({"jsonrpc":"2.0","method":"block"})").error.detail, "missing field params");
  EXPECT_EQ(mainnet.ws_message("not json").error.reason, Error::not_json);
}

TEST_F(Hiro, BlockTransactionsPage) {
  auto r = mainnet.rest_block_transactions(read_fixture("hiro-api/examples/get-transactions.example.json"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.total, 101922u);
  EXPECT_EQ(r.value.limit, 10u);
  ASSERT_EQ(r.value.txs.size(), 1u);
  EXPECT_EQ(r.value.txs[0].tx_id, "0x20dedbef812e44d712569224411b27324b68ab4667321a4badd5e81ba76bf0eb");
  EXPECT_EQ(r.value.txs[0].tx_status, "success");
  EXPECT_EQ(r.value.txs[0].tx_type, "coinbase");
  EXPECT_EQ(r.value.txs[0].event_count, 0u);
}

TEST_F(Hiro, TransactionEventsExampleHasNoTransfers) {
  BlockHeader block{21709, "0x" + std::string(64, 'a'), "0x" + std::string(64, 'b'), "", 1626286436};
  auto r = testnet.rest_tx_events(read_fixture("hiro-api/examples/get-transaction-events.example.json"), block);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.event_count, 2u);  // an NFT transfer and a print
  EXPECT_EQ(r.value.limit, 96u);
  EXPECT_TRUE(r.value.transfers.empty());
  EXPECT_TRUE(r.issues.empty());
}

TEST_F(Hiro, TransactionEventsGiveConfirmedTransfers) {
  const std::string tx = "0x" + std::string(64, 'e');
  const std::string body = R"({"limit":50,"offset":0,"events":[
    {"event_index":0,"event_type":"stx_asset","tx_id":")" + tx + R"(","asset":{"asset_event_type":"transfer",
      "sender":"SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS","recipient":"SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7",
      "amount":"2500000","memo":"0x6578636861"}},
    {"event_index":1,"event_type":"fungible_token_asset","tx_id":")" + tx + R"(","asset":{"asset_event_type":"transfer",
      "asset_id":"SP3Y2ZSH8P7D50B0VBTSX11S7XSG24M1VB9YFQA4K.token-aeusdc::aeUSDC",
      "sender":"SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS","recipient":"SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7",
      "amount":"340282366920938463463374607431768211455"}},
    {"event_index":2,"event_type":"fungible_token_asset","tx_id":")" + tx + R"(","asset":{"asset_event_type":"mint",
      "asset_id":"SP3Y2ZSH8P7D50B0VBTSX11S7XSG24M1VB9YFQA4K.token-aeusdc::aeUSDC",
      "recipient":"SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7","amount":"1"}},
    {"event_index":3,"event_type":"stx_asset","tx_id":")" + tx + R"(","asset":{"asset_event_type":"transfer",
      "sender":"SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS","recipient":"SP2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKNRV9EJ7",
      "amount":"2500000"}}]})";
  BlockHeader block{150000, "0x" + std::string(64, 'a'), "0x" + std::string(64, 'b'), "0x" + std::string(64, 'c'), 1700000000};
  auto r = mainnet.rest_tx_events(body, block);
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_TRUE(r.issues.empty());
  EXPECT_EQ(r.value.event_count, 4u);
  ASSERT_EQ(r.value.transfers.size(), 3u);
  const Transfer& stx = r.value.transfers[0];
  EXPECT_EQ(stx.status, TransferStatus::confirmed);
  EXPECT_EQ(stx.tx_id, tx);
  EXPECT_EQ(stx.event_index, 0u);
  EXPECT_EQ(stx.block_height, 150000u);
  EXPECT_EQ(stx.block_hash, "0x" + std::string(64, 'a'));
  EXPECT_EQ(stx.block_time, 1700000000);
  EXPECT_EQ(stx.memo, "6578636861");
  EXPECT_EQ(stx.senders, std::vector<std::string>{"SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS"});
  const Transfer& usdc = r.value.transfers[1];
  EXPECT_EQ(usdc.asset.symbol, "aeUSDC");
  EXPECT_EQ(usdc.asset.decimals, 6);
  EXPECT_EQ(usdc.amount.to_decimal(), "340282366920938463463374607431768211455");
  EXPECT_EQ(usdc.event_index, 1u);
  EXPECT_EQ(r.value.transfers[2].occurrence, 1u);  // same values as the first STX transfer
}

TEST_F(Hiro, ApiErrorBodies) {
  auto r = mainnet.rest_block(R"({"error":"cannot find block by height","message":"height 99999999"})");
  EXPECT_EQ(r.error.reason, Error::rest_error);
  EXPECT_EQ(r.error.detail, "API error: cannot find block by height: height 99999999");
  EXPECT_EQ(mainnet.rest_block_transactions(R"({"error":"x"})").error.reason, Error::rest_error);
  EXPECT_EQ(mainnet.rest_block("[]").error.reason, Error::bad_shape);
  EXPECT_EQ(mainnet.rest_block(R"({"height":1,"hash":"0x00"})").error.detail, "hash: not a 32-byte hex hash: \"0x00\"");
}

TEST_F(Hiro, TruncatedOrCorruptedBodiesNeverCrash) {
  const std::string files[] = {"get-blocks.example.json", "get-mempool-transactions.example.json",
                               "get-transaction-events.example.json", "get-transactions.example.json",
                               "get-address-transactions-with-transfers.example.json"};
  BlockHeader block{1, "0x" + std::string(64, 'a'), "0x" + std::string(64, 'b'), "", std::nullopt};
  std::mt19937 rng(11);
  auto all = [&](const std::string& body) {
    auto a = mainnet.ws_message(body);
    auto b = mainnet.rest_block(body);
    auto c = mainnet.rest_blocks(body);
    auto d = mainnet.rest_block_transactions(body);
    auto e = mainnet.rest_tx_events(body, block);
    auto f = mainnet.rest_mempool(body);
    auto g = mainnet.ws_message(notification("mempool", body));
    for (const Problem* p : {&a.error, &b.error, &c.error, &d.error, &e.error, &f.error, &g.error})
      EXPECT_LT(p->detail.size(), 400u);
  };
  for (const auto& file : files) {
    const std::string body = read_fixture("hiro-api/examples/" + file);
    for (std::size_t len = 0; len < body.size(); ++len) all(body.substr(0, len));
    for (int k = 0; k < 300; ++k) {
      std::string copy = body;
      for (int j = 0; j < 3; ++j) copy[rng() % copy.size()] = static_cast<char>(rng());
      all(copy);
    }
  }
  const std::string mempool = result_of("get-mempool-transactions.example.json", 5);
  for (std::size_t len = 0; len < mempool.size(); ++len) all(mempool.substr(0, len));
}

}  // namespace
}  // namespace fw::decode::stacks
