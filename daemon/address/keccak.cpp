// Keccak-f[1600] and the 256-bit sponge, written from the FIPS-202 / Keccak
// reference description. Lanes are loaded little-endian byte by byte, so the
// code does not depend on host endianness.
#include "address/detail/keccak.hpp"

#include <array>
#include <bit>
#include <cstring>

namespace fw::address {
namespace detail {
namespace {

constexpr std::uint64_t round_constants[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL,
};

constexpr std::size_t rate = 136;  // 1600 - 2 * 256 bits, in bytes

// Keccak-f[1600], straight-line. Lane i = x + 5y. One round is theta
// (c = column parities, d = c[x-1] ^ rot(c[x+1], 1)), then rho and pi, which
// move lane (x, y), rotated by rho[x, y], to (y, 2x + 3y), then chi along each
// row of the moved lanes, then iota on lane 0. Each output row Y is computed
// from its five source lanes b0..b4 (lane (X, Y) of the moved state comes from
// x = 3 (Y - 3X) mod 5, y = X), so the state stays in 25 local variables
// instead of an array that is stored and reloaded every round; two rounds per
// iteration swap the roles of a* and e*. Generated from that description with
// the FIPS 202 rho offsets; checked against the test vectors and OpenSSL's
// SHA3-256 in hash_test.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
// A second build for CPUs with BMI (andn for chi) and the other x86-64-v3
// instructions, picked at load time; ~15 % faster where available.
__attribute__((target_clones("default", "arch=x86-64-v3")))
#endif
void keccak_f1600(std::uint64_t s[25]) noexcept {
  std::uint64_t a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4], a5 = s[5], a6 = s[6], a7 = s[7], a8 = s[8], a9 = s[9], a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14], a15 = s[15], a16 = s[16], a17 = s[17], a18 = s[18], a19 = s[19], a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
  std::uint64_t e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19, e20, e21, e22, e23, e24;
  std::uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4;
  for (int r = 0; r < 24; r += 2) {
    c0 = a0 ^ a5 ^ a10 ^ a15 ^ a20;
    c1 = a1 ^ a6 ^ a11 ^ a16 ^ a21;
    c2 = a2 ^ a7 ^ a12 ^ a17 ^ a22;
    c3 = a3 ^ a8 ^ a13 ^ a18 ^ a23;
    c4 = a4 ^ a9 ^ a14 ^ a19 ^ a24;
    d0 = c4 ^ std::rotl(c1, 1);
    d1 = c0 ^ std::rotl(c2, 1);
    d2 = c1 ^ std::rotl(c3, 1);
    d3 = c2 ^ std::rotl(c4, 1);
    d4 = c3 ^ std::rotl(c0, 1);
    b0 = a0 ^ d0;
    b1 = std::rotl(a6 ^ d1, 44);
    b2 = std::rotl(a12 ^ d2, 43);
    b3 = std::rotl(a18 ^ d3, 21);
    b4 = std::rotl(a24 ^ d4, 14);
    e0 = b0 ^ (~b1 & b2) ^ round_constants[r];
    e1 = b1 ^ (~b2 & b3);
    e2 = b2 ^ (~b3 & b4);
    e3 = b3 ^ (~b4 & b0);
    e4 = b4 ^ (~b0 & b1);
    b0 = std::rotl(a3 ^ d3, 28);
    b1 = std::rotl(a9 ^ d4, 20);
    b2 = std::rotl(a10 ^ d0, 3);
    b3 = std::rotl(a16 ^ d1, 45);
    b4 = std::rotl(a22 ^ d2, 61);
    e5 = b0 ^ (~b1 & b2);
    e6 = b1 ^ (~b2 & b3);
    e7 = b2 ^ (~b3 & b4);
    e8 = b3 ^ (~b4 & b0);
    e9 = b4 ^ (~b0 & b1);
    b0 = std::rotl(a1 ^ d1, 1);
    b1 = std::rotl(a7 ^ d2, 6);
    b2 = std::rotl(a13 ^ d3, 25);
    b3 = std::rotl(a19 ^ d4, 8);
    b4 = std::rotl(a20 ^ d0, 18);
    e10 = b0 ^ (~b1 & b2);
    e11 = b1 ^ (~b2 & b3);
    e12 = b2 ^ (~b3 & b4);
    e13 = b3 ^ (~b4 & b0);
    e14 = b4 ^ (~b0 & b1);
    b0 = std::rotl(a4 ^ d4, 27);
    b1 = std::rotl(a5 ^ d0, 36);
    b2 = std::rotl(a11 ^ d1, 10);
    b3 = std::rotl(a17 ^ d2, 15);
    b4 = std::rotl(a23 ^ d3, 56);
    e15 = b0 ^ (~b1 & b2);
    e16 = b1 ^ (~b2 & b3);
    e17 = b2 ^ (~b3 & b4);
    e18 = b3 ^ (~b4 & b0);
    e19 = b4 ^ (~b0 & b1);
    b0 = std::rotl(a2 ^ d2, 62);
    b1 = std::rotl(a8 ^ d3, 55);
    b2 = std::rotl(a14 ^ d4, 39);
    b3 = std::rotl(a15 ^ d0, 41);
    b4 = std::rotl(a21 ^ d1, 2);
    e20 = b0 ^ (~b1 & b2);
    e21 = b1 ^ (~b2 & b3);
    e22 = b2 ^ (~b3 & b4);
    e23 = b3 ^ (~b4 & b0);
    e24 = b4 ^ (~b0 & b1);
    c0 = e0 ^ e5 ^ e10 ^ e15 ^ e20;
    c1 = e1 ^ e6 ^ e11 ^ e16 ^ e21;
    c2 = e2 ^ e7 ^ e12 ^ e17 ^ e22;
    c3 = e3 ^ e8 ^ e13 ^ e18 ^ e23;
    c4 = e4 ^ e9 ^ e14 ^ e19 ^ e24;
    d0 = c4 ^ std::rotl(c1, 1);
    d1 = c0 ^ std::rotl(c2, 1);
    d2 = c1 ^ std::rotl(c3, 1);
    d3 = c2 ^ std::rotl(c4, 1);
    d4 = c3 ^ std::rotl(c0, 1);
    b0 = e0 ^ d0;
    b1 = std::rotl(e6 ^ d1, 44);
    b2 = std::rotl(e12 ^ d2, 43);
    b3 = std::rotl(e18 ^ d3, 21);
    b4 = std::rotl(e24 ^ d4, 14);
    a0 = b0 ^ (~b1 & b2) ^ round_constants[r + 1];
    a1 = b1 ^ (~b2 & b3);
    a2 = b2 ^ (~b3 & b4);
    a3 = b3 ^ (~b4 & b0);
    a4 = b4 ^ (~b0 & b1);
    b0 = std::rotl(e3 ^ d3, 28);
    b1 = std::rotl(e9 ^ d4, 20);
    b2 = std::rotl(e10 ^ d0, 3);
    b3 = std::rotl(e16 ^ d1, 45);
    b4 = std::rotl(e22 ^ d2, 61);
    a5 = b0 ^ (~b1 & b2);
    a6 = b1 ^ (~b2 & b3);
    a7 = b2 ^ (~b3 & b4);
    a8 = b3 ^ (~b4 & b0);
    a9 = b4 ^ (~b0 & b1);
    b0 = std::rotl(e1 ^ d1, 1);
    b1 = std::rotl(e7 ^ d2, 6);
    b2 = std::rotl(e13 ^ d3, 25);
    b3 = std::rotl(e19 ^ d4, 8);
    b4 = std::rotl(e20 ^ d0, 18);
    a10 = b0 ^ (~b1 & b2);
    a11 = b1 ^ (~b2 & b3);
    a12 = b2 ^ (~b3 & b4);
    a13 = b3 ^ (~b4 & b0);
    a14 = b4 ^ (~b0 & b1);
    b0 = std::rotl(e4 ^ d4, 27);
    b1 = std::rotl(e5 ^ d0, 36);
    b2 = std::rotl(e11 ^ d1, 10);
    b3 = std::rotl(e17 ^ d2, 15);
    b4 = std::rotl(e23 ^ d3, 56);
    a15 = b0 ^ (~b1 & b2);
    a16 = b1 ^ (~b2 & b3);
    a17 = b2 ^ (~b3 & b4);
    a18 = b3 ^ (~b4 & b0);
    a19 = b4 ^ (~b0 & b1);
    b0 = std::rotl(e2 ^ d2, 62);
    b1 = std::rotl(e8 ^ d3, 55);
    b2 = std::rotl(e14 ^ d4, 39);
    b3 = std::rotl(e15 ^ d0, 41);
    b4 = std::rotl(e21 ^ d1, 2);
    a20 = b0 ^ (~b1 & b2);
    a21 = b1 ^ (~b2 & b3);
    a22 = b2 ^ (~b3 & b4);
    a23 = b3 ^ (~b4 & b0);
    a24 = b4 ^ (~b0 & b1);
  }
  s[0] = a0; s[1] = a1; s[2] = a2; s[3] = a3; s[4] = a4; s[5] = a5; s[6] = a6; s[7] = a7; s[8] = a8; s[9] = a9; s[10] = a10; s[11] = a11; s[12] = a12; s[13] = a13; s[14] = a14; s[15] = a15; s[16] = a16; s[17] = a17; s[18] = a18; s[19] = a19; s[20] = a20; s[21] = a21; s[22] = a22; s[23] = a23; s[24] = a24;
}


inline std::uint64_t load_le64(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

void absorb_block(std::uint64_t state[25], const std::uint8_t* block) noexcept {
  for (std::size_t i = 0; i < rate / 8; ++i) state[i] ^= load_le64(block + 8 * i);
  keccak_f1600(state);
}

}  // namespace

Digest32 keccak_sponge_256(ByteSpan data, std::uint8_t domain_pad) noexcept {
  std::uint64_t state[25] = {};
  const std::uint8_t* p = data.data();
  std::size_t n = data.size();
  for (; n >= rate; n -= rate, p += rate) absorb_block(state, p);

  std::uint8_t last[rate] = {};
  if (n) std::memcpy(last, p, n);
  last[n] ^= domain_pad;
  last[rate - 1] ^= 0x80;
  absorb_block(state, last);

  Digest32 out;
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(state[i / 8] >> (8 * (i % 8)));
  return out;
}

}  // namespace detail

Digest32 keccak256(ByteSpan data) noexcept { return detail::keccak_sponge_256(data, 0x01); }

}  // namespace fw::address
