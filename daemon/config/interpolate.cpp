#include "config/interpolate.hpp"

#include <cstdlib>

namespace fw::config {
namespace {

bool name_start(char c) noexcept { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool name_char(char c) noexcept { return name_start(c) || (c >= '0' && c <= '9'); }

bool valid_name(std::string_view s) noexcept {
  if (s.empty() || !name_start(s[0])) return false;
  for (char c : s)
    if (!name_char(c)) return false;
  return true;
}

}  // namespace

Expansion expand_env(std::string_view text, const EnvLookup& lookup) {
  Expansion out;
  std::size_t i = 0;
  while (i < text.size()) {
    const char c = text[i];
    if (c == '$' && text.substr(i, 3) == "$${") {
      out.value += "${";
      i += 3;
      continue;
    }
    if (c != '$' || text.substr(i, 2) != "${") {
      out.value += c;
      ++i;
      continue;
    }
    const std::size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      if (out.error.empty()) out.error = "unterminated ${ (write $${ for a literal ${)";
      break;
    }
    const std::string name(text.substr(i + 2, close - i - 2));
    if (!valid_name(name)) {
      // A name is not a secret, but a malformed reference may be a pasted
      // value; say what is allowed instead of echoing it.
      if (out.error.empty())
        out.error =
            "invalid ${...} reference: expected ${NAME} with NAME made of letters, digits and '_'"
            " (write $${ for a literal ${)";
    } else if (const char* v = lookup(name)) {
      out.value += v;
    } else {
      bool seen = false;
      for (const auto& u : out.unset) seen = seen || u == name;
      if (!seen) out.unset.push_back(name);
    }
    i = close + 1;
  }
  return out;
}

Expansion expand_env(std::string_view text) {
  return expand_env(text, [](const std::string& name) -> const char* { return std::getenv(name.c_str()); });
}

bool has_env_reference(std::string_view text) noexcept {
  for (std::size_t i = text.find("${"); i != std::string_view::npos; i = text.find("${", i + 2))
    if (i == 0 || text[i - 1] != '$') return true;
  return false;
}

}  // namespace fw::config
