#include "watchlist/overlay.hpp"

#include <algorithm>
#include <tuple>
#include <utility>

#include <boost/unordered/unordered_flat_map.hpp>

namespace fw::watchlist {

// Keys are views into entries_[i].address: entries_ never changes after the
// constructor, so the views stay valid for the Overlay's lifetime.
struct Overlay::Index {
  struct Range {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
  };
  boost::unordered_flat_map<std::string_view, Range> by_address;
};

Overlay::Overlay() : index_(std::make_unique<Index>()) {}

Overlay::Overlay(std::vector<LiveEntry> entries) : entries_(std::move(entries)), index_(std::make_unique<Index>()) {
  const auto less = [](const LiveEntry& a, const LiveEntry& b) {
    return std::tie(a.address, a.kind, a.incident) < std::tie(b.address, b.kind, b.incident);
  };
  // The registry hands its entries over already in order: checking is O(n).
  // Otherwise sort positions, not the (large) entries, then move each once.
  if (!std::is_sorted(entries_.begin(), entries_.end(), less)) {
    std::vector<std::uint32_t> order(entries_.size());
    for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::stable_sort(order.begin(), order.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return less(entries_[a], entries_[b]); });
    std::vector<LiveEntry> sorted;
    sorted.reserve(entries_.size());
    for (const auto i : order) sorted.push_back(std::move(entries_[i]));
    entries_ = std::move(sorted);
  }
  index_->by_address.reserve(entries_.size());
  for (std::size_t i = 0; i < entries_.size();) {
    std::size_t j = i + 1;
    while (j < entries_.size() && entries_[j].address == entries_[i].address) ++j;
    index_->by_address.emplace(std::string_view(entries_[i].address),
                               Index::Range{static_cast<std::uint32_t>(i), static_cast<std::uint32_t>(j - i)});
    i = j;
  }
}

Overlay::~Overlay() = default;

std::span<const LiveEntry> Overlay::find(std::string_view canonical) const noexcept {
  const auto it = index_->by_address.find(canonical);
  if (it == index_->by_address.end()) return {};
  return std::span<const LiveEntry>(entries_.data() + it->second.first, it->second.count);
}

}  // namespace fw::watchlist
