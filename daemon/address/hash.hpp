// Hash functions the address formats are built on, shared with the modules
// that need them later (Stacks txids, EVM event topics, address "twins").
//
// sha256 / double_sha256 / sha512_256 / hash160 use OpenSSL: SHA-256 its
// low-level functions (no allocation or lock per digest; hash.cpp says why),
// the others EVP (digests fetched once per process, one EVP_MD_CTX per thread). keccak256 is our own: OpenSSL 3.0 only has SHA3-256,
// whose padding (0x06) differs from the original Keccak (0x01) that Ethereum
// and TRON use. All functions are pure and thread-safe; they throw
// std::runtime_error only if OpenSSL itself fails (a broken installation).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace fw::address {

using Digest32 = std::array<std::uint8_t, 32>;
using Digest20 = std::array<std::uint8_t, 20>;

using ByteSpan = std::span<const std::uint8_t>;

Digest32 sha256(ByteSpan data);
void sha256_into(const void* data, std::size_t n, std::uint8_t out[32]) noexcept;  // no copy of the result
Digest32 double_sha256(ByteSpan data);  // sha256(sha256(data)): base58check / c32check checksums
Digest32 sha512_256(ByteSpan data);     // SHA-512/256 (FIPS 180-4): Stacks txid
Digest20 hash160(ByteSpan data);        // ripemd160(sha256(data)): Bitcoin / Stacks key hashes
Digest32 keccak256(ByteSpan data) noexcept;  // original Keccak-256: EVM/TRON

// The same over the bytes of a text ("Transfer(address,address,uint256)").
inline ByteSpan as_bytes(std::string_view s) noexcept {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}
inline Digest32 sha256(std::string_view s) { return sha256(as_bytes(s)); }
inline Digest32 double_sha256(std::string_view s) { return double_sha256(as_bytes(s)); }
inline Digest32 sha512_256(std::string_view s) { return sha512_256(as_bytes(s)); }
inline Digest20 hash160(std::string_view s) { return hash160(as_bytes(s)); }
inline Digest32 keccak256(std::string_view s) noexcept { return keccak256(as_bytes(s)); }

}  // namespace fw::address
