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

inline std::string hex_encode(const std::uint8_t* p, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(2 * n, '0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 15];
  }
  return out;
}

template <class Bytes>
std::string hex_encode(const Bytes& b) {
  return hex_encode(reinterpret_cast<const std::uint8_t*>(b.data()), b.size());
}

}  // namespace fw
