// Crockford base32 as Stacks uses it (c32 / c32check), matching
// stacks-network/c32check: the byte string is one big-endian number written
// in base 32 without leading zero digits, preceded by one '0' per leading
// zero byte. Decoding normalises first (upper case, O -> 0, I/L -> 1).
// Internal to fw_address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "address/detail/codec.hpp"

namespace fw::address::detail {

inline constexpr std::string_view c32_alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

// Value of a c32 digit after normalisation (accepts lower case, O/o, I/i, L/l), or -1.
int c32_digit(char c) noexcept;

// Appends c32encode(bytes).
void c32_append(const std::uint8_t* p, std::size_t n, std::string& out);

// c32checkEncode: version character followed by c32(data || checksum), where
// checksum = first 4 bytes of double_sha256(version || data). version < 32,
// data at most 64 bytes.
void c32check_append(std::uint8_t version, const std::uint8_t* data, std::size_t n, std::string& out);

// c32decode into out[0..cap).
Decoded c32_decode(std::string_view s, std::uint8_t* out, std::size_t cap) noexcept;

}  // namespace fw::address::detail
