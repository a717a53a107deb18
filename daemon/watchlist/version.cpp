// Snapshot::version(): a content hash that does not depend on file order.
//
// Every entry is serialised on its own (u32/u64 little-endian; str = u32
// length + bytes):
//   str(chain) str(address) u32(record count)
//   per provenance record, sorted by (file, line, list, label, incident,
//   source, severity, added_at, notes):
//     str(file) u32(line) str(list) str(label) str(incident) str(source)
//     str(severity) str(added_at) str(notes)
// and digested with SHA-256. The 32-byte digests, read as big-endian
// integers, are added modulo 2^256; the version is the hex SHA-256 of
//   str("freezewatch-watchlist-v3") u64(entry count) sum (32 bytes, big-endian).
// Addition is order-independent, so entries are visited in load order, on
// several threads, with no sort and no per-entry buffer (v2 sorted 16-byte
// digests: 250 MB and a 16M-element sort at ten million entries plus twins).
// docs/watchlists.md repeats this; change both (and the tag).
#include <algorithm>
#include <array>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

// The one-shot SHA256() (not deprecated, unlike SHA256_Init) is several times
// faster than EVP for short inputs (no per-digest context setup): this hashes
// every entry of the list.
#include <openssl/sha.h>

#include "core/hex.hpp"
#include "watchlist/store.hpp"

namespace fw::watchlist::detail {

namespace {

// Builds one serialisation in a reusable buffer.
class Writer {
 public:
  void clear() noexcept { buf_.clear(); }
  void u32(std::uint32_t v) {
    char b[4];
    for (int i = 0; i < 4; ++i) b[i] = static_cast<char>(v >> (8 * i));
    buf_.append(b, 4);
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v));
    u32(static_cast<std::uint32_t>(v >> 32));
  }
  void str(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    buf_.append(s);
  }
  // `derived_from`: the original address of a twin, whose notes are then
  // "derived from <original> (same key)[; <notes>]" (twins.hpp).
  void provenance(const Provenance& p, std::string_view derived_from) {
    str(p.file);
    u32(p.line);
    str(p.list);
    str(p.label);
    str(p.incident);
    str(p.source);
    str(p.severity);
    str(p.added_at);
    if (derived_from.empty()) {
      str(p.notes);
    } else {
      const std::size_t n = 13 + derived_from.size() + 11 + (p.notes.empty() ? 0 : 2 + p.notes.size());
      u32(static_cast<std::uint32_t>(n));
      buf_ += "derived from ";
      buf_ += derived_from;
      buf_ += " (same key)";
      if (!p.notes.empty()) {
        buf_ += "; ";
        buf_ += p.notes;
      }
    }
  }
  const std::string& bytes() const noexcept { return buf_; }

 private:
  std::string buf_;
};

// A 256-bit sum, little-endian limbs.
struct Sum {
  std::array<std::uint64_t, 4> limb{};
  void add(const std::array<std::uint64_t, 4>& v) noexcept {
    uint128 carry = 0;
    for (int i = 0; i < 4; ++i) {
      carry += static_cast<uint128>(limb[i]) + v[i];
      limb[i] = static_cast<std::uint64_t>(carry);
      carry >>= 64;
    }
  }
  void add_digest(const unsigned char md[32]) noexcept {
    std::array<std::uint64_t, 4> v{};
    for (int i = 0; i < 4; ++i) {  // md[0..8) is the most significant limb
      std::uint64_t x = 0;
      for (int j = 0; j < 8; ++j) x = x << 8 | md[8 * i + j];
      v[3 - i] = x;
    }
    add(v);
  }
};

auto as_tuple(const Provenance& p) {
  return std::tie(p.file, p.line, p.list, p.label, p.incident, p.source, p.severity, p.added_at, p.notes);
}

void sum_range(const Store& s, std::size_t from, std::size_t to, Sum& sum) {
  Writer w;
  unsigned char md[32];
  std::vector<Provenance> several;
  for (std::size_t i = from; i < to; ++i) {  // load order: memory is read sequentially
    const Entry& e = s.entries[i];
    w.clear();
    w.str(to_string(e.chain));
    w.str(e.address);
    const std::size_t count = e.provenance.size();
    w.u32(static_cast<std::uint32_t>(count));
    // A twin shows its original's records with derived notes; its records
    // sort like the original's (the derived notes only add a common prefix).
    const std::uint32_t raw = Store::raw_count(e.provenance);
    const bool derived = (raw & derived_bit) != 0;
    const std::string_view original = derived ? s.entries[Store::first_of(e.provenance)].address : std::string_view();
    const std::uint32_t first =
        derived ? Store::first_of(s.entries[Store::first_of(e.provenance)].provenance) : Store::first_of(e.provenance);
    if (count == 1) {
      w.provenance(s.provenance(first, no_original), original);
    } else {
      several.clear();
      for (std::uint32_t r = first; r < first + count; ++r) several.push_back(s.provenance(r, no_original));
      std::sort(several.begin(), several.end(),
                [](const Provenance& a, const Provenance& b) { return as_tuple(a) < as_tuple(b); });
      for (const auto& p : several) w.provenance(p, original);
    }
    SHA256(reinterpret_cast<const unsigned char*>(w.bytes().data()), w.bytes().size(), md);
    sum.add_digest(md);
  }
}

}  // namespace

std::string compute_version(const Store& s, unsigned threads) {
  const std::size_t n = s.entries.size();
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(n / 65536 + 1)));
  std::vector<Sum> sums(threads);
  if (threads == 1) {
    sum_range(s, 0, n, sums[0]);
  } else {
    std::vector<std::thread> ts;
    const std::size_t per = (n + threads - 1) / threads;
    for (unsigned t = 1; t < threads; ++t) {
      ts.emplace_back([&, t] { sum_range(s, std::min(n, per * t), std::min(n, per * (t + 1)), sums[t]); });
    }
    sum_range(s, 0, std::min(n, per), sums[0]);
    for (auto& t : ts) t.join();
  }
  Sum total;
  for (const Sum& x : sums) total.add(x.limb);

  Writer w;
  w.str("freezewatch-watchlist-v3");
  w.u64(n);
  std::string bytes = w.bytes();
  for (int i = 3; i >= 0; --i) {
    for (int j = 7; j >= 0; --j) bytes.push_back(static_cast<char>(total.limb[static_cast<std::size_t>(i)] >> (8 * j)));
  }
  unsigned char md[32];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(), md);
  return hex_encode(md, 32);
}

}  // namespace fw::watchlist::detail
