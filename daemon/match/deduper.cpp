#include "match/deduper.hpp"

#include <algorithm>
#include <cstring>

#include "address/hash.hpp"

namespace fw::match {

Deduper::Deduper(std::size_t capacity) : capacity_(std::max<std::size_t>(capacity, 1)) {}

Deduper::Key Deduper::key_of(std::string_view alert_id) {
  address::Digest32 d = address::sha256(alert_id);
  Key k;
  std::memcpy(&k.a, d.data(), 8);
  std::memcpy(&k.b, d.data() + 8, 8);
  return k;
}

bool Deduper::contains(std::string_view alert_id) const { return set_.contains(key_of(alert_id)); }

bool Deduper::first_time(std::string_view alert_id) {
  Key k = key_of(alert_id);
  if (set_.contains(k)) return false;
  if (ring_.size() < capacity_) {
    ring_.push_back(k);
  } else {
    set_.erase(ring_[next_]);
    ring_[next_] = k;
    next_ = (next_ + 1) % capacity_;
  }
  set_.insert(k);
  return true;
}

}  // namespace fw::match
