// Shared helpers for the registry tests: a temporary folder per test and
// entry builders.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>

#include "watchlist/overlay.hpp"

namespace fw::registry::test {

class TempDir {
 public:
  TempDir() {
    static std::atomic<int> n{0};
    path_ = std::filesystem::temp_directory_path() /
            ("fw_registry_test_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// "0x" + 40 lower-case hex digits made from n: a valid canonical EVM address.
inline std::string evm(unsigned n) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string s = "0x";
  for (int i = 39; i >= 0; --i) s += kHex[(n >> (4 * (i % 8))) & 0xF];
  return s;
}

inline watchlist::LiveEntry api_entry(std::string address, std::string incident = "inc-1", std::string label = "") {
  watchlist::LiveEntry e;
  e.address = std::move(address);
  e.chain = Chain::evm;
  e.incident = std::move(incident);
  e.label = std::move(label);
  e.source = "test";
  return e;
}

inline watchlist::LiveEntry derived_entry(std::string address, std::uint32_t hops, std::string seed = evm(1),
                                          std::string incident = "inc-1") {
  watchlist::LiveEntry e = api_entry(std::move(address), std::move(incident));
  e.kind = watchlist::LiveEntry::Kind::derived;
  e.source.clear();
  e.hops = hops;
  e.seed = seed;
  std::string from = seed;
  for (std::uint32_t h = 0; h < hops; ++h) {
    const std::string to = h + 1 == hops ? e.address : evm(1000 + h);
    e.path.push_back({from, to, "ethereum", "0xtx" + std::to_string(h), "USDT", "100." + std::to_string(h),
                      1000 + static_cast<std::int64_t>(h)});
    from = to;
  }
  return e;
}

}  // namespace fw::registry::test
