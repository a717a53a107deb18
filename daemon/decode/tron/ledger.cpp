#include "decode/tron/ledger.hpp"

#include <limits>

#include "decode/tron/detail/json.hpp"

namespace fw::decode::tron {

namespace {

using namespace detail;

void append_transfer(std::string& out, const Transfer& t) {
  out += "{\"tx\":";
  append_json_string(out, t.tx_id);
  out += ",\"ix\":" + std::to_string(t.event_index);
  out += ",\"oc\":" + std::to_string(t.occurrence);
  out += ",\"c\":";
  append_json_string(out, t.asset.contract);
  out += ",\"s\":";
  append_json_string(out, t.asset.symbol);
  out += ",\"d\":" + std::to_string(t.asset.decimals);
  out += ",\"f\":";
  append_json_string(out, t.senders.empty() ? std::string_view() : std::string_view(t.senders.front()));
  out += ",\"t\":";
  append_json_string(out, t.recipient);
  out += ",\"a\":\"" + t.amount.to_decimal() + "\"";
  if (t.block_height) out += ",\"bn\":" + std::to_string(*t.block_height);
  if (!t.block_hash.empty()) {
    out += ",\"bh\":";
    append_json_string(out, t.block_hash);
  }
  if (t.block_time) out += ",\"bt\":" + std::to_string(*t.block_time);
  out += ",\"r\":" + std::to_string(t.revision) + "}";
}

bool read_transfer(dom::element el, dom::object o, const LedgerContext& cx, Transfer& t, std::string& error) {
  std::string_view tx, contract, symbol, from, to, amount, hash;
  std::uint64_t ix = 0, oc = 0, dec = 0, rev = 0, bn = 0;
  std::int64_t bt = 0;
  if (get_string(o, "tx", tx) != Got::ok || get_u64(o, "ix", ix) != Got::ok || get_u64(o, "oc", oc) != Got::ok ||
      get_string(o, "c", contract) != Got::ok || get_string(o, "s", symbol) != Got::ok ||
      get_u64(o, "d", dec) != Got::ok || get_string(o, "f", from) != Got::ok || get_string(o, "t", to) != Got::ok ||
      get_string(o, "a", amount) != Got::ok || get_u64(o, "r", rev) != Got::ok) {
    error = "live transfer: missing or wrong field in " + json_excerpt(el, 120);
    return false;
  }
  const auto limit = std::numeric_limits<std::uint32_t>::max();
  auto a = Amount::from_decimal(amount);
  if (!a || ix > limit || oc > limit || rev > limit || dec > 255) {
    error = "live transfer: value out of range in " + json_excerpt(el, 120);
    return false;
  }
  t = Transfer{};
  t.chain = Chain::tron;
  t.network = cx.network;
  t.chain_name = cx.chain_name;
  t.source = cx.source;
  t.tx_id.assign(tx);
  t.event_index = static_cast<std::uint32_t>(ix);
  t.occurrence = static_cast<std::uint32_t>(oc);
  t.asset = Asset{std::string(contract), std::string(symbol), static_cast<std::uint8_t>(dec)};
  t.senders.emplace_back(from);
  t.recipient.assign(to);
  t.amount = *a;
  if (get_u64(o, "bn", bn) == Got::ok) t.block_height = bn;
  if (get_string(o, "bh", hash) == Got::ok) t.block_hash.assign(hash);
  if (get_i64(o, "bt", bt) == Got::ok) t.block_time = bt;
  t.revision = static_cast<std::uint32_t>(rev);
  t.status = TransferStatus::confirmed;
  return true;
}

}  // namespace

std::string event_key(std::string_view tx_id, std::uint32_t event_index) {
  std::string k;
  k.reserve(tx_id.size() + 11);
  k.append(tx_id);
  k += ':';
  k += std::to_string(event_index);
  return k;
}

Ledger::Ledger(LedgerContext context, LedgerOptions options)
    : context_(std::move(context)), options_(options) {}

std::uint32_t Ledger::next_revision(const std::string& key) {
  auto it = retracted_.find(key);
  if (it == retracted_.end()) return 0;
  const std::uint32_t r = it->second + 1;
  retracted_.erase(it);  // its order entry is skipped when it comes up
  return r;
}

void Ledger::add_live(std::string key, Transfer t) {
  const std::uint64_t seq = next_seq_++;
  by_block_.emplace(order_of(t, seq), key);
  live_.emplace(std::move(key), Live{std::move(t), seq});
  while (live_.size() > options_.max_live && !by_block_.empty()) {
    auto it = live_.find(by_block_.begin()->second);
    if (it == live_.end()) {
      by_block_.erase(by_block_.begin());
      continue;
    }
    erase_live(it);
    ++evicted_;
  }
}

void Ledger::erase_live(std::unordered_map<std::string, Live>::iterator it) {
  by_block_.erase(order_of(it->second.transfer, it->second.seq));
  live_.erase(it);
}

void Ledger::note_final(std::string key) {
  if (!recent_final_.insert(key).second) return;
  recent_final_order_.push_back(std::move(key));
  while (recent_final_order_.size() > options_.max_recent_final) {
    recent_final_.erase(recent_final_order_.front());
    recent_final_order_.pop_front();
  }
}

void Ledger::note_retracted(std::string key, std::uint32_t revision) {
  retracted_[key] = revision;
  retracted_order_.emplace_back(std::move(key), revision);
  while (retracted_order_.size() > options_.max_retracted) {
    // An entry whose key was retracted again later (or confirmed again) no
    // longer owns the map's value.
    const auto& [old_key, old_revision] = retracted_order_.front();
    if (auto it = retracted_.find(old_key); it != retracted_.end() && it->second == old_revision) retracted_.erase(it);
    retracted_order_.pop_front();
  }
}

void Ledger::confirmed(Transfer t, std::vector<Transfer>& out) {
  std::string key = event_key(t.tx_id, t.event_index);
  if (live_.contains(key) || recent_final_.contains(key)) return;
  t.status = TransferStatus::confirmed;
  t.status_reason.clear();
  t.revision = next_revision(key);
  out.push_back(t);
  add_live(std::move(key), std::move(t));
}

void Ledger::solidified(Transfer t, std::vector<Transfer>& out) {
  std::string key = event_key(t.tx_id, t.event_index);
  if (recent_final_.contains(key)) return;
  t.status_reason.clear();
  if (auto it = live_.find(key); it != live_.end()) {
    t.revision = it->second.transfer.revision;
    erase_live(it);
  } else {
    t.revision = next_revision(key);
    t.status = TransferStatus::confirmed;
    out.push_back(t);
  }
  t.status = TransferStatus::final;
  out.push_back(std::move(t));
  note_final(std::move(key));
}

void Ledger::removed(std::string_view tx_id, std::uint32_t event_index, std::string_view reason,
                     std::vector<Transfer>& out) {
  std::string key = event_key(tx_id, event_index);
  auto it = live_.find(key);
  if (it == live_.end()) return;
  Transfer t = std::move(it->second.transfer);
  erase_live(it);
  t.status = TransferStatus::retracted;
  t.status_reason.assign(reason);
  note_retracted(std::move(key), t.revision);
  out.push_back(std::move(t));
}

void Ledger::finalize_through(std::uint64_t block, std::vector<Transfer>& out) {
  while (!by_block_.empty() && by_block_.begin()->first.first <= block) {
    std::string key = by_block_.begin()->second;
    auto it = live_.find(key);
    if (it == live_.end()) {
      by_block_.erase(by_block_.begin());
      continue;
    }
    Transfer t = std::move(it->second.transfer);
    erase_live(it);
    t.status = TransferStatus::final;
    out.push_back(std::move(t));
    note_final(std::move(key));
  }
}

void Ledger::retract_below(std::uint64_t block, std::string_view reason, std::vector<Transfer>& out) {
  while (!by_block_.empty() && by_block_.begin()->first.first < block) {
    std::string key = by_block_.begin()->second;
    auto it = live_.find(key);
    if (it == live_.end()) {
      by_block_.erase(by_block_.begin());
      continue;
    }
    Transfer t = std::move(it->second.transfer);
    erase_live(it);
    t.status = TransferStatus::retracted;
    t.status_reason.assign(reason);
    note_retracted(std::move(key), t.revision);
    out.push_back(std::move(t));
  }
}

std::string Ledger::save() const {
  std::string out = "{\"live\":[";
  bool first = true;
  for (const auto& [order, key] : by_block_) {  // block order, so restore() keeps it
    auto it = live_.find(key);
    if (it == live_.end()) continue;
    if (!first) out += ',';
    first = false;
    append_transfer(out, it->second.transfer);
  }
  out += "],\"retracted\":[";
  first = true;
  for (const auto& [key, revision] : retracted_order_) {
    auto it = retracted_.find(key);
    if (it == retracted_.end() || it->second != revision) continue;
    if (!first) out += ',';
    first = false;
    out += '[';
    append_json_string(out, key);
    out += ',' + std::to_string(it->second) + ']';
  }
  out += "]}";
  return out;
}

bool Ledger::restore(std::string_view saved, std::string& error) {
  live_.clear();
  by_block_.clear();
  recent_final_.clear();
  recent_final_order_.clear();
  retracted_.clear();
  retracted_order_.clear();
  next_seq_ = 0;
  evicted_ = 0;

  dom::parser parser;
  dom::element root;
  dom::object o;
  if (parser.parse(saved.data(), saved.size()).get(root) || root.get_object().get(o)) {
    error = "not a JSON object: \"" + excerpt(saved) + "\"";
    return false;
  }
  auto fail = [&](std::string why) {
    error = std::move(why);
    live_.clear();
    by_block_.clear();
    retracted_.clear();
    retracted_order_.clear();
    return false;
  };
  dom::array live, retracted;
  if (get_array(o, "live", live) != Got::ok) return fail("missing \"live\" array");
  if (get_array(o, "retracted", retracted) != Got::ok) return fail("missing \"retracted\" array");
  for (dom::element el : live) {
    dom::object to;
    Transfer t;
    if (el.get_object().get(to)) return fail("live: expected objects");
    if (!read_transfer(el, to, context_, t, error)) return fail(error);
    std::string key = event_key(t.tx_id, t.event_index);
    if (live_.contains(key)) continue;
    add_live(std::move(key), std::move(t));
  }
  for (dom::element el : retracted) {
    dom::array pair;
    std::string_view key;
    std::uint64_t rev = 0;
    if (el.get_array().get(pair) || pair.size() != 2 || pair.at(0).get_string().get(key) ||
        pair.at(1).get_uint64().get(rev) || rev > std::numeric_limits<std::uint32_t>::max())
      return fail("retracted: expected [key, revision] pairs");
    note_retracted(std::string(key), static_cast<std::uint32_t>(rev));
  }
  return true;
}

}  // namespace fw::decode::tron
