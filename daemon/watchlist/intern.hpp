// Internal: the tables a load worker interns provenance strings with.
//
// Every row of a list file looks up five or six short strings (label,
// incident, source, severity, added_at, notes) and one origin. At ten
// million rows the tables outgrow the per-core cache, and the load worker's
// own reads of 4 MiB chunks evict them, so nearly every lookup misses. A
// general hash map costs three misses per hit here (its metadata, its
// element, the key's bytes elsewhere); these tables keep short keys inside
// the slot, so a hit costs one. Measured on the 10M-row benchmark
// (docs/benchmarks.md).
//
// Not thread-safe: each worker owns its tables.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string_view>

namespace fw::watchlist::detail {

// String -> id (ids are the caller's, never 0). Strings of up to 24 bytes
// are stored in their slot; longer ones are kept by the caller (the view
// passed to insert() must stay valid) and compared out of line.
class InternTable {
 public:
  static constexpr std::uint32_t none = 0;

  // A string's padded words and hash: computed once, used to prefetch its
  // slot and then to look it up.
  struct Key {
    std::uint64_t w[3] = {0, 0, 0};
    std::uint64_t hash = 0;
    bool inline_text = true;
  };

  InternTable() { reset(1024); }

  static Key key_of(std::string_view s) noexcept;

  // Starts loading the slot where a lookup of `k` begins. Callers look up
  // the strings of several rows at a time: prefetch them all, then find.
  void prefetch(const Key& k) const noexcept { __builtin_prefetch(&slots_[k.hash & mask_]); }

  // The id of `s` (whose key is `k`), or none.
  std::uint32_t find(std::string_view s, const Key& k) const noexcept {
    for (std::size_t i = k.hash & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id == none) return none;
      if (slot.tag == tag_of(k.hash) && matches(slot, k, s)) return slot.id;
    }
  }
  std::uint32_t find(std::string_view s) const noexcept { return find(s, key_of(s)); }

  // Adds `s` (known to be absent) with `id` != none.
  void insert(std::string_view s, const Key& k, std::uint32_t id) {
    if ((size_ + 1) * 2 > mask_ + 1) grow();
    place(k, s, id);
    ++size_;
  }
  void insert(std::string_view s, std::uint32_t id) { insert(s, key_of(s), id); }

  std::size_t size() const noexcept { return size_; }

 private:
  static constexpr std::size_t inline_bytes = 24;
  static constexpr std::uint16_t long_len = 0xFFFF;

  struct alignas(32) Slot {  // two to a cache line
    std::uint64_t w[3];      // the text zero-padded, or {pointer, size} when long
    std::uint32_t id;        // none: empty slot
    std::uint16_t len;       // size (<= 24) when inline, else long_len
    std::uint16_t tag;       // 16 bits of the hash
  };
  static std::uint16_t tag_of(std::uint64_t h) noexcept { return static_cast<std::uint16_t>(h >> 48); }
  static bool matches(const Slot& slot, const Key& k, std::string_view s) noexcept;
  static std::string_view text_of(const Slot& slot) noexcept;
  void place(const Key& k, std::string_view s, std::uint32_t id) noexcept;
  void reset(std::size_t capacity);
  void grow();

  std::unique_ptr<Slot[]> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

namespace intern_detail {

static_assert(std::endian::native == std::endian::little, "the word loads below assume little-endian");

inline std::uint64_t load64(const char* p) noexcept {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}

// Bytes [o, o + 8) of the n bytes at p as a zero-padded little-endian word,
// reading only bytes inside [p, p + n) and without a variable-size copy
// (whose byte stores the following word load would stall on).
inline std::uint64_t word_at(const char* p, std::size_t n, std::size_t o) noexcept {
  if (o >= n) return 0;
  const std::size_t r = n - o;
  if (r >= 8) return load64(p + o);
  if (n >= 8) return load64(p + n - 8) >> (8 * (8 - r));  // the last r bytes, from an in-range load
  // n < 8 and o == 0: overlapping loads inside the string.
  if (n >= 4) {
    std::uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (std::uint64_t{hi} << (8 * (n - 4)));
  }
  const auto b = [p](std::size_t i) { return std::uint64_t{static_cast<unsigned char>(p[i])}; };
  return b(0) | b(n / 2) << (8 * (n / 2)) | b(n - 1) << (8 * (n - 1));
}

}  // namespace intern_detail

inline InternTable::Key InternTable::key_of(std::string_view s) noexcept {
  Key k;
  const char* p = s.data();
  const std::size_t n = s.size();
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xC2B2AE3D27D4EB4Full);
  auto mix = [&h](std::uint64_t w) {
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  };
  if (n <= inline_bytes) {
    for (std::size_t i = 0; i < 3; ++i) {
      k.w[i] = intern_detail::word_at(p, n, 8 * i);
      mix(k.w[i]);
    }
  } else {
    k.inline_text = false;
    for (std::size_t o = 0; o < n; o += 8) mix(intern_detail::word_at(p, n, o));
  }
  h *= 0x94D049BB133111EBull;
  h ^= h >> 29;
  k.hash = h;
  return k;
}

inline bool InternTable::matches(const Slot& slot, const Key& k, std::string_view s) noexcept {
  if (k.inline_text) {
    return slot.len == s.size() && slot.w[0] == k.w[0] && slot.w[1] == k.w[1] && slot.w[2] == k.w[2];
  }
  if (slot.len != long_len || slot.w[1] != s.size()) return false;
  const char* p = nullptr;
  std::memcpy(&p, &slot.w[0], sizeof p);
  return std::memcmp(p, s.data(), s.size()) == 0;
}

inline void InternTable::place(const Key& k, std::string_view s, std::uint32_t id) noexcept {
  std::size_t i = k.hash & mask_;
  while (slots_[i].id != none) i = (i + 1) & mask_;
  Slot& slot = slots_[i];
  slot.tag = tag_of(k.hash);
  slot.id = id;
  if (k.inline_text) {
    std::memcpy(slot.w, k.w, sizeof slot.w);
    slot.len = static_cast<std::uint16_t>(s.size());
  } else {
    const char* p = s.data();
    std::memcpy(&slot.w[0], &p, sizeof p);
    slot.w[1] = s.size();
    slot.w[2] = 0;
    slot.len = long_len;
  }
}

inline std::string_view InternTable::text_of(const Slot& slot) noexcept {
  if (slot.len != long_len) return {reinterpret_cast<const char*>(slot.w), slot.len};
  const char* p = nullptr;
  std::memcpy(&p, &slot.w[0], sizeof p);
  return {p, static_cast<std::size_t>(slot.w[1])};
}

inline void InternTable::reset(std::size_t capacity) {
  slots_ = std::make_unique<Slot[]>(capacity);  // zeroed: every id is none
  mask_ = capacity - 1;
  size_ = 0;
}

inline void InternTable::grow() {
  auto old = std::move(slots_);
  const std::size_t old_cap = mask_ + 1;
  reset(old_cap * 2);
  for (std::size_t i = 0; i < old_cap; ++i) {
    const Slot& slot = old[i];
    if (slot.id == none) continue;
    const std::string_view text = text_of(slot);  // an inline text lives in `old` until the end
    place(key_of(text), text, slot.id);
    ++size_;
  }
}

// (a, b, c) -> id, for the origin of a row (source, incident, severity).
class TripleTable {
 public:
  static constexpr std::uint32_t none = 0xFFFFFFFFu;

  TripleTable() { reset(1024); }

  void prefetch(std::uint32_t a, std::uint32_t b, std::uint32_t c) const noexcept {
    __builtin_prefetch(&slots_[hash(a, b, c) & mask_]);
  }

  std::uint32_t find(std::uint32_t a, std::uint32_t b, std::uint32_t c) const noexcept {
    for (std::size_t i = hash(a, b, c) & mask_;; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.id == none) return none;
      if (s.a == a && s.b == b && s.c == c) return s.id;
    }
  }

  void insert(std::uint32_t a, std::uint32_t b, std::uint32_t c, std::uint32_t id) {
    if ((size_ + 1) * 2 > mask_ + 1) grow();
    place(Slot{a, b, c, id});
    ++size_;
  }

 private:
  struct Slot {  // 16 bytes: four to a cache line
    std::uint32_t a, b, c, id;
  };
  static std::uint64_t hash(std::uint32_t a, std::uint32_t b, std::uint32_t c) noexcept {
    std::uint64_t h = (std::uint64_t{a} << 32 | b) * 0x9E3779B97F4A7C15ull;
    h ^= (h >> 29) ^ (std::uint64_t{c} * 0xC2B2AE3D27D4EB4Full);
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
  }
  void place(const Slot& s) noexcept {
    std::size_t i = hash(s.a, s.b, s.c) & mask_;
    while (slots_[i].id != none) i = (i + 1) & mask_;
    slots_[i] = s;
  }
  void reset(std::size_t capacity) {
    slots_ = std::make_unique_for_overwrite<Slot[]>(capacity);
    for (std::size_t i = 0; i < capacity; ++i) slots_[i].id = none;
    mask_ = capacity - 1;
    size_ = 0;
  }
  void grow() {
    auto old = std::move(slots_);
    const std::size_t old_cap = mask_ + 1;
    reset(old_cap * 2);
    for (std::size_t i = 0; i < old_cap; ++i) {
      if (old[i].id != none) {
        place(old[i]);
        ++size_;
      }
    }
  }

  std::unique_ptr<Slot[]> slots_;
  std::size_t mask_ = 0;
  std::size_t size_ = 0;
};

}  // namespace fw::watchlist::detail
