#include "decode/stacks/error.hpp"

#include <algorithm>

namespace fw::decode::stacks {

const char* to_string(Error e) noexcept {
  switch (e) {
    case Error::none: return "none";
    case Error::not_json: return "not_json";
    case Error::bad_shape: return "bad_shape";
    case Error::missing_field: return "missing_field";
    case Error::bad_field: return "bad_field";
    case Error::bad_tx: return "bad_tx";
    case Error::bad_clarity: return "bad_clarity";
    case Error::bad_address: return "bad_address";
    case Error::bad_amount: return "bad_amount";
    case Error::rest_error: return "rest_error";
  }
  return "unknown";
}

std::string excerpt(std::string_view text, std::size_t max) {
  max = std::clamp<std::size_t>(max, 4, 120);
  const bool cut = text.size() > max;
  std::string out;
  std::size_t n = cut ? max - 3 : text.size();
  out.reserve(n + 3);
  for (std::size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    out.push_back(c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '?');
  }
  if (cut) out += "...";
  return out;
}

}  // namespace fw::decode::stacks
