// Exact unsigned 256-bit integer for token amounts in base units.
// Amounts are never doubles: ERC-20 values are uint256, Stacks FT amounts
// are u128, and a rounding error in a freeze request is a wrong request.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fw {

class Amount {
 public:
  constexpr Amount() noexcept = default;
  constexpr explicit Amount(std::uint64_t v) noexcept : limbs_{v, 0, 0, 0} {}

  // Decimal digits only ("0".."115792...935"); nullopt on empty, non-digit or overflow.
  static std::optional<Amount> from_decimal(std::string_view digits) noexcept;
  // Hex with or without "0x"/"0X"; "0x" alone is zero (EVM quantity style). nullopt on overflow.
  static std::optional<Amount> from_hex(std::string_view hex) noexcept;
  // 32 big-endian bytes (an ABI-encoded uint256 word).
  static Amount from_be_bytes(const std::uint8_t* p, std::size_t n) noexcept;

  std::string to_decimal() const;
  // Base units rendered with `decimals` fraction digits, trailing zeros trimmed:
  // 1234567 with 6 decimals -> "1.234567"; 1000000 -> "1"; 5 -> "0.000005".
  std::string to_decimal(unsigned decimals) const;

  bool is_zero() const noexcept { return (limbs_[0] | limbs_[1] | limbs_[2] | limbs_[3]) == 0; }

  // Wrapping is a bug for amounts: these return false on overflow and leave *this unchanged.
  bool add(const Amount& o) noexcept;
  bool mul_small(std::uint32_t m) noexcept;

  friend bool operator==(const Amount&, const Amount&) noexcept = default;
  friend std::strong_ordering operator<=>(const Amount& a, const Amount& b) noexcept {
    for (int i = 3; i >= 0; --i)
      if (a.limbs_[i] != b.limbs_[i]) return a.limbs_[i] <=> b.limbs_[i];
    return std::strong_ordering::equal;
  }

 private:
  // Divides in place by d, returns the remainder.
  std::uint32_t divmod_small(std::uint32_t d) noexcept;
  std::array<std::uint64_t, 4> limbs_{};  // little-endian limbs
};

}  // namespace fw
