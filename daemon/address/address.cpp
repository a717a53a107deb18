// Entry points: input hygiene, per-chain dispatch and syntax routing.
#include "address/address.hpp"

#include "address/detail/codec.hpp"
#include "address/detail/parsers.hpp"

namespace fw::address {
namespace {

constexpr bool is_space(char c) noexcept {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool check_input(std::string_view text, std::string& error) {
  if (text.empty()) {
    error = "empty address";
    return false;
  }
  if (is_space(text.front()) || is_space(text.back())) {
    error = "leading or trailing whitespace";
    return false;
  }
  return true;
}

bool starts_with_ci(std::string_view s, std::string_view lower_prefix) noexcept {
  if (s.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    if (detail::to_lower_ascii(s[i]) != lower_prefix[i]) return false;
  }
  return true;
}

}  // namespace

bool parse_into(Chain chain, std::string_view text, Address& out, std::string& error) {
  if (!check_input(text, error)) return false;
  switch (chain) {
    case Chain::stacks: return detail::parse_stacks(text, out, error);
    case Chain::evm: return detail::parse_evm(text, out, error);
    case Chain::tron: return detail::parse_tron(text, out, error);
    case Chain::bitcoin: return detail::parse_bitcoin(text, out, error);
  }
  error = "unknown chain";
  return false;
}

ParseResult parse(Chain chain, std::string_view text) {
  ParseResult r;
  Address a;
  if (parse_into(chain, text, a, r.error)) r.address = std::move(a);
  return r;
}

std::optional<Chain> detect_chain(std::string_view text) noexcept {
  if (text.empty()) return std::nullopt;
  if (text.size() >= 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) return Chain::evm;
  if (text.size() == 42 && text[0] == '4' && text[1] == '1') {
    bool hex = true;
    for (char c : text) hex = hex && detail::is_hex(c);
    if (hex) return Chain::tron;
  }
  // Upper-case testnet bech32 ("TB1Q...") also starts with 'T'; a TRON
  // address is always 34 characters, a segwit address never is in practice
  // (v0 is 42 or 62; 34 would be a v1+ program of 15 bytes).
  if (starts_with_ci(text, "bc1") || starts_with_ci(text, "bcrt1") ||
      (starts_with_ci(text, "tb1") && !(text[0] == 'T' && text.size() == 34))) {
    return Chain::bitcoin;
  }
  switch (text[0]) {
    case 'T': return Chain::tron;
    case 'S':
    case 's': return Chain::stacks;
    case '1':
    case '3':
    case 'm':
    case 'n':
    case '2': return Chain::bitcoin;
    default: return std::nullopt;
  }
}

ParseResult parse_any(std::string_view text) {
  ParseResult r;
  if (!check_input(text, r.error)) return r;
  std::optional<Chain> chain = detect_chain(text);
  if (!chain) {
    r.error = "unrecognised address syntax";
    return r;
  }
  Address a;
  if (parse_into(*chain, text, a, r.error)) {
    r.address = std::move(a);
  } else {
    r.error = std::string(to_string(*chain)) + " address: " + r.error;
  }
  return r;
}

}  // namespace fw::address
