#include "decode/deposit.hpp"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "frame.hpp"

namespace fw::decode {
namespace {

using test::Frame;
using test::stacks_deposit;
using Status = DecodeResult::Status;

class CanonicalDeposit : public ::testing::Test {
 protected:
  DecodeResult decode(const Frame& f) { return decode(f.str()); }
  DecodeResult decode(std::string_view frame) { return decoder.decode(frame, "exchange-ws", t); }

  DepositDecoder decoder{std::nullopt};
  Transfer t;
};

#define EXPECT_REJECT(result, why, text)            \
  do {                                              \
    DecodeResult r_ = (result);                     \
    EXPECT_EQ(r_.status, Status::rejected);         \
    EXPECT_EQ(r_.reason, Reject::why) << r_.detail; \
    EXPECT_EQ(r_.detail, text);                     \
  } while (0)

TEST_F(CanonicalDeposit, DecodesEveryField) {
  DecodeResult r = decode(stacks_deposit());
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(r.reason, Reject::none);
  EXPECT_EQ(t.chain, Chain::stacks);
  EXPECT_EQ(t.chain_name, "stacks");
  EXPECT_EQ(t.network, Network::mainnet);
  EXPECT_EQ(t.asset.symbol, "STX");
  EXPECT_EQ(t.asset.contract, "");
  EXPECT_EQ(t.asset.decimals, 6);
  ASSERT_EQ(t.senders.size(), 1u);
  EXPECT_EQ(t.senders[0], test::attacker_stacks);
  EXPECT_EQ(t.recipient, test::customer_stacks);
  EXPECT_EQ(t.amount.to_decimal(), "1250000000000");
  EXPECT_EQ(t.amount_decimal(), "1250000");
  EXPECT_EQ(t.tx_id, "0x42ee680e25b4346c16c47c79d7ef8d1e27055a5527a38aa9e08a7930297b6da3");
  EXPECT_EQ(t.event_index, 0u);
  EXPECT_EQ(t.block_height, 150006u);
  EXPECT_EQ(t.block_hash, "");
  EXPECT_EQ(t.status, TransferStatus::pending);
  EXPECT_EQ(t.memo, "u-42");
  EXPECT_EQ(t.source, "exchange-ws");
  ASSERT_TRUE(t.deposit);
  EXPECT_EQ(t.deposit->deposit_id, "d-1001");
  EXPECT_EQ(t.deposit->account_id, "u-42");
  EXPECT_EQ(t.deposit->deposit_address, test::customer_stacks);
  EXPECT_FALSE(t.deposit->credited);
}

TEST_F(CanonicalDeposit, DoesNotTouchReceivedAt) {
  auto stamp = std::chrono::system_clock::time_point(std::chrono::seconds(1715680800));
  t.received_at = stamp;
  ASSERT_TRUE(decode(stacks_deposit()).ok());
  EXPECT_EQ(t.received_at, stamp);
}

TEST_F(CanonicalDeposit, AcceptsOnlyTheRequiredFields) {
  Frame f;
  f.set("deposit_id", R"("d-1")")
      .set("chain", R"("stacks")")
      .set("asset_symbol", R"("STX")")
      .set("sender", "\"" + std::string(test::attacker_stacks) + "\"")
      .set("amount", "5");
  DecodeResult r = decode(f);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(t.status, TransferStatus::pending);
  EXPECT_EQ(t.recipient, "");
  EXPECT_EQ(t.deposit->deposit_address, "");
  EXPECT_EQ(t.deposit->account_id, "");
  EXPECT_FALSE(t.block_height);
  EXPECT_EQ(t.asset.decimals, 6);  // built-in STX
}

TEST_F(CanonicalDeposit, NormalisesAddressesToCanonicalForm) {
  Frame f = stacks_deposit();
  f.set("chain", R"("ethereum")")
      .set("asset_symbol", R"("USDT")")
      .set("asset_contract", R"("0xdAC17F958D2ee523a2206206994597C13D831ec7")")
      .set("sender", R"("0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed")")
      .set("recipient", R"("0x581105688C9EDCFAA3EA3DA93A5E2C84C9D77F04")")
      .erase("deposit_address");
  DecodeResult r = decode(f);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(t.chain, Chain::evm);
  EXPECT_EQ(t.chain_name, "ethereum");
  EXPECT_EQ(t.senders[0], "0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed");
  EXPECT_EQ(t.recipient, "0x581105688c9edcfaa3ea3da93a5e2c84c9d77f04");
  EXPECT_EQ(t.deposit->deposit_address, "0x581105688c9edcfaa3ea3da93a5e2c84c9d77f04");
  EXPECT_EQ(t.asset.contract, "0xdac17f958d2ee523a2206206994597c13d831ec7");

  f = stacks_deposit();
  f.set("sender", "\"sp2as4qcq81pjq5he3tj6aj554qx2yk14mfht2vrs\"");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.senders[0], test::attacker_stacks);
}

TEST_F(CanonicalDeposit, NormalisesStacksTokenContractsAndKeepsTheAssetName) {
  Frame f = stacks_deposit();
  f.set("asset_symbol", R"("TOK")")
      .set("asset_contract", R"("sp2as4qcq81pjq5he3tj6aj554qx2yk14mfht2vrs.token::tok")")
      .set("asset_decimals", "8");
  DecodeResult r = decode(f);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(t.asset.contract, "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS.token::tok");
  EXPECT_EQ(t.asset.decimals, 8);
}

TEST_F(CanonicalDeposit, TakesSendersFromAnArrayAfterASingleSender) {
  Frame f = stacks_deposit();
  f.set("chain", R"("bitcoin")")
      .set("asset_symbol", R"("BTC")")
      .erase("asset_decimals")
      .erase("sender")
      .set("senders", R"(["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4","1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"])")
      .set("recipient", R"("3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy")")
      .erase("deposit_address");
  DecodeResult r = decode(f);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(t.asset.decimals, 8);
  EXPECT_EQ(t.senders, (std::vector<std::string>{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
                                                 "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"}));

  f.set("sender", R"("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4")");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.senders.size(), 3u);
  EXPECT_EQ(t.senders[0], "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");

  f.erase("sender").set("senders", R"("1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2")");  // one string is a list of one
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.senders, std::vector<std::string>{"1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"});
}

TEST_F(CanonicalDeposit, RecipientAndDepositAddressDefaultToEachOther) {
  Frame f = stacks_deposit();
  f.erase("recipient");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.recipient, test::customer_stacks);
  f = stacks_deposit();
  f.erase("deposit_address");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.deposit->deposit_address, test::customer_stacks);
}

TEST_F(CanonicalDeposit, AcceptsAmountAsStringIntegerHexOrDecimal) {
  Frame f = stacks_deposit();
  f.set("amount", "1500000");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.amount.to_decimal(), "1500000");

  // Larger than 2^64: fine as a JSON number (read from its text) or a string.
  f.set("amount", "123456789012345678901234567890");
  DecodeResult r = decode(f);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(t.amount.to_decimal(), "123456789012345678901234567890");
  f.set("amount", R"("123456789012345678901234567890")");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.amount.to_decimal(), "123456789012345678901234567890");

  f.set("amount", R"("0x16e360")");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.amount.to_decimal(), "1500000");

  f.erase("amount").set("amount_decimal", R"("1.5")");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.amount.to_decimal(), "1500000");

  f.set("amount_decimal", "12.5");  // a JSON number is read from its text: exact
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.amount.to_decimal(), "12500000");

  f.set("amount_decimal", R"("12.50000000")");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.amount.to_decimal(), "12500000");

  f.set("amount", R"("12500000")");  // both, agreeing
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.amount.to_decimal(), "12500000");
}

TEST_F(CanonicalDeposit, RejectsUnusableAmounts) {
  Frame f = stacks_deposit();
  EXPECT_REJECT(decode(f.set("amount", "1.5")), bad_amount,
                "amount: must be an integer in base units; use amount_decimal for display units");
  EXPECT_REJECT(decode(f.set("amount", "1e6")), bad_amount,
                "amount: must be an integer in base units; use amount_decimal for display units");
  EXPECT_REJECT(decode(f.set("amount", "-5")), bad_amount, "amount: negative");
  EXPECT_REJECT(decode(f.set("amount", R"("12 STX")")), bad_amount, "amount: not a number");
  EXPECT_REJECT(decode(f.set("amount", "true")), bad_amount, "amount: expected a string or an integer, got a boolean");
  EXPECT_REJECT(decode(f.set("amount", "null").erase("amount_decimal")), missing_field,
                "missing field amount (or amount_decimal)");
  f.erase("amount");
  EXPECT_REJECT(decode(f), missing_field, "missing field amount (or amount_decimal)");
  EXPECT_REJECT(decode(f.set("amount_decimal", R"("1.0000001")")), bad_amount,
                "amount_decimal: more fraction digits than the asset's 6 decimals");
  EXPECT_REJECT(decode(f.set("amount_decimal", R"("-1")")), bad_amount, "amount_decimal: negative");
  EXPECT_REJECT(decode(f.set("amount_decimal", "1.5e3")), bad_amount,
                "amount_decimal: exponent notation is not supported; send a plain decimal");
  EXPECT_REJECT(decode(f.set("amount_decimal", R"("1.5")").set("amount", R"("1")")), bad_amount,
                "amount and amount_decimal disagree");
}

TEST_F(CanonicalDeposit, ExplainsAFractionalAmountOfAnAssetWithUnknownDecimals) {
  Frame f = stacks_deposit();
  f.set("asset_symbol", R"("ALEX")").erase("asset_decimals").erase("amount").set("amount_decimal", R"("2.5")");
  EXPECT_REJECT(decode(f), bad_amount,
                "amount_decimal: more fraction digits than the asset's 0 decimals (decimals of 'ALEX' on stacks "
                "are not built in; send asset_decimals)");
  // Whole display units still work, and the symbol is kept.
  ASSERT_TRUE(decode(f.set("amount_decimal", R"("2")")).ok());
  EXPECT_EQ(t.asset.symbol, "ALEX");
  EXPECT_EQ(t.asset.decimals, 0);
  EXPECT_EQ(t.amount.to_decimal(), "2");
}

TEST_F(CanonicalDeposit, FillsDecimalsFromTheBuiltInTable) {
  Frame f = stacks_deposit();
  f.erase("asset_decimals")
      .set("chain", R"("tron")")
      .set("asset_symbol", R"("USDT")")
      .set("asset_contract", R"("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t")")
      .set("sender", R"("TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm")")
      .set("recipient", R"("TXczT2fxKXVSPgnL3yXZDUFx8w7Z6GB38T")")
      .erase("deposit_address");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.asset.decimals, 6);
  EXPECT_EQ(t.asset.contract, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
  // An explicit value always wins.
  ASSERT_TRUE(decode(f.set("asset_decimals", "7")).ok());
  EXPECT_EQ(t.asset.decimals, 7);
  EXPECT_REJECT(decode(f.set("asset_decimals", "78")), bad_field, "asset_decimals: larger than 77");
  EXPECT_REJECT(decode(f.set("asset_decimals", "-1")), bad_field, "asset_decimals: expected a non-negative integer");
}

TEST_F(CanonicalDeposit, MapsEveryStatusAndKeepsTheDepositIdAcrossUpdates) {
  struct Case {
    const char* status;
    TransferStatus expect;
    bool credited;
  } cases[] = {
      {"pending", TransferStatus::pending, false},      {"confirmed", TransferStatus::confirmed, false},
      {"credited", TransferStatus::confirmed, true},    {"failed", TransferStatus::retracted, false},
      {"cancelled", TransferStatus::retracted, false},  {"CREDITED", TransferStatus::confirmed, true},
      {"Pending", TransferStatus::pending, false},      {"canceled", TransferStatus::retracted, false},
  };
  for (const auto& c : cases) {
    Frame f = stacks_deposit();
    f.set("status", "\"" + std::string(c.status) + "\"");
    DecodeResult r = decode(f);
    ASSERT_TRUE(r.ok()) << c.status << ": " << r.detail;
    EXPECT_EQ(t.status, c.expect) << c.status;
    EXPECT_EQ(t.deposit->credited, c.credited) << c.status;
    EXPECT_EQ(t.deposit->deposit_id, "d-1001") << c.status;
  }
  Frame f = stacks_deposit();
  EXPECT_REJECT(decode(f.set("status", R"("lost")")), bad_field, "status: unknown status 'lost'");
  EXPECT_REJECT(decode(f.set("status", "3")), bad_field, "status: expected a string, got a number");
  ASSERT_TRUE(decode(f.erase("status")).ok());
  EXPECT_EQ(t.status, TransferStatus::pending);
}

TEST_F(CanonicalDeposit, CreditedFlagMarksTheDepositCredited) {
  Frame f = stacks_deposit();
  ASSERT_TRUE(decode(f.set("credited", "true")).ok());
  EXPECT_TRUE(t.deposit->credited);
  EXPECT_EQ(t.status, TransferStatus::confirmed);
  ASSERT_TRUE(decode(f.set("credited", R"("true")").set("status", R"("confirmed")")).ok());
  EXPECT_TRUE(t.deposit->credited);
  EXPECT_REJECT(decode(f.set("credited", "1")), bad_field, "credited: expected a boolean, got a number");
}

TEST_F(CanonicalDeposit, AcceptsNumericIdsAndMemos) {
  Frame f = stacks_deposit();
  f.set("deposit_id", "987654321").set("account_id", "42").set("memo", "104857");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.deposit->deposit_id, "987654321");
  EXPECT_EQ(t.deposit->account_id, "42");
  EXPECT_EQ(t.memo, "104857");
  EXPECT_REJECT(decode(f.set("deposit_id", "1.5")), bad_field, "deposit_id: expected a string, got a number");
  EXPECT_REJECT(decode(f.set("deposit_id", R"("")")), bad_field, "deposit_id: empty");
  EXPECT_REJECT(decode(f.set("deposit_id", R"({"id":1})")), bad_field, "deposit_id: expected a string, got an object");
  EXPECT_REJECT(decode(f.set("deposit_id", "\"" + std::string(257, 'x') + "\"")), bad_field,
                "deposit_id: longer than 256 bytes");
}

TEST_F(CanonicalDeposit, UnescapesStrings) {
  Frame f = stacks_deposit();
  f.set("deposit_id", R"("d-\u0031\"x\"")").set("memo", R"("line\nnext")");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.deposit->deposit_id, "d-1\"x\"");
  EXPECT_EQ(t.memo, "line\nnext");
}

TEST_F(CanonicalDeposit, ReadsOptionalNumbersAndNulls) {
  Frame f = stacks_deposit();
  ASSERT_TRUE(decode(f.set("event_index", "3").set("block_height", "null")).ok());
  EXPECT_EQ(t.event_index, 3u);
  EXPECT_FALSE(t.block_height);
  ASSERT_TRUE(decode(f.set("block_height", R"("0x10")")).ok());
  EXPECT_EQ(t.block_height, 16u);
  EXPECT_REJECT(decode(f.set("event_index", "4294967296")), bad_field, "event_index: larger than 4294967295");
  EXPECT_REJECT(decode(f.set("event_index", "-1")), bad_field, "event_index: expected a non-negative integer");
  EXPECT_REJECT(decode(f.set("event_index", "[]")), bad_field,
                "event_index: expected a non-negative integer, got an array");
}

TEST_F(CanonicalDeposit, InfersTheNetworkFromTheSenderWhenNotGiven) {
  Frame f = stacks_deposit();
  f.erase("network").set("sender", R"("STB44HYPYAT2BB2QE513NSP81HTMYWBJP02HPGK6")");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.network, Network::testnet);
  ASSERT_TRUE(decode(f.set("network", R"("MAINNET")")).ok());
  EXPECT_EQ(t.network, Network::mainnet);
  EXPECT_REJECT(decode(f.set("network", R"("devnet")")), bad_field, "network: unknown network 'devnet'");
}

TEST_F(CanonicalDeposit, AcceptsChainSynonymsAndRejectsUnknownChains) {
  Frame f = stacks_deposit();
  f.set("chain", R"("TRC20")")
      .set("asset_symbol", R"("USDT")")
      .set("sender", R"("TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm")")
      .set("recipient", R"("TXczT2fxKXVSPgnL3yXZDUFx8w7Z6GB38T")")
      .erase("deposit_address");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(t.chain, Chain::tron);
  EXPECT_EQ(t.chain_name, "tron");
  EXPECT_REJECT(decode(f.set("chain", R"("dogecoin")")), bad_chain, "chain: unknown chain 'dogecoin'");
  EXPECT_REJECT(decode(f.set("chain", "1")), bad_field, "chain: expected a string, got a number");
}

TEST_F(CanonicalDeposit, IgnoresEventsOfAnotherType) {
  Frame f = stacks_deposit();
  DecodeResult r = decode(f.set("type", R"("withdrawal")"));
  EXPECT_EQ(r.status, Status::ignored);
  EXPECT_EQ(r.reason, Reject::none);
  r = decode(R"({"type":"heartbeat","ts":1})");
  EXPECT_EQ(r.status, Status::ignored);
  EXPECT_TRUE(decode(f.erase("type")).ok());  // no type: a deposit
}

TEST_F(CanonicalDeposit, RejectsMissingRequiredFields) {
  EXPECT_REJECT(decode(stacks_deposit().erase("deposit_id")), missing_field, "missing field deposit_id");
  EXPECT_REJECT(decode(stacks_deposit().set("deposit_id", "null")), missing_field, "missing field deposit_id");
  EXPECT_REJECT(decode(stacks_deposit().erase("chain")), missing_field, "missing field chain");
  EXPECT_REJECT(decode(stacks_deposit().erase("sender")), missing_field, "missing field sender (or senders)");
  EXPECT_REJECT(decode(stacks_deposit().erase("amount")), missing_field, "missing field amount (or amount_decimal)");
  EXPECT_REJECT(decode(stacks_deposit().erase("asset_symbol")), missing_field,
                "missing field asset_symbol (or asset_contract)");
  EXPECT_REJECT(decode("{}"), missing_field, "missing field deposit_id");
}

TEST_F(CanonicalDeposit, RejectsInvalidAddressesNamingTheField) {
  Frame f = stacks_deposit();
  f.set("chain", R"("ethereum")").set("asset_symbol", R"("ETH")").erase("recipient").erase("deposit_address");
  // EIP-55 with one letter in the wrong case.
  EXPECT_REJECT(decode(f.set("sender", R"("0x3E8C9490687dFC26c5621dd63CE9C3d415b405ed")")), bad_address,
                "sender: bad EIP-55 checksum");
  f.set("sender", R"("0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed")");
  ASSERT_TRUE(decode(f).ok());
  DecodeResult r = decode(f.set("recipient", R"("TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm")"));  // a TRON address on EVM
  EXPECT_EQ(r.reason, Reject::bad_address);
  EXPECT_TRUE(r.detail.starts_with("recipient: ")) << r.detail;
  f.erase("recipient");
  r = decode(f.erase("sender").set("senders", R"(["0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed","0x12"])"));
  EXPECT_EQ(r.reason, Reject::bad_address);
  EXPECT_TRUE(r.detail.starts_with("senders[1]: ")) << r.detail;
  EXPECT_REJECT(decode(f.set("senders", R"(["0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed",7])")), bad_field,
                "senders[1]: expected a string, got a number");
  EXPECT_REJECT(decode(f.set("senders", "[]")), bad_field, "senders: empty array");
  EXPECT_REJECT(decode(stacks_deposit().set("sender", "[]")), bad_field,
                "sender: expected a string; use senders for a list of addresses");
  EXPECT_REJECT(decode(stacks_deposit().set("sender", "{}")), bad_field, "sender: expected a string, got an object");
  EXPECT_REJECT(decode(stacks_deposit().set("type", R"("DEPOSIT")").set("sender", "5")), bad_field,
                "sender: expected a string, got a number");
  EXPECT_REJECT(decode(f.set("senders", "{}")), bad_field, "senders: expected an array of strings, got an object");
  r = decode(f.erase("senders")
                 .set("sender", R"("0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed")")
                 .set("asset_contract", R"("0x1234")"));
  EXPECT_EQ(r.reason, Reject::bad_address);
  EXPECT_TRUE(r.detail.starts_with("asset_contract: ")) << r.detail;
}

TEST_F(CanonicalDeposit, RejectsFramesThatAreNotJson) {
  for (std::string_view bad : {"not json", "", "   ", "{", R"({"a":1)", R"({"a":1} x)", R"({"a":tru})",
                               R"({"a":[1,2,}})", R"({"a":01})", R"({"a":1,,"b":2})", R"({"a":"\q"})", "nul",
                               R"([1,2)", "\"unterminated", "[1] x", R"("a" b)", "42 x", "true false"}) {
    DecodeResult r = decode(bad);
    EXPECT_EQ(r.status, Status::rejected) << bad;
    EXPECT_EQ(r.reason, Reject::not_json) << bad << " -> " << r.detail;
    EXPECT_TRUE(r.detail.starts_with("invalid JSON")) << r.detail;
  }
}

TEST_F(CanonicalDeposit, RejectsJsonThatIsNotAnObject) {
  EXPECT_REJECT(decode("[1,2]"), not_object, "expected a JSON object, got an array");
  EXPECT_REJECT(decode(R"("deposit")"), not_object, "expected a JSON object, got a scalar");
  EXPECT_REJECT(decode("42"), not_object, "expected a JSON object, got a scalar");
  EXPECT_REJECT(decode("null"), not_object, "expected a JSON object, got a scalar");
}

TEST_F(CanonicalDeposit, RejectsAbsurdlyDeepNesting) {
  std::string deep = R"({"x":)" + std::string(100, '[') + std::string(100, ']') + "}";
  EXPECT_REJECT(decode(deep), not_json, "invalid JSON: nested deeper than 64 levels");
}

TEST_F(CanonicalDeposit, IgnoresUnknownFieldsButStillValidatesThem) {
  Frame f = stacks_deposit();
  f.set("exchange_extra", R"({"nested":[1,{"a":null}],"big":123456789012345678901234567890})");
  ASSERT_TRUE(decode(f).ok());
  EXPECT_EQ(decode(f.set("exchange_extra", R"({"nested":[1,{"a":nul}]})")).reason, Reject::not_json);
}

TEST_F(CanonicalDeposit, ReusesItsBuffersWithoutLeakingFieldsBetweenFrames) {
  Frame big = stacks_deposit();
  big.set("padding", "\"" + std::string(200000, 'p') + "\"");  // larger than the initial buffer
  ASSERT_TRUE(decode(big).ok());
  Frame small = stacks_deposit();
  small.erase("memo").erase("tx_id").erase("block_height").erase("account_id").set("deposit_id", R"("d-2")");
  ASSERT_TRUE(decode(small).ok());
  EXPECT_EQ(t.memo, "");
  EXPECT_EQ(t.tx_id, "");
  EXPECT_FALSE(t.block_height);
  EXPECT_EQ(t.deposit->account_id, "");
  EXPECT_EQ(t.deposit->deposit_id, "d-2");
  for (int i = 0; i < 1000; ++i) ASSERT_TRUE(decode(i % 2 ? big : small).ok());
}

TEST_F(CanonicalDeposit, TheLastOfDuplicateKeysWins) {
  std::string frame = stacks_deposit().str();
  frame.insert(frame.size() - 1, R"(,"deposit_id":"d-dup")");
  ASSERT_TRUE(decode(frame).ok());
  EXPECT_EQ(t.deposit->deposit_id, "d-dup");
}

TEST_F(CanonicalDeposit, DecodesEveryEventOfTheBundledDemo) {
  std::ifstream in(FW_SOURCE_DIR "/config/demo/alex-lab-2024.jsonl");
  ASSERT_TRUE(in) << "demo file missing";
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    DecodeResult r = decode(line);
    ASSERT_TRUE(r.ok()) << r.detail << "\n" << line;
    ++n;
  }
  EXPECT_GT(n, 50);
}

TEST(RejectLabels, AreBoundedSnakeCaseNames) {
  EXPECT_STREQ(to_string(Reject::none), "none");
  std::vector<std::string> labels;
  for (Reject r : all_rejects) labels.emplace_back(to_string(r));
  EXPECT_EQ(labels, (std::vector<std::string>{"not_json", "not_object", "missing_field", "bad_field", "bad_chain",
                                              "bad_address", "bad_amount"}));
}

}  // namespace
}  // namespace fw::decode
