// Snapshot::version(): a content hash that does not depend on file order.
//
// The per-list part of a provenance record (file, list, incident, source,
// severity: an Origin) is hashed once per origin:
//   origin digest = first 16 bytes of SHA-256 of
//     str(file) str(list) str(incident) str(source) str(severity)
// (u32/u64 little-endian; str = u32 length + bytes). Every LISTED entry is
// then serialised on its own:
//   str(chain) str(address) u32(record count)
//   per provenance record, sorted by (file, line, list, label, incident,
//   source, severity, added_at, notes):
//     origin digest (16 bytes) u32(line) str(label) str(added_at) str(notes)
// and digested with SHA-256: two 64-byte blocks for a typical entry instead
// of four with the origin's strings spelled out, and no reads of them. The
// 32-byte digests, read as big-endian integers, are added modulo 2^256; the
// version is the hex SHA-256 of
//   str("freezewatch-watchlist-v4") u8(twins evm_tron) u8(twins stacks_bitcoin)
//   u64(listed entry count) sum (32 bytes, big-endian).
// Derived twins are not hashed: they follow from the listed entries and the
// two twin settings, which the header covers. Addition is order-independent,
// so entries are visited in load order, on several threads, with no sort and
// no per-entry buffer. docs/watchlists.md repeats this; change both (and the
// tag).
#include <algorithm>
#include <array>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "address/hash.hpp"
#include "core/hex.hpp"
#include "watchlist/store.hpp"

namespace fw::watchlist::detail {

namespace {

// Builds one serialisation in a reusable buffer.
using OriginDigest = std::array<std::uint8_t, 16>;

class Writer {
 public:
  void clear() noexcept { len_ = 0; }
  void u8(std::uint8_t v) {
    room(1);
    buf_[len_++] = static_cast<char>(v);
  }
  void u32(std::uint32_t v) {
    room(4);
    put32(v);
  }
  void u64(std::uint64_t v) {
    u32(static_cast<std::uint32_t>(v));
    u32(static_cast<std::uint32_t>(v >> 32));
  }
  void str(std::string_view s) {
    room(4 + s.size());
    put_str(s);
  }
  // The origin's fields (hashed once per origin).
  void origin(const Provenance& p) {
    str(p.file);
    str(p.list);
    str(p.incident);
    str(p.source);
    str(p.severity);
  }
  // One record: sized once, then written without per-field checks (this
  // runs for every entry of the list).
  void record(const OriginDigest& origin, std::uint32_t line, std::string_view label, std::string_view added_at,
              std::string_view notes) {
    room(origin.size() + 4 * 4 + label.size() + added_at.size() + notes.size());
    std::memcpy(buf_.data() + len_, origin.data(), origin.size());
    len_ += origin.size();
    put32(line);
    put_str(label);
    put_str(added_at);
    put_str(notes);
  }
  std::string_view bytes() const noexcept { return {buf_.data(), len_}; }

 private:
  void room(std::size_t n) {
    if (len_ + n > buf_.size()) buf_.resize(std::max(len_ + n, 2 * buf_.size()));
  }
  void put32(std::uint32_t v) noexcept {
    for (int i = 0; i < 4; ++i) buf_[len_++] = static_cast<char>(v >> (8 * i));
  }
  void put_str(std::string_view s) noexcept {
    put32(static_cast<std::uint32_t>(s.size()));
    std::memcpy(buf_.data() + len_, s.data(), s.size());
    len_ += s.size();
  }

  std::vector<char> buf_ = std::vector<char>(512);
  std::size_t len_ = 0;
};

}  // namespace

// A 256-bit sum, little-endian limbs (declared in store.hpp for VersionJob).
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

namespace {

auto as_tuple(const Provenance& p) {
  return std::tie(p.file, p.line, p.list, p.label, p.incident, p.source, p.severity, p.added_at, p.notes);
}

void sum_range(const Store& s, const std::vector<OriginDigest>& origins, std::size_t from, std::size_t to, Sum& sum) {
  Writer w;
  std::uint8_t md[32];
  std::vector<std::uint32_t> several;
  auto put = [&](std::uint32_t record) {
    const Record& r = s.records[record];
    w.record(origins[r.origin], r.line, s.strings[r.label], s.strings[r.added_at], s.strings[r.notes]);
  };
  // Entries are read in order, but each names strings spread over a table
  // and an arena larger than the cache: fetch those ahead, in two steps (the
  // table slots 16 entries ahead, the bytes they point at 8 ahead), so that
  // their misses overlap instead of stalling every entry.
  auto first_record = [&](std::size_t i) -> const Record& { return s.records[Store::first_of(s.entries[i].provenance)]; };
  auto prefetch_slots = [&](std::size_t i) {
    const Record& r = first_record(i);
    __builtin_prefetch(&origins[r.origin]);
    __builtin_prefetch(&s.strings[r.label]);
    __builtin_prefetch(&s.strings[r.added_at]);
  };
  auto prefetch_bytes = [&](std::size_t i) {
    const Record& r = first_record(i);
    __builtin_prefetch(s.strings[r.label].data());
    __builtin_prefetch(s.strings[r.added_at].data());
  };
  for (std::size_t i = from; i < to; ++i) {  // load order: memory is read sequentially
    if (i + 16 < to) prefetch_slots(i + 16);
    if (i + 8 < to) prefetch_bytes(i + 8);
    const Entry& e = s.entries[i];
    w.clear();
    w.str(to_string(e.chain));
    w.str(e.address);
    const std::size_t count = e.provenance.size();
    w.u32(static_cast<std::uint32_t>(count));
    const std::uint32_t first = Store::first_of(e.provenance);
    if (count == 1) {
      put(first);
    } else {
      several.clear();
      for (std::uint32_t r = first; r < first + count; ++r) several.push_back(r);
      std::sort(several.begin(), several.end(), [&s](std::uint32_t a, std::uint32_t b) {
        return as_tuple(s.provenance(a, no_original)) < as_tuple(s.provenance(b, no_original));
      });
      for (std::uint32_t r : several) put(r);
    }
    address::sha256_into(w.bytes().data(), w.bytes().size(), md);
    sum.add_digest(md);
  }
}

}  // namespace

VersionJob::VersionJob(const Store& s) : s_(s), n_(s.listed), total_(std::make_unique<Sum>()) {  // entries [0, listed): twins are not hashed
  origins_.resize(s.origins.size());
  Writer w;
  std::uint8_t md[32];
  for (std::size_t o = 0; o < origins_.size(); ++o) {
    const Origin& x = s.origins[o];
    w.clear();
    w.origin(Provenance{s.strings[x.file], 0, s.strings[x.list], {}, s.strings[x.incident], s.strings[x.source],
                        s.strings[x.severity], {}, {}});
    address::sha256_into(w.bytes().data(), w.bytes().size(), md);
    std::memcpy(origins_[o].data(), md, origins_[o].size());
  }
}

VersionJob::~VersionJob() = default;

void VersionJob::work() {
  Sum mine;
  for (;;) {
    const std::size_t from = next_.fetch_add(range, std::memory_order_relaxed);
    if (from >= n_) break;
    sum_range(s_, origins_, from, std::min(n_, from + range), mine);
  }
  std::lock_guard lk(mu_);
  total_->add(mine.limb);
}

std::string VersionJob::finish() {
  Writer w;
  w.str("freezewatch-watchlist-v4");
  w.u8(s_.twins.evm_tron ? 1 : 0);
  w.u8(s_.twins.stacks_bitcoin ? 1 : 0);
  w.u64(n_);
  std::string bytes(w.bytes());
  for (int i = 3; i >= 0; --i) {
    for (int j = 7; j >= 0; --j) bytes.push_back(static_cast<char>(total_->limb[static_cast<std::size_t>(i)] >> (8 * j)));
  }
  std::uint8_t md[32];
  address::sha256_into(bytes.data(), bytes.size(), md);
  return hex_encode(md, 32);
}

std::string compute_version(const Store& s, unsigned threads) {
  VersionJob job(s);
  threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(s.listed / VersionJob::range + 1)));
  std::vector<std::thread> ts;
  for (unsigned t = 1; t < threads; ++t) ts.emplace_back([&job] { job.work(); });
  job.work();
  for (auto& t : ts) t.join();
  return job.finish();
}

}  // namespace fw::watchlist::detail
