#include "address/detail/codec.hpp"

#include "address/hash.hpp"

namespace fw::address::detail {

std::string describe_char(char c) {
  auto u = static_cast<unsigned char>(c);
  if (u >= 0x20 && u < 0x7f) return std::string{'\'', c, '\''};
  return hex_byte(u);
}

std::string hex_byte(std::uint8_t b) {
  static constexpr char digits[] = "0123456789abcdef";
  return std::string{'0', 'x', digits[b >> 4], digits[b & 15]};
}

std::string bad_char_error(std::string_view what, char c, std::size_t pos) {
  std::string s = "invalid ";
  s += what;
  s += " character ";
  s += describe_char(c);
  s += " at position ";
  s += std::to_string(pos);
  return s;
}

std::string length_error(std::size_t want, std::size_t got) {
  return "expected " + std::to_string(want) + " bytes, got " + std::to_string(got);
}

void checksum4(const std::uint8_t* data, std::size_t n, std::uint8_t out[4]) {
  Digest32 h = double_sha256(ByteSpan(data, n));
  for (int i = 0; i < 4; ++i) out[i] = h[i];
}

}  // namespace fw::address::detail
