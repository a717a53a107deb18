#include "admin/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/sha.h>


namespace fw::admin {
namespace {

std::array<unsigned char, 32> sha256(std::string_view s) {
  std::array<unsigned char, 32> d{};
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d.data());
  return d;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

TokenSet::TokenSet(const std::vector<config::AdminToken>& tokens) {
  entries_.reserve(tokens.size());
  for (const auto& t : tokens) {
    if (t.token.empty()) continue;  // an empty token must never authenticate
    entries_.push_back(Entry{t.name, sha256(t.token.reveal())});
  }
}

std::optional<std::string> TokenSet::authenticate(const Request& request) const {
  const auto header = request.header("Authorization");
  if (!header) return std::nullopt;
  std::string_view v = trim(*header);
  constexpr std::string_view scheme = "Bearer";
  if (v.size() <= scheme.size() || !iequals(v.substr(0, scheme.size()), scheme) || !is_space(v[scheme.size()]))
    return std::nullopt;
  return authenticate_token(trim(v.substr(scheme.size())));
}

std::optional<std::string> TokenSet::authenticate_token(std::string_view token) const {
  if (token.empty()) return std::nullopt;
  const auto presented = sha256(token);
  // Every stored digest is compared, match or not: no early exit.
  const Entry* match = nullptr;
  for (const auto& e : entries_) {
    const bool equal = CRYPTO_memcmp(presented.data(), e.digest.data(), presented.size()) == 0;
    if (equal && match == nullptr) match = &e;
  }
  if (match == nullptr) return std::nullopt;
  return match->name;
}

}  // namespace fw::admin
