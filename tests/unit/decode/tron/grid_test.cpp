#include "decode/tron/grid.hpp"

#include <gtest/gtest.h>

#include "address/address.hpp"
#include "core/hex.hpp"
#include "fixtures.hpp"

namespace fw::decode::tron {
namespace {

using test::kCounterfeit;
using test::kUsdt;
using test::read_fixture;

GridDecoder usdt_decoder() { return GridDecoder(TokenRegistry::defaults(), Network::mainnet, "trongrid", "tron"); }

std::string page_with(const std::string& event, const std::string& meta = R"({"page_size":1})") {
  return R"({"data":[)" + event + R"(],"success":true,"meta":)" + meta + "}";
}

std::string usdt_event(const std::string& result, const std::string& txid =
                           "1d8e417344c69d0355fcd6f71aae6575aec4911ffb706a2d3169e43728d6a2e2") {
  return std::string(R"({"block_number":85919983,"block_timestamp":1788431625000,"contract_address":")") + kUsdt +
         R"(","event_index":3,"event_name":"Transfer","result":)" + result + R"(,"transaction_id":")" + txid + R"("})";
}

TEST(TronGrid, RecordedUsdtPageGivesTwoExactTransfersWithBase58Addresses) {
  auto d = usdt_decoder();
  auto r = d.events_page(read_fixture("trongrid.v1.contracts.USDT.events.Transfer.json"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_TRUE(r.issues.empty());
  ASSERT_EQ(r.value.events.size(), 2u);
  EXPECT_EQ(r.value.ignored_contracts, 0u);
  EXPECT_EQ(r.value.fingerprint.substr(0, 12), "7dveEb1DxX4L");

  const GridEvent& e = r.value.events[0];
  EXPECT_EQ(e.block_number, 85919983u);
  EXPECT_EQ(e.block_timestamp_ms, 1788431625000);
  EXPECT_EQ(e.tx_id, "1d8e417344c69d0355fcd6f71aae6575aec4911ffb706a2d3169e43728d6a2e2");
  EXPECT_EQ(e.event_index, 0u);
  EXPECT_EQ(e.contract, kUsdt);
  ASSERT_TRUE(e.transfer);
  const Transfer& t = *e.transfer;
  EXPECT_EQ(t.chain, Chain::tron);
  EXPECT_EQ(t.chain_name, "tron");
  EXPECT_EQ(t.source, "trongrid");
  EXPECT_EQ(t.asset.contract, kUsdt);
  EXPECT_EQ(t.asset.symbol, "USDT");
  EXPECT_EQ(t.asset.decimals, 6);
  ASSERT_EQ(t.senders.size(), 1u);
  EXPECT_EQ(t.senders[0], test::kFrom);  // 0x01311788... in tron_address_vectors.json
  EXPECT_EQ(t.recipient, test::kTo);
  EXPECT_EQ(t.amount.to_decimal(), "1399000000");
  EXPECT_EQ(t.amount_decimal(), "1399");
  EXPECT_EQ(t.block_height, 85919983u);
  EXPECT_EQ(t.block_time, 1788431625);
  EXPECT_EQ(t.block_hash, "");
  EXPECT_EQ(t.occurrence, t.event_index);

  ASSERT_TRUE(r.value.events[1].transfer);
  EXPECT_EQ(r.value.events[1].transfer->amount.to_decimal(), "2430000000");
  EXPECT_EQ(r.value.events[1].tx_id, "0ec21a086bbaf72740699834ab13f4db482d64264c99095ae869e237e4ca4ce2");
}

TEST(TronGrid, CounterfeitUsdtIsIgnoredAndCountedNotDecoded) {
  auto d = usdt_decoder();
  auto r = d.events_page(read_fixture("trongrid.v1.transactions.events.counterfeit-USDT.json"));
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_EQ(r.value.events.size(), 1u);  // positioned, so a cursor moves past it
  EXPECT_EQ(r.value.events[0].skip, Skip::not_configured);
  EXPECT_EQ(r.value.events[0].contract, kCounterfeit);
  EXPECT_FALSE(r.value.events[0].transfer);
  EXPECT_EQ(r.value.ignored_contracts, 1u);
  EXPECT_EQ(r.value.fingerprint, "");  // last page
}

TEST(TronGrid, ConfiguredTokenDecodesValuesAboveU64Exactly) {
  TokenRegistry tokens;
  tokens.add({kCounterfeit, "FAKE", 6});
  GridDecoder d(tokens, Network::mainnet, "s", "tron");
  auto r = d.events_page(read_fixture("trongrid.v1.transactions.events.counterfeit-USDT.json"));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.value.events[0].transfer);
  EXPECT_EQ(r.value.events[0].transfer->amount.to_decimal(), "10350355963000000000000");
  EXPECT_EQ(r.value.events[0].transfer->asset.symbol, "FAKE");
}

TEST(TronGrid, AddressVectorsConvertFrom0xHex) {
  // Every vector of tron_address_vectors.json, as TronGrid would send it.
  const std::pair<const char*, const char*> vectors[] = {
      {"01311788a9736dcc38cf6d53342c076c38e95ef2", "TA5WVDb8QG5SoPNk1HCnombmkS9nWqH9LR"},
      {"b2ff692d318825a41b5668c4cefa263e8cdcc82e", "TSHfFTij9Ch7MEcs8c67b9iPTCYmxrwsVV"},
      {"eea8086e76430e09a64a58b39a8b03899db194c6", "TXj77r7qkzvswyKAy48ZY3w4EBoosJn46P"},
      {"a614f803b6fd780986a42c78ec9c7f77e6ded13c", "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"}};
  const std::string file = read_fixture("tron_address_vectors.json");
  auto d = usdt_decoder();
  for (auto [hex, base58] : vectors) {
    ASSERT_NE(file.find(hex), std::string::npos);
    ASSERT_NE(file.find(base58), std::string::npos);
    auto r = d.events_page(page_with(
        usdt_event(std::string(R"({"from":"0x)") + hex + R"(","to":"41)" + hex + R"(","value":"1"})")));
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r.value.events.at(0).transfer) << (r.issues.empty() ? "" : r.issues[0].detail);
    EXPECT_EQ(r.value.events[0].transfer->senders[0], base58);
    EXPECT_EQ(r.value.events[0].transfer->recipient, base58);
  }
}

TEST(TronGrid, PositionalResultKeysAreUsedWhenTheAbiNamesDiffer) {
  auto d = usdt_decoder();
  auto r = d.events_page(page_with(usdt_event(
      std::string(R"({"0":"0x)") + test::kFromHex + R"(","1":"0x)" + test::kToHex + R"(","2":"5","_from":"x"})")));
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(r.value.events.at(0).transfer) << (r.issues.empty() ? "" : r.issues[0].detail);
  EXPECT_EQ(r.value.events[0].transfer->senders[0], test::kFrom);
  EXPECT_EQ(r.value.events[0].transfer->amount.to_decimal(), "5");
  EXPECT_EQ(r.value.events[0].event_index, 3u);
}

TEST(TronGrid, TxidWith0xOrUpperCaseIsNormalised) {
  auto d = usdt_decoder();
  auto r = d.events_page(page_with(usdt_event(
      std::string(R"({"from":"0x)") + test::kFromHex + R"(","to":"0x)" + test::kToHex + R"(","value":"5"})",
      "0x1D8E417344C69D0355FCD6F71AAE6575AEC4911FFB706A2D3169E43728D6A2E2")));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.events.at(0).tx_id, "1d8e417344c69d0355fcd6f71aae6575aec4911ffb706a2d3169e43728d6a2e2");
}

TEST(TronGrid, BadTransferFieldsAreReportedAndTheEventStillPositioned) {
  auto d = usdt_decoder();
  const std::string ok = usdt_event(std::string(R"({"from":"0x)") + test::kFromHex + R"(","to":"0x)" +
                                    test::kToHex + R"(","value":"7"})");
  const std::string negative = usdt_event(std::string(R"({"from":"0x)") + test::kFromHex + R"(","to":"0x)" +
                                          test::kToHex + R"(","value":"-7"})");
  const std::string bad_address = usdt_event(R"({"from":"0x1234","to":"0x00","value":"7"})");
  const std::string no_txid = R"({"block_number":1,"block_timestamp":2,"contract_address":"x","event_index":0})";
  auto r = d.events_page(R"({"data":[)" + ok + "," + negative + "," + bad_address + "," + no_txid + R"(,5]})");
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r.value.events.size(), 3u);  // no_txid and 5 have no position
  EXPECT_TRUE(r.value.events[0].transfer);
  EXPECT_EQ(r.value.events[1].skip, Skip::undecodable);
  EXPECT_EQ(r.value.events[2].skip, Skip::undecodable);
  ASSERT_EQ(r.issues.size(), 4u);
  EXPECT_EQ(r.issues[0].reason, Error::bad_amount);
  EXPECT_NE(r.issues[0].detail.find("data[1].result.value"), std::string::npos) << r.issues[0].detail;
  EXPECT_EQ(r.issues[1].reason, Error::bad_address);
  EXPECT_EQ(r.issues[2].reason, Error::missing_field);
  EXPECT_NE(r.issues[2].detail.find("data[3].transaction_id"), std::string::npos) << r.issues[2].detail;
  EXPECT_EQ(r.issues[3].reason, Error::bad_field);
}

TEST(TronGrid, OtherEventsOfAConfiguredTokenAreNotTransfers) {
  auto d = usdt_decoder();
  std::string approval = test::replace(
      usdt_event(std::string(R"({"owner":"0x)") + test::kFromHex + R"(","spender":"0x)" + test::kToHex +
                 R"(","value":"7"})"),
      R"("event_name":"Transfer")", R"("event_name":"Approval")");
  auto r = d.events_page(page_with(approval));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.events.at(0).skip, Skip::not_transfer);
  EXPECT_EQ(r.value.other_events, 1u);
  EXPECT_TRUE(r.issues.empty());
}

TEST(TronGrid, WholeBodyErrorsAreValues) {
  auto d = usdt_decoder();
  EXPECT_EQ(d.events_page("<html>rate limited</html>").error.reason, Error::not_json);
  EXPECT_EQ(d.events_page("[1,2]").error.reason, Error::not_object);
  EXPECT_EQ(d.events_page(R"({"success":true})").error.reason, Error::missing_field);
  EXPECT_EQ(d.events_page(R"({"data":{}})").error.reason, Error::bad_field);
  auto api = d.events_page(R"({"success":false,"error":"Invalid contract address","statusCode":400})");
  EXPECT_EQ(api.error.reason, Error::rest_error);
  EXPECT_NE(api.error.detail.find("Invalid contract address"), std::string::npos);
  EXPECT_NE(api.error.detail.find("400"), std::string::npos);
}

TEST(TronTokens, DefaultIsUsdtAndConfiguredTokensReplaceIt) {
  std::string error;
  auto none = TokenRegistry::from_config({}, error);
  ASSERT_TRUE(none);
  ASSERT_EQ(none->tokens().size(), 1u);
  EXPECT_EQ(none->tokens()[0].contract, kUsdt);
  EXPECT_EQ(none->tokens()[0].decimals, 6);

  // Any TRON spelling is accepted and made canonical.
  auto two = TokenRegistry::from_config(
      {{std::string("41") + test::kUsdtHex20, "USDT", 6}, {kCounterfeit, "X", 18}}, error);
  ASSERT_TRUE(two) << error;
  EXPECT_NE(two->find(kUsdt), nullptr);
  EXPECT_EQ(two->find(kCounterfeit)->decimals, 18);

  auto only_other = TokenRegistry::from_config({{kCounterfeit, "X", 18}}, error);
  ASSERT_TRUE(only_other);
  EXPECT_EQ(only_other->find(kUsdt), nullptr);

  auto bad = TokenRegistry::from_config({{"TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6T", "USDT", 6}}, error);
  EXPECT_FALSE(bad);
  EXPECT_NE(error.find("tokens[0].asset"), std::string::npos) << error;
}

}  // namespace
}  // namespace fw::decode::tron
