// Test helpers: fixture paths, line lists and JSON documents.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include <simdjson.h>

#include "core/hex.hpp"

namespace fw::address::test {

inline std::string fixture(const std::string& rel) { return std::string(FW_FIXTURES_DIR) + "/" + rel; }

// Non-empty lines that are not '#' comments; a trailing '\r' is dropped.
inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    out.push_back(line);
  }
  return out;
}

inline std::vector<std::string> ofac(const std::string& asset) {
  return read_lines(fixture("sanctions/ofac/sanctioned_addresses_" + asset + ".txt"));
}

// Loads a JSON fixture; the parser must outlive the returned element.
inline simdjson::dom::element load_json(simdjson::dom::parser& parser, const std::string& rel) {
  return parser.load(fixture(rel));
}

inline std::vector<std::uint8_t> unhex(std::string_view s) { return hex_decode(s).value(); }

}  // namespace fw::address::test
