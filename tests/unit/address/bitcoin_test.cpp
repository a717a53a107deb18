#include "address/address.hpp"

#include <gtest/gtest.h>

#include "address/detail/bech32.hpp"
#include "fixtures.hpp"

namespace fw::address {
namespace {

std::string lower(std::string_view in) {
  std::string s(in);
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string script_pubkey(const Address& a) {
  std::vector<std::uint8_t> spk;
  spk.push_back(a.version == 0 ? 0x00 : static_cast<std::uint8_t>(0x50 + a.version));
  spk.push_back(static_cast<std::uint8_t>(a.payload.size()));
  for (auto b : a.payload) spk.push_back(b);
  return hex_encode(spk);
}

TEST(BitcoinSegwit, EveryValidFixtureAddressMatchesItsScriptPubKey) {
  simdjson::dom::parser parser;
  auto doc = test::load_json(parser, "bitcoin/bech32_bech32m_address_vectors.json");
  int n = 0;
  for (auto v : doc["valid_address"].get_array()) {
    std::string_view text = v["address"];
    auto r = parse(Chain::bitcoin, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->kind, Kind::bitcoin_segwit);
    EXPECT_EQ(r->canonical, lower(text));
    EXPECT_EQ(script_pubkey(*r), std::string_view(v["scriptpubkey_hex"])) << text;
    EXPECT_EQ(r->network, lower(text).starts_with("bc1") ? Network::mainnet : Network::testnet);
    // Re-encoding the program gives the canonical text back.
    std::string hrp = lower(text.substr(0, text.rfind('1')));
    EXPECT_EQ(detail::segwit_encode(hrp, r->version, r->payload), r->canonical);
    // And the canonical spelling parses to the same thing.
    auto again = parse(Chain::bitcoin, r->canonical);
    ASSERT_TRUE(again);
    EXPECT_EQ(again->payload, r->payload);
    ++n;
  }
  EXPECT_EQ(n, 8);
}

TEST(BitcoinSegwit, EveryInvalidFixtureAddressIsRejected) {
  simdjson::dom::parser parser;
  auto doc = test::load_json(parser, "bitcoin/bech32_bech32m_address_vectors.json");
  int n = 0;
  for (auto v : doc["invalid_address"].get_array()) {
    std::string_view text = v;
    auto r = parse(Chain::bitcoin, text);
    EXPECT_FALSE(r) << text;
    EXPECT_FALSE(r.error.empty()) << text;
    auto any = parse_any(text);
    EXPECT_FALSE(any) << text;
    ++n;
  }
  EXPECT_EQ(n, 15);
}

TEST(BitcoinSegwit, InvalidFixtureReasonsAreSpecific) {
  auto err = [](std::string_view s) { return parse(Chain::bitcoin, s).error; };
  EXPECT_EQ(err("tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut"),
            "unknown bech32 prefix 'tc' (expected bc, tb or bcrt)");
  EXPECT_EQ(err("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd"),
            "witness v1 address must use bech32m, not bech32");
  EXPECT_EQ(err("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh"), "witness v0 address must use bech32, not bech32m");
  EXPECT_EQ(err("BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R"), "invalid witness version 17");
  EXPECT_EQ(err("bc1pw5dgrnzv"), "witness program must be 2 to 40 bytes, got 1");
  EXPECT_EQ(err("BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P"), "witness v0 program must be 20 or 32 bytes, got 16");
  EXPECT_EQ(err("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq"), "mixed case in bech32 address");
  EXPECT_EQ(err("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf"),
            "invalid padding in witness program (too many bits)");
  EXPECT_EQ(err("tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j"),
            "invalid padding in witness program (non-zero bits)");
  EXPECT_EQ(err("bc1gmk9yu"), "missing witness version");
  EXPECT_EQ(err("bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4"),
            "invalid bech32 character 'o' at position 59");
}

TEST(BitcoinSegwit, UpperCaseIsCanonicalisedToLowerAndMixedCaseRejected) {
  auto r = parse(Chain::bitcoin, "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r->canonical, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4");
  EXPECT_EQ(r->network, Network::mainnet);
  EXPECT_EQ(r->version, 0);
  EXPECT_EQ(parse(Chain::bitcoin, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3T4").error, "mixed case in bech32 address");
  EXPECT_EQ(parse(Chain::bitcoin, "Bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4").error, "mixed case in bech32 address");
  EXPECT_EQ(parse(Chain::bitcoin, "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5").error, "bad checksum");
}

TEST(BitcoinSegwit, RegtestPrefixIsTestnet) {
  std::vector<std::uint8_t> program(20, 0xab);
  auto text = detail::segwit_encode("bcrt", 0, program);
  ASSERT_TRUE(text);
  auto r = parse(Chain::bitcoin, *text);
  ASSERT_TRUE(r) << *text << ": " << r.error;
  EXPECT_EQ(r->network, Network::testnet);
  EXPECT_EQ(r->payload, program);
  EXPECT_EQ(detect_chain(*text), Chain::bitcoin);
}

TEST(Bech32Codec, GenericValidAndInvalidStrings) {
  simdjson::dom::parser parser;
  auto doc = test::load_json(parser, "bitcoin/bech32_bech32m_address_vectors.json");
  std::string error;
  detail::Bech32String b;
  for (auto [key, want] : {std::pair{"valid_bech32", detail::Bech32Variant::bech32},
                           std::pair{"valid_bech32m", detail::Bech32Variant::bech32m}}) {
    int n = 0;
    for (auto v : doc[key].get_array()) {
      std::string_view text = v;
      ASSERT_TRUE(detail::bech32_decode(text, b, error)) << text << ": " << error;
      EXPECT_EQ(b.variant, want) << text;
      // Re-encoding (lower-case HRP) gives the lower-case string back.
      std::string hrp = lower(b.hrp);
      EXPECT_EQ(detail::bech32_encode(hrp, std::span<const std::uint8_t>(b.values.data(), b.size), b.variant),
                lower(text));
      // A bech32 string is not valid bech32 after its HRP or data is changed.
      std::string flipped(text);
      flipped[0] = flipped[0] == 'a' ? 'b' : 'a';
      if (flipped[0] != text[0] && !std::isupper(static_cast<unsigned char>(text[0]))) {
        EXPECT_FALSE(detail::bech32_decode(flipped, b, error)) << flipped;
      }
      ++n;
    }
    EXPECT_EQ(n, 7) << key;
  }
  for (const char* key : {"invalid_bech32", "invalid_bech32m"}) {
    int n = 0;
    for (auto v : doc[key].get_array()) {
      std::string_view text = v;
      EXPECT_FALSE(detail::bech32_decode(text, b, error)) << text;
      EXPECT_FALSE(error.empty());
      ++n;
    }
    EXPECT_GT(n, 10) << key;
  }
}

TEST(Bech32Codec, EncoderRefusesInvalidHrpVersionLength) {
  simdjson::dom::parser parser;
  auto doc = test::load_json(parser, "bitcoin/bech32_bech32m_address_vectors.json");
  int n = 0;
  for (auto v : doc["invalid_address_enc_hrp_version_length"].get_array()) {
    auto arr = v.get_array();
    std::string_view hrp = arr.at(0);
    auto version = static_cast<int>(std::int64_t(arr.at(1)));
    auto length = static_cast<std::size_t>(std::int64_t(arr.at(2)));
    std::vector<std::uint8_t> program(length, 0);
    EXPECT_FALSE(detail::segwit_encode(hrp, version, program)) << hrp << " " << version << " " << length;
    ++n;
  }
  EXPECT_EQ(n, 5);
  EXPECT_TRUE(detail::segwit_encode("bc", 0, std::vector<std::uint8_t>(20, 0)));
  EXPECT_TRUE(detail::segwit_encode("bc", 16, std::vector<std::uint8_t>(40, 0)));
}

TEST(BitcoinBase58, VersionsGiveKindAndNetworkAndTextIsKept) {
  auto hash = test::unhex("a46ff88886c2ef9762d970b4d2c63678835bd39d");
  struct Case {
    std::uint8_t version;
    Kind kind;
    Network network;
    char first;
  };
  for (auto c : {Case{0, Kind::bitcoin_p2pkh, Network::mainnet, '1'}, Case{5, Kind::bitcoin_p2sh, Network::mainnet, '3'},
                 Case{111, Kind::bitcoin_p2pkh, Network::testnet, 'm'},
                 Case{196, Kind::bitcoin_p2sh, Network::testnet, '2'}}) {
    std::string text = bitcoin_base58_address(c.version, hash.data());
    EXPECT_EQ(text[0], c.first) << text;
    auto r = parse(Chain::bitcoin, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->kind, c.kind);
    EXPECT_EQ(r->network, c.network);
    EXPECT_EQ(r->version, c.version);
    EXPECT_EQ(r->canonical, text);
    EXPECT_EQ(r->payload, hash);
    EXPECT_EQ(detect_chain(text), Chain::bitcoin);
  }
  EXPECT_EQ(bitcoin_base58_address(0, hash.data()), "1FzTxL9Mxnm2fdmnQEArfhzJHevwbvcH6d");
  auto zero = parse(Chain::bitcoin, "1111111111111111111114oLvT2");
  ASSERT_TRUE(zero) << zero.error;
  EXPECT_EQ(zero->payload, std::vector<std::uint8_t>(20, 0));
}

TEST(BitcoinBase58, SpecificErrorTexts) {
  EXPECT_EQ(parse(Chain::bitcoin, "1FzTxL9Mxnm2fdmnQEArfhzJHevwbvcH6e").error, "bad checksum");
  // Base58 is case-sensitive: never lower-case it.
  EXPECT_FALSE(parse(Chain::bitcoin, "1fztxl9mxnm2fdmnqearfhzjhevwbvch6d"));
  EXPECT_EQ(parse(Chain::bitcoin, "1FzTxL9Mxnm2fdmnQEArfhzJHevwbvcH0d").error,
            "invalid base58 character '0' at position 32");
  auto hash = test::unhex("a46ff88886c2ef9762d970b4d2c63678835bd39d");
  EXPECT_EQ(parse(Chain::bitcoin, bitcoin_base58_address(30, hash.data())).error,
            "unsupported base58 version byte 30 (expected 0, 5, 111 or 196)");
  EXPECT_EQ(parse(Chain::bitcoin, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t").error,
            "unsupported base58 version byte 65 (expected 0, 5, 111 or 196)");
  EXPECT_EQ(parse(Chain::bitcoin, std::string(36, '1')).error, "bitcoin address too long (36 characters)");
  EXPECT_EQ(parse(Chain::bitcoin, "ltc1qw508d6qejxtdg4y5r3zarvary0c5xw7kgmn4n9").error,
            "unknown bech32 prefix 'ltc' (expected bc, tb or bcrt)");
}

TEST(BitcoinBase58, EveryOfacXbtBitcoinAddressParses) {
  int base58 = 0, segwit = 0, other = 0;
  for (const auto& text : test::ofac("XBT")) {
    if (text[0] == 'T') {  // one TRON address is filed under XBT on the SDN list
      ++other;
      continue;
    }
    auto r = parse(Chain::bitcoin, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->network, Network::mainnet) << text;
    if (r->kind == Kind::bitcoin_segwit) {
      ++segwit;
      EXPECT_EQ(r->canonical, lower(text));
    } else {
      ++base58;
      EXPECT_EQ(r->canonical, text);
    }
  }
  EXPECT_EQ(base58 + segwit + other, 435);
  EXPECT_EQ(segwit, 80);
  EXPECT_EQ(other, 1);
}

}  // namespace
}  // namespace fw::address
