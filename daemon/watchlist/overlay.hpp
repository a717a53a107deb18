// The live layer of the watchlist: entries added at runtime (the watchlist
// API, follow-the-money), beside the file-based Snapshot.
//
// An Overlay is an immutable set of LiveEntry values indexed by canonical
// address; the registry makes a new one on every change and publishes it on
// an OverlayHolder in one atomic store, like the Snapshot/Holder pair. The
// matcher looks an address up in both layers and reports the provenance of
// both. Overlays are small next to file lists (thousands to a few hundred
// thousand entries), so each entry owns its strings.
//
// A change must not cost a copy of every live entry: follow-the-money adds
// derived entries one transfer at a time, on the ingest path. An Overlay is
// therefore a shared, immutable BASE plus a small DELTA of the addresses
// changed since the base was built (with() copies the delta, not the base).
// When the delta outgrows max_delta(base size) the next with() folds
// everything into a new base, so a change costs O(changed + delta) and,
// amortised, a constant number of entry copies more.
//
// An address may have several live entries: one per (incident, kind), e.g.
// an API entry for two incidents and a follow-the-money derivation.
//
// Threads: an Overlay is immutable and safe to read from any thread;
// OverlayHolder is safe from any thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/chain.hpp"
#include "core/shared_slot.hpp"

namespace fw::watchlist {

// One transfer on the way from a follow-the-money seed to a derived entry.
struct PathStep {
  std::string from;        // canonical
  std::string to;          // canonical
  std::string chain_name;  // "stacks", "ethereum", ...
  std::string tx_id;
  std::string asset;       // symbol when known, else the contract id ("" = native with unknown symbol)
  std::string amount;      // display units, exact decimal ("1250.5")
  std::int64_t at_ms = 0;  // when freezewatch saw it (unix ms)
  friend bool operator==(const PathStep&, const PathStep&) = default;
};

struct LiveEntry {
  enum class Kind : std::uint8_t {
    api,      // added through the watchlist API / CLI
    derived,  // follow-the-money: received funds from a followed entry
  };

  std::string address;  // canonical
  Chain chain = Chain::evm;
  Kind kind = Kind::api;
  std::string label;
  std::string incident;  // "" allowed
  std::string source;    // "ZachXBT", "follow-the-money"
  std::string severity = "high";
  std::string notes;
  std::string added_by;  // token name, or "follow-the-money"
  std::int64_t added_at_ms = 0;
  std::optional<std::int64_t> expires_at_ms;  // ignored by matching from this time on
  bool follow = false;   // api: recipients of its transfers become derived entries

  // derived only
  std::uint32_t hops = 0;        // 1 = received directly from the seed
  std::string seed;              // the listed address the path starts at
  std::vector<PathStep> path;    // seed -> ... -> address; path.size() == hops
  bool approved = false;         // approved: alerts as a normal listing, not "suspected"
  std::string approved_by;

  bool suspected() const noexcept { return kind == Kind::derived && !approved; }
  bool expired(std::int64_t now_ms) const noexcept { return expires_at_ms && *expires_at_ms <= now_ms; }
};

constexpr std::string_view to_string(LiveEntry::Kind k) noexcept {
  return k == LiveEntry::Kind::api ? "api" : "derived";
}

class Overlay {
 public:
  Overlay();  // empty
  // Takes the entries in any order; several entries per address are kept.
  explicit Overlay(std::vector<LiveEntry> entries);
  ~Overlay();
  Overlay(const Overlay&) = delete;
  Overlay& operator=(const Overlay&) = delete;

  // The overlay after a change: `previous` (null = empty) with every entry
  // of the addresses in `changed` replaced by those of `now` (all the live
  // entries of those addresses after the change, any order; an address in
  // `changed` with nothing in `now` is removed). Addresses of `now` must be
  // in `changed`. `previous` is not modified.
  static std::shared_ptr<const Overlay> with(const std::shared_ptr<const Overlay>& previous,
                                             const std::vector<std::string>& changed, std::vector<LiveEntry> now);

  // Every entry of a canonical address (expired ones included: callers
  // filter with LiveEntry::expired), in a stable order (kind, incident).
  // Empty when the address has none. Constant time.
  std::span<const LiveEntry> find(std::string_view canonical) const noexcept;
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  // Calls fn on every entry, sorted by (address, kind, incident).
  void for_each(const std::function<void(const LiveEntry&)>& fn) const;
  // Entries in the delta (tests; 0 after a rebuild).
  std::size_t delta_size() const noexcept;
  // The delta size (entries + removed addresses) above which with() builds
  // a new base instead.
  static std::size_t max_delta(std::size_t base_size) noexcept;

 private:
  struct Layer;
  std::shared_ptr<const Layer> base_;
  std::unique_ptr<Layer> delta_;  // addresses changed since base_; a removed one has an empty range
  std::size_t size_ = 0;
};

class OverlayHolder {
 public:
  OverlayHolder() : current_(std::make_shared<const Overlay>()) {}
  std::shared_ptr<const Overlay> current() const noexcept { return current_.load(); }
  void publish(std::shared_ptr<const Overlay> next) noexcept { current_.store(std::move(next)); }

 private:
  SharedSlot<const Overlay> current_;
};

}  // namespace fw::watchlist
