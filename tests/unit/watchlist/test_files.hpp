// Test helpers: a temporary folder removed at the end of the test, and
// watchlist file configs. Files are replaced atomically (write + rename) so a
// concurrent reload never reads half a file.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "config/config.hpp"

namespace fw::watchlist::test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "fw-watchlist-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& dir() const noexcept { return dir_; }
  std::string path(std::string_view name) const { return dir_ + "/" + std::string(name); }

  // Writes `content` to dir/name atomically; returns the full path.
  std::string write(std::string_view name, std::string_view content) const {
    const std::string target = path(name);
    const std::string tmp = target + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(content.data(), static_cast<std::streamsize>(content.size()));
      if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, target);
    return target;
  }

 private:
  std::string dir_;
};

inline config::WatchlistFile list_file(std::string name, std::string path,
                                       config::WatchlistFile::Format format = config::WatchlistFile::Format::csv) {
  config::WatchlistFile f;
  f.name = std::move(name);
  f.path = std::move(path);
  f.format = format;
  return f;
}

inline config::WatchlistFile text_file(std::string name, std::string path, std::optional<Chain> chain = std::nullopt) {
  auto f = list_file(std::move(name), std::move(path), config::WatchlistFile::Format::text);
  f.chain = chain;
  return f;
}

// Twins off: these tests count and inspect the listed entries themselves
// (twins_test.cpp covers the derived ones).
inline config::WatchlistsConfig config_of(std::initializer_list<config::WatchlistFile> files) {
  config::WatchlistsConfig c;
  c.files = files;
  c.twins = config::TwinsConfig{false, false};
  return c;
}

// Real addresses (fixtures/sanctions): valid checksums.
inline constexpr std::string_view evm_x_eip55 = "0x3e8C9490687dFC26c5621dd63CE9C3d415b405ed";
inline constexpr std::string_view evm_x = "0x3e8c9490687dfc26c5621dd63ce9c3d415b405ed";
inline constexpr std::string_view evm_y_eip55 = "0x01e2919679362dFBC9ee1644Ba9C6da6D6245BB1";
inline constexpr std::string_view evm_y = "0x01e2919679362dfbc9ee1644ba9c6da6d6245bb1";
inline constexpr std::string_view evm_z_eip55 = "0x03893a7c7463AE47D46bc7f091665f1893656003";
inline constexpr std::string_view evm_z = "0x03893a7c7463ae47d46bc7f091665f1893656003";
// evm_x_eip55 with one letter's case flipped: fails EIP-55.
inline constexpr std::string_view evm_x_bad_checksum = "0x3e8c9490687dFC26c5621dd63CE9C3d415b405ed";
inline constexpr std::string_view tron_t = "TSMQQM9NMumDfZryQCtsKT5d5kgt7Ck2rm";
inline constexpr std::string_view tron_t_hex = "41b3b4ae64a81cfda5d38a4d2f008233cf736217c3";
inline constexpr std::string_view stacks_sp = "SP2AS4QCQ81PJQ5HE3TJ6AJ554QX2YK14MFHT2VRS";
inline constexpr std::string_view btc_p2pkh = "123WBUDmSJv4GctdVEz6Qq6z8nXSKrJ4KX";
inline constexpr std::string_view btc_bech32 = "bc1q05aktddf9ce4p7hh3stgsf253m4vweu7nkhtmw";

}  // namespace fw::watchlist::test
