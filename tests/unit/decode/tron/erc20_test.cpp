#include "decode/erc20.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "core/hex.hpp"
#include "fixtures.hpp"

namespace fw::decode::erc20 {
namespace {

using tron::test::value_word;
using tron::test::word;

TEST(Erc20Log, TransferWordsDecode) {
  const std::string topic0 = std::string("0x") + tron::test::kTransferTopic;
  const std::string from = word(tron::test::kFromHex), to = "0x" + word(tron::test::kToHex);
  const std::string data = value_word(1399000000);
  std::vector<std::string_view> topics{topic0, from, to};
  auto r = decode_transfer_log(topics, data);
  ASSERT_TRUE(r.log) << r.error;
  EXPECT_EQ(hex_encode(r.log->from), tron::test::kFromHex);
  EXPECT_EQ(hex_encode(r.log->to), tron::test::kToHex);
  EXPECT_EQ(r.log->value.to_decimal(), "1399000000");
  EXPECT_TRUE(is_transfer_topic("0xDDF252AD1BE2C89B69C2B068FC378DAA952BA7F163C4A11628F55A4DF523B3EF"));
}

TEST(Erc20Log, OtherEventsAndOtherShapesAreTold) {
  const std::string from = word(tron::test::kFromHex);
  std::vector<std::string_view> approval{"8c5be1e5ebec7d5bd14f71427d1e84f3dd0314c0f7b2291e5b200ac8c7c3b925", from, from};
  EXPECT_TRUE(decode_transfer_log(approval, value_word(1)).not_transfer);
  EXPECT_TRUE(decode_transfer_log({}, "").not_transfer);

  const std::string t0 = tron::test::kTransferTopic;
  std::vector<std::string_view> nft{t0, from, from, value_word(1)};
  auto r = decode_transfer_log(nft, "");
  EXPECT_FALSE(r.log);
  EXPECT_FALSE(r.not_transfer);
  EXPECT_NE(r.error.find("4 topics"), std::string::npos);

  std::vector<std::string_view> ok{t0, from, from};
  EXPECT_NE(decode_transfer_log(ok, value_word(1) + value_word(2)).error.find("64 bytes"), std::string::npos);
  const std::string dirty = "01" + from.substr(2);
  std::vector<std::string_view> not_address{t0, dirty, from};
  EXPECT_NE(decode_transfer_log(not_address, value_word(1)).error.find("topics[1]"), std::string::npos);
}

}  // namespace
}  // namespace fw::decode::erc20
