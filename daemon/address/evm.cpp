// EVM: "0x" + 40 hex digits; EIP-55 mixed case is verified, single case accepted.
#include <algorithm>

#include "address/detail/codec.hpp"
#include "address/detail/parsers.hpp"
#include "address/hash.hpp"

namespace fw::address {
namespace detail {
namespace {
constexpr char hex_lower[] = "0123456789abcdef";
}

void eip55_digits(const std::uint8_t bytes[20], char out[40]) noexcept {
  for (int i = 0; i < 20; ++i) {
    out[2 * i] = hex_lower[bytes[i] >> 4];
    out[2 * i + 1] = hex_lower[bytes[i] & 15];
  }
  // ERC-55: hash the lower-case ASCII digits; a letter is upper-cased when the
  // hash nibble at its index is >= 8.
  Digest32 h = keccak256(ByteSpan(reinterpret_cast<const std::uint8_t*>(out), 40));
  // Without branches: the hash bits are random, so a branch per digit would
  // mispredict half the time. Clearing 0x20 upper-cases 'a'..'f'.
  for (int i = 0; i < 40; ++i) {
    const unsigned nibble = (i % 2 == 0) ? h[i / 2] >> 4 : h[i / 2] & 15u;
    const unsigned upper = static_cast<unsigned>(out[i] >= 'a') & (nibble >> 3);
    out[i] = static_cast<char>(out[i] ^ static_cast<char>(upper << 5));
  }
}

bool decode_hex20(std::string_view hex40, std::size_t offset, bool check_eip55, std::uint8_t out[20],
                  std::string& error) {
  bool lower = false, upper = false;
  for (std::size_t i = 0; i < 20; ++i) {
    char hc = hex40[2 * i], lc = hex40[2 * i + 1];
    int hi = hex_value(hc), lo = hex_value(lc);
    if ((hi | lo) < 0) {
      std::size_t bad = hi < 0 ? 2 * i : 2 * i + 1;
      error = bad_char_error("hex", hex40[bad], offset + bad);
      return false;
    }
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    lower |= (hc >= 'a') | (lc >= 'a');
    upper |= (hc >= 'A' && hc <= 'F') | (lc >= 'A' && lc <= 'F');
  }
  if (check_eip55 && lower && upper) {
    char expected[40];
    eip55_digits(out, expected);
    if (std::string_view(expected, 40) != hex40) {
      error = "bad EIP-55 checksum";
      return false;
    }
  }
  return true;
}

bool parse_evm(std::string_view text, Address& out, std::string& error) {
  if (text.size() < 2 || text[0] != '0' || text[1] != 'x') {
    if (text.size() >= 2 && text[0] == '0' && text[1] == 'X') {
      error = "expected '0x' prefix, got '0X'";
    } else if (text.size() == 40 && std::all_of(text.begin(), text.end(), is_hex)) {
      error = "missing 0x prefix";
    } else {
      error = "expected 0x followed by 40 hex digits";
    }
    return false;
  }
  if (text.size() != 42) {
    error = "expected 40 hex digits after 0x, got " + std::to_string(text.size() - 2);
    return false;
  }
  std::uint8_t bytes[20];
  if (!decode_hex20(text.substr(2), 2, true, bytes, error)) return false;
  out.chain = Chain::evm;
  out.network = Network::mainnet;
  out.kind = Kind::evm;
  out.version = 0;
  out.canonical.resize(42);
  out.canonical[0] = '0';
  out.canonical[1] = 'x';
  for (std::size_t i = 0; i < 20; ++i) {
    out.canonical[2 + 2 * i] = hex_lower[bytes[i] >> 4];
    out.canonical[3 + 2 * i] = hex_lower[bytes[i] & 15];
  }
  out.payload.assign(bytes, bytes + 20);
  return true;
}

}  // namespace detail

std::string to_eip55(const std::uint8_t* bytes20) {
  std::string s(42, '0');
  s[1] = 'x';
  detail::eip55_digits(bytes20, s.data() + 2);
  return s;
}

std::string evm_address(const std::uint8_t* bytes20) {
  std::string s(42, '0');
  s[1] = 'x';
  for (int i = 0; i < 20; ++i) {
    s[2 + 2 * i] = detail::hex_lower[bytes20[i] >> 4];
    s[3 + 2 * i] = detail::hex_lower[bytes20[i] & 15];
  }
  return s;
}

}  // namespace fw::address
