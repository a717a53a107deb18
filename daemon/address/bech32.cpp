// Bech32/bech32m following BIP-173 and BIP-350 (checksum constants 1 and
// 0x2bc830a3), with the segwit address rules of BIP-350's reference decoder.
#include "address/detail/bech32.hpp"

#include <array>

#include "address/detail/codec.hpp"

namespace fw::address::detail {
namespace {

constexpr std::string_view charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
constexpr std::uint32_t bech32_const = 1;
constexpr std::uint32_t bech32m_const = 0x2bc830a3;

constexpr std::array<std::int8_t, 128> make_charset_table() {
  std::array<std::int8_t, 128> t{};
  for (auto& v : t) v = -1;
  for (std::size_t i = 0; i < charset.size(); ++i) {
    t[static_cast<unsigned char>(charset[i])] = static_cast<std::int8_t>(i);
    t[static_cast<unsigned char>(to_upper_ascii(charset[i]))] = static_cast<std::int8_t>(i);
  }
  return t;
}
constexpr auto charset_table = make_charset_table();

// BIP-173 generator terms, XORed together for each value of the five bits
// shifted out: one table load instead of five branches on checksum bits,
// which are random and mispredicted half the time (~0.4 us per address).
constexpr std::array<std::uint32_t, 32> polymod_terms = [] {
  constexpr std::uint32_t gen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  std::array<std::uint32_t, 32> t{};
  for (std::uint32_t top = 0; top < 32; ++top) {
    for (int b = 0; b < 5; ++b) {
      if (top >> b & 1) t[top] ^= gen[b];
    }
  }
  return t;
}();

constexpr std::uint32_t polymod_step(std::uint32_t chk, std::uint8_t value) noexcept {
  const std::uint32_t top = chk >> 25;
  return (((chk & 0x1ffffff) << 5) ^ value) ^ polymod_terms[top];
}

// Polymod over the expanded (lower-cased) HRP.
std::uint32_t hrp_polymod(std::string_view hrp) noexcept {
  std::uint32_t chk = 1;
  for (char c : hrp) chk = polymod_step(chk, static_cast<std::uint8_t>(static_cast<unsigned char>(to_lower_ascii(c)) >> 5));
  chk = polymod_step(chk, 0);
  for (char c : hrp) chk = polymod_step(chk, static_cast<std::uint8_t>(to_lower_ascii(c) & 31));
  return chk;
}

std::string version_str(unsigned v) { return std::to_string(v); }

}  // namespace

bool bech32_decode(std::string_view s, Bech32String& out, std::string& error) {
  if (s.size() > bech32_max_length) {
    error = "bech32 address too long (" + std::to_string(s.size()) + " characters, at most 90)";
    return false;
  }
  bool lower = false, upper = false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    auto u = static_cast<unsigned char>(s[i]);
    if (u < 33 || u > 126) {
      error = bad_char_error("bech32", s[i], i);
      return false;
    }
    lower |= (u >= 'a' && u <= 'z');
    upper |= (u >= 'A' && u <= 'Z');
  }
  if (lower && upper) {
    error = "mixed case in bech32 address";
    return false;
  }
  std::size_t sep = s.rfind('1');
  if (sep == std::string_view::npos) {
    error = "missing bech32 separator '1'";
    return false;
  }
  if (sep == 0) {
    error = "empty bech32 prefix";
    return false;
  }
  if (s.size() - sep - 1 < 6) {
    error = "bech32 data part too short";
    return false;
  }
  out.hrp = s.substr(0, sep);
  std::uint32_t chk = hrp_polymod(out.hrp);
  out.size = 0;
  for (std::size_t i = sep + 1; i < s.size(); ++i) {
    int v = charset_table[static_cast<unsigned char>(s[i])];
    if (v < 0) {
      error = bad_char_error("bech32", s[i], i);
      return false;
    }
    chk = polymod_step(chk, static_cast<std::uint8_t>(v));
    out.values[out.size++] = static_cast<std::uint8_t>(v);
  }
  if (chk == bech32_const) {
    out.variant = Bech32Variant::bech32;
  } else if (chk == bech32m_const) {
    out.variant = Bech32Variant::bech32m;
  } else {
    error = "bad checksum";
    return false;
  }
  out.size -= 6;
  return true;
}

std::string bech32_encode(std::string_view hrp, std::span<const std::uint8_t> values, Bech32Variant variant) {
  std::uint32_t chk = hrp_polymod(hrp);
  for (auto v : values) chk = polymod_step(chk, v);
  for (int i = 0; i < 6; ++i) chk = polymod_step(chk, 0);
  chk ^= variant == Bech32Variant::bech32 ? bech32_const : bech32m_const;
  std::string out;
  out.reserve(hrp.size() + 1 + values.size() + 6);
  out += hrp;
  out += '1';
  for (auto v : values) out += charset[v & 31];
  for (int i = 0; i < 6; ++i) out += charset[(chk >> (5 * (5 - i))) & 31];
  return out;
}

bool segwit_decode(std::string_view s, std::string& hrp, SegwitProgram& out, std::string& error) {
  Bech32String b;
  if (!bech32_decode(s, b, error)) return false;
  hrp.assign(b.hrp);
  for (char& c : hrp) c = to_lower_ascii(c);
  if (b.size == 0) {
    error = "missing witness version";
    return false;
  }
  unsigned version = b.values[0];
  if (version > 16) {
    error = "invalid witness version " + version_str(version);
    return false;
  }
  // 5-bit groups -> bytes, without padding (BIP-173: at most 4 zero bits left over).
  std::uint32_t acc = 0;
  int bits = 0;
  std::size_t n = 0;
  for (std::size_t i = 1; i < b.size; ++i) {
    acc = ((acc << 5) | b.values[i]) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      if (n == out.program.size()) {
        error = "witness program must be 2 to 40 bytes, got more than 40";
        return false;
      }
      out.program[n++] = static_cast<std::uint8_t>(acc >> bits);
    }
  }
  if (bits >= 5) {
    error = "invalid padding in witness program (too many bits)";
    return false;
  }
  if ((acc << (8 - bits)) & 0xff) {
    error = "invalid padding in witness program (non-zero bits)";
    return false;
  }
  if (n < 2) {
    error = "witness program must be 2 to 40 bytes, got " + std::to_string(n);
    return false;
  }
  if (version == 0 && n != 20 && n != 32) {
    error = "witness v0 program must be 20 or 32 bytes, got " + std::to_string(n);
    return false;
  }
  if (version == 0 && b.variant != Bech32Variant::bech32) {
    error = "witness v0 address must use bech32, not bech32m";
    return false;
  }
  if (version != 0 && b.variant != Bech32Variant::bech32m) {
    error = "witness v" + version_str(version) + " address must use bech32m, not bech32";
    return false;
  }
  out.version = static_cast<std::uint8_t>(version);
  out.size = n;
  return true;
}

std::optional<std::string> segwit_encode(std::string_view hrp, int version, std::span<const std::uint8_t> program) {
  if (version < 0 || version > 31 || program.size() > 64) return std::nullopt;
  std::array<std::uint8_t, 1 + (64 * 8 + 4) / 5> values{};
  std::size_t n = 0;
  values[n++] = static_cast<std::uint8_t>(version);
  std::uint32_t acc = 0;
  int bits = 0;
  for (auto byte : program) {
    acc = ((acc << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      values[n++] = static_cast<std::uint8_t>((acc >> bits) & 31);
    }
  }
  if (bits) values[n++] = static_cast<std::uint8_t>((acc << (5 - bits)) & 31);
  std::string s = bech32_encode(hrp, std::span<const std::uint8_t>(values.data(), n),
                                version == 0 ? Bech32Variant::bech32 : Bech32Variant::bech32m);
  std::string got_hrp, error;
  SegwitProgram check;
  if (!segwit_decode(s, got_hrp, check, error) || got_hrp != hrp) return std::nullopt;
  return s;
}

}  // namespace fw::address::detail
