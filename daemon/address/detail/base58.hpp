// Bitcoin-alphabet base58 and base58check. Internal to fw_address.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "address/detail/codec.hpp"

namespace fw::address::detail {

inline constexpr std::string_view base58_alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

// Value of a base58 digit, or -1.
int base58_digit(char c) noexcept;

// Appends the base58 text of n bytes (one '1' per leading zero byte).
void base58_append(const std::uint8_t* p, std::size_t n, std::string& out);

// Appends base58(payload || first 4 bytes of double_sha256(payload)).
// payload must be at most 64 bytes.
void base58check_append(const std::uint8_t* payload, std::size_t n, std::string& out);

// Decodes into out[0..cap). too_long when the value needs more than cap bytes.
Decoded base58_decode(std::string_view s, std::uint8_t* out, std::size_t cap) noexcept;

// True when the last 4 bytes of data[0..n) are the base58check checksum of the rest.
bool checksum_ok(const std::uint8_t* data, std::size_t n);

// Decodes a base58check address of version byte + 20 bytes + checksum into
// out[0..25) (TRON and Bitcoin P2PKH/P2SH share this shape). On failure sets a
// short reason ("bad checksum", "invalid base58 character ...", "expected 20
// bytes, got N"); `what` names the chain in the too-long message.
bool decode_base58check_25(std::string_view text, std::string_view what, std::size_t max_chars,
                           std::uint8_t (&out)[25], std::string& error);

}  // namespace fw::address::detail
