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
// iteration swap the roles of a* and e*. The lane indices and FIPS 202 rho
// offsets below follow from that description; checked against the test
// vectors and OpenSSL's SHA3-256 in hash_test.
#define FW_KECCAK_CHI(o0, o1, o2, o3, o4) \
  o0 = b0 ^ (~b1 & b2);                   \
  o1 = b1 ^ (~b2 & b3);                   \
  o2 = b2 ^ (~b3 & b4);                   \
  o3 = b3 ^ (~b4 & b0);                   \
  o4 = b4 ^ (~b0 & b1)

// One round from lanes S0..S24 into D0..D24 (the names are pasted).
#define FW_KECCAK_ROUND(S, D, rc)                                                                   \
  do {                                                                                              \
    c0 = S##0 ^ S##5 ^ S##10 ^ S##15 ^ S##20;                                                       \
    c1 = S##1 ^ S##6 ^ S##11 ^ S##16 ^ S##21;                                                       \
    c2 = S##2 ^ S##7 ^ S##12 ^ S##17 ^ S##22;                                                       \
    c3 = S##3 ^ S##8 ^ S##13 ^ S##18 ^ S##23;                                                       \
    c4 = S##4 ^ S##9 ^ S##14 ^ S##19 ^ S##24;                                                       \
    d0 = c4 ^ std::rotl(c1, 1);                                                                     \
    d1 = c0 ^ std::rotl(c2, 1);                                                                     \
    d2 = c1 ^ std::rotl(c3, 1);                                                                     \
    d3 = c2 ^ std::rotl(c4, 1);                                                                     \
    d4 = c3 ^ std::rotl(c0, 1);                                                                     \
    b0 = S##0 ^ d0; b1 = std::rotl(S##6 ^ d1, 44); b2 = std::rotl(S##12 ^ d2, 43);                  \
    b3 = std::rotl(S##18 ^ d3, 21); b4 = std::rotl(S##24 ^ d4, 14);                                 \
    FW_KECCAK_CHI(D##0, D##1, D##2, D##3, D##4);                                                    \
    b0 = std::rotl(S##3 ^ d3, 28); b1 = std::rotl(S##9 ^ d4, 20); b2 = std::rotl(S##10 ^ d0, 3);    \
    b3 = std::rotl(S##16 ^ d1, 45); b4 = std::rotl(S##22 ^ d2, 61);                                 \
    FW_KECCAK_CHI(D##5, D##6, D##7, D##8, D##9);                                                    \
    b0 = std::rotl(S##1 ^ d1, 1); b1 = std::rotl(S##7 ^ d2, 6); b2 = std::rotl(S##13 ^ d3, 25);     \
    b3 = std::rotl(S##19 ^ d4, 8); b4 = std::rotl(S##20 ^ d0, 18);                                  \
    FW_KECCAK_CHI(D##10, D##11, D##12, D##13, D##14);                                               \
    b0 = std::rotl(S##4 ^ d4, 27); b1 = std::rotl(S##5 ^ d0, 36); b2 = std::rotl(S##11 ^ d1, 10);   \
    b3 = std::rotl(S##17 ^ d2, 15); b4 = std::rotl(S##23 ^ d3, 56);                                 \
    FW_KECCAK_CHI(D##15, D##16, D##17, D##18, D##19);                                               \
    b0 = std::rotl(S##2 ^ d2, 62); b1 = std::rotl(S##8 ^ d3, 55); b2 = std::rotl(S##14 ^ d4, 39);   \
    b3 = std::rotl(S##15 ^ d0, 41); b4 = std::rotl(S##21 ^ d1, 2);                                  \
    FW_KECCAK_CHI(D##20, D##21, D##22, D##23, D##24);                                               \
    D##0 ^= (rc);                                                                                   \
  } while (false)


#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__)
// A second build for CPUs with BMI (andn for chi) and the other x86-64-v3
// instructions, picked at load time; ~30 % faster where available. Not in
// sanitizer builds: the ifunc resolver runs before their runtime is up.
__attribute__((target_clones("default", "arch=x86-64-v3")))
#endif
void keccak_f1600(std::uint64_t s[25]) noexcept {
  std::uint64_t a0 = s[0], a1 = s[1], a2 = s[2], a3 = s[3], a4 = s[4], a5 = s[5], a6 = s[6], a7 = s[7], a8 = s[8],
                a9 = s[9], a10 = s[10], a11 = s[11], a12 = s[12], a13 = s[13], a14 = s[14], a15 = s[15], a16 = s[16],
                a17 = s[17], a18 = s[18], a19 = s[19], a20 = s[20], a21 = s[21], a22 = s[22], a23 = s[23], a24 = s[24];
  std::uint64_t e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15, e16, e17, e18, e19, e20, e21, e22,
      e23, e24;
  std::uint64_t c0, c1, c2, c3, c4, d0, d1, d2, d3, d4, b0, b1, b2, b3, b4;
  for (int r = 0; r < 24; r += 2) {
    FW_KECCAK_ROUND(a, e, round_constants[r]);
    FW_KECCAK_ROUND(e, a, round_constants[r + 1]);
  }
  s[0] = a0, s[1] = a1, s[2] = a2, s[3] = a3, s[4] = a4, s[5] = a5, s[6] = a6, s[7] = a7, s[8] = a8, s[9] = a9;
  s[10] = a10, s[11] = a11, s[12] = a12, s[13] = a13, s[14] = a14, s[15] = a15, s[16] = a16, s[17] = a17;
  s[18] = a18, s[19] = a19, s[20] = a20, s[21] = a21, s[22] = a22, s[23] = a23, s[24] = a24;
}

#undef FW_KECCAK_ROUND
#undef FW_KECCAK_CHI

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
