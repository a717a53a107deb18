#include "decode/tron/plugin_tracker.hpp"

#include <algorithm>
#include <optional>

#include "decode/tron/detail/json.hpp"

namespace fw::decode::tron {

PluginTracker::PluginTracker(LedgerContext context, std::uint32_t final_depth, LedgerOptions options)
    : context_(context), options_(options), final_depth_(std::max<std::uint32_t>(final_depth, 1)),
      ledger_(std::move(context), options) {}

void PluginTracker::apply(Trigger& t, std::vector<Transfer>& out) {
  const bool block_facts = is_contract(t.kind) || t.kind == TriggerKind::block;
  if (t.block_number && block_facts) tip_ = std::max(tip_, *t.block_number);
  if (t.transfer) {
    if (t.removed) {
      ledger_.removed(t.tx_id, t.event_index,
                      "reorg: the node removed the log (block " + std::to_string(t.block_number.value_or(0)) +
                          " left the chain)",
                      out);
    } else if (is_solidified(t.kind) || (t.block_number && *t.block_number <= solidified_)) {
      ledger_.solidified(std::move(*t.transfer), out);
    } else {
      ledger_.confirmed(std::move(*t.transfer), out);
    }
  }
  std::optional<std::uint64_t> solid = t.latest_solidified;
  if (!solid && t.block_number && block_facts && tip_ + 1 >= final_depth_) solid = tip_ + 1 - final_depth_;
  if (solid && *solid > solidified_) {
    solidified_ = *solid;
    ledger_.finalize_through(solidified_, out);
  }
}

std::string PluginTracker::save() const {
  return "{\"v\":1,\"solidified\":" + std::to_string(solidified_) + ",\"tip\":" + std::to_string(tip_) +
         ",\"ledger\":" + ledger_.save() + "}";
}

bool PluginTracker::restore(std::string_view saved, std::string& error) {
  using namespace detail;
  ledger_ = Ledger(context_, options_);
  solidified_ = tip_ = 0;
  dom::parser parser;
  dom::element root, ledger;
  dom::object o;
  std::uint64_t version = 0, solidified = 0, tip = 0;
  if (parser.parse(saved.data(), saved.size()).get(root) || root.get_object().get(o) ||
      get_u64(o, "v", version) != Got::ok || version != 1 || get_u64(o, "solidified", solidified) != Got::ok ||
      get_u64(o, "tip", tip) != Got::ok || o.at_key("ledger").get(ledger) || !ledger.is_object()) {
    error = "expected {\"v\":1,\"solidified\":N,\"tip\":N,\"ledger\":{...}}";
    return false;
  }
  if (!ledger_.restore(simdjson::minify(ledger), error)) return false;
  solidified_ = solidified;
  tip_ = tip;
  return true;
}

}  // namespace fw::decode::tron
