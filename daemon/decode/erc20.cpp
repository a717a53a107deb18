#include "decode/erc20.hpp"

#include <algorithm>

#include "core/hex.hpp"

namespace fw::decode::erc20 {
namespace {

std::string_view strip0x(std::string_view s) noexcept {
  if (s.size() >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  return s;
}

// 64 hex digits -> 32 bytes.
bool word(std::string_view hex, std::array<std::uint8_t, 32>& out) noexcept {
  hex = strip0x(hex);
  if (hex.size() != 64) return false;
  for (std::size_t i = 0; i < 32; ++i) {
    const int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

bool address_word(std::string_view hex, std::array<std::uint8_t, 20>& out) noexcept {
  std::array<std::uint8_t, 32> w;
  if (!word(hex, w)) return false;
  if (std::any_of(w.begin(), w.begin() + 12, [](std::uint8_t b) { return b != 0; })) return false;
  std::copy(w.begin() + 12, w.end(), out.begin());
  return true;
}

}  // namespace

bool is_transfer_topic(std::string_view topic0) noexcept {
  topic0 = strip0x(topic0);
  if (topic0.size() != transfer_topic.size()) return false;
  for (std::size_t i = 0; i < topic0.size(); ++i) {
    char c = topic0[i];
    if (c >= 'A' && c <= 'F') c = static_cast<char>(c - 'A' + 'a');
    if (c != transfer_topic[i]) return false;
  }
  return true;
}

TransferLogResult decode_transfer_log(std::span<const std::string_view> topics, std::string_view data) {
  TransferLogResult r;
  if (topics.empty() || !is_transfer_topic(topics[0])) {
    r.not_transfer = true;
    r.error = "not a Transfer event";
    return r;
  }
  if (topics.size() != 3) {
    r.error = std::to_string(topics.size()) + " topics, expected 3";
    if (topics.size() == 4) r.error += " (an ERC-721 Transfer has the token id as a third indexed topic)";
    return r;
  }
  TransferLog log;
  if (!address_word(topics[1], log.from)) {
    r.error = "topics[1] is not an address word (32 bytes, 12 of them zero)";
    return r;
  }
  if (!address_word(topics[2], log.to)) {
    r.error = "topics[2] is not an address word (32 bytes, 12 of them zero)";
    return r;
  }
  std::array<std::uint8_t, 32> value;
  if (!word(data, value)) {
    const std::string_view d = strip0x(data);
    r.error = d.size() % 2 == 0 && d.size() != 64
                  ? "data is " + std::to_string(d.size() / 2) + " bytes, expected 32"
                  : "data is not 32 bytes of hex";
    return r;
  }
  log.value = Amount::from_be_bytes(value.data(), value.size());
  r.log = log;
  return r;
}

}  // namespace fw::decode::erc20
