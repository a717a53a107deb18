// A shared_ptr that readers on any thread load while one writer replaces it:
// how the watchlist snapshot and the live overlay are published.
//
// Normally a std::atomic<std::shared_ptr> (lock-free for readers in
// practice). libstdc++ 12 implements it with a lock bit inside the pointer,
// which ThreadSanitizer cannot see, so every load/store pair is reported as a
// race; a TSan build therefore uses a mutex instead, and the suite runs
// clean under TSan (scripts/sanitize.sh).
#pragma once

#include <memory>
#include <utility>

#if defined(__SANITIZE_THREAD__)
#include <mutex>
#else
#include <atomic>
#endif

namespace fw {

template <class T>
class SharedSlot {
 public:
  explicit SharedSlot(std::shared_ptr<T> initial) : value_(std::move(initial)) {}
  SharedSlot(const SharedSlot&) = delete;
  SharedSlot& operator=(const SharedSlot&) = delete;

#if defined(__SANITIZE_THREAD__)
  std::shared_ptr<T> load() const {
    std::lock_guard lk(mu_);
    return value_;
  }
  void store(std::shared_ptr<T> next) {
    std::lock_guard lk(mu_);
    value_.swap(next);  // the old value is released after the lock
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<T> value_;
#else
  std::shared_ptr<T> load() const noexcept { return value_.load(std::memory_order_acquire); }
  void store(std::shared_ptr<T> next) noexcept { value_.store(std::move(next), std::memory_order_release); }

 private:
  std::atomic<std::shared_ptr<T>> value_;
#endif
};

}  // namespace fw
