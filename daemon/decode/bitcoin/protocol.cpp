#include "decode/bitcoin/protocol.hpp"

#include <algorithm>
#include <limits>
#include <unordered_set>

namespace fw::decode::bitcoin {
namespace {

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out += "\\u00";
      out.push_back(kHex[u >> 4]);
      out.push_back(kHex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

bool is_digit(char c) noexcept { return c >= '0' && c <= '9'; }

// The decimal number starting at `pos` (digits only), saturated.
std::uint32_t read_number(std::string_view s, std::size_t pos) noexcept {
  std::uint64_t v = 0;
  for (; pos < s.size() && is_digit(s[pos]); ++pos) {
    v = v * 10 + static_cast<unsigned>(s[pos] - '0');
    if (v > std::numeric_limits<std::uint32_t>::max()) return std::numeric_limits<std::uint32_t>::max();
  }
  return static_cast<std::uint32_t>(v);
}

std::vector<std::vector<std::string>> balanced(const std::vector<std::string>& addresses, std::size_t limit) {
  const std::size_t n = addresses.size();
  const std::size_t k = std::max<std::size_t>(1, (n + limit - 1) / limit);
  std::vector<std::vector<std::string>> out(k);
  std::size_t next = 0;
  for (std::size_t i = 0; i < k; ++i) {
    const std::size_t size = n / k + (i < n % k ? 1 : 0);
    out[i].assign(addresses.begin() + static_cast<std::ptrdiff_t>(next),
                  addresses.begin() + static_cast<std::ptrdiff_t>(next + size));
    next += size;
  }
  return out;
}

}  // namespace

std::string want_blocks_request() { return R"({"action":"want","data":["blocks"]})"; }

std::string ping_request() { return R"({"action":"ping"})"; }

std::string track_addresses_request(const std::vector<std::string>& addresses) {
  std::string out = R"({"track-addresses":[)";
  std::size_t size = out.size() + 2;
  for (const auto& a : addresses) size += a.size() + 3;
  out.reserve(size);
  for (std::size_t i = 0; i < addresses.size(); ++i) {
    if (i) out.push_back(',');
    append_json_string(out, addresses[i]);
  }
  out += "]}";
  return out;
}

std::optional<std::uint32_t> track_limit(std::string_view text) {
  if (auto at = text.find("maximum"); at != std::string_view::npos) {
    for (std::size_t i = at; i < text.size(); ++i)
      if (is_digit(text[i])) return read_number(text, i);
  }
  std::optional<std::uint32_t> last;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (is_digit(text[i]) && (i == 0 || !is_digit(text[i - 1]))) last = read_number(text, i);
  }
  return last;
}

std::vector<std::vector<std::string>> assign_chunks(const std::vector<std::vector<std::string>>& current,
                                                    const std::vector<std::string>& addresses, std::size_t limit) {
  limit = std::max<std::size_t>(limit, 1);
  const std::size_t needed = std::max<std::size_t>(1, (addresses.size() + limit - 1) / limit);

  const std::unordered_set<std::string_view> wanted(addresses.begin(), addresses.end());
  std::unordered_set<std::string_view> placed;
  std::vector<std::vector<std::string>> out;
  out.reserve(std::max(current.size(), needed));
  for (const auto& chunk : current) {
    auto& kept = out.emplace_back();
    for (const auto& a : chunk) {
      if (kept.size() >= limit) break;
      if (wanted.contains(a) && placed.insert(a).second) kept.push_back(a);
    }
  }
  if (placed.empty()) return balanced(addresses, limit);  // nothing to keep: a fresh split
  auto room = out.begin();
  for (const auto& a : addresses) {
    if (placed.contains(a)) continue;
    while (room != out.end() && room->size() >= limit) ++room;
    if (room == out.end()) {
      out.emplace_back();
      room = out.end() - 1;
    }
    room->push_back(a);
  }
  while (out.size() > 1 && out.back().empty()) out.pop_back();
  if (out.empty()) out.emplace_back();
  if (out.size() > needed) return balanced(addresses, limit);
  return out;
}

}  // namespace fw::decode::bitcoin
