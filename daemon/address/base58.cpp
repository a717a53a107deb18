#include "address/detail/base58.hpp"

#include <algorithm>
#include <array>
#include <cstring>

namespace fw::address::detail {
namespace {

constexpr std::array<std::int8_t, 128> make_base58_table() {
  std::array<std::int8_t, 128> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < base58_alphabet.size(); ++i) t[static_cast<unsigned char>(base58_alphabet[i])] = static_cast<std::int8_t>(i);
  return t;
}
constexpr auto base58_table = make_base58_table();

constexpr std::size_t max_bytes = 64;

}  // namespace

int base58_digit(char c) noexcept {
  auto u = static_cast<unsigned char>(c);
  return u < 128 ? base58_table[u] : -1;
}

void base58_append(const std::uint8_t* p, std::size_t n, std::string& out) {
  std::size_t zeros = 0;
  while (zeros < n && p[zeros] == 0) ++zeros;
  // Long division in limbs of 58^5 (< 2^30), least significant first, fed up
  // to 32 bits at a time so that every step fits in 64 bits and divides by a
  // constant: a quarter of the steps of byte-at-a-time (the TRON twins of a
  // large EVM list are encoded here).
  constexpr std::uint64_t pow58_5 = 656356768ull;
  std::uint64_t limb[(max_bytes + 4) * 137 / 500 + 2];  // n <= max_bytes + 4 (base58check)
  std::size_t used = 0;
  auto feed = [&](std::uint64_t carry, unsigned bits) {
    for (std::size_t j = 0; j < used; ++j) {
      carry += limb[j] << bits;
      limb[j] = carry % pow58_5;
      carry /= pow58_5;
    }
    while (carry) {
      limb[used++] = carry % pow58_5;
      carry /= pow58_5;
    }
  };
  std::size_t i = zeros;
  for (const std::size_t head = (n - zeros) % 4; i < zeros + head; ++i) feed(p[i], 8);
  for (; i < n; i += 4) {
    feed(std::uint64_t{p[i]} << 24 | std::uint64_t{p[i + 1]} << 16 | std::uint64_t{p[i + 2]} << 8 | p[i + 3], 32);
  }
  char digits[sizeof limb / sizeof limb[0] * 5];
  std::size_t len = 0;
  for (std::size_t j = 0; j < used; ++j) {
    std::uint64_t v = limb[j];
    for (int k = 0; k < 5; ++k) {
      digits[len++] = base58_alphabet[v % 58];
      v /= 58;
    }
  }
  while (len > 0 && digits[len - 1] == '1') --len;  // the top limb's leading zeros
  out.append(zeros, '1');
  while (len) out.push_back(digits[--len]);
}

void base58check_append(const std::uint8_t* payload, std::size_t n, std::string& out) {
  std::uint8_t buf[max_bytes + 4];
  std::memcpy(buf, payload, n);
  checksum4(payload, n, buf + n);
  base58_append(buf, n + 4, out);
}

Decoded base58_decode(std::string_view s, std::uint8_t* out, std::size_t cap) noexcept {
  std::size_t zeros = 0;
  while (zeros < s.size() && s[zeros] == '1') ++zeros;
  if (zeros > cap) return {DecodeStatus::too_long, 0, 0};
  // The number in 32-bit limbs, least significant first, fed up to five
  // digits at a time (58^5 < 2^32): a fifth of the steps of byte-wise long
  // multiplication, which cost ~1 us per address.
  constexpr std::size_t max_limbs = (max_bytes + 3) / 4 + 1;
  std::uint32_t limb[max_limbs];
  const std::size_t limbs_cap = std::min(max_limbs, (cap + 3) / 4 + 1);
  std::size_t used = 0;
  for (std::size_t i = zeros; i < s.size();) {
    std::uint64_t carry = 0, mult = 1;
    for (std::size_t e = std::min(s.size(), i + 5); i < e; ++i) {
      const int d = base58_digit(s[i]);
      if (d < 0) return {DecodeStatus::bad_char, 0, i};
      carry = carry * 58 + static_cast<std::uint64_t>(d);
      mult *= 58;
    }
    for (std::size_t j = 0; j < used; ++j) {
      carry += std::uint64_t{limb[j]} * mult;
      limb[j] = static_cast<std::uint32_t>(carry);
      carry >>= 32;
    }
    while (carry) {
      if (used == limbs_cap) return {DecodeStatus::too_long, 0, 0};
      limb[used++] = static_cast<std::uint32_t>(carry);
      carry >>= 32;
    }
  }
  // Minimal big-endian bytes of the number after the leading zero bytes.
  std::size_t len = used * 4;
  while (len > 0 && (limb[(len - 1) / 4] >> (8 * ((len - 1) % 4)) & 0xFF) == 0) --len;
  if (zeros + len > cap) return {DecodeStatus::too_long, 0, 0};
  std::memset(out, 0, zeros);
  for (std::size_t k = 0; k < len; ++k) {
    const std::size_t b = len - 1 - k;  // byte index from the least significant end
    out[zeros + k] = static_cast<std::uint8_t>(limb[b / 4] >> (8 * (b % 4)));
  }
  return {DecodeStatus::ok, zeros + len, 0};
}

bool checksum_ok(const std::uint8_t* data, std::size_t n) {
  if (n < 4) return false;
  std::uint8_t sum[4];
  checksum4(data, n - 4, sum);
  return std::memcmp(sum, data + n - 4, 4) == 0;
}

bool decode_base58check_25(std::string_view text, std::string_view what, std::size_t max_chars,
                           std::uint8_t (&out)[25], std::string& error) {
  if (text.size() > max_chars) {
    error = std::string(what) + " address too long (" + std::to_string(text.size()) + " characters)";
    return false;
  }
  std::uint8_t buf[64];
  Decoded d = base58_decode(text, buf, sizeof buf);
  if (d.status == DecodeStatus::bad_char) {
    error = bad_char_error("base58", text[d.pos], d.pos);
    return false;
  }
  if (d.status != DecodeStatus::ok || d.size != 25) {
    std::size_t n = d.status == DecodeStatus::ok ? d.size : sizeof buf;
    error = length_error(20, n > 5 ? n - 5 : 0);
    return false;
  }
  if (!checksum_ok(buf, 25)) {
    error = "bad checksum";
    return false;
  }
  std::copy(buf, buf + 25, out);
  return true;
}

}  // namespace fw::address::detail
