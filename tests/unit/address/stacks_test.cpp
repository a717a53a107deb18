#include "address/address.hpp"

#include <random>
#include <set>

#include <gtest/gtest.h>

#include "address/detail/c32.hpp"
#include "fixtures.hpp"

namespace fw::address {
namespace {

using test::fixture;
using test::unhex;

constexpr const char* alex_attacker = "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS";

bool is_stacks_version(std::int64_t v) { return v == 22 || v == 20 || v == 26 || v == 21; }

TEST(StacksC32, EncoderMatchesEveryFixtureVectorIncludingNonStacksVersions) {
  simdjson::dom::parser parser;
  auto doc = test::load_json(parser, "stacks/c32check/c32address_vectors.json");
  int n = 0;
  for (auto v : doc["vectors"].get_array()) {
    auto version = static_cast<std::uint8_t>(std::int64_t(v["version"]));
    auto hash = unhex(std::string_view(v["hash160"]));
    ASSERT_EQ(hash.size(), 20u);
    EXPECT_EQ(stacks_address(version, hash.data()), std::string_view(v["c32_address"]));
    EXPECT_EQ(bitcoin_base58_address(version, hash.data()), std::string_view(v["base58check_same_version_byte"]));
    ++n;
  }
  EXPECT_EQ(n, 30);
}

TEST(StacksC32, ParserAcceptsStacksVersionsAndRejectsOthers) {
  simdjson::dom::parser parser;
  auto doc = test::load_json(parser, "stacks/c32check/c32address_vectors.json");
  int accepted = 0, rejected = 0;
  for (auto v : doc["vectors"].get_array()) {
    std::int64_t version = v["version"];
    std::string_view text = v["c32_address"];
    auto r = parse(Chain::stacks, text);
    if (is_stacks_version(version)) {
      ASSERT_TRUE(r) << text << ": " << r.error;
      EXPECT_EQ(r->canonical, text);
      EXPECT_EQ(r->chain, Chain::stacks);
      EXPECT_EQ(r->kind, Kind::stacks_standard);
      EXPECT_EQ(r->version, version);
      EXPECT_EQ(hex_encode(r->payload), std::string_view(v["hash160"]));
      ++accepted;
    } else {
      ASSERT_FALSE(r) << text;
      EXPECT_NE(r.error.find("unsupported Stacks version"), std::string::npos) << r.error;
      ++rejected;
    }
  }
  EXPECT_EQ(accepted, 20);
  EXPECT_EQ(rejected, 10);
}

TEST(StacksC32, BitcoinEquivalentVectorsAreTwins) {
  simdjson::dom::parser parser;
  auto doc = test::load_json(parser, "stacks/c32check/c32address_vectors.json");
  int n = 0;
  for (auto v : doc["bitcoin_equivalent_vectors"].get_array()) {
    auto sv = static_cast<std::uint8_t>(std::int64_t(v["stacks_version"]));
    auto bv = static_cast<std::uint8_t>(std::int64_t(v["bitcoin_version"]));
    std::string_view c32 = v["c32_address"], b58 = v["bitcoin_base58check_address"];
    EXPECT_EQ(bitcoin_version_for_stacks(sv), bv);
    EXPECT_EQ(stacks_version_for_bitcoin(bv), sv);

    auto s = parse(Chain::stacks, c32);
    auto b = parse(Chain::bitcoin, b58);
    ASSERT_TRUE(s) << c32 << ": " << s.error;
    ASSERT_TRUE(b) << b58 << ": " << b.error;
    EXPECT_EQ(s->payload, b->payload);
    EXPECT_EQ(s->network, b->network);
    EXPECT_EQ(bitcoin_base58_address(bv, s->payload.data()), b58);
    EXPECT_EQ(stacks_address(sv, b->payload.data()), c32);
    ++n;
  }
  EXPECT_EQ(n, 20);
}

TEST(StacksC32, EveryInvalidFixtureIsRejected) {
  simdjson::dom::parser parser;
  auto doc = test::load_json(parser, "stacks/c32check/c32address_vectors.json");
  int n = 0;
  for (auto v : doc["invalid_c32address_decodes"].get_array()) {
    std::string_view text = v;
    auto r = parse(Chain::stacks, text);
    EXPECT_FALSE(r) << text;
    EXPECT_FALSE(r.error.empty());
    EXPECT_FALSE(parse_any(text)) << text;
    ++n;
  }
  EXPECT_EQ(n, 5);
  EXPECT_EQ(parse(Chain::stacks, "ST2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQYAC0RR").error, "bad checksum");
  EXPECT_EQ(parse(Chain::stacks, "ST2J").error, "Stacks address too short");
  EXPECT_EQ(parse(Chain::stacks, "bP2CT665Q0JB7P39TZ7BST0QYCAQSMJWBZK8QT35J").error,
            "Stacks address must start with 'S'");
}

TEST(StacksC32, ReadmeExamplesOfTheRawCodecs) {
  std::string_view hello = "hello world";
  auto bytes = reinterpret_cast<const std::uint8_t*>(hello.data());
  std::string s;
  detail::c32_append(bytes, hello.size(), s);
  EXPECT_EQ(s, "38CNP6RVS0EXQQ4V34");
  s.clear();
  detail::c32check_append(12, bytes, hello.size(), s);
  EXPECT_EQ(s, "CD1JPRV3F41VPYWKCCGRMASC8");
}

TEST(StacksC32, RawCodecRoundTripsWithLeadingZeroBytes) {
  std::mt19937 rng(1);
  for (int iter = 0; iter < 2000; ++iter) {
    std::vector<std::uint8_t> in(rng() % 40);
    for (auto& b : in) b = static_cast<std::uint8_t>(rng() % 4 == 0 ? 0 : rng());
    std::string text;
    detail::c32_append(in.data(), in.size(), text);
    std::uint8_t out[64];
    auto d = detail::c32_decode(text, out, sizeof out);
    ASSERT_EQ(d.status, detail::DecodeStatus::ok) << text;
    ASSERT_EQ(std::vector<std::uint8_t>(out, out + d.size), in) << text;
  }
}

TEST(StacksParse, LowerCaseAndOilSpellingsNormaliseToOneCanonical) {
  std::string lower = "sp2as4qcq81pjq5he3tj6aj554qx2yk14mfht2vrs";
  std::string with_i = alex_attacker, with_l = alex_attacker, with_lower_l = alex_attacker;
  for (auto* s : {&with_i, &with_l, &with_lower_l}) {
    for (char& c : *s) {
      if (c == '1') c = s == &with_i ? 'I' : s == &with_l ? 'L' : 'l';
    }
  }
  std::string zeros = "SP000000000000000000002Q6VF78";
  std::string with_o = "SPOOOOOOOOOOOOOOOOOOOO2Q6VF78";
  std::string with_lower_o = "spoooooooooooooooooooo2q6vf78";

  for (const auto& text : {lower, with_i, with_l, with_lower_l, std::string(alex_attacker)}) {
    auto r = parse(Chain::stacks, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->canonical, alex_attacker) << text;
    EXPECT_EQ(r->network, Network::mainnet);
    EXPECT_EQ(r->version, 22);
  }
  for (const auto& text : {zeros, with_o, with_lower_o}) {
    auto r = parse(Chain::stacks, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->canonical, zeros) << text;
    EXPECT_EQ(r->payload, std::vector<std::uint8_t>(20, 0));
  }
}

TEST(StacksParse, VersionGivesNetworkAndKind) {
  std::vector<std::uint8_t> hash = unhex("a46ff88886c2ef9762d970b4d2c63678835bd39d");
  struct Case {
    std::uint8_t version;
    const char* prefix;
    Network network;
  };
  for (auto c : {Case{22, "SP", Network::mainnet}, Case{20, "SM", Network::mainnet}, Case{26, "ST", Network::testnet},
                 Case{21, "SN", Network::testnet}}) {
    std::string text = stacks_address(c.version, hash.data());
    EXPECT_EQ(text.substr(0, 2), c.prefix);
    auto r = parse(Chain::stacks, text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    EXPECT_EQ(r->network, c.network) << text;
    EXPECT_EQ(r->version, c.version);
    EXPECT_EQ(r->payload, hash);
  }
  EXPECT_EQ(stacks_address(32, hash.data()), "");
}

TEST(StacksParse, SpecificErrorTexts) {
  std::string text = alex_attacker;
  text[5] = 'U';
  EXPECT_EQ(parse(Chain::stacks, text).error, "invalid c32 character 'U' at position 5");

  text = alex_attacker;
  text[40] = text[40] == 'S' ? 'T' : 'S';
  EXPECT_EQ(parse(Chain::stacks, text).error, "bad checksum");

  std::vector<std::uint8_t> h19(19, 0x11), h21(21, 0x22);
  std::string short_addr = "S", long_addr = "S";
  detail::c32check_append(22, h19.data(), h19.size(), short_addr);
  detail::c32check_append(22, h21.data(), h21.size(), long_addr);
  EXPECT_EQ(parse(Chain::stacks, short_addr).error, "expected 20 bytes, got 19");
  EXPECT_EQ(parse(Chain::stacks, long_addr).error, "expected 20 bytes, got 21");

  EXPECT_EQ(parse(Chain::stacks, "SZ2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQ9H6DPR").error,
            "unsupported Stacks version 'Z' (expected SP, SM, ST or SN)");
  EXPECT_EQ(parse(Chain::stacks, "SU2J6ZY48GV1EZ5V2V5RB9MP66SW86PYKKQ9H6DPR").error,
            "invalid c32 character 'U' at position 1");
  EXPECT_EQ(parse(Chain::stacks, "").error, "empty address");
  EXPECT_EQ(parse(Chain::stacks, std::string(" ") + alex_attacker).error, "leading or trailing whitespace");
  EXPECT_EQ(parse(Chain::stacks, std::string(alex_attacker) + "\n").error, "leading or trailing whitespace");
  EXPECT_EQ(parse(Chain::stacks, "SP" + std::string(80, '2')).error, "Stacks address too long (82 characters)");
}

TEST(StacksParse, ContractPrincipalsKeepTheNameCase) {
  auto r = parse(Chain::stacks, "SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.fwp-wstx-alex-tranched-64");
  ASSERT_TRUE(r) << r.error;
  EXPECT_EQ(r->kind, Kind::stacks_contract);
  EXPECT_EQ(r->canonical, "SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.fwp-wstx-alex-tranched-64");
  EXPECT_EQ(r->network, Network::mainnet);

  auto w = parse(Chain::stacks, "st3axh4ebhd63fcfptz8gr29tntvwdypgy0kdy5e5.Wrapped-Bitcoin");
  ASSERT_TRUE(w) << w.error;
  EXPECT_EQ(w->canonical, "ST3AXH4EBHD63FCFPTZ8GR29TNTVWDYPGY0KDY5E5.Wrapped-Bitcoin");
  EXPECT_EQ(w->network, Network::testnet);
  EXPECT_EQ(w->kind, Kind::stacks_contract);

  auto standard = parse(Chain::stacks, "ST3AXH4EBHD63FCFPTZ8GR29TNTVWDYPGY0KDY5E5");
  ASSERT_TRUE(standard);
  EXPECT_EQ(w->payload, standard->payload);
  EXPECT_EQ(w->version, standard->version);

  // Different name case -> different principal.
  auto lower_name = parse(Chain::stacks, "ST3AXH4EBHD63FCFPTZ8GR29TNTVWDYPGY0KDY5E5.wrapped-bitcoin");
  ASSERT_TRUE(lower_name);
  EXPECT_NE(lower_name->canonical, w->canonical);

  std::string max_name(128, 'a');
  EXPECT_TRUE(parse(Chain::stacks, std::string(alex_attacker) + "." + max_name));
  EXPECT_TRUE(parse(Chain::stacks, std::string(alex_attacker) + ".a"));
  EXPECT_TRUE(parse(Chain::stacks, std::string(alex_attacker) + ".A_b-9"));
}

TEST(StacksParse, BadContractNamesAreRejected) {
  std::string base = alex_attacker;
  struct Case {
    std::string suffix;
    std::string error;
  };
  for (const auto& c : std::vector<Case>{
           {".", "empty contract name"},
           {"." + std::string(129, 'a'), "contract name too long (129 characters, at most 128)"},
           {".1abc", "contract name must start with a letter, got '1'"},
           {".-abc", "contract name must start with a letter, got '-'"},
           {".ab.c", "invalid contract name character '.' at position 44"},
           {".token::asset", "invalid contract name character ':' at position 47"},
           {".caf\xc3\xa9", "invalid contract name character 0xc3 at position 45"},
           {".a b", "invalid contract name character ' ' at position 43"},
       }) {
    auto r = parse(Chain::stacks, base + c.suffix);
    EXPECT_FALSE(r) << c.suffix;
    EXPECT_EQ(r.error, c.error) << c.suffix;
  }
  // The address part is still checked when a name is present.
  std::string bad = base;
  bad[10] = bad[10] == 'A' ? 'B' : 'A';
  EXPECT_EQ(parse(Chain::stacks, bad + ".name").error, "bad checksum");
  EXPECT_EQ(parse(Chain::stacks, ".name").error, "Stacks address must start with 'S'");
}

}  // namespace
}  // namespace fw::address
