#include "address/detail/c32.hpp"

#include <array>
#include <cstring>

namespace fw::address::detail {
namespace {

constexpr std::array<std::int8_t, 128> make_c32_table() {
  std::array<std::int8_t, 128> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < c32_alphabet.size(); ++i) {
    char c = c32_alphabet[i];
    t[static_cast<unsigned char>(c)] = static_cast<std::int8_t>(i);
    t[static_cast<unsigned char>(to_lower_ascii(c))] = static_cast<std::int8_t>(i);
  }
  // c32normalize: O -> 0, I and L -> 1, in either case.
  t['O'] = t['o'] = 0;
  t['I'] = t['i'] = t['L'] = t['l'] = 1;
  return t;
}
constexpr auto c32_table = make_c32_table();

constexpr std::size_t max_bytes = 64;

}  // namespace

int c32_digit(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return u < 128 ? c32_table[u] : -1;
}

void c32_append(const std::uint8_t* p, std::size_t n, std::string& out) {
  std::size_t zeros = 0;
  while (zeros < n && p[zeros] == 0) ++zeros;
  // 5-bit groups from the least significant end.
  char digits[max_bytes * 8 / 5 + 2];
  std::size_t len = 0;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = n; i > zeros; --i) {
    acc |= static_cast<std::uint32_t>(p[i - 1]) << bits;
    bits += 8;
    while (bits >= 5) {
      digits[len++] = static_cast<char>(acc & 31);
      acc >>= 5;
      bits -= 5;
    }
  }
  if (bits > 0) digits[len++] = static_cast<char>(acc & 31);
  while (len && digits[len - 1] == 0) --len;  // no leading zero digits
  out.append(zeros, '0');
  while (len) out.push_back(c32_alphabet[static_cast<std::size_t>(digits[--len])]);
}

void c32check_append(std::uint8_t version, const std::uint8_t* data, std::size_t n, std::string& out) {
  std::uint8_t buf[1 + max_bytes + 4];
  buf[0] = version;
  std::memcpy(buf + 1, data, n);
  checksum4(buf, n + 1, buf + 1 + n);
  out.push_back(c32_alphabet[version & 31]);
  c32_append(buf + 1, n + 4, out);
}

Decoded c32_decode(std::string_view s, std::uint8_t* out, std::size_t cap) noexcept {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (c32_digit(s[i]) < 0) return {DecodeStatus::bad_char, 0, i};
  }
  std::size_t zeros = 0;
  while (zeros < s.size() && c32_digit(s[zeros]) == 0) ++zeros;
  if (zeros > cap) return {DecodeStatus::too_long, 0, 0};
  // Bytes of the number, least significant first, written from the end of out.
  std::size_t len = 0;
  std::uint32_t acc = 0;
  int bits = 0;
  for (std::size_t i = s.size(); i > zeros; --i) {
    int d = c32_digit(s[i - 1]);
    acc |= static_cast<std::uint32_t>(d) << bits;
    bits += 5;
    if (bits >= 8) {
      if (len == cap) return {DecodeStatus::too_long, 0, 0};
      out[cap - 1 - len++] = static_cast<std::uint8_t>(acc);
      acc >>= 8;
      bits -= 8;
    }
  }
  if (bits > 0 && acc != 0) {
    if (len == cap) return {DecodeStatus::too_long, 0, 0};
    out[cap - 1 - len++] = static_cast<std::uint8_t>(acc);
  }
  while (len && out[cap - len] == 0) --len;  // minimal big-endian number
  if (zeros + len > cap) return {DecodeStatus::too_long, 0, 0};
  std::memmove(out + zeros, out + cap - len, len);
  std::memset(out, 0, zeros);
  return {DecodeStatus::ok, zeros + len, 0};
}

}  // namespace fw::address::detail
