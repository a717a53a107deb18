#include "retro/codec.hpp"

#include <cstring>

namespace fw::retro {
namespace {

// ---------------------------------------------------------------- writing

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_signed(std::string& out, std::int64_t v) {
  put_varint(out, (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63));
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;  // upper case is not packed: it would not round-trip
}

bool is_lower_hex(std::string_view s) noexcept {
  if (s.empty() || s.size() % 2 != 0) return false;
  for (char c : s)
    if (hex_value(c) < 0) return false;
  return true;
}

enum StrKind : std::uint64_t { raw = 0, hex0x = 1, hex = 2 };

void put_string(std::string& out, std::string_view s) {
  std::string_view digits;
  StrKind kind = raw;
  if (s.size() > 2 && s[0] == '0' && s[1] == 'x' && is_lower_hex(s.substr(2))) {
    digits = s.substr(2);
    kind = hex0x;
  } else if (s.size() >= 16 && is_lower_hex(s)) {  // short digit strings gain little
    digits = s;
    kind = hex;
  }
  if (kind == raw) {
    put_varint(out, static_cast<std::uint64_t>(s.size()) << 2);
    out.append(s);
    return;
  }
  const std::size_t n = digits.size() / 2;
  put_varint(out, (static_cast<std::uint64_t>(n) << 2) | kind);
  for (std::size_t i = 0; i < n; ++i)
    out.push_back(static_cast<char>(hex_value(digits[2 * i]) << 4 | hex_value(digits[2 * i + 1])));
}

// ---------------------------------------------------------------- reading

struct Reader {
  std::string_view in;
  bool ok = true;

  std::uint64_t varint() {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in.empty()) break;
      auto b = static_cast<std::uint8_t>(in.front());
      in.remove_prefix(1);
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    ok = false;
    return 0;
  }

  std::int64_t signed_varint() {
    std::uint64_t u = varint();
    return static_cast<std::int64_t>((u >> 1) ^ (~(u & 1) + 1));
  }

  std::uint8_t byte() {
    if (in.empty()) {
      ok = false;
      return 0;
    }
    auto b = static_cast<std::uint8_t>(in.front());
    in.remove_prefix(1);
    return b;
  }

  std::string string() {
    std::uint64_t head = varint();
    std::uint64_t n = head >> 2;
    auto kind = head & 3;
    if (!ok || n > in.size() || kind > hex) {
      ok = false;
      return {};
    }
    std::string_view bytes = in.substr(0, n);
    in.remove_prefix(n);
    if (kind == raw) return std::string(bytes);
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    s.reserve(2 * n + 2);
    if (kind == hex0x) s = "0x";
    for (char c : bytes) {
      auto b = static_cast<std::uint8_t>(c);
      s.push_back(kDigits[b >> 4]);
      s.push_back(kDigits[b & 15]);
    }
    return s;
  }

  template <class T>
  T small(std::uint64_t max) {
    std::uint64_t v = varint();
    if (v > max) ok = false;
    return static_cast<T>(v);
  }
};

enum Flags : std::uint8_t {
  has_block_height = 1,
  has_block_time = 2,
  has_deposit = 4,
  deposit_credited = 8,
};

std::uint64_t load_le(const char* p, std::size_t n) noexcept {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < n; ++i) v |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(p[i])) << (8 * i);
  return v;
}

std::uint64_t fmix(std::uint64_t x) noexcept {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

std::uint64_t rotl(std::uint64_t x, int r) noexcept { return (x << r) | (x >> (64 - r)); }

void put_key_part(std::string& buf, std::string_view s) {
  put_varint(buf, s.size());
  buf.append(s);
}

}  // namespace

void encode(const Transfer& t, std::string& out) {
  out.clear();
  out.push_back(static_cast<char>(kBlobVersion));
  std::uint8_t flags = 0;
  if (t.block_height) flags |= has_block_height;
  if (t.block_time) flags |= has_block_time;
  if (t.deposit) flags |= has_deposit;
  if (t.deposit && t.deposit->credited) flags |= deposit_credited;
  out.push_back(static_cast<char>(flags));
  out.push_back(static_cast<char>(t.chain));
  out.push_back(static_cast<char>(t.network));
  out.push_back(static_cast<char>(t.status));
  put_string(out, t.chain_name);
  put_string(out, t.asset.contract);
  put_string(out, t.asset.symbol);
  put_varint(out, t.asset.decimals);
  put_varint(out, t.senders.size());
  for (const auto& s : t.senders) put_string(out, s);
  put_string(out, t.recipient);
  put_string(out, t.amount.to_decimal());
  put_string(out, t.tx_id);
  put_varint(out, t.event_index);
  if (t.block_height) put_varint(out, *t.block_height);
  put_string(out, t.block_hash);
  put_string(out, t.memo);
  if (t.block_time) put_signed(out, *t.block_time);
  put_string(out, t.status_reason);
  put_string(out, t.replaced_by);
  put_varint(out, t.occurrence);
  put_varint(out, t.revision);
  put_string(out, t.source);
  put_signed(out, std::chrono::duration_cast<std::chrono::nanoseconds>(t.received_at.time_since_epoch()).count());
  if (t.deposit) {
    put_string(out, t.deposit->deposit_id);
    put_string(out, t.deposit->account_id);
    put_string(out, t.deposit->deposit_address);
  }
}

bool decode(std::string_view blob, Transfer& t) {
  Reader r{blob};
  if (r.byte() != kBlobVersion || !r.ok) return false;
  const std::uint8_t flags = r.byte();
  const std::uint8_t chain = r.byte(), network = r.byte(), status = r.byte();
  if (!r.ok || chain > static_cast<std::uint8_t>(Chain::bitcoin) || network > static_cast<std::uint8_t>(Network::testnet) ||
      status > static_cast<std::uint8_t>(TransferStatus::retracted))
    return false;
  t = Transfer{};
  t.chain = static_cast<Chain>(chain);
  t.network = static_cast<Network>(network);
  t.status = static_cast<TransferStatus>(status);
  t.chain_name = r.string();
  t.asset.contract = r.string();
  t.asset.symbol = r.string();
  t.asset.decimals = r.small<std::uint8_t>(255);
  auto senders = r.varint();
  if (!r.ok || senders > r.in.size()) return false;  // each sender takes at least one byte
  t.senders.reserve(senders);
  for (std::uint64_t i = 0; i < senders && r.ok; ++i) t.senders.push_back(r.string());
  t.recipient = r.string();
  auto amount = Amount::from_decimal(r.string());
  if (!amount) return false;
  t.amount = *amount;
  t.tx_id = r.string();
  t.event_index = r.small<std::uint32_t>(UINT32_MAX);
  if (flags & has_block_height) t.block_height = r.varint();
  t.block_hash = r.string();
  t.memo = r.string();
  if (flags & has_block_time) t.block_time = r.signed_varint();
  t.status_reason = r.string();
  t.replaced_by = r.string();
  t.occurrence = r.small<std::uint32_t>(UINT32_MAX);
  t.revision = r.small<std::uint32_t>(UINT32_MAX);
  t.source = r.string();
  t.received_at = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(r.signed_varint())));
  if (flags & has_deposit) {
    DepositInfo d;
    d.deposit_id = r.string();
    d.account_id = r.string();
    d.deposit_address = r.string();
    d.credited = (flags & deposit_credited) != 0;
    t.deposit = std::move(d);
  }
  return r.ok && r.in.empty();
}

Key identity_key(const Transfer& t) {
  std::string buf;
  buf.reserve(256);
  if (t.deposit) {
    buf.push_back('D');
    put_key_part(buf, t.chain_name);
    put_key_part(buf, t.deposit->deposit_id);
  } else {
    buf.push_back('T');
    put_key_part(buf, t.chain_name);
    put_key_part(buf, t.tx_id);
    put_key_part(buf, t.asset.contract);
    put_varint(buf, t.senders.size());
    for (const auto& s : t.senders) put_key_part(buf, s);
    put_key_part(buf, t.recipient);
    put_key_part(buf, t.amount.to_decimal());
    put_varint(buf, t.occurrence);
  }
  Key k{};
  const std::uint64_t a = hash64(buf, 0x6a09e667f3bcc908ULL), b = hash64(buf, 0xbb67ae8584caa73bULL);
  std::memcpy(k.data(), &a, 8);
  std::memcpy(k.data() + 8, &b, 8);
  return k;
}

std::int64_t address_hash(std::string_view canonical_address) noexcept {
  return static_cast<std::int64_t>(hash64(canonical_address, 0x3c6ef372fe94f82bULL));
}

std::uint64_t hash64(std::string_view data, std::uint64_t seed) noexcept {
  constexpr std::uint64_t k1 = 0x9e3779b97f4a7c15ULL, k2 = 0xc2b2ae3d27d4eb4fULL;
  std::uint64_t h = fmix(seed ^ (data.size() * k1));
  const char* p = data.data();
  std::size_t n = data.size();
  while (n >= 8) {
    h ^= fmix(load_le(p, 8) * k2 + seed);
    h = rotl(h, 29) * k1;
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    h ^= fmix((load_le(p, n) | (static_cast<std::uint64_t>(n) << 56)) * k2 + seed);
    h = rotl(h, 29) * k1;
  }
  return fmix(h);
}

}  // namespace fw::retro
