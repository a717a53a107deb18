#include "decode/stacks/memo.hpp"

#include <cstdint>

#include "core/hex.hpp"

namespace fw::decode::stacks {
namespace {

// Strict UTF-8 (no overlongs, no surrogates, <= U+10FFFF), no C0/C1
// controls or DEL except tab.
bool printable_utf8(std::string_view s) noexcept {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xe0) == 0xc0) {
      len = 2;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      len = 3;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    static constexpr std::uint32_t min_for_len[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    if (cp >= 0x80 && cp < 0xa0) return false;  // C1 controls
    i += len;
  }
  return true;
}

}  // namespace

std::optional<std::string> memo_text(std::string_view memo_hex) {
  auto bytes = hex_decode(memo_hex);
  if (!bytes) return std::nullopt;
  std::size_t n = bytes->size();
  while (n > 0 && (*bytes)[n - 1] == 0) --n;
  if (n == 0) return std::nullopt;
  std::string text(reinterpret_cast<const char*>(bytes->data()), n);
  if (!printable_utf8(text)) return std::nullopt;
  return text;
}

}  // namespace fw::decode::stacks
