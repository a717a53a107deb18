#include "address/address.hpp"

#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "address/detail/base58.hpp"
#include "fixtures.hpp"

namespace fw::address {
namespace {

TEST(TronParse, ThreeSpellingsOfEveryFixtureVectorAreEqual) {
  simdjson::dom::parser parser;
  auto doc = test::load_json(parser, "tron/tron_address_vectors.json");
  int n = 0;
  for (auto v : doc["vectors"].get_array()) {
    std::string_view hex20 = v["hex20"], hex41 = v["hex41"], b58 = v["base58"];
    for (const std::string& text : {std::string(b58), std::string(hex41), "0x" + std::string(hex20)}) {
      auto r = parse(Chain::tron, text);
      ASSERT_TRUE(r) << text << ": " << r.error;
      EXPECT_EQ(r->canonical, b58) << text;
      EXPECT_EQ(r->chain, Chain::tron);
      EXPECT_EQ(r->kind, Kind::tron);
      EXPECT_EQ(r->version, 0x41);
      EXPECT_EQ(hex_encode(r->payload), hex20);
    }
    auto bytes = test::unhex(hex20);
    EXPECT_EQ(tron_address(bytes.data()), b58);
    ++n;
  }
  EXPECT_EQ(n, 4);
}

TEST(TronParse, HexFormsAcceptEitherCaseAndEip55) {
  const char* b58 = "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t";
  auto bytes = test::unhex("a614f803b6fd780986a42c78ec9c7f77e6ded13c");
  EXPECT_EQ(parse(Chain::tron, "41A614F803B6FD780986A42C78EC9C7F77E6DED13C")->canonical, b58);
  EXPECT_EQ(parse(Chain::tron, "0xA614F803B6FD780986A42C78EC9C7F77E6DED13C")->canonical, b58);
  EXPECT_EQ(parse(Chain::tron, to_eip55(bytes.data()))->canonical, b58);
  std::string bad = to_eip55(bytes.data());
  for (std::size_t i = 2; i < bad.size(); ++i) {
    if (std::isalpha(static_cast<unsigned char>(bad[i]))) {
      bad[i] ^= 0x20;
      break;
    }
  }
  EXPECT_EQ(parse(Chain::tron, bad).error, "bad EIP-55 checksum");
}

TEST(TronParse, OfacTronAddressesParse) {
  auto trx = test::ofac("TRX");
  ASSERT_EQ(trx.size(), 6u);
  for (const auto& text : trx) {
    auto r = parse(Chain::tron, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->canonical, text);
  }
  int usdt_tron = 0;
  for (const auto& text : test::ofac("USDT")) {
    if (text[0] != 'T') continue;
    auto r = parse(Chain::tron, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->canonical, text);
    ++usdt_tron;
  }
  EXPECT_EQ(usdt_tron, 11);
  EXPECT_TRUE(parse(Chain::tron, "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm"));
}

TEST(TronParse, SpecificErrorTexts) {
  // Last character changed: checksum no longer matches.
  EXPECT_EQ(parse(Chain::tron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u").error, "bad checksum");
  // A valid base58check address with another version byte (Bitcoin P2PKH).
  EXPECT_EQ(parse(Chain::tron, "1FzTxL9Mxnm2fdmnQEArfhzJHevwbvcH6d").error, "wrong version byte 0x00 (expected 0x41)");
  // Truncated by one character: still 25 bytes, so the checksum catches it.
  EXPECT_EQ(parse(Chain::tron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6").error, "bad checksum");
  std::vector<std::uint8_t> short_payload(20, 0x11), long_payload(22, 0x11);
  short_payload[0] = long_payload[0] = 0x41;
  std::string short_text, long_text;
  detail::base58check_append(short_payload.data(), short_payload.size(), short_text);
  detail::base58check_append(long_payload.data(), long_payload.size(), long_text);
  EXPECT_EQ(parse(Chain::tron, short_text).error, "expected 20 bytes, got 19");
  EXPECT_EQ(parse(Chain::tron, long_text).error, "expected 20 bytes, got 21");
  EXPECT_EQ(parse(Chain::tron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj0t").error, "invalid base58 character '0' at position 32");
  EXPECT_EQ(parse(Chain::tron, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLjIt").error, "invalid base58 character 'I' at position 32");
  EXPECT_EQ(parse(Chain::tron, "41a614f803b6fd780986a42c78ec9c7f77e6ded13g").error,
            "invalid hex character 'g' at position 41");
  EXPECT_EQ(parse(Chain::tron, "0xa614f803b6fd780986a42c78ec9c7f77e6ded13").error,
            "expected 40 hex digits after 0x, got 39");
  EXPECT_EQ(parse(Chain::tron, std::string(61, 'T')).error, "TRON address too long (61 characters)");
  // Lower-casing a base58 address breaks it.
  EXPECT_FALSE(parse(Chain::tron, "tr7nhqjekqxgtci8q8zy4pl8otszgjlj6t"));
}

TEST(TronParse, EvmAndTronTwinsShareTheAccountBytes) {
  auto evm = parse(Chain::evm, "0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed");
  ASSERT_TRUE(evm) << evm.error;
  auto tron = parse(Chain::tron, tron_address(evm->payload.data()));
  ASSERT_TRUE(tron) << tron.error;
  EXPECT_EQ(tron->payload, evm->payload);
  EXPECT_EQ(parse(Chain::tron, "0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed")->canonical, tron->canonical);
}

// The decoder (32-bit limbs, five digits a step) against the encoder, for
// every length up to 40 bytes and any number of leading zero bytes.
TEST(Base58Codec, DecodeInvertsEncodeForRandomBytes) {
  std::mt19937_64 rng(58);
  for (int i = 0; i < 3000; ++i) {
    const std::size_t n = static_cast<std::size_t>(i % 41);
    std::vector<std::uint8_t> in(n);
    for (auto& b : in) b = static_cast<std::uint8_t>(rng());
    for (std::size_t z = 0; z < n && z < static_cast<std::size_t>(i % 4); ++z) in[z] = 0;
    std::string text;
    detail::base58_append(in.data(), in.size(), text);
    std::uint8_t out[64];
    const detail::Decoded d = detail::base58_decode(text, out, sizeof out);
    ASSERT_EQ(d.status, detail::DecodeStatus::ok) << text;
    ASSERT_EQ(std::vector<std::uint8_t>(out, out + d.size), in) << text;
  }
  std::uint8_t small[4];
  EXPECT_EQ(detail::base58_decode("zzzzzzzzzz", small, sizeof small).status, detail::DecodeStatus::too_long);
  EXPECT_EQ(detail::base58_decode("1111", small, sizeof small).size, 4u);
  EXPECT_EQ(detail::base58_decode("11111", small, sizeof small).status, detail::DecodeStatus::too_long);
  const detail::Decoded bad = detail::base58_decode("11abc0", small, sizeof small);
  EXPECT_EQ(bad.status, detail::DecodeStatus::bad_char);
  EXPECT_EQ(bad.pos, 5u);
}

}  // namespace
}  // namespace fw::address
