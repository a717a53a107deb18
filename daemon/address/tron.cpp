// TRON: base58check of 0x41 || 20 bytes ("T..."), or the same 20 bytes as
// "41" + 40 hex (node APIs) or "0x" + 40 hex (TronGrid v1 events).
#include <cstring>

#include "address/detail/base58.hpp"
#include "address/detail/parsers.hpp"

namespace fw::address {
namespace detail {
namespace {

void fill(const std::uint8_t bytes[20], Address& out) {
  out.chain = Chain::tron;
  out.network = Network::mainnet;  // TRON testnets use the same 0x41 prefix
  out.kind = Kind::tron;
  out.version = tron_version;
  out.payload.assign(bytes, bytes + 20);
}

void append_tron(const std::uint8_t bytes20[20], std::string& s) {
  std::uint8_t payload[21];
  payload[0] = tron_version;
  std::memcpy(payload + 1, bytes20, 20);
  base58check_append(payload, sizeof payload, s);
}

constexpr std::size_t max_base58_chars = 60;

}  // namespace

bool parse_tron(std::string_view text, Address& out, std::string& error) {
  std::uint8_t bytes[20];
  bool hex0x = text.size() >= 2 && text[0] == '0' && text[1] == 'x';
  bool hex41 = text.size() == 42 && text[0] == '4' && text[1] == '1';
  if (hex0x || hex41) {
    if (text.size() != 42) {
      error = "expected 40 hex digits after 0x, got " + std::to_string(text.size() - 2);
      return false;
    }
    // "41" + hex has no checksum convention; "0x" + mixed case must be EIP-55.
    if (!decode_hex20(text.substr(2), 2, hex0x, bytes, error)) return false;
    fill(bytes, out);
    out.canonical.clear();
    append_tron(bytes, out.canonical);
    return true;
  }

  std::uint8_t buf[25];
  if (!decode_base58check_25(text, "TRON", max_base58_chars, buf, error)) return false;
  if (buf[0] != tron_version) {
    error = "wrong version byte " + hex_byte(buf[0]) + " (expected 0x41)";
    return false;
  }
  fill(buf + 1, out);
  // Base58 of a payload with no leading zero byte has exactly one spelling,
  // so a valid input already is the canonical form.
  out.canonical.assign(text);
  return true;
}

}  // namespace detail

std::string tron_address(const std::uint8_t* bytes20) {
  std::string s;
  detail::append_tron(bytes20, s);
  return s;
}

void append_tron_address(const std::uint8_t* bytes20, std::string& out) { detail::append_tron(bytes20, out); }

bool tron_bytes(std::string_view base58_34, std::uint8_t out[25]) noexcept {
  if (base58_34.size() != 34) return false;
  const detail::Decoded d = detail::base58_decode(base58_34, out, 25);
  return d.status == detail::DecodeStatus::ok && d.size == 25;
}

}  // namespace fw::address
