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

// Lane i = x + 5y. rho rotation offsets, and where pi moves each lane:
// B[y, 2x + 3y] = rot(A[x, y], rho[x, y]).
constexpr int rho[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43, 25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};

constexpr std::array<int, 25> make_pi_dest() {
  std::array<int, 25> d{};
  for (int x = 0; x < 5; ++x) {
    for (int y = 0; y < 5; ++y) d[x + 5 * y] = y + 5 * ((2 * x + 3 * y) % 5);
  }
  return d;
}
constexpr auto pi_dest = make_pi_dest();

// Loops have constant trip counts and are unrolled so every index and
// rotation amount becomes a constant.
void keccak_f1600(std::uint64_t a[25]) noexcept {
  std::uint64_t b[25];
  for (std::uint64_t rc : round_constants) {
    std::uint64_t c[5], d[5];
#pragma GCC unroll 5
    for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
#pragma GCC unroll 5
    for (int x = 0; x < 5; ++x) d[x] = c[(x + 4) % 5] ^ std::rotl(c[(x + 1) % 5], 1);
    // theta applied while doing rho and pi
#pragma GCC unroll 25
    for (int i = 0; i < 25; ++i) b[pi_dest[i]] = std::rotl(a[i] ^ d[i % 5], rho[i]);
    // chi
#pragma GCC unroll 25
    for (int i = 0; i < 25; ++i) {
      int row = i - i % 5, x = i % 5;
      a[i] = b[i] ^ (~b[row + (x + 1) % 5] & b[row + (x + 2) % 5]);
    }
    // iota
    a[0] ^= rc;
  }
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
