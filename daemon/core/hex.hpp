// Hex encoding helpers shared by every module. Pure, header-only.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace fw {

// Hex digit values by byte, -1 for non-digits. A table, not comparisons:
// the digits of hashes and addresses are random, so branches on them
// mispredict about every other character.
inline constexpr std::array<std::int8_t, 256> hex_values = [] {
  std::array<std::int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<std::int8_t>(i);
  for (int i = 0; i < 6; ++i) t['a' + i] = t['A' + i] = static_cast<std::int8_t>(10 + i);
  return t;
}();

constexpr int hex_value(char c) noexcept { return hex_values[static_cast<unsigned char>(c)]; }

// Decodes an even-length hex string, with or without a 0x prefix.
inline std::optional<std::vector<std::uint8_t>> hex_decode(std::string_view s) {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.size() % 2) return std::nullopt;
  std::vector<std::uint8_t> out(s.size() / 2);
  for (std::size_t i = 0; i < out.size(); ++i) {
    int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return out;
}

// Decodes exactly 2 * n hex digits (no prefix) into n bytes; false on a
// non-digit or a wrong length.
inline bool hex_decode_into(std::string_view s, std::uint8_t* out, std::size_t n) noexcept {
  if (s.size() != 2 * n) return false;
  int bad = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
    bad |= hi | lo;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return bad >= 0;
}

// Writes the 2 * n lower-case hex digits of p[0, n) to out.
inline void hex_encode_into(const std::uint8_t* p, std::size_t n, char* out) noexcept {
  static constexpr char digits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
}

inline std::string hex_encode(const std::uint8_t* p, std::size_t n) {
  std::string out(2 * n, '0');
  hex_encode_into(p, n, out.data());
  return out;
}

template <class Bytes>
std::string hex_encode(const Bytes& b) {
  return hex_encode(reinterpret_cast<const std::uint8_t*>(b.data()), b.size());
}

}  // namespace fw
