#include "address/address.hpp"

#include <random>

#include <gtest/gtest.h>

#include "fixtures.hpp"

namespace fw::address {
namespace {

// Valid spellings of every chain, used as seeds for truncation and mutation.
const std::vector<std::string>& seeds() {
  static const std::vector<std::string> s = {
      "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS",
      "SP000000000000000000002Q6VF78",
      "SP3K8BC0PPEVCV7NZ6QSRWPQ2JE9E5B6N3PA0KBR9.fwp-wstx-alex-tranched-64",
      "0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed",
      "0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed",
      "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm",
      "41a614f803b6fd780986a42c78ec9c7f77e6ded13c",
      "1FzTxL9Mxnm2fdmnQEArfhzJHevwbvcH6d",
      "1111111111111111111114oLvT2",
      "3E6ZCKRrsdPc35chA9Eftp1h3DLW18NFNV",
      "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4",
      "BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4",
      "bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0",
      "tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7",
  };
  return s;
}

// Whatever the input, a successful parse must be stable: the canonical form
// parses again, to itself, with the same payload.
void check_stable(Chain chain, std::string_view text) {
  Address a;
  std::string error;
  if (!parse_into(chain, text, a, error)) {
    ASSERT_FALSE(error.empty()) << text;
    return;
  }
  auto again = parse(chain, a.canonical);
  ASSERT_TRUE(again) << "canonical of '" << text << "' does not parse: " << a.canonical << ": " << again.error;
  EXPECT_EQ(again->canonical, a.canonical);
  EXPECT_EQ(again->payload, a.payload);
  EXPECT_EQ(again->chain, chain);
}

void check_everything(std::string_view text) {
  for (Chain c : all_chains) check_stable(c, text);
  auto r = parse_any(text);
  auto d = detect_chain(text);
  if (r) EXPECT_EQ(d, r->chain) << text;
  else EXPECT_FALSE(r.error.empty());
}

TEST(Robustness, EveryTruncationOfValidAddressesIsHandled) {
  for (const auto& s : seeds()) {
    for (std::size_t n = 0; n <= s.size(); ++n) {
      check_everything(std::string_view(s).substr(0, n));
      check_everything(std::string_view(s).substr(n));
    }
  }
}

TEST(Robustness, SingleCharacterChangesNeverCrashAndBech32CatchesAll) {
  const std::string alphabet =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-_:x\x01\x7f\x80\xff ";
  for (const auto& s : seeds()) {
    auto original = parse_any(s);
    ASSERT_TRUE(original) << s << ": " << original.error;
    bool segwit = original->kind == Kind::bitcoin_segwit;
    for (std::size_t i = 0; i < s.size(); ++i) {
      for (char c : alphabet) {
        if (c == s[i]) continue;
        std::string m = s;
        m[i] = c;
        check_everything(m);
        // BCH codes detect any single substitution (a case change makes mixed case).
        if (segwit) {
          auto r = parse(Chain::bitcoin, m);
          EXPECT_FALSE(r && r->canonical != original->canonical) << m;
        }
      }
    }
  }
}

TEST(Robustness, RandomStringsNeverCrash) {
  std::mt19937 rng(12345);
  const std::vector<std::string> prefixes = {"", "0x", "0X", "41", "T", "S", "s", "SP", "ST", "bc1", "BC1", "tb1", "bcrt1",
                                             "1", "3", "m", "n", "2", "bc1q", "bc1p"};
  const std::vector<std::string> alphabets = {
      "0123456789abcdef",
      "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz",
      "0123456789ABCDEFGHJKMNPQRSTVWXYZoOiIlL",
      "qpzry9x8gf2tvdw0s3jn54khce6mua7l1",
  };
  for (int iter = 0; iter < 20000; ++iter) {
    std::string s = prefixes[rng() % prefixes.size()];
    std::size_t len = rng() % 100;
    if (iter % 4 == 0) {
      for (std::size_t i = 0; i < len; ++i) s.push_back(static_cast<char>(rng() & 0xff));
    } else {
      const auto& a = alphabets[rng() % alphabets.size()];
      for (std::size_t i = 0; i < len; ++i) s.push_back(a[rng() % a.size()]);
    }
    check_everything(s);
  }
}

TEST(Robustness, HugeAndOddInputs) {
  for (char fill : {'1', '0', 'z', 'S', 'q', '\0'}) {
    for (std::size_t n : {64u, 65u, 90u, 91u, 200u, 10000u}) {
      std::string s(n, fill);
      check_everything(s);
      check_everything("0x" + s);
      check_everything("S" + s);
      check_everything("bc1" + s);
      check_everything("SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS." + s);
    }
  }
  check_everything(std::string_view("\0", 1));
  check_everything(std::string_view("0x\0", 3));
}

}  // namespace
}  // namespace fw::address
