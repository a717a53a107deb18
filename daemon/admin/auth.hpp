// Bearer-token authentication for the admin API (/api/v1/watchlist).
//
// A TokenSet holds the configured tokens as SHA-256 digests with their names.
// authenticate() reads "Authorization: Bearer <token>", hashes the presented
// token and compares it with EVERY stored digest using CRYPTO_memcmp, with no
// early exit, so the time taken does not depend on which token (or how much
// of one) matched. It returns the token's NAME (what the audit log records
// as "who"); the token itself is never returned, stored in clear, or logged.
//
// The tokens come from config (admin.tokens and admin.tokens_file, read and
// checked by config::load: at least 16 characters, unique names).
//
// Threads: a TokenSet is immutable after construction; authenticate() is
// safe from any thread.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/router.hpp"
#include "config/config.hpp"

namespace fw::admin {

class TokenSet {
 public:
  TokenSet() = default;  // empty: every request is refused
  // config::load already merged admin.tokens_file into AdminConfig::tokens
  // and checked names and lengths.
  explicit TokenSet(const std::vector<config::AdminToken>& tokens);

  // The matching token's name, or nullopt (header missing, not "Bearer",
  // empty token, or no token matches).
  std::optional<std::string> authenticate(const Request& request) const;
  // Same, for a bare token string.
  std::optional<std::string> authenticate_token(std::string_view token) const;

  std::size_t size() const noexcept { return entries_.size(); }
  bool empty() const noexcept { return entries_.empty(); }

 private:
  struct Entry {
    std::string name;
    std::array<unsigned char, 32> digest;
  };
  std::vector<Entry> entries_;
};

}  // namespace fw::admin
