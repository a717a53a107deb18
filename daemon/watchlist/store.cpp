// The storage behind a Snapshot (store.hpp): the arena, the address hash,
// the registry that lets a 12-byte ProvenanceList name its store, and the
// views a Store hands out.
#include "watchlist/store.hpp"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "address/address.hpp"
#include "core/hex.hpp"
#include "watchlist/twins.hpp"

namespace fw::watchlist {

namespace {

// ---------------------------------------------------------------- store registry

constexpr std::uint32_t max_stores = 1u << 18;
std::atomic<const detail::Store*> store_table[max_stores];  // zero-initialised (.bss)
std::mutex store_table_mu;
std::vector<std::uint32_t> free_store_ids;
std::uint32_t next_store_id = 1;  // 0 names no store

std::uint32_t register_store(const detail::Store* s) {
  std::lock_guard lk(store_table_mu);
  std::uint32_t id = 0;
  if (!free_store_ids.empty()) {
    id = free_store_ids.back();
    free_store_ids.pop_back();
  } else {
    if (next_store_id >= max_stores) throw std::runtime_error("watchlist: too many live snapshots");
    id = next_store_id++;
  }
  store_table[id].store(s, std::memory_order_release);
  return id;
}

void unregister_store(std::uint32_t id) noexcept {
  std::lock_guard lk(store_table_mu);
  store_table[id].store(nullptr, std::memory_order_release);
  free_store_ids.push_back(id);
}

}  // namespace

// ---------------------------------------------------------------- storage

namespace detail {

char* Arena::allocate(std::size_t n) {
  if (n > left_) {
    // Large blocks get a chunk of their own so a chunk's tail is not wasted.
    const std::size_t size = std::max(chunk_size, n);
    chunks_.push_back(std::make_unique_for_overwrite<char[]>(size));
    reserved_ += size;
    if (size != chunk_size) return chunks_.back().get();
    cur_ = chunks_.back().get();
    left_ = size;
  }
  char* out = cur_;
  cur_ += n;
  left_ -= n;
  return out;
}

std::string_view Arena::copy(std::string_view s) {
  if (s.empty()) return {};
  char* out = allocate(s.size());
  std::memcpy(out, s.data(), s.size());
  return {out, s.size()};
}

std::uint64_t hash_address(std::string_view s) noexcept {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size();
  std::uint64_t h = 0x9E3779B97F4A7C15ull ^ (static_cast<std::uint64_t>(n) * 0xC2B2AE3D27D4EB4Full);
  while (n >= 8) {
    std::uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
    p += 8;
    n -= 8;
  }
  std::uint64_t w = 0;
  std::memcpy(&w, p, n);
  h = (h ^ w) * 0x94D049BB133111EBull;
  h ^= h >> 29;
  h *= 0xBF58476D1CE4E5B9ull;
  h ^= h >> 32;
  return h;
}

const Store* store_by_id(std::uint32_t id) noexcept {
  return id < max_stores ? store_table[id].load(std::memory_order_acquire) : nullptr;
}

Store::Store() {
  strings.emplace_back();
  origins.emplace_back();
  id = register_store(this);
}

Store::~Store() { unregister_store(id); }

std::string_view Store::derived_notes_of(std::uint32_t record, std::uint32_t original) const {
  std::lock_guard lk(derived_mu);
  if (auto it = derived_notes.find(record); it != derived_notes.end()) return it->second;
  const std::string notes = watchlist::derived_notes(entries[original].address, strings[records[record].notes]);
  const std::string_view kept = derived_arena.copy(notes);
  derived_notes.emplace(record, kept);
  return kept;
}

// EVM <-> TRON twins are the same 20 bytes; see store.hpp for why they are
// found rather than stored.
const Entry* Store::find_with_twins(std::string_view canonical, std::uint64_t h) const {
  index.prefetch(h);
  if (canonical.size() == 42 && canonical[0] == '0' && canonical[1] == 'x') {
    // EVM spelling: its own entry, else a listed TRON entry of the same bytes.
    const bool any_tron = tron_by_evm.size() != 0;
    if (any_tron) tron_by_evm.prefetch(h);
    if (const Entry* e = find_stored(canonical, h)) return e;
    if (!any_tron) return nullptr;
    std::string evm;
    const std::uint32_t t =
        tron_by_evm.find_if(h, [&](std::uint32_t id) { return lazy_twin_text(id, evm) && evm == canonical; });
    return t == Index::none ? nullptr : lazy_twin(t, canonical, Chain::evm, nullptr);
  }
  if (canonical.size() == 34 && canonical[0] == 'T') {
    // TRON spelling: its own entry, else a listed EVM entry of the same bytes.
    std::uint8_t b[25];
    char evm[42] = {'0', 'x'};
    const bool decoded = address::tron_bytes(canonical, b) && b[0] == address::tron_version;
    std::uint64_t h_evm = 0;
    if (decoded) {
      hex_encode_into(b + 1, 20, evm + 2);
      h_evm = hash_address(std::string_view(evm, sizeof evm));
      index.prefetch(h_evm);
    }
    if (const Entry* e = find_stored(canonical, h)) return e;
    if (!decoded) return nullptr;
    const Entry* original = find_stored(std::string_view(evm, sizeof evm), h_evm);
    if (!original || original->chain != Chain::evm) return nullptr;  // a stored EVM entry is listed
    return lazy_twin(static_cast<std::uint32_t>(original - entries.data()), canonical, Chain::tron, b + 1);
  }
  return find_stored(canonical, h);
}

const Entry* Store::lazy_twin(std::uint32_t original, std::string_view canonical, Chain chain,
                              const std::uint8_t* bytes20) const {
  std::lock_guard lk(derived_mu);
  if (auto it = lazy_entries.find(original); it != lazy_entries.end())
    return it->second.address == canonical ? &it->second : nullptr;  // a twin has one canonical spelling
  if (bytes20) {
    // Found by its bytes: the text must also be their canonical TRON
    // spelling (find() may be given text that no parser has checked).
    std::string tron;
    address::append_tron_address(bytes20, tron);
    if (tron != canonical) return nullptr;
  }
  const auto count = static_cast<std::uint32_t>(entries[original].provenance.size());
  Entry& e = lazy_entries[original];
  e = Entry{derived_arena.copy(canonical), chain, make_list(this, original, derived_bit | count)};
  return &e;
}

bool Store::lazy_twin_text(std::uint32_t e, std::string& out) const {
  Chain chain = Chain::evm;
  return evm_tron_twin_text(entries[e].chain, entries[e].address, out, chain);
}

Provenance Store::provenance(std::uint32_t record, std::uint32_t original) const {
  const Record& r = records[record];
  const Origin& o = origins[r.origin];
  Provenance p{strings[o.file],     r.line,           strings[o.list],
               strings[r.label],    strings[o.incident], strings[o.source],
               strings[o.severity], strings[r.added_at], strings[r.notes]};
  if (original != no_original) p.notes = derived_notes_of(record, original);
  return p;
}

}  // namespace detail

Provenance ProvenanceList::iterator::operator*() const { return store_->provenance(pos_, original_); }

ProvenanceList::iterator ProvenanceList::begin() const noexcept {
  const detail::Store* s = detail::store_by_id(store_);
  if (count_ & detail::derived_bit) return {s, s->entries[first_].provenance.first_, first_};
  return {s, first_, detail::no_original};
}

ProvenanceList::iterator ProvenanceList::end() const noexcept {
  iterator it = begin();
  it.pos_ += static_cast<std::uint32_t>(size());
  return it;
}

Provenance ProvenanceList::operator[](std::size_t i) const {
  iterator it = begin();
  it.pos_ += static_cast<std::uint32_t>(i);
  return *it;
}

}  // namespace fw::watchlist
