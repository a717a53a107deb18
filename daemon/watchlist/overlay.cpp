#include "watchlist/overlay.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include <boost/unordered/unordered_flat_map.hpp>
#include <boost/unordered/unordered_flat_set.hpp>

namespace fw::watchlist {

namespace {

bool entry_less(const LiveEntry& a, const LiveEntry& b) {
  return std::tie(a.address, a.kind, a.incident) < std::tie(b.address, b.kind, b.incident);
}

// Sorts by (address, kind, incident), stably. The registry hands its entries
// over already in order: checking is O(n). Otherwise sort positions, not the
// (large) entries, then move each once.
void sort_entries(std::vector<LiveEntry>& entries) {
  if (std::is_sorted(entries.begin(), entries.end(), entry_less)) return;
  std::vector<std::uint32_t> order(entries.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return entry_less(entries[a], entries[b]); });
  std::vector<LiveEntry> sorted;
  sorted.reserve(entries.size());
  for (const auto i : order) sorted.push_back(std::move(entries[i]));
  entries = std::move(sorted);
}

// Appends the entries of `keep` that `skip` does not reject (copied) and
// those of `take` (moved) to `out`, in order; both are sorted. No address is
// in both (the caller skips them), so ties do not arise.
template <class Skip>
void merge_into(std::vector<LiveEntry>& out, const std::vector<LiveEntry>& keep, Skip&& skip,
                std::vector<LiveEntry>& take) {
  std::size_t i = 0, j = 0;
  while (i < keep.size() || j < take.size()) {
    if (i < keep.size() && skip(keep[i])) {
      ++i;
    } else if (j == take.size() || (i < keep.size() && entry_less(keep[i], take[j]))) {
      out.push_back(keep[i++]);
    } else {
      out.push_back(std::move(take[j++]));
    }
  }
}

}  // namespace

// Sorted entries and an index from address to their range. Keys are views
// into `entries` and `removed`, which never change after the constructor.
struct Overlay::Layer {
  struct Range {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
  };
  std::vector<LiveEntry> entries;
  std::vector<std::string> removed;  // delta only: addresses whose base entries are hidden
  boost::unordered_flat_map<std::string_view, Range> index;

  Layer() = default;
  Layer(std::vector<LiveEntry> es, std::vector<std::string> gone) : entries(std::move(es)), removed(std::move(gone)) {
    sort_entries(entries);
    index.reserve(entries.size() + removed.size());
    for (std::size_t i = 0; i < entries.size();) {
      std::size_t j = i + 1;
      while (j < entries.size() && entries[j].address == entries[i].address) ++j;
      index.emplace(std::string_view(entries[i].address),
                    Range{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j - i)});
      i = j;
    }
    for (const std::string& a : removed) index.try_emplace(std::string_view(a), Range{});  // entries win
  }
  Layer(const Layer&) = delete;
  Layer& operator=(const Layer&) = delete;

  const Range* find(std::string_view a) const noexcept {
    if (index.empty()) return nullptr;
    const auto it = index.find(a);
    return it == index.end() ? nullptr : &it->second;
  }
  std::span<const LiveEntry> span(const Range& r) const noexcept {
    return std::span<const LiveEntry>(entries.data() + r.first, r.count);
  }
};

Overlay::Overlay() : base_(std::make_shared<const Layer>()), delta_(std::make_unique<Layer>()) {}

Overlay::Overlay(std::vector<LiveEntry> entries)
    : base_(std::make_shared<const Layer>(std::move(entries), std::vector<std::string>())),
      delta_(std::make_unique<Layer>()),
      size_(base_->entries.size()) {}

Overlay::~Overlay() = default;

std::size_t Overlay::max_delta(std::size_t base_size) noexcept {
  return std::max<std::size_t>(256, std::min<std::size_t>(4096, base_size / 4));
}

std::size_t Overlay::delta_size() const noexcept { return delta_->entries.size(); }

std::shared_ptr<const Overlay> Overlay::with(const std::shared_ptr<const Overlay>& previous,
                                             const std::vector<std::string>& changed, std::vector<LiveEntry> now) {
  static const Overlay empty;
  const Overlay& prev = previous ? *previous : empty;
  // The changed addresses, owned here: entries of `now` are moved below.
  std::vector<std::string> gone_keys(changed);
  for (const LiveEntry& e : now) gone_keys.push_back(e.address);
  boost::unordered_flat_set<std::string_view> gone(gone_keys.begin(), gone_keys.end());

  // The new delta: the previous one without the changed addresses, plus
  // `now`; every changed address the base has is hidden.
  sort_entries(now);
  std::vector<LiveEntry> delta;
  delta.reserve(prev.delta_->entries.size() + now.size());
  merge_into(delta, prev.delta_->entries, [&](const LiveEntry& e) { return gone.contains(e.address); }, now);
  std::vector<std::string> removed;
  std::size_t hidden = 0;  // base entries the delta hides
  for (const std::string& a : prev.delta_->removed) {
    if (gone.contains(a)) continue;
    removed.push_back(a);
    hidden += prev.base_->find(a)->count;
  }
  for (std::string_view a : gone) {
    if (const Layer::Range* r = prev.base_->find(a)) {
      removed.emplace_back(a);
      hidden += r->count;
    }
  }

  auto next = std::make_shared<Overlay>();
  next->size_ = prev.base_->entries.size() - hidden + delta.size();
  if (delta.size() + removed.size() <= max_delta(prev.base_->entries.size())) {
    next->base_ = prev.base_;
    next->delta_ = std::make_unique<Layer>(std::move(delta), std::move(removed));
    return next;
  }
  // Too many changes since the base: fold them into a new one.
  std::vector<std::string> delta_keys(removed);
  for (const LiveEntry& e : delta) delta_keys.push_back(e.address);  // owned: `delta` is moved below
  boost::unordered_flat_set<std::string_view> in_delta(delta_keys.begin(), delta_keys.end());
  std::vector<LiveEntry> all;
  all.reserve(next->size_);
  merge_into(all, prev.base_->entries, [&](const LiveEntry& e) { return in_delta.contains(e.address); }, delta);
  next->base_ = std::make_shared<const Layer>(std::move(all), std::vector<std::string>());
  return next;
}

std::span<const LiveEntry> Overlay::find(std::string_view canonical) const noexcept {
  if (const Layer::Range* r = delta_->find(canonical)) return delta_->span(*r);
  if (const Layer::Range* r = base_->find(canonical)) return base_->span(*r);
  return {};
}

void Overlay::for_each(const std::function<void(const LiveEntry&)>& fn) const {
  const auto& b = base_->entries;
  const auto& d = delta_->entries;
  std::size_t i = 0, j = 0;
  while (i < b.size() || j < d.size()) {
    if (i < b.size() && delta_->find(b[i].address)) {
      ++i;  // changed since the base
      continue;
    }
    // No address is in both now, so comparing addresses orders them.
    if (j == d.size() || (i < b.size() && b[i].address < d[j].address))
      fn(b[i++]);
    else
      fn(d[j++]);
  }
}

}  // namespace fw::watchlist
