#include "decode/deposit.hpp"

#include <string>

#include <gtest/gtest.h>

namespace fw::decode {
namespace {

using Status = DecodeResult::Status;

// An exchange's own deposit stream, as many exchanges shape it: an envelope
// with an event name, numeric ids, nested user, network names in capitals,
// display amounts as strings and upper-case states.
config::DepositMapping exchange_mapping() {
  config::DepositMapping m;
  m.type_pointer = "/event";
  m.type_value = "deposit_update";
  m.fields = {
      {"deposit_id", "/data/id"},       {"account_id", "/data/user/id"},     {"asset_symbol", "/data/coin"},
      {"chain", "/data/network"},       {"sender", "/data/from_address"},     {"recipient", "/data/to_address"},
      {"amount_decimal", "/data/amount"}, {"tx_id", "/data/txid"},          {"status", "/data/state"},
      {"block_height", "/data/block/height"}, {"memo", "/data/tag"},
  };
  return m;
}

std::string exchange_message(std::string_view state, std::string_view from = "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm",
                             std::string_view event = "deposit_update") {
  return R"({"event":")" + std::string(event) +
         R"(","ts":1715680800123,"data":{"id":88123456,"user":{"id":1042,"tier":"vip"},"coin":"USDT",)"
         R"("network":"TRON","from_address":")" +
         std::string(from) +
         R"(","to_address":"TXczT2fxKXVSPgnL3yXZDUFx8w7Z6GB38T","amount":"12.5",)"
         R"("txid":"9f2c7a0d4cbe1b8e0e0f5c9f6a1f3d2e4b5a6978c0d1e2f3a4b5c6d7e8f90a1b","state":")" +
         std::string(state) + R"(","block":{"height":62000123,"hash":"00"},"confirmations":20}})";
}

class MappedDeposit : public ::testing::Test {
 protected:
  DecodeResult decode(std::string_view frame) { return decoder.decode(frame, "exchange-ws", t); }
  DepositDecoder decoder{exchange_mapping()};
  Transfer t;
};

TEST_F(MappedDeposit, ReadsNestedFieldsThroughJsonPointers) {
  ASSERT_EQ(decoder.mapping_error(), "");
  DecodeResult r = decode(exchange_message("PENDING"));
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(t.chain, Chain::tron);
  EXPECT_EQ(t.chain_name, "tron");
  EXPECT_EQ(t.asset.symbol, "USDT");
  EXPECT_EQ(t.asset.decimals, 6);  // built-in: USDT on TRON
  EXPECT_EQ(t.amount.to_decimal(), "12500000");
  EXPECT_EQ(t.amount_decimal(), "12.5");
  EXPECT_EQ(t.senders, std::vector<std::string>{"TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm"});
  EXPECT_EQ(t.recipient, "TXczT2fxKXVSPgnL3yXZDUFx8w7Z6GB38T");
  EXPECT_EQ(t.tx_id, "9f2c7a0d4cbe1b8e0e0f5c9f6a1f3d2e4b5a6978c0d1e2f3a4b5c6d7e8f90a1b");
  EXPECT_EQ(t.block_height, 62000123u);
  EXPECT_EQ(t.status, TransferStatus::pending);
  EXPECT_EQ(t.memo, "");  // /data/tag is absent
  ASSERT_TRUE(t.deposit);
  EXPECT_EQ(t.deposit->deposit_id, "88123456");
  EXPECT_EQ(t.deposit->account_id, "1042");
  EXPECT_EQ(t.deposit->deposit_address, "TXczT2fxKXVSPgnL3yXZDUFx8w7Z6GB38T");
  EXPECT_FALSE(t.deposit->credited);
}

TEST_F(MappedDeposit, StatusUpdatesKeepTheSameDepositId) {
  ASSERT_TRUE(decode(exchange_message("PENDING")).ok());
  std::string first = t.deposit->deposit_id;
  ASSERT_TRUE(decode(exchange_message("CREDITED")).ok());
  EXPECT_EQ(t.deposit->deposit_id, first);
  EXPECT_TRUE(t.deposit->credited);
  EXPECT_EQ(t.status, TransferStatus::confirmed);
  ASSERT_TRUE(decode(exchange_message("Canceled")).ok());
  EXPECT_EQ(t.status, TransferStatus::retracted);
}

TEST_F(MappedDeposit, IgnoresMessagesOfAnotherTypeOrWithoutOne) {
  DecodeResult r = decode(exchange_message("PENDING", "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm", "withdrawal_update"));
  EXPECT_EQ(r.status, Status::ignored);
  EXPECT_EQ(r.reason, Reject::none);
  EXPECT_EQ(r.detail, "type at /event is not \"deposit_update\"");
  EXPECT_EQ(decode(R"({"pong":1})").status, Status::ignored);
  EXPECT_EQ(decode(R"({"event":{"name":"deposit_update"}})").status, Status::ignored);
}

TEST_F(MappedDeposit, NamesThePointerOfAMissingOrBadField) {
  std::string msg = exchange_message("PENDING");
  std::string no_id = msg;
  no_id.replace(no_id.find(R"("id":88123456,)"), 14, "");
  DecodeResult r = decode(no_id);
  EXPECT_EQ(r.reason, Reject::missing_field);
  EXPECT_EQ(r.detail, "missing field deposit_id (/data/id)");

  r = decode(exchange_message("PENDING", "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rn"));
  EXPECT_EQ(r.reason, Reject::bad_address);
  EXPECT_EQ(r.detail, "sender (/data/from_address): bad checksum");

  std::string bad_state = exchange_message("ON_HOLD");
  r = decode(bad_state);
  EXPECT_EQ(r.reason, Reject::bad_field);
  EXPECT_EQ(r.detail, "status (/data/state): unknown status 'ON_HOLD'");
}

TEST_F(MappedDeposit, RejectsFramesThatAreNotJsonOrNotObjects) {
  EXPECT_EQ(decode("{\"event\":").reason, Reject::not_json);
  EXPECT_EQ(decode(exchange_message("PENDING") + "}").reason, Reject::not_json);
  EXPECT_EQ(decode("[]").reason, Reject::not_object);
}

TEST_F(MappedDeposit, DoesNotReadCanonicalNamesThatAreNotMapped) {
  // Top-level "memo" is not mapped (memo comes from /data/tag): it is not read.
  std::string msg = exchange_message("PENDING");
  msg.insert(1, R"("memo":"top-level",)");
  ASSERT_TRUE(decode(msg).ok());
  EXPECT_EQ(t.memo, "");
}

TEST(MappedDepositShapes, ReadsArrayElementsEscapedKeysAndWholeArrays) {
  config::DepositMapping m;  // no type filter: every message is a deposit
  m.fields = {{"deposit_id", "/d/id"},          {"chain", "/d/chain"},
              {"asset_symbol", "/d/asset~1symbol"}, {"senders", "/d/inputs"},
              {"recipient", "/d/outputs/1"},    {"amount", "/d/value"},
              {"deposit_address", "/d/outputs/1"}, {"memo", "/d/tilde~0key"}};
  DepositDecoder decoder(m);
  ASSERT_EQ(decoder.mapping_error(), "");
  Transfer t;
  DecodeResult r = decoder.decode(
      R"({"d":{"id":"btc-1","chain":"BTC","asset/symbol":"BTC","tilde~key":"memo!",)"
      R"("inputs":["bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4","1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"],)"
      R"("outputs":["1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2","3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"],"value":150000000}})",
      "btc-deposits", t);
  ASSERT_TRUE(r.ok()) << r.detail;
  EXPECT_EQ(t.chain, Chain::bitcoin);
  EXPECT_EQ(t.asset.decimals, 8);
  EXPECT_EQ(t.amount_decimal(), "1.5");
  EXPECT_EQ(t.senders.size(), 2u);
  EXPECT_EQ(t.recipient, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy");
  EXPECT_EQ(t.deposit->deposit_address, "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy");
  EXPECT_EQ(t.memo, "memo!");
  EXPECT_EQ(t.source, "btc-deposits");

  r = decoder.decode(R"({"d":{"id":"btc-2","chain":"BTC","asset/symbol":"BTC","inputs":[{"addr":"x"}],"value":1}})",
                     "btc-deposits", t);
  EXPECT_EQ(r.reason, Reject::bad_field);
  EXPECT_EQ(r.detail, "senders[0] (/d/inputs): expected a string, got an object");
}

TEST(MappedDepositShapes, TypeValuesMayBeNumbers) {
  config::DepositMapping m;
  m.type_pointer = "/op";
  m.type_value = "7";
  m.fields = {{"deposit_id", "/id"}, {"chain", "/c"}, {"asset_symbol", "/s"}, {"sender", "/f"}, {"amount", "/a"}};
  DepositDecoder decoder(m);
  Transfer t;
  EXPECT_TRUE(decoder.decode(R"({"op":7,"id":1,"c":"stx","s":"STX","f":"SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS","a":1})",
                             "x", t)
                  .ok());
  EXPECT_EQ(decoder.decode(R"({"op":8,"id":1})", "x", t).status, Status::ignored);
}

TEST(MappedDepositShapes, AMalformedPointerIsReportedAndEveryFrameRejected) {
  config::DepositMapping m;
  m.fields = {{"deposit_id", "data/id"}};
  DepositDecoder decoder(m);
  EXPECT_EQ(decoder.mapping_error(), "fields.deposit_id: JSON pointer must be empty or start with '/'");
  Transfer t;
  DecodeResult r = decoder.decode("{}", "x", t);
  EXPECT_EQ(r.reason, Reject::bad_field);
  EXPECT_EQ(r.detail, "mapping: fields.deposit_id: JSON pointer must be empty or start with '/'");

  m.fields = {{"deposit_id", "/a~2b"}};
  EXPECT_EQ(check_mapping(m), "fields.deposit_id: '~' in a JSON pointer must be followed by 0 or 1");
  m.fields = {{"depositid", "/a"}};
  EXPECT_EQ(check_mapping(m), "fields.depositid: not a canonical deposit field");
  m.fields = {{"deposit_id", "/a"}};
  m.type_pointer = "type";
  EXPECT_EQ(check_mapping(m), "type_pointer: JSON pointer must be empty or start with '/'");
  m.type_pointer = "/type";
  EXPECT_EQ(check_mapping(m), "");
}

TEST(MappedDepositShapes, EveryCanonicalFieldNameInConfigCanBeMapped) {
  config::DepositMapping m;
  for (std::string_view name : config::deposit_fields) m.fields.emplace(std::string(name), "/" + std::string(name));
  EXPECT_EQ(check_mapping(m), "");
}

}  // namespace
}  // namespace fw::decode
