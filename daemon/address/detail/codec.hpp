// Shared pieces of the internal codecs (base58, c32, bech32): a decode result
// that writes into a caller buffer, and error-text helpers. Internal to fw_address.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/hex.hpp"

namespace fw::address::detail {

enum class DecodeStatus : std::uint8_t { ok, bad_char, too_long };

struct Decoded {
  DecodeStatus status = DecodeStatus::ok;
  std::size_t size = 0;  // bytes written (ok)
  std::size_t pos = 0;   // offending character (bad_char)
};

// "'U'" for printable ASCII, "0x7f" otherwise: error texts never carry raw
// control bytes or broken UTF-8.
std::string describe_char(char c);

// "invalid <what> character 'U' at position 5" (0-based position in the text
// the caller was given).
std::string bad_char_error(std::string_view what, char c, std::size_t pos);

// "0x41"
std::string hex_byte(std::uint8_t b);

// "expected <want> bytes, got <got>"
std::string length_error(std::size_t want, std::size_t got);

using fw::hex_value;  // core/hex.hpp
constexpr bool is_hex(char c) noexcept { return hex_value(c) >= 0; }
constexpr char to_lower_ascii(char c) noexcept { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; }
constexpr char to_upper_ascii(char c) noexcept { return (c >= 'a' && c <= 'z') ? static_cast<char>(c - 32) : c; }

// Appends 4 bytes of double_sha256(data) (base58check and c32check checksum).
void checksum4(const std::uint8_t* data, std::size_t n, std::uint8_t out[4]);

}  // namespace fw::address::detail
