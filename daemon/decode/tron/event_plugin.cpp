#include "decode/tron/event_plugin.hpp"

#include <charconv>
#include <limits>
#include <tuple>

#include "address/address.hpp"
#include "decode/erc20.hpp"
#include "decode/tron/detail/json.hpp"

namespace fw::decode::tron {

const char* to_string(TriggerKind k) noexcept {
  switch (k) {
    case TriggerKind::contract_event: return "contractEventTrigger";
    case TriggerKind::contract_log: return "contractLogTrigger";
    case TriggerKind::solidity_event: return "solidityEventTrigger";
    case TriggerKind::solidity_log: return "solidityLogTrigger";
    case TriggerKind::block: return "blockTrigger";
    case TriggerKind::solidity: return "solidityTrigger";
    case TriggerKind::transaction: return "transactionTrigger";
    case TriggerKind::other: return "other";
  }
  return "other";
}

namespace {

using namespace detail;

constexpr std::size_t kMaxKeptText = 64;
constexpr std::size_t kMaxTopics = 8;  // a log has at most 4; more is not a log
constexpr std::string_view kTransferSignature = "Transfer(address,address,uint256)";

TriggerKind kind_of(std::string_view name) noexcept {
  if (name == "contractEventTrigger") return TriggerKind::contract_event;
  if (name == "contractLogTrigger") return TriggerKind::contract_log;
  if (name == "solidityEventTrigger") return TriggerKind::solidity_event;
  if (name == "solidityLogTrigger") return TriggerKind::solidity_log;
  if (name == "blockTrigger") return TriggerKind::block;
  if (name == "solidityTrigger") return TriggerKind::solidity;
  if (name == "transactionTrigger") return TriggerKind::transaction;
  return TriggerKind::other;
}

// An optional non-negative number; wrong type is a problem.
Problem optional_u64(dom::object o, std::string_view key, std::string_view path, std::optional<std::uint64_t>& out) {
  std::uint64_t v = 0;
  switch (get_u64(o, key, v)) {
    case Got::ok: out = v; break;
    case Got::absent: break;
    case Got::wrong: return wrong_type(join_path(path, key), "a non-negative integer", o, key);
  }
  return {};
}

// The raw words of a log, as views into the parsed document.
struct RawLog {
  std::vector<std::string_view> topics;
  std::string_view data;
  std::string_view address;  // rawData.address: 20-byte hex without 41; may be empty
  bool present = false;
};

Problem read_topics(dom::array a, std::string_view path, RawLog& raw) {
  std::size_t i = 0;
  for (dom::element el : a) {
    std::string_view s;
    if (el.get_string().get(s))
      return {Error::bad_field, index_path(path, i) + ": expected a hex string, got " + type_name(el) + " " +
                                    json_excerpt(el)};
    if (++i > kMaxTopics) return {Error::bad_field, std::string(path) + ": more than " + std::to_string(kMaxTopics) + " topics"};
    raw.topics.push_back(s);
  }
  return {};
}

// topicList + data (log triggers), else rawData {topics, data, address}.
Problem raw_log(dom::object o, std::string_view path, bool log_kind, RawLog& raw) {
  dom::array topics;
  if (log_kind && get_array(o, "topicList", topics) == Got::ok) {
    if (Problem p = read_topics(topics, join_path(path, "topicList"), raw)) return p;
    if (get_string(o, "data", raw.data) == Got::wrong) return wrong_type(join_path(path, "data"), "a hex string", o, "data");
    raw.present = true;
  }
  dom::object rd;
  switch (get_object(o, "rawData", rd)) {
    case Got::absent: return {};
    case Got::wrong: return wrong_type(join_path(path, "rawData"), "an object", o, "rawData");
    case Got::ok: break;
  }
  const std::string rpath = join_path(path, "rawData");
  if (get_string(rd, "address", raw.address) == Got::wrong)
    return wrong_type(join_path(rpath, "address"), "a hex string", rd, "address");
  if (raw.present) return {};
  if (get_array(rd, "topics", topics) != Got::ok) return {};
  raw.topics.clear();
  if (Problem p = read_topics(topics, join_path(rpath, "topics"), raw)) return p;
  if (get_string(rd, "data", raw.data) == Got::wrong) return wrong_type(join_path(rpath, "data"), "a hex string", rd, "data");
  raw.present = true;
  return {};
}

// "<txid>_<index>" -> index, checking the txid part.
bool unique_index(std::string_view unique_id, const std::string& txid, std::uint32_t& index) {
  const std::size_t sep = unique_id.rfind('_');
  if (sep == std::string_view::npos) return false;
  std::string head;
  if (!normalize_txid(unique_id.substr(0, sep), head) || head != txid) return false;
  const std::string_view digits = unique_id.substr(sep + 1);
  if (digits.empty()) return false;
  auto [p, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), index);
  return ec == std::errc() && p == digits.data() + digits.size();
}

}  // namespace

struct PluginDecoder::Impl {
  Impl(TokenRegistry t, Network n, std::string s, std::string c)
      : tokens(std::move(t)), network(n), source(std::move(s)), chain_name(std::move(c)) {}

  TokenRegistry tokens;
  Network network;
  std::string source;
  std::string chain_name;
  dom::parser parser;

  Transfer base(const Trigger& tr, const TokenInfo& token) const {
    Transfer t;
    t.chain = Chain::tron;
    t.network = network;
    t.chain_name = chain_name;
    t.source = source;
    t.asset = tokens.asset(token);
    t.tx_id = tr.tx_id;
    t.event_index = tr.event_index;
    t.occurrence = tr.event_index;
    t.block_height = tr.block_number;
    t.block_hash = tr.block_hash;
    if (tr.timestamp_ms) t.block_time = *tr.timestamp_ms / 1000;
    t.status = TransferStatus::confirmed;
    return t;
  }

  // From the raw words. not_transfer: the log is not an ERC-20 Transfer.
  Problem from_raw(const RawLog& raw, std::string_view path, Transfer& t, bool& not_transfer) {
    auto r = erc20::decode_transfer_log(raw.topics, raw.data);
    if (r.not_transfer) {
      not_transfer = true;
      return {};
    }
    if (!r.log) return {Error::bad_field, std::string(path) + ": Transfer log refused: " + r.error};
    t.senders.push_back(address::tron_address(r.log->from.data()));
    t.recipient = address::tron_address(r.log->to.data());
    t.amount = r.log->value;
    return {};
  }

  // From the node's ABI decoding (contractEventTrigger without rawData).
  Problem from_maps(dom::object o, std::string_view path, Transfer& t, bool& not_transfer) {
    std::string_view sig, name;
    const Got gs = get_string(o, "eventSignature", sig);
    if (gs == Got::ok ? sig != kTransferSignature : (get_string(o, "eventName", name) != Got::ok || name != "Transfer")) {
      not_transfer = true;
      return {};
    }
    dom::object topics, data;
    if (get_object(o, "topicMap", topics) != Got::ok) return missing(join_path(path, "topicMap"));
    for (auto [key, pos, out] : {std::tuple{"from", "0", 0}, std::tuple{"to", "1", 1}}) {
      std::string_view text;
      std::string_view used = key;
      Got g = get_string(topics, key, text);
      if (g == Got::absent) {
        used = pos;
        g = get_string(topics, pos, text);
      }
      const std::string kpath = join_path(join_path(path, "topicMap"), used);
      if (g == Got::absent) return missing(kpath);
      if (g == Got::wrong) return wrong_type(kpath, "a string", topics, used);
      std::string canonical, error;
      if (!tron_address(text, canonical, error))
        return {Error::bad_address, kpath + ": " + error + ": \"" + excerpt(text) + "\""};
      if (out == 0) t.senders.push_back(std::move(canonical));
      else t.recipient = std::move(canonical);
    }
    if (get_object(o, "dataMap", data) != Got::ok) return missing(join_path(path, "dataMap"));
    std::string digits;
    std::string_view used = "value";
    Got g = get_decimal(data, "value", digits);
    if (g == Got::absent) {
      used = "2";
      g = get_decimal(data, "2", digits);
    }
    const std::string vpath = join_path(join_path(path, "dataMap"), used);
    if (g == Got::absent) return missing(join_path(join_path(path, "dataMap"), "value"));
    if (g == Got::wrong) return wrong_type(vpath, "a decimal string", data, used);
    if (!digits.empty() && digits.front() == '-')
      return {Error::bad_amount, vpath + ": negative (\"" + excerpt(digits) +
                                     "\"): the node decodes uint256 words >= 2^255 as signed; send rawData"};
    auto amount = Amount::from_decimal(digits);
    if (!amount) return {Error::bad_amount, vpath + ": not a decimal integer below 2^256: \"" + excerpt(digits) + "\""};
    t.amount = *amount;
    return {};
  }

  // The contract part of a contract trigger; a problem leaves the trigger out.
  Problem contract_trigger(dom::object o, const std::string& path, Trigger& tr, TriggerBatch& batch, IssueList& issues) {
    std::string_view text;
    if (Problem p = require_string(o, "transactionId", path, text)) return p;
    if (!normalize_txid(text, tr.tx_id))
      return {Error::bad_field, join_path(path, "transactionId") + ": not 64 hex digits: \"" + excerpt(text) + "\""};
    if (Problem p = require_string(o, "uniqueId", path, text)) return p;
    if (!unique_index(text, tr.tx_id, tr.event_index))
      return {Error::bad_field, join_path(path, "uniqueId") + ": not \"<transactionId>_<index>\": \"" + excerpt(text) + "\""};
    if (!tr.block_number) return missing(join_path(path, "blockNumber"));
    bool removed = false;
    switch (get_bool(o, "removed", removed)) {
      case Got::ok: tr.removed = removed; break;
      case Got::absent: break;
      case Got::wrong: return wrong_type(join_path(path, "removed"), "a boolean", o, "removed");
    }
    if (Problem p = require_string(o, "contractAddress", path, text)) return p;
    std::string error;
    if (!tron_address(text, tr.contract, error)) {
      tr.contract.assign(text.substr(0, kMaxKeptText));
      return {Error::bad_address, join_path(path, "contractAddress") + ": " + error + ": \"" + excerpt(text) + "\""};
    }

    const TokenInfo* token = tokens.find(tr.contract);
    if (!token) {
      tr.skip = Skip::not_configured;
      ++batch.ignored_contracts;
      return {};
    }
    RawLog raw;
    Transfer t = base(tr, *token);
    bool not_transfer = false;
    Problem p = raw_log(o, path, tr.kind == TriggerKind::contract_log || tr.kind == TriggerKind::solidity_log, raw);
    if (!p && !raw.address.empty()) {
      std::string from_raw_address;
      if (!tron_address("41" + std::string(raw.address), from_raw_address, error) || from_raw_address != tr.contract)
        p = {Error::bad_field, join_path(path, "rawData.address") + ": \"" + excerpt(raw.address) +
                                   "\" is not the contractAddress " + tr.contract};
    }
    if (!p) p = raw.present ? from_raw(raw, path, t, not_transfer) : from_maps(o, path, t, not_transfer);
    if (p) {
      issues.add(std::move(p));
      tr.skip = Skip::undecodable;
    } else if (not_transfer) {
      tr.skip = Skip::not_transfer;
      ++batch.other_events;
    } else {
      tr.transfer = std::move(t);
    }
    return {};
  }

  // One trigger object; a problem leaves it out of the batch.
  Problem trigger(dom::object o, const std::string& path, TriggerBatch& batch, IssueList& issues) {
    Trigger tr;
    std::string_view name;
    if (Problem p = require_string(o, "triggerName", path, name)) return p;
    tr.kind = kind_of(name);
    tr.name.assign(name.substr(0, kMaxKeptText));
    if (Problem p = optional_u64(o, "blockNumber", path, tr.block_number)) return p;
    if (Problem p = optional_u64(o, "latestSolidifiedBlockNumber", path, tr.latest_solidified)) return p;
    std::optional<std::uint64_t> ts;
    if (Problem p = optional_u64(o, "timeStamp", path, ts)) return p;
    if (ts && *ts <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      tr.timestamp_ms = static_cast<std::int64_t>(*ts);
    std::string_view hash;
    if (get_string(o, "blockHash", hash) == Got::ok && !hash.empty() && !normalize_txid(hash, tr.block_hash))
      return {Error::bad_field, join_path(path, "blockHash") + ": not 64 hex digits: \"" + excerpt(hash) + "\""};
    if (is_contract(tr.kind))
      if (Problem p = contract_trigger(o, path, tr, batch, issues)) return p;
    batch.triggers.push_back(std::move(tr));
    return {};
  }

  Decoded<TriggerBatch> decode(std::string_view body) {
    Decoded<TriggerBatch> r;
    dom::element root;
    if (auto err = parser.parse(body.data(), body.size()).get(root)) {
      r.error = {Error::not_json,
                 std::string("invalid JSON (") + simdjson::error_message(err) + "); body starts \"" + excerpt(body) + "\""};
      return r;
    }
    IssueList issues(r.issues);
    auto one = [&](dom::element el, const std::string& path) {
      dom::object o;
      if (el.get_object().get(o)) {
        issues.add({Error::not_object, (path.empty() ? std::string("body") : path) + ": expected a trigger object, got " +
                                           type_name(el) + " " + json_excerpt(el)});
        return;
      }
      if (Problem p = trigger(o, path, r.value, issues)) issues.add(std::move(p));
    };
    dom::array arr;
    if (root.get_array().get(arr) == simdjson::SUCCESS) {
      std::size_t i = 0;
      for (dom::element el : arr) one(el, index_path("", i++));
    } else if (root.is_object()) {
      one(root, "");
    } else {
      r.error = {Error::not_object, std::string("expected a trigger object or an array of them, got ") +
                                        type_name(root) + " " + json_excerpt(root)};
      return r;
    }
    issues.finish();
    return r;
  }
};

PluginDecoder::PluginDecoder(TokenRegistry tokens, Network network, std::string source, std::string chain_name)
    : impl_(std::make_unique<Impl>(std::move(tokens), network, std::move(source), std::move(chain_name))) {}
PluginDecoder::~PluginDecoder() = default;
PluginDecoder::PluginDecoder(PluginDecoder&&) noexcept = default;
PluginDecoder& PluginDecoder::operator=(PluginDecoder&&) noexcept = default;

Decoded<TriggerBatch> PluginDecoder::decode(std::string_view body) { return impl_->decode(body); }
const TokenRegistry& PluginDecoder::tokens() const noexcept { return impl_->tokens; }

}  // namespace fw::decode::tron
