// Test helpers: the recorded stacks-node event-observer POSTs and Hiro API
// examples under FW_FIXTURES_DIR/stacks (read-only, see SOURCES.md there).
#pragma once

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fw::decode::stacks::test {

inline std::string fixture_path(const std::string& relative) {
  return std::string(FW_FIXTURES_DIR) + "/stacks/" + relative;
}

inline std::string read_fixture(const std::string& relative) {
  std::ifstream in(fixture_path(relative), std::ios::binary);
  if (!in) throw std::runtime_error("cannot open fixture " + relative);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// One line of an event-observer TSV: id, time, path, body.
struct Post {
  std::size_t line = 0;  // 0-based, as in SOURCES.md
  std::string path;
  std::string body;
};

inline std::vector<Post> read_tsv(const std::string& name) {
  std::vector<Post> posts;
  std::istringstream in(read_fixture("event-observer/" + name));
  std::string line;
  for (std::size_t n = 0; std::getline(in, line); ++n) {
    std::size_t a = line.find('\t'), b = line.find('\t', a + 1), c = line.find('\t', b + 1);
    if (c == std::string::npos) throw std::runtime_error(name + ": line " + std::to_string(n) + " has fewer than 4 columns");
    posts.push_back({n, line.substr(b + 1, c - b - 1), line.substr(c + 1)});
  }
  return posts;
}

inline const std::vector<std::string>& tsv_files() {
  static const std::vector<std::string> files = {
      "epoch-3-transition.tsv",          "fuzzed-transactions-1.tsv",   "mainnet-block0.tsv",
      "mainnet-out-of-order-microblock.tsv", "mainnet-reorg-scenario2.tsv", "poisonmicroblock.tsv"};
  return files;
}

inline const std::vector<std::string>& synthetic_blocks() {
  static const std::vector<std::string> files = {
      "failed-1352-0x2d825fbeb5368dcaeecdce053860e7d900bc66701751037f8b92dd7f8fd2a1b0.json",
      "failed-6910-0x763e485177d772efdb1baede3276d5091a96e90fbb156d25427c1a2e7ea1d6fd.json",
      "stx_lock-1379-0xb182e2aacfe2ed4257d66dd2ed4872f672cf10d873852b5218f41594d6b42b11.json",
      "stx_lock-1994-0xd45e090ac442380cf50655e3d1c904c355a501d6dffa3b5e4799083062469dbc.json",
      "stx_lock-51451-0xa64ad136e51a3a50eb1fdfd7eefa0b7aeb89e2521b2a2218d887477baa1775c9.json",
      "token_transfer-120-0xc0263c14f689ae757290f90765a28314497f52bd22b8bcbf87a12c764dd9d9be.json",
      "token_transfer-51655-0x2553c7c5b49eab5a0569e5d0f14c8f15945965a51976ac6697641003533986f6.json"};
  return files;
}

// Every (raw_tx, txid) of the blocks and microblocks in the TSVs and the
// synthetic payloads, skipping "0x00" (burnchain operations / placeholders),
// and every raw tx of the /new_mempool_tx bodies (txid "").
struct RawTx {
  std::string where;  // "poisonmicroblock.tsv:0"
  std::string hex;
  std::string txid;
};
std::vector<RawTx> all_raw_txs();  // fixtures.cpp (needs a JSON parser)

}  // namespace fw::decode::stacks::test

namespace simdjson::dom {
class parser;
class element;
}  // namespace simdjson::dom

namespace fw::decode::stacks::test {

// simdjson DOM parse that tolerates the node's u128 JSON numbers (see
// detail::widen_big_integers). Throws on invalid JSON.
simdjson::dom::element parse_json(simdjson::dom::parser& parser, std::string_view body);

}  // namespace fw::decode::stacks::test
