// Remembers the alert ids already emitted, in bounded memory.
//
// first_time(id) is true the first time an id is offered and false while it
// is remembered. The newest `capacity` ids are remembered; older ones are
// forgotten first-in-first-out (the outbox's unique key still refuses them,
// across restarts too). Ids are stored as 128-bit digests (SHA-256 of the id,
// truncated), about 40 bytes per id: 1M ids ~ 40 MB. O(1) per call.
//
// Not thread-safe: use it from one thread (the network thread).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include <boost/unordered/unordered_flat_set.hpp>

namespace fw::match {

class Deduper {
 public:
  explicit Deduper(std::size_t capacity);  // capacity 0 is treated as 1

  // True (and remembers the id) if the id is not remembered yet.
  bool first_time(std::string_view alert_id);
  bool contains(std::string_view alert_id) const;

  std::size_t size() const noexcept { return set_.size(); }
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct Key {
    std::uint64_t a = 0, b = 0;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    using is_avalanching = void;  // the key is already a cryptographic digest
    std::size_t operator()(const Key& k) const noexcept { return static_cast<std::size_t>(k.a); }
  };
  static Key key_of(std::string_view alert_id);

  std::size_t capacity_;
  boost::unordered_flat_set<Key, KeyHash> set_;
  std::vector<Key> ring_;  // insertion order; overwritten oldest-first once full
  std::size_t next_ = 0;   // ring slot to overwrite next, once full
};

}  // namespace fw::match
