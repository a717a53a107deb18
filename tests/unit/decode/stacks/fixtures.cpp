#include "fixtures.hpp"

#include <map>

#include <simdjson.h>

#include "decode/stacks/detail/json.hpp"

namespace fw::decode::stacks::test {
namespace {

using Seen = std::map<std::string, std::size_t>;  // hex -> index in out

// Keeps one entry per distinct transaction; a txid learnt later (the block
// after the mempool) is filled in.
void add(std::vector<RawTx>& out, Seen& seen, const std::string& where, std::string hex, std::string txid) {
  auto [it, fresh] = seen.emplace(hex, out.size());
  if (fresh) out.push_back({where, std::move(hex), std::move(txid)});
  else if (out[it->second].txid.empty()) out[it->second].txid = std::move(txid);
}

void collect_block(simdjson::dom::element doc, const std::string& where, std::vector<RawTx>& out, Seen& seen) {
  for (simdjson::dom::object tx : doc["transactions"].get_array()) {
    std::string hex{std::string_view(tx["raw_tx"])};
    if (hex == "0x00") continue;
    add(out, seen, where, hex, std::string(std::string_view(tx["txid"])));
  }
}

}  // namespace

simdjson::dom::element parse_json(simdjson::dom::parser& parser, std::string_view body) {
  static thread_local std::string scratch;
  std::string_view text = detail::widen_big_integers(body, scratch) ? std::string_view(scratch) : body;
  return parser.parse(text.data(), text.size());
}

std::vector<RawTx> all_raw_txs() {
  std::vector<RawTx> out;
  Seen seen;
  simdjson::dom::parser parser;
  for (const auto& file : tsv_files()) {
    for (const auto& post : read_tsv(file)) {
      std::string where = file + ":" + std::to_string(post.line);
      simdjson::dom::element doc = parse_json(parser, post.body);
      if (post.path == "/new_block" || post.path == "/new_microblocks") {
        collect_block(doc, where, out, seen);
      } else if (post.path == "/new_mempool_tx") {
        for (std::string_view hex : doc.get_array()) add(out, seen, where, std::string(hex), "");
      }
    }
  }
  for (const auto& file : synthetic_blocks()) {
    std::string body = read_fixture("event-observer/synthetic-tx-payloads/" + file);
    collect_block(parse_json(parser, body), file, out, seen);
  }
  return out;
}

}  // namespace fw::decode::stacks::test
