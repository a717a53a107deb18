// Stacks: "S" + c32check(version, hash160), optionally ".<contract-name>".
// Matches stacks-network/c32check (c32addressDecode): the input is normalised
// (upper case, O -> 0, I/L -> 1), decoded, checked, and re-encoded; the
// re-encoded string is the canonical form.
#include <cstring>

#include "address/detail/c32.hpp"
#include "address/detail/parsers.hpp"

namespace fw::address {
namespace detail {
namespace {

constexpr std::size_t max_contract_name = 128;
constexpr std::size_t max_c32_chars = 64;  // 24 bytes need 39; anything longer is garbage

bool is_alpha(char c) noexcept { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_name_char(char c) noexcept { return is_alpha(c) || (c >= '0' && c <= '9') || c == '-' || c == '_'; }

// Hiro's isValidContractName: ^[a-zA-Z]([a-zA-Z0-9]|[-_])*$, 1..128 chars.
bool check_contract_name(std::string_view name, std::size_t offset, std::string& error) {
  if (name.empty()) {
    error = "empty contract name";
    return false;
  }
  if (name.size() > max_contract_name) {
    error = "contract name too long (" + std::to_string(name.size()) + " characters, at most 128)";
    return false;
  }
  if (!is_alpha(name[0])) {
    error = "contract name must start with a letter, got " + describe_char(name[0]);
    return false;
  }
  for (std::size_t i = 1; i < name.size(); ++i) {
    if (!is_name_char(name[i])) {
      error = bad_char_error("contract name", name[i], offset + i);
      return false;
    }
  }
  return true;
}

}  // namespace

bool parse_stacks(std::string_view text, Address& out, std::string& error) {
  std::size_t dot = text.find('.');
  std::string_view addr = text.substr(0, dot);
  if (addr.empty() || (addr[0] != 'S' && addr[0] != 's')) {
    error = "Stacks address must start with 'S'";
    return false;
  }
  if (addr.size() <= 5) {
    error = "Stacks address too short";
    return false;
  }
  if (addr.size() > 2 + max_c32_chars) {
    error = "Stacks address too long (" + std::to_string(addr.size()) + " characters)";
    return false;
  }
  int version = c32_digit(addr[1]);
  if (version < 0) {
    error = bad_char_error("c32", addr[1], 1);
    return false;
  }
  if (version != stacks_mainnet_p2pkh && version != stacks_mainnet_p2sh && version != stacks_testnet_p2pkh &&
      version != stacks_testnet_p2sh) {
    error = "unsupported Stacks version " + describe_char(c32_alphabet[static_cast<std::size_t>(version)]) +
            " (expected SP, SM, ST or SN)";
    return false;
  }

  // data = version || hash160 || checksum, so the checksum input is contiguous.
  std::uint8_t data[1 + 64];
  Decoded d = c32_decode(addr.substr(2), data + 1, sizeof data - 1);
  if (d.status == DecodeStatus::bad_char) {
    error = bad_char_error("c32", addr[2 + d.pos], 2 + d.pos);
    return false;
  }
  if (d.status != DecodeStatus::ok || d.size != 24) {
    std::size_t n = d.status == DecodeStatus::ok ? d.size : sizeof data - 1;
    error = length_error(20, n > 4 ? n - 4 : 0);
    return false;
  }
  data[0] = static_cast<std::uint8_t>(version);
  std::uint8_t sum[4];
  checksum4(data, 21, sum);
  if (std::memcmp(sum, data + 21, 4) != 0) {
    error = "bad checksum";
    return false;
  }

  std::string_view name;
  if (dot != std::string_view::npos) {
    name = text.substr(dot + 1);
    if (!check_contract_name(name, dot + 1, error)) return false;
  }

  out.chain = Chain::stacks;
  out.network = (version == stacks_mainnet_p2pkh || version == stacks_mainnet_p2sh) ? Network::mainnet
                                                                                       : Network::testnet;
  out.kind = dot == std::string_view::npos ? Kind::stacks_standard : Kind::stacks_contract;
  out.version = static_cast<std::uint8_t>(version);
  out.payload.assign(data + 1, data + 21);
  // Re-encode = c32check_append(version, hash160), reusing the checksum
  // just verified instead of hashing again.
  out.canonical.clear();
  out.canonical.push_back('S');
  out.canonical.push_back(c32_alphabet[static_cast<std::size_t>(version)]);
  c32_append(data + 1, 24, out.canonical);
  if (!name.empty()) {
    out.canonical.push_back('.');
    out.canonical.append(name);
  }
  return true;
}

}  // namespace detail

std::string stacks_address(std::uint8_t version, const std::uint8_t* hash160) {
  if (version >= 32) return {};
  std::string s(1, 'S');
  detail::c32check_append(version, hash160, 20, s);
  return s;
}

std::optional<std::uint8_t> bitcoin_version_for_stacks(std::uint8_t v) noexcept {
  switch (v) {
    case stacks_mainnet_p2pkh: return bitcoin_mainnet_p2pkh;
    case stacks_mainnet_p2sh: return bitcoin_mainnet_p2sh;
    case stacks_testnet_p2pkh: return bitcoin_testnet_p2pkh;
    case stacks_testnet_p2sh: return bitcoin_testnet_p2sh;
  }
  return std::nullopt;
}

std::optional<std::uint8_t> stacks_version_for_bitcoin(std::uint8_t v) noexcept {
  switch (v) {
    case bitcoin_mainnet_p2pkh: return stacks_mainnet_p2pkh;
    case bitcoin_mainnet_p2sh: return stacks_mainnet_p2sh;
    case bitcoin_testnet_p2pkh: return stacks_testnet_p2pkh;
    case bitcoin_testnet_p2sh: return stacks_testnet_p2sh;
  }
  return std::nullopt;
}

}  // namespace fw::address
