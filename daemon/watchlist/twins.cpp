#include "watchlist/twins.hpp"

#include <array>
#include <cstring>

#include "address/hash.hpp"
#include "core/hex.hpp"

namespace fw::watchlist {

namespace {

constexpr std::string_view kDerivedPrefix = "derived from ";

}  // namespace

std::optional<address::Address> twin_of(const address::Address& a, const config::TwinsConfig& twins) {
  using address::Kind;
  if (a.payload.size() != 20) return std::nullopt;
  // The encoders below give canonical text: nothing needs parsing again.
  address::Address t;
  t.payload = a.payload;
  t.network = a.network;
  switch (a.kind) {
    case Kind::evm:
      if (!twins.evm_tron) return std::nullopt;
      t.chain = Chain::tron;
      t.kind = Kind::tron;
      t.version = address::tron_version;
      t.network = Network::mainnet;  // TRON addresses do not tell networks apart
      t.canonical = address::tron_address(a.payload.data());
      return t;
    case Kind::tron:
      if (!twins.evm_tron) return std::nullopt;
      t.chain = Chain::evm;
      t.kind = Kind::evm;
      t.version = 0;
      t.canonical = address::evm_address(a.payload.data());
      return t;
    case Kind::stacks_standard: {
      if (!twins.stacks_bitcoin) return std::nullopt;
      auto v = address::bitcoin_version_for_stacks(a.version);
      if (!v) return std::nullopt;
      t.chain = Chain::bitcoin;
      t.kind = *v == address::bitcoin_mainnet_p2sh || *v == address::bitcoin_testnet_p2sh ? Kind::bitcoin_p2sh
                                                                                         : Kind::bitcoin_p2pkh;
      t.version = *v;
      t.canonical = address::bitcoin_base58_address(*v, a.payload.data());
      return t;
    }
    case Kind::bitcoin_p2pkh:
    case Kind::bitcoin_p2sh: {
      if (!twins.stacks_bitcoin) return std::nullopt;
      auto v = address::stacks_version_for_bitcoin(a.version);
      if (!v) return std::nullopt;
      t.chain = Chain::stacks;
      t.kind = Kind::stacks_standard;
      t.version = *v;
      t.canonical = address::stacks_address(*v, a.payload.data());
      return t;
    }
    case Kind::stacks_contract:
    case Kind::bitcoin_segwit:
      return std::nullopt;
  }
  return std::nullopt;
}

std::optional<address::Address> twin_of(Chain chain, std::string_view canonical, const config::TwinsConfig& twins,
                                        address::Address& scratch) {
  std::string error;
  if (!address::parse_into(chain, canonical, scratch, error)) return std::nullopt;
  return twin_of(scratch, twins);
}

std::string derived_notes(std::string_view original_address, std::string_view original_notes) {
  std::string out(kDerivedPrefix);
  out += original_address;
  out += " (same key)";
  if (!original_notes.empty()) {
    out += "; ";
    out += original_notes;
  }
  return out;
}

bool is_derived(std::string_view notes) noexcept { return notes.starts_with(kDerivedPrefix); }

namespace detail {

namespace {

constexpr char kBase58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr char kHex[] = "0123456789abcdef";
constexpr std::uint64_t kPow58_5 = 656356768ull;  // 58^5

constexpr std::array<std::int8_t, 128> make_base58_table() {
  std::array<std::int8_t, 128> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 58; ++i) t[static_cast<unsigned char>(kBase58[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto kBase58Table = make_base58_table();

void checksum4(const std::uint8_t* p, std::size_t n, std::uint8_t out[4]) {
  unsigned char a[32], b[32];
  address::sha256_into(p, n, a);
  address::sha256_into(a, 32, b);
  std::memcpy(out, b, 4);
}

// base58 of 25 bytes whose first byte is not zero (no leading '1's): long
// division in limbs of 58^5 (< 2^30), fed 32 bits at a time (1 + 6 words),
// so that every step fits in 64 bits and divides by a constant.
void base58_25(const std::uint8_t in[25], std::string& out) {
  std::uint64_t limb[7] = {};  // little-endian base 58^5: 35 digits > 25 * log58(256)
  int used = 0;
  auto feed = [&](std::uint64_t carry, unsigned bits) {
    for (int j = 0; j < used; ++j) {
      carry += limb[j] << bits;
      limb[j] = carry % kPow58_5;
      carry /= kPow58_5;
    }
    while (carry) {
      limb[used++] = carry % kPow58_5;
      carry /= kPow58_5;
    }
  };
  feed(in[0], 8);
  for (int i = 1; i < 25; i += 4) {
    feed(std::uint64_t{in[i]} << 24 | std::uint64_t{in[i + 1]} << 16 | std::uint64_t{in[i + 2]} << 8 | in[i + 3], 32);
  }
  char digits[35];
  int n = 0;
  for (int j = 0; j < used; ++j) {
    std::uint64_t v = limb[j];
    for (int k = 0; k < 5; ++k) {
      digits[n++] = kBase58[v % 58];
      v /= 58;
    }
  }
  while (n > 0 && digits[n - 1] == '1') --n;  // leading zeros of the top limb
  out.resize(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out[static_cast<std::size_t>(i)] = digits[n - 1 - i];
}

// Decodes 34 base58 characters into 25 bytes; false on a bad character or
// a value that does not fit. Digits are taken five at a time (58^5 < 2^30)
// into limbs of 32 bits.
bool unbase58_34(std::string_view s, std::uint8_t out[25]) {
  if (s.size() != 34) return false;
  std::uint64_t limb[8] = {};  // little-endian base 2^32
  int used = 0;
  std::size_t i = 0;
  while (i < 34) {
    const std::size_t k = i == 0 ? 4 : 5;  // 34 = 4 + 6 * 5
    std::uint64_t carry = 0, mult = 1;
    for (std::size_t e = i + k; i < e; ++i) {
      const auto u = static_cast<unsigned char>(s[i]);
      const int d = u < 128 ? kBase58Table[u] : -1;
      if (d < 0) return false;
      carry = carry * 58 + static_cast<std::uint64_t>(d);
      mult *= 58;
    }
    for (int j = 0; j < used; ++j) {
      carry += limb[j] * mult;
      limb[j] = carry & 0xFFFFFFFFu;
      carry >>= 32;
    }
    while (carry) {
      if (used == 8) return false;
      limb[used++] = carry & 0xFFFFFFFFu;
      carry >>= 32;
    }
  }
  // 25 bytes = 200 bits: limbs 0..5 full, limb 6 holds one byte.
  if (limb[6] > 0xFF || limb[7] != 0) return false;
  out[0] = static_cast<std::uint8_t>(limb[6]);
  for (int j = 5, o = 1; j >= 0; --j) {
    for (int b = 3; b >= 0; --b) out[o++] = static_cast<std::uint8_t>(limb[j] >> (8 * b));
  }
  return true;
}

}  // namespace

bool parse_tron_base58(std::string_view text, address::Address& out) {
  if (text.size() != 34 || text[0] != 'T') return false;
  std::uint8_t b[25];
  if (!unbase58_34(text, b) || b[0] != address::tron_version) return false;
  std::uint8_t sum[4];
  checksum4(b, 21, sum);
  if (std::memcmp(sum, b + 21, 4) != 0) return false;
  out.chain = Chain::tron;
  out.network = Network::mainnet;
  out.kind = address::Kind::tron;
  out.version = address::tron_version;
  out.payload.assign(b + 1, b + 21);
  out.canonical.assign(text);
  return true;
}

bool twin_text(Chain chain, std::string_view canonical, const config::TwinsConfig& twins, address::Address& scratch,
               std::string& out, Chain& out_chain) {
  if (chain == Chain::evm && twins.evm_tron && canonical.size() == 42) {
    std::uint8_t b[25];
    b[0] = address::tron_version;
    for (int i = 0; i < 20; ++i) {
      const int hi = hex_value(canonical[2 + 2 * i]), lo = hex_value(canonical[3 + 2 * i]);
      if ((hi | lo) < 0) return false;
      b[1 + i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    checksum4(b, 21, b + 21);
    base58_25(b, out);
    out_chain = Chain::tron;
    return true;
  }
  if (chain == Chain::tron && twins.evm_tron && canonical.size() == 34) {
    std::uint8_t b[25];
    if (!unbase58_34(canonical, b)) return false;
    out.assign("0x");
    for (int i = 1; i < 21; ++i) {
      out.push_back(kHex[b[i] >> 4]);
      out.push_back(kHex[b[i] & 15]);
    }
    out_chain = Chain::evm;
    return true;
  }
  if (chain == Chain::evm || chain == Chain::tron || !twins.stacks_bitcoin) return false;  // no parse for nothing
  auto t = twin_of(chain, canonical, twins, scratch);
  if (!t) return false;
  out = std::move(t->canonical);
  out_chain = t->chain;
  return true;
}

}  // namespace detail


}  // namespace fw::watchlist
