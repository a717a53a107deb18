// Bech32 (BIP-173) and bech32m (BIP-350) strings and segwit addresses.
// Internal to fw_address; decoding writes into fixed buffers (no allocation
// unless an error text is produced).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace fw::address::detail {

enum class Bech32Variant : std::uint8_t { bech32, bech32m };

inline constexpr std::size_t bech32_max_length = 90;

struct Bech32String {
  Bech32Variant variant = Bech32Variant::bech32;
  std::string_view hrp;  // as written (may be upper case)
  std::array<std::uint8_t, bech32_max_length> values{};  // 5-bit data values, checksum excluded
  std::size_t size = 0;
};

// Decodes a bech32 or bech32m string (either checksum is accepted; the
// variant found is reported). Returns false with `error` set otherwise.
bool bech32_decode(std::string_view s, Bech32String& out, std::string& error);

// Encodes hrp (lower case expected) and 5-bit values with the variant's checksum.
std::string bech32_encode(std::string_view hrp, std::span<const std::uint8_t> values, Bech32Variant variant);

struct SegwitProgram {
  std::uint8_t version = 0;
  std::array<std::uint8_t, 40> program{};
  std::size_t size = 0;
};

// Decodes a segwit address and applies BIP-173/350 rules (witness version
// 0..16, checksum variant per version, padding, program length). The HRP is
// returned lower-cased in `hrp` but not checked against a network here.
bool segwit_decode(std::string_view s, std::string& hrp, SegwitProgram& out, std::string& error);

// Encodes a segwit address; nullopt when the result would not decode under
// the rules above (bad version or length, upper-case HRP, over 90 chars).
std::optional<std::string> segwit_encode(std::string_view hrp, int version, std::span<const std::uint8_t> program);

}  // namespace fw::address::detail
