// Bitcoin: base58check P2PKH/P2SH (case-sensitive, kept as given) and segwit
// bech32 (v0) / bech32m (v1..16) for the bc, tb and bcrt prefixes (kept in
// lower case).
#include <cstring>

#include "address/detail/base58.hpp"
#include "address/detail/bech32.hpp"
#include "address/detail/parsers.hpp"

namespace fw::address {
namespace detail {
namespace {

constexpr std::size_t max_base58_chars = 35;  // 25 bytes never need more

bool starts_with_ci(std::string_view s, std::string_view prefix) noexcept {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (to_lower_ascii(s[i]) != prefix[i]) return false;
  }
  return true;
}

bool known_hrp(std::string_view hrp, Network& network) noexcept {
  if (hrp == "bc") {
    network = Network::mainnet;
    return true;
  }
  if (hrp == "tb" || hrp == "bcrt") {
    network = Network::testnet;
    return true;
  }
  return false;
}

std::string unknown_hrp_error(std::string_view hrp) {
  // Callers pass printable ASCII only (bech32_decode checked it).
  std::string shown;
  for (char c : hrp.substr(0, 16)) shown += to_lower_ascii(c);
  if (hrp.size() > 16) shown += "...";
  return "unknown bech32 prefix '" + shown + "' (expected bc, tb or bcrt)";
}

bool parse_segwit(std::string_view text, Address& out, std::string& error) {
  std::string hrp;
  SegwitProgram prog;
  if (!segwit_decode(text, hrp, prog, error)) return false;
  Network network;
  if (!known_hrp(hrp, network)) {
    error = unknown_hrp_error(hrp);
    return false;
  }
  out.chain = Chain::bitcoin;
  out.network = network;
  out.kind = Kind::bitcoin_segwit;
  out.version = prog.version;
  out.payload.assign(prog.program.data(), prog.program.data() + prog.size);
  out.canonical.assign(text);
  for (char& c : out.canonical) c = to_lower_ascii(c);
  return true;
}

bool parse_base58(std::string_view text, Address& out, std::string& error) {
  std::uint8_t buf[25];
  if (!decode_base58check_25(text, "bitcoin", max_base58_chars, buf, error)) return false;
  switch (buf[0]) {
    case bitcoin_mainnet_p2pkh: out.kind = Kind::bitcoin_p2pkh; out.network = Network::mainnet; break;
    case bitcoin_mainnet_p2sh: out.kind = Kind::bitcoin_p2sh; out.network = Network::mainnet; break;
    case bitcoin_testnet_p2pkh: out.kind = Kind::bitcoin_p2pkh; out.network = Network::testnet; break;
    case bitcoin_testnet_p2sh: out.kind = Kind::bitcoin_p2sh; out.network = Network::testnet; break;
    default:
      error = "unsupported base58 version byte " + std::to_string(buf[0]) + " (expected 0, 5, 111 or 196)";
      return false;
  }
  out.chain = Chain::bitcoin;
  out.version = buf[0];
  out.payload.assign(buf + 1, buf + 21);
  // Base58 has exactly one spelling per byte string, so a valid input is canonical.
  out.canonical.assign(text);
  return true;
}

}  // namespace

bool parse_bitcoin(std::string_view text, Address& out, std::string& error) {
  if (starts_with_ci(text, "bc1") || starts_with_ci(text, "tb1") || starts_with_ci(text, "bcrt1")) {
    return parse_segwit(text, out, error);
  }
  // Longer than any base58 address and shaped like "<prefix>1<data>": a
  // bech32 address for another network (ltc1..., tc1...); say so.
  if (text.size() > max_base58_chars) {
    std::size_t sep = text.find('1');
    bool letters = sep != std::string_view::npos && sep > 0;
    for (std::size_t i = 0; letters && i < sep; ++i) {
      char c = to_lower_ascii(text[i]);
      letters = c >= 'a' && c <= 'z';
    }
    if (letters) {
      error = unknown_hrp_error(text.substr(0, sep));
      return false;
    }
  }
  return parse_base58(text, out, error);
}

}  // namespace detail

std::string bitcoin_base58_address(std::uint8_t version, const std::uint8_t* hash160) {
  std::uint8_t payload[21];
  payload[0] = version;
  std::memcpy(payload + 1, hash160, 20);
  std::string s;
  detail::base58check_append(payload, sizeof payload, s);
  return s;
}

}  // namespace fw::address
