#include "decode/stacks/clarity.hpp"

#include <gtest/gtest.h>

namespace fw::decode::stacks {
namespace {

Decoded<ClarityValue> hex(std::string_view h, ClarityLimits limits = {}) { return decode_clarity_hex(h, limits); }

TEST(Clarity, DecodesUintAsAmount) {
  auto r = hex("0x01000000000000000000000000000f4240");
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.type, ClarityType::uint_);
  EXPECT_EQ(r.value.uint_amount().to_decimal(), "1000000");
  EXPECT_EQ(r.value.repr(), "u1000000");
}

TEST(Clarity, DecodesTheLargestUintExactly) {
  auto r = hex("01ffffffffffffffffffffffffffffffff");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.value.uint_amount().to_decimal(), "340282366920938463463374607431768211455");
  EXPECT_EQ(r.value.repr(), "u340282366920938463463374607431768211455");
}

TEST(Clarity, RendersSignedInts) {
  EXPECT_EQ(hex("00fffffffffffffffffffffffffffffffb").value.repr(), "-5");
  EXPECT_EQ(hex("0080000000000000000000000000000000").value.repr(), "-170141183460469231731687303715884105728");
  EXPECT_EQ(hex("0000000000000000000000000000000007").value.repr(), "7");
}

// Hiro's send-many example argument (get-mempool-transactions.example.json).
TEST(Clarity, DecodesNestedListOfTuplesAsHiroRendersIt) {
  auto r = hex(
      "0x0b000000010c00000003046d656d6f020000000e357a62597346716a52336d736b7102746f0516b734e97043840503dc1091661c105d32"
      "b7c5c75d047573747801000000000000000000000000054c4514");
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.repr(),
            "(list (tuple (memo 0x357a62597346716a52336d736b71) (to SP2VK9TBG8E20A0YW228PC70GBMSBFHE7BNVMKB57) "
            "(ustx u88884500)))");
  ASSERT_EQ(r.value.items.size(), 1u);
  const ClarityValue* to = r.value.items[0].field("to");
  ASSERT_NE(to, nullptr);
  EXPECT_EQ(to->type, ClarityType::principal_standard);
  EXPECT_EQ(to->data, "SP2VK9TBG8E20A0YW228PC70GBMSBFHE7BNVMKB57");
  EXPECT_EQ(r.value.items[0].field("ustx")->uint_amount().to_decimal(), "88884500");
  EXPECT_EQ(r.value.items[0].field("nope"), nullptr);
}

// The print event of get-transaction-events.example.json: strings, nested tuples, testnet principal.
TEST(Clarity, DecodesHiroContractLogValue) {
  auto r = hex(
      "0x0c000000010a6174746163686d656e740c00000003106174746163686d656e742d696e646578010000000000000000000000000000028304"
      "686173680200000014b472a266d0bd89c13706a4132ccfb16f7c3b9fcb086d657461646174610c00000004046e616d65020000000a62696c"
      "616c7465737435096e616d6573706163650200000003627463026f700d0000000d6e616d652d7472616e736665720974782d73656e6465"
      "72051a27b6e19aaa1880e842bc709b4130b347b1f2d7f2");
  ASSERT_TRUE(r.ok()) << r.error.detail;
  EXPECT_EQ(r.value.repr(),
            "(tuple (attachment (tuple (attachment-index u643) (hash 0xb472a266d0bd89c13706a4132ccfb16f7c3b9fcb) "
            "(metadata (tuple (name 0x62696c616c7465737435) (namespace 0x627463) (op \"name-transfer\") "
            "(tx-sender STKVDRCTN8C81T22QHR9PG9GPD3V3WPQYBYFHPT4))))))");
}

TEST(Clarity, DecodesContractPrincipalsOptionalsAndResponses) {
  // (some 'SP000000000000000000002Q6VF78.pox)
  auto r = hex("0a0616000000000000000000000000000000000000000003706f78");
  ASSERT_TRUE(r.ok()) << r.error.detail;
  ASSERT_NE(r.value.inner(), nullptr);
  EXPECT_EQ(r.value.inner()->type, ClarityType::principal_contract);
  EXPECT_EQ(r.value.inner()->data, "SP000000000000000000002Q6VF78.pox");
  EXPECT_EQ(hex("0703").value.repr(), "(ok true)");
  EXPECT_EQ(hex("0804").value.repr(), "(err false)");
  EXPECT_EQ(hex("09").value.repr(), "none");
  EXPECT_EQ(hex("0e00000003e282ac").value.repr(), "u\"\xe2\x82\xac\"");
}

TEST(Clarity, TruncatedValueNamesOffsetAndExpectation) {
  auto r = hex("01000000");
  EXPECT_EQ(r.error.reason, Error::bad_clarity);
  EXPECT_EQ(r.error.detail, "byte 1: expected 16 bytes (uint), 3 left");
}

TEST(Clarity, RejectsUnknownTypePrefix) {
  auto r = hex("0b000000010f");
  EXPECT_EQ(r.error.reason, Error::bad_clarity);
  EXPECT_EQ(r.error.detail, "byte 5: unknown Clarity type prefix 0x0f");
}

TEST(Clarity, RejectsLengthsLongerThanTheInput) {
  EXPECT_EQ(hex("0bffffffff03").error.detail, "byte 1: list of 4294967295 but only 1 bytes left");
  EXPECT_EQ(hex("02000000050102").error.detail, "byte 1: buffer of 5 but only 2 bytes left");
}

TEST(Clarity, RejectsTrailingBytes) {
  EXPECT_EQ(hex("0303").error.detail, "byte 1: 1 bytes after the value");
}

TEST(Clarity, BoundsNestingDepth) {
  std::string deep(2 * 100, '0');
  for (std::size_t i = 0; i < 100; ++i) deep[2 * i + 1] = 'a';  // 100 x (some
  deep += "09";
  auto r = hex(deep);
  EXPECT_EQ(r.error.reason, Error::bad_clarity);
  EXPECT_EQ(r.error.detail, "byte 65: values nested deeper than 64 levels");
}

TEST(Clarity, BoundsTheNumberOfValuesBuilt) {
  std::string list = "0b00000005" + std::string(10, '0');
  for (std::size_t i = 0; i < 5; ++i) list[10 + 2 * i + 1] = '3';  // 5 x true
  EXPECT_TRUE(hex(list).ok());
  auto r = hex(list, ClarityLimits{64, 4});
  EXPECT_EQ(r.error.detail, "byte 8: more than 4 Clarity values");
}

TEST(Clarity, RejectsBadPrincipals) {
  EXPECT_EQ(hex("0520" + std::string(40, '0')).error.detail, "byte 1: principal version 32 is not below 32");
  EXPECT_EQ(hex("0616" + std::string(40, '0') + "022d61").error.detail, "byte 23: invalid contract name \"-a\"");
}

TEST(Clarity, RejectsNonHex) {
  EXPECT_EQ(hex("0xzz").error.detail, "not hex: \"0xzz\"");
}

TEST(Clarity, BuildersMatchDecodedValues) {
  auto u = clarity_uint("1000000");
  ASSERT_TRUE(u);
  EXPECT_EQ(u->word, hex("01000000000000000000000000000f4240").value.word);
  EXPECT_FALSE(clarity_uint("340282366920938463463374607431768211456"));  // 2^128
  EXPECT_FALSE(clarity_uint("12a"));
  EXPECT_EQ(clarity_some(clarity_buffer("\x01\x02")).repr(), "(some 0x0102)");
  EXPECT_EQ(clarity_principal("SP000000000000000000002Q6VF78.pox").type, ClarityType::principal_contract);
}

TEST(Clarity, ValidContractNames) {
  EXPECT_TRUE(valid_contract_name("Wrapped-Bitcoin"));
  EXPECT_TRUE(valid_contract_name("a_b-c9"));
  EXPECT_TRUE(valid_contract_name("__transient"));
  EXPECT_FALSE(valid_contract_name(""));
  EXPECT_FALSE(valid_contract_name("9lives"));
  EXPECT_FALSE(valid_contract_name("a.b"));
  EXPECT_FALSE(valid_contract_name(std::string(129, 'a')));
}

}  // namespace
}  // namespace fw::decode::stacks
