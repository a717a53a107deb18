#include "core/amount.hpp"

#include <algorithm>

namespace fw {

bool Amount::mul_small(std::uint32_t m) noexcept {
  Amount r;
  unsigned __int128 carry = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned __int128 v = static_cast<unsigned __int128>(limbs_[i]) * m + carry;
    r.limbs_[i] = static_cast<std::uint64_t>(v);
    carry = v >> 64;
  }
  if (carry) return false;
  *this = r;
  return true;
}

bool Amount::add(const Amount& o) noexcept {
  Amount r;
  unsigned __int128 carry = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned __int128 v = static_cast<unsigned __int128>(limbs_[i]) + o.limbs_[i] + carry;
    r.limbs_[i] = static_cast<std::uint64_t>(v);
    carry = v >> 64;
  }
  if (carry) return false;
  *this = r;
  return true;
}

std::uint32_t Amount::divmod_small(std::uint32_t d) noexcept {
  unsigned __int128 rem = 0;
  for (int i = 3; i >= 0; --i) {
    unsigned __int128 cur = (rem << 64) | limbs_[i];
    limbs_[i] = static_cast<std::uint64_t>(cur / d);
    rem = cur % d;
  }
  return static_cast<std::uint32_t>(rem);
}

std::optional<Amount> Amount::from_decimal(std::string_view digits) noexcept {
  if (digits.empty() || digits.size() > 78) return std::nullopt;
  Amount a;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    if (!a.mul_small(10) || !a.add(Amount(static_cast<std::uint64_t>(c - '0')))) return std::nullopt;
  }
  return a;
}

std::optional<Amount> Amount::from_hex(std::string_view hex) noexcept {
  if (hex.size() >= 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) hex.remove_prefix(2);
  while (!hex.empty() && hex.front() == '0') hex.remove_prefix(1);
  if (hex.size() > 64) return std::nullopt;
  Amount a;
  std::size_t bit = 0;
  for (auto it = hex.rbegin(); it != hex.rend(); ++it, bit += 4) {
    char c = *it;
    std::uint64_t v;
    if (c >= '0' && c <= '9') v = static_cast<std::uint64_t>(c - '0');
    else if (c >= 'a' && c <= 'f') v = static_cast<std::uint64_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v = static_cast<std::uint64_t>(c - 'A' + 10);
    else return std::nullopt;
    a.limbs_[bit / 64] |= v << (bit % 64);
  }
  return a;
}

Amount Amount::from_be_bytes(const std::uint8_t* p, std::size_t n) noexcept {
  Amount a;
  if (n > 32) {  // keep the low 32 bytes; callers pass exactly 32
    p += n - 32;
    n = 32;
  }
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t byte_from_lsb = n - 1 - i;
    a.limbs_[byte_from_lsb / 8] |= static_cast<std::uint64_t>(p[i]) << (8 * (byte_from_lsb % 8));
  }
  return a;
}

std::string Amount::to_decimal() const {
  if (is_zero()) return "0";
  Amount t = *this;
  std::string out;
  while (!t.is_zero()) out.push_back(static_cast<char>('0' + t.divmod_small(10)));
  std::reverse(out.begin(), out.end());
  return out;
}

std::string Amount::to_decimal(unsigned decimals) const {
  std::string digits = to_decimal();
  if (decimals == 0) return digits;
  if (digits.size() <= decimals) digits.insert(0, decimals - digits.size() + 1, '0');
  std::string int_part = digits.substr(0, digits.size() - decimals);
  std::string frac = digits.substr(digits.size() - decimals);
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return frac.empty() ? int_part : int_part + "." + frac;
}

}  // namespace fw
