// Test helpers: the captured EVM node messages under FW_FIXTURES_DIR/evm
// (read-only) and small edits of them.
#pragma once

#include <simdjson.h>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace fw::decode::evm::test {

inline std::string read_fixture(const std::string& relative) {
  std::ifstream in(std::string(FW_FIXTURES_DIR) + "/evm/" + relative, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture evm/" + relative);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// The compact JSON of member `key` of the top-level object in `json`
// (the `params` of a notification, the `result` of a response).
inline std::string member(const std::string& json, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  return simdjson::minify(root[key]);
}

// `text` with the first occurrence of `from` replaced by `to` (the edit must apply).
inline std::string replaced(std::string text, const std::string& from, const std::string& to) {
  auto at = text.find(from);
  if (at == std::string::npos) throw std::runtime_error("fixture edit: \"" + from + "\" not found");
  return text.replace(at, from.size(), to);
}

}  // namespace fw::decode::evm::test
