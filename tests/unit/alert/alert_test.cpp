#include "alert/alert.hpp"

#include <simdjson.h>

#include <gtest/gtest.h>

#include "sample.hpp"

namespace fw::alert {
namespace {

using namespace std::chrono_literals;
using test::match_for;
using test::t0;
using test::tron_deposit;

// The exact bytes receivers get (docs/alerts.md shows this body, indented).
constexpr std::string_view golden =
    R"j({"type":"transfer.pending","timestamp":"2024-05-14T10:00:00.125Z","data":{)j"
    R"j("alert_id":"fw_6447d1d481ede6caa6a33468cd90a904_pending","base_id":"fw_6447d1d481ede6caa6a33468cd90a904",)j"
    R"j("stage":"pending","direction":"from","listed_address":"TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm",)j"
    R"j("recommended_action":"freeze_deposit","classification":"listed",)j"
    R"j("watchlist":{"version":"5d41402abc4b2a76b9719d911017c592","entries":[{"list":"alex-lab-2024",)j"
    R"j("file":"lists/alex-lab-2024.csv","line":7,"label":"Lazarus Group (ALEX Lab 2024)","incident":"alex-lab-2024",)j"
    R"j("source":"tayvano/lazarus-bluenoroff-research","severity":"critical","added_at":"2024-05-15","notes":"",)j"
    R"j("kind":"file","added_by":"","expires_at":"","follow":false,"hops":0,"seed":"","path":[],"approved":false,)j"
    R"j("approved_by":""}]},)j"
    R"j("transfer":{"chain":"tron","chain_name":"tron","network":"mainnet",)j"
    R"j("asset":{"symbol":"USDT","contract":"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t","decimals":6},)j"
    R"j("senders":["TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm"],"recipient":"TXczT2fxKXVSPgnL3yXZDUFx8w7Z6GB38T",)j"
    R"j("amount":{"base_units":"12500000","decimal":"12.5","display":"12.5 USDT"},)j"
    R"j("tx_id":"9f2c7a0d4cbe1b8e0e0f5c9f6a1f3d2e4b5a6978c0d1e2f3a4b5c6d7e8f90a1b","event_index":0,)j"
    R"j("block_height":null,"block_hash":"","status":"pending","memo":"","memo_text":null,"block_time":null,)j"
    R"j("status_reason":"","replaced_by":"","revision":0,"source":"exchange-ws",)j"
    R"j("received_at":"2024-05-14T10:00:00.123Z"},)j"
    R"j("deposit":{"deposit_id":"88123456","account_id":"1042",)j"
    R"j("deposit_address":"TXczT2fxKXVSPgnL3yXZDUFx8w7Z6GB38T","credited":false},)j"
    R"j("evidence":{"path":[],"links":{)j"
    R"j("tx":"https://tronscan.org/#/transaction/9f2c7a0d4cbe1b8e0e0f5c9f6a1f3d2e4b5a6978c0d1e2f3a4b5c6d7e8f90a1b",)j"
    R"j("listed_address":"https://tronscan.org/#/address/TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm"}},)j"
    R"j("retro":null}})j";

TEST(Render, ProducesTheDocumentedBodyByteForByte) {
  Transfer t = tron_deposit();
  std::string body = render(match_for(t), t, t0 + 125ms);
  EXPECT_EQ(body, golden);
}

TEST(Render, ParsesBackToTheSameValues) {
  Transfer t = tron_deposit();
  match::Match m = match_for(t);
  std::string body = render(m, t, t0 + 125ms);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS) << body;
  EXPECT_EQ(std::string_view(doc["type"]), "transfer.pending");
  EXPECT_EQ(std::string_view(doc["timestamp"]), "2024-05-14T10:00:00.125Z");
  simdjson::dom::element data = doc["data"];
  EXPECT_EQ(std::string_view(data["alert_id"]), m.alert_id);
  EXPECT_EQ(std::string_view(data["base_id"]), m.base_id);
  EXPECT_EQ(std::string_view(data["stage"]), "pending");
  EXPECT_EQ(std::string_view(data["direction"]), "from");
  EXPECT_EQ(std::string_view(data["listed_address"]), "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm");
  EXPECT_EQ(std::string_view(data["recommended_action"]), "freeze_deposit");
  EXPECT_EQ(std::string_view(data["watchlist"]["version"]), "5d41402abc4b2a76b9719d911017c592");
  simdjson::dom::element entry = data["watchlist"]["entries"].at(0);
  EXPECT_EQ(std::string_view(entry["label"]), "Lazarus Group (ALEX Lab 2024)");
  EXPECT_EQ(std::uint64_t(entry["line"]), 7u);
  simdjson::dom::element tr = data["transfer"];
  EXPECT_EQ(std::string_view(tr["chain"]), "tron");
  EXPECT_EQ(std::string_view(tr["asset"]["contract"]), "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
  EXPECT_EQ(std::uint64_t(tr["asset"]["decimals"]), 6u);
  EXPECT_EQ(std::string_view(tr["senders"].at(0)), "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm");
  EXPECT_EQ(std::string_view(tr["amount"]["base_units"]), "12500000");
  EXPECT_EQ(std::string_view(tr["amount"]["decimal"]), "12.5");
  EXPECT_EQ(std::string_view(tr["amount"]["display"]), "12.5 USDT");
  EXPECT_TRUE(tr["block_height"].is_null());
  EXPECT_EQ(std::string_view(tr["received_at"]), "2024-05-14T10:00:00.123Z");
  EXPECT_EQ(std::string_view(data["deposit"]["deposit_id"]), "88123456");
  EXPECT_EQ(std::string_view(data["deposit"]["account_id"]), "1042");
  EXPECT_FALSE(bool(data["deposit"]["credited"]));
}

TEST(Render, IsDeterministicAndHasNoTrailingNewline) {
  Transfer t = tron_deposit();
  std::string a = render(match_for(t), t, t0);
  EXPECT_EQ(a, render(match_for(t), t, t0));
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a.back(), '}');
}

TEST(Render, ChainTransfersHaveNullDepositAndKnownBlockHeights) {
  Transfer t = tron_deposit();
  t.deposit.reset();
  t.block_height = 62000123;
  t.block_hash = "0000000003b2c1fb";
  t.status = TransferStatus::final;
  std::string body = render(match_for(t), t, t0);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(body).get(doc), simdjson::SUCCESS);
  EXPECT_EQ(std::string_view(doc["type"]), "transfer.final");
  EXPECT_TRUE(doc["data"]["deposit"].is_null());
  EXPECT_EQ(std::uint64_t(doc["data"]["transfer"]["block_height"]), 62000123u);
  EXPECT_EQ(std::string_view(doc["data"]["transfer"]["block_hash"]), "0000000003b2c1fb");
  EXPECT_EQ(std::string_view(doc["data"]["recommended_action"]), "review");
}

TEST(Render, CreditedDepositsAreTransferCreditedEvents) {
  Transfer t = tron_deposit();
  t.status = TransferStatus::confirmed;
  t.deposit->credited = true;
  std::string body = render(match_for(t), t, t0);
  EXPECT_TRUE(body.starts_with(R"({"type":"transfer.credited",)")) << body;
  EXPECT_NE(body.find(R"("recommended_action":"freeze_account")"), std::string::npos);
  EXPECT_NE(body.find(R"("credited":true})"), std::string::npos);
}

TEST(Render, ChainDetailsShowTheMemoAsTextAndWhyATransferWasRetracted) {
  Transfer t = tron_deposit();
  t.deposit.reset();
  t.chain = Chain::stacks;
  t.memo = "3130343200000000000000000000000000000000000000000000000000000000000000";  // "1042" + NULs
  t.block_time = 1715680800;
  t.status = TransferStatus::retracted;
  t.status_reason = "dropped: ReplaceByFee";
  t.replaced_by = "0xabc";
  t.revision = 2;
  const std::string body = render(match_for(t), t, t0);
  EXPECT_NE(body.find(R"("memo_text":"1042")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("block_time":"2024-05-14T10:00:00.000Z")"), std::string::npos) << body;
  EXPECT_NE(body.find(R"("status_reason":"dropped: ReplaceByFee","replaced_by":"0xabc","revision":2)"),
            std::string::npos)
      << body;
}

TEST(MemoText, IsShownOnlyForPrintableMemos) {
  EXPECT_EQ(memo_text("46617563657400000000"), "Faucet");
  EXPECT_EQ(memo_text("0x46617563657400"), "Faucet");
  EXPECT_EQ(memo_text("e282ac31"), "\xe2\x82\xac" "1");  // UTF-8 euro sign
  EXPECT_EQ(memo_text(""), std::nullopt);
  EXPECT_EQ(memo_text("0000"), std::nullopt);      // all padding
  EXPECT_EQ(memo_text("0a41"), std::nullopt);      // control character
  EXPECT_EQ(memo_text("ff41"), std::nullopt);      // not UTF-8
  EXPECT_EQ(memo_text("414"), std::nullopt);       // odd length
  EXPECT_EQ(memo_text("zz"), std::nullopt);        // not hex
  EXPECT_EQ(memo_text("41004200"), std::nullopt);  // NUL inside
}

TEST(RecommendedAction, FollowsTheDocumentedRules) {
  Transfer t = tron_deposit();
  EXPECT_EQ(recommended_action(match_for(t), t), "freeze_deposit");
  t.status = TransferStatus::confirmed;
  EXPECT_EQ(recommended_action(match_for(t), t), "freeze_deposit");  // confirmed on chain, not credited yet
  t.deposit->credited = true;
  EXPECT_EQ(recommended_action(match_for(t), t), "freeze_account");
  t.status = TransferStatus::retracted;
  EXPECT_EQ(recommended_action(match_for(t), t), "none");
  t = tron_deposit();
  EXPECT_EQ(recommended_action(match_for(t, match::Direction::to), t), "review");  // a deposit TO a listed address
  t.deposit.reset();
  EXPECT_EQ(recommended_action(match_for(t), t), "review");
  t.status = TransferStatus::retracted;
  EXPECT_EQ(recommended_action(match_for(t), t), "none");
}

TEST(DisplayAmount, IsTheDecimalAmountAndTheSymbol) {
  Transfer t = tron_deposit();
  EXPECT_EQ(display_amount(t), "12.5 USDT");
  t.amount = Amount(1250000000000);
  t.asset = {"", "STX", 6};
  EXPECT_EQ(display_amount(t), "1250000 STX");
  t.amount = Amount(5);
  EXPECT_EQ(display_amount(t), "0.000005 STX");
  t.asset.symbol.clear();
  EXPECT_EQ(display_amount(t), "0.000005");
  t.asset.decimals = 0;
  t.amount = *Amount::from_decimal("115792089237316195423570985008687907853269984665640564039457584007913129639935");
  EXPECT_EQ(display_amount(t), "115792089237316195423570985008687907853269984665640564039457584007913129639935");
}

}  // namespace
}  // namespace fw::alert
