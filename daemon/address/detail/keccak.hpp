// Keccak sponge with a 256-bit output (rate 136 bytes). Internal: use
// keccak256() from address/hash.hpp. `domain_pad` is the first padding byte:
// 0x01 for original Keccak-256, 0x06 for FIPS-202 SHA3-256 (tests compare the
// latter against OpenSSL to check the permutation and block handling).
#pragma once

#include <cstdint>

#include "address/hash.hpp"

namespace fw::address::detail {

Digest32 keccak_sponge_256(ByteSpan data, std::uint8_t domain_pad) noexcept;

}  // namespace fw::address::detail
