#include "address/address.hpp"

#include <map>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace fw::address {
namespace {

std::map<std::string, int> route_counts(const std::vector<std::string>& lines) {
  std::map<std::string, int> counts;
  for (const auto& text : lines) {
    auto r = parse_any(text);
    if (!r) {
      ++counts["invalid"];
      continue;
    }
    EXPECT_EQ(detect_chain(text), r->chain) << text;
    // The canonical form routes and parses to itself.
    auto again = parse_any(r->canonical);
    EXPECT_TRUE(again) << r->canonical;
    if (again) {
      EXPECT_EQ(again->canonical, r->canonical);
    }
    ++counts[std::string(to_string(r->chain))];
  }
  return counts;
}

using Counts = std::map<std::string, int>;

TEST(ParseAny, OfacListsRouteBySyntaxNotByFileName) {
  EXPECT_EQ(route_counts(test::ofac("ETH")), (Counts{{"evm", 152}}));
  EXPECT_EQ(route_counts(test::ofac("USDT")), (Counts{{"evm", 8}, {"bitcoin", 7}, {"tron", 11}}));
  EXPECT_EQ(route_counts(test::ofac("USDC")), (Counts{{"evm", 2}}));
  EXPECT_EQ(route_counts(test::ofac("ARB")), (Counts{{"evm", 1}}));
  EXPECT_EQ(route_counts(test::ofac("BSC")), (Counts{{"evm", 1}}));
  EXPECT_EQ(route_counts(test::ofac("ETC")), (Counts{{"evm", 1}}));
  EXPECT_EQ(route_counts(test::ofac("TRX")), (Counts{{"tron", 6}}));
  // XBT holds one TRON address (TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq) besides 434 bitcoin ones.
  EXPECT_EQ(route_counts(test::ofac("XBT")), (Counts{{"bitcoin", 434}, {"tron", 1}}));
  EXPECT_TRUE(parse_any("TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"));
  // Bitcoin-format legacy addresses on forks are syntactically bitcoin.
  EXPECT_EQ(route_counts(test::ofac("BSV")), (Counts{{"bitcoin", 1}}));
}

TEST(ParseAny, UnsupportedChainsAreRejectedNotMisrouted) {
  // BCH cashaddr, LTC, DASH, XMR, XRP, XVG, ZEC, BTG: no rule matches.
  for (const char* asset : {"LTC", "DASH", "XMR", "XRP", "XVG", "ZEC", "BTG"}) {
    for (const auto& text : test::ofac(asset)) {
      auto r = parse_any(text);
      EXPECT_FALSE(r) << asset << " " << text;
      EXPECT_EQ(r.error, "unrecognised address syntax") << asset << " " << text;
      EXPECT_EQ(detect_chain(text), std::nullopt) << text;
    }
  }
  auto bch = route_counts(test::ofac("BCH"));
  EXPECT_EQ(bch, (Counts{{"bitcoin", 1}, {"invalid", 6}}));
}

TEST(ParseAny, AlexLabAddresses) {
  auto stx = parse_any("SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS");
  ASSERT_TRUE(stx) << stx.error;
  EXPECT_EQ(stx->chain, Chain::stacks);
  EXPECT_EQ(stx->canonical, "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS");

  auto evm = parse_any("0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed");
  ASSERT_TRUE(evm) << evm.error;
  EXPECT_EQ(evm->chain, Chain::evm);
  EXPECT_EQ(evm->canonical, "0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed");

  auto tron = parse_any("TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm");
  ASSERT_TRUE(tron) << tron.error;
  EXPECT_EQ(tron->chain, Chain::tron);
  EXPECT_EQ(tron->canonical, "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm");

  // Lower-case Stacks spelling finds the same canonical.
  EXPECT_EQ(parse_any("sp2as4qcq81pjq5he3tj6aj554qx2yk14mfht2vrs")->canonical, stx->canonical);
}

TEST(ParseAny, EveryAlexLabCsvAddressParsesOnItsChain) {
  int n = 0;
  for (const auto& line : test::read_lines(test::fixture("sanctions/alex-lab-2024/alex_lab_2024_addresses.csv"))) {
    if (line.starts_with("chain,")) continue;
    auto c1 = line.find(','), c2 = line.find(',', c1 + 1);
    std::string chain = line.substr(0, c1), text = line.substr(c1 + 1, c2 - c1 - 1);
    auto r = parse_any(text);
    ASSERT_TRUE(r) << text << ": " << r.error;
    Chain want = chain == "stacks" ? Chain::stacks : chain == "tron" ? Chain::tron : Chain::evm;
    EXPECT_EQ(r->chain, want) << text;
    ++n;
  }
  EXPECT_EQ(n, 56);
}

TEST(ParseAny, ErrorNamesTheChainItWasRoutedTo) {
  EXPECT_EQ(parse_any("TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rn").error, "tron address: bad checksum");
  EXPECT_EQ(parse_any("0x3e8C9490687dFC26c5621dd63CE9C3d415b405eD").error, "evm address: bad EIP-55 checksum");
  EXPECT_EQ(parse_any("0x3e8c").error, "evm address: expected 40 hex digits after 0x, got 4");
  EXPECT_EQ(parse_any("SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRT").error, "stacks address: bad checksum");
  EXPECT_EQ(parse_any("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3T4").error,
            "bitcoin address: mixed case in bech32 address");
  EXPECT_EQ(parse_any("hello").error, "unrecognised address syntax");
  EXPECT_EQ(parse_any("").error, "empty address");
  EXPECT_EQ(parse_any("\tTSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm").error, "leading or trailing whitespace");
}

TEST(ParseAny, TronHexFormRoutesToTronAndZeroXHexToEvm) {
  auto t = parse_any("41a614f803b6fd780986a42c78ec9c7f77e6ded13c");
  ASSERT_TRUE(t) << t.error;
  EXPECT_EQ(t->chain, Chain::tron);
  EXPECT_EQ(t->canonical, "TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t");
  auto e = parse_any("0xa614f803b6fd780986a42c78ec9c7f77e6ded13c");
  ASSERT_TRUE(e) << e.error;
  EXPECT_EQ(e->chain, Chain::evm);
}

TEST(DetectChain, PrefixRules) {
  EXPECT_EQ(detect_chain("0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed"), Chain::evm);
  EXPECT_EQ(detect_chain("0X3E8C"), Chain::evm);
  EXPECT_EQ(detect_chain("41a614f803b6fd780986a42c78ec9c7f77e6ded13c"), Chain::tron);
  EXPECT_EQ(detect_chain("41a614f803b6fd780986a42c78ec9c7f77e6ded13"), std::nullopt);
  EXPECT_EQ(detect_chain("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t"), Chain::tron);
  EXPECT_EQ(detect_chain("SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS"), Chain::stacks);
  EXPECT_EQ(detect_chain("sp2as4qcq81pjq5he3tj6aj554qx2yk14mfht2vrs"), Chain::stacks);
  EXPECT_EQ(detect_chain("bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"), Chain::bitcoin);
  EXPECT_EQ(detect_chain("BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4"), Chain::bitcoin);
  EXPECT_EQ(detect_chain("tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7"), Chain::bitcoin);
  // Upper-case testnet bech32 starts with 'T' too, but is never 34 characters.
  EXPECT_EQ(detect_chain("TB1QRP33G0Q5C5TXSP9ARYSRX4K6ZDKFS4NCE4XJ0GDCCCEFVPYSXF3Q0SL5K7"), Chain::bitcoin);
  EXPECT_EQ(detect_chain("TB1QRP33G0Q5C5TXSP9ARYSRX4K6ZDKFS4"), Chain::tron);
  EXPECT_EQ(detect_chain("bcrt1qqqqq"), Chain::bitcoin);
  for (const char* s : {"1FzTxL9Mxnm2fdmnQEArfhzJHevwbvcH6d", "3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV", "mxXw9bceXuFB6HZjqriS527kTqt5H9VczT",
                        "n1", "2N"}) {
    EXPECT_EQ(detect_chain(s), Chain::bitcoin) << s;
  }
  for (const char* s : {"", "x", "0", "L1", "bitcoincash:qpf2", "ltc1qxyz", "rnXyVQ", "t1MMX", "4abc", "D"}) {
    EXPECT_EQ(detect_chain(s), std::nullopt) << s;
  }
  auto upper_tb = parse_any("TB1QRP33G0Q5C5TXSP9ARYSRX4K6ZDKFS4NCE4XJ0GDCCCEFVPYSXF3Q0SL5K7");
  ASSERT_TRUE(upper_tb) << upper_tb.error;
  EXPECT_EQ(upper_tb->canonical, "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7");
  EXPECT_EQ(upper_tb->network, Network::testnet);
}

}  // namespace
}  // namespace fw::address
