#include "decode/evm/decoder.hpp"

#include <algorithm>
#include <limits>
#include <unordered_map>
#include <utility>

#include "address/hash.hpp"
#include "core/hex.hpp"
#include "decode/evm/detail/json.hpp"

namespace fw::decode::evm {

using namespace detail;

struct Decoder::Impl {
  dom::parser parser;
  TokenRegistry tokens;
  Network network = Network::mainnet;
  std::string source;
  std::string chain_name;
  Asset native;

  Transfer base() const {
    Transfer t;
    t.chain = Chain::evm;
    t.network = network;
    t.chain_name = chain_name;
    t.source = source;
    t.status = TransferStatus::confirmed;
    return t;
  }
};

namespace {

// The address in a 32-byte topic word: upper 12 bytes zero.
Problem topic_address(dom::array topics, std::size_t i, std::string_view path, std::string& out) {
  const std::string at = index(join(path, "topics"), i);
  dom::element e;
  std::string_view s;
  if (topics.at(i).get(e) != simdjson::SUCCESS) return missing(at);
  if (e.get_string().get(s) != simdjson::SUCCESS) return wrong_type(at, "a hex string", e);
  auto word = normalize_fixed_hex(s, 32);
  if (!word) return bad(Error::bad_field, at, "not a 32-byte topic", s);
  if (word->compare(2, 24, std::string(24, '0')) != 0)
    return bad(Error::bad_address, at, "not an address word (upper 12 bytes are not zero)", s);
  out = "0x" + word->substr(26);
  return {};
}

enum class LogOutcome : std::uint8_t { transfer, ignored };

// One log object. On success `t` holds the transfer (status confirmed, or
// retracted when removed) and `removed` the flag.
Problem decode_log(const Decoder::Impl& d, dom::element e, std::string_view path, Transfer& t, bool& removed,
                   LogOutcome& outcome) {
  outcome = LogOutcome::ignored;
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) return wrong_type(path, "a log object", e);

  std::string contract;
  if (auto p = require_address(o, "address", path, contract)) return p;
  const TokenInfo* token = d.tokens.find(contract);
  if (!token) return {};  // another contract: not ours to judge

  dom::array topics;
  switch (get_array(o, "topics", topics)) {
    case Got::absent: return missing(join(path, "topics"));
    case Got::wrong: return wrong_type(join(path, "topics"), "an array", o["topics"].value_unsafe());
    case Got::ok: break;
  }
  {
    dom::element first;
    std::string_view topic0;
    if (topics.size() == 0 || topics.at(0).get(first) != simdjson::SUCCESS ||
        first.get_string().get(topic0) != simdjson::SUCCESS)
      return {};  // an anonymous event
    if (normalize_fixed_hex(topic0, 32) != kTransferTopic) return {};  // another event (Approval, ...)
  }
  if (topics.size() != 3)
    return {Error::bad_field, join(path, "topics") + ": a Transfer(address,address,uint256) log has 3 topics, got " +
                                  std::to_string(topics.size()) +
                                  (topics.size() == 4 ? " (an ERC-721 Transfer? its tokenId is indexed)" : "")};

  Transfer out = d.base();
  std::string from, to;
  if (auto p = topic_address(topics, 1, path, from)) return p;
  if (auto p = topic_address(topics, 2, path, to)) return p;

  std::string_view data;
  switch (get_string(o, "data", data)) {
    case Got::absent: return missing(join(path, "data"));
    case Got::wrong: return wrong_type(join(path, "data"), "a hex string", o["data"].value_unsafe());
    case Got::ok: break;
  }
  if (!is_hex_data(data)) return bad(Error::bad_field, join(path, "data"), "not 0x-prefixed hex bytes", data);
  const std::size_t data_bytes = (data.size() - 2) / 2;
  if (data_bytes != 32)
    return {Error::bad_field, join(path, "data") + ": expected one 32-byte word (the uint256 value), got " +
                                  std::to_string(data_bytes) + " bytes: \"" + excerpt(data) + "\""};
  auto bytes = hex_decode(data);
  if (!bytes) return bad(Error::bad_field, join(path, "data"), "not hex", data);  // checked above; defensive
  out.amount = Amount::from_be_bytes(bytes->data(), bytes->size());

  if (auto p = require_hash(o, "transactionHash", path, out.tx_id)) return p;
  if (auto p = require_hash(o, "blockHash", path, out.block_hash)) return p;
  std::uint64_t number = 0, log_index = 0;
  if (auto p = require_quantity(o, "blockNumber", path, number)) return p;
  if (auto p = require_quantity(o, "logIndex", path, log_index)) return p;
  if (log_index > std::numeric_limits<std::uint32_t>::max())
    return {Error::bad_field, join(path, "logIndex") + ": " + std::to_string(log_index) + " is out of range"};
  std::optional<std::uint64_t> timestamp;
  if (auto p = optional_quantity(o, "blockTimestamp", path, timestamp)) return p;
  removed = false;
  if (get_bool(o, "removed", removed) == Got::wrong)
    return wrong_type(join(path, "removed"), "a boolean", o["removed"].value_unsafe());

  out.asset = token_asset(*token);
  out.senders = {std::move(from)};
  out.recipient = std::move(to);
  out.block_height = number;
  out.event_index = static_cast<std::uint32_t>(log_index);
  if (timestamp && *timestamp <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    out.block_time = static_cast<std::int64_t>(*timestamp);
  if (removed) out.status = TransferStatus::retracted;
  t = std::move(out);
  outcome = LogOutcome::transfer;
  return {};
}

Problem decode_header(dom::object o, std::string_view path, BlockHeader& h, std::vector<Problem>& issues) {
  if (auto p = require_quantity(o, "number", path, h.number)) return p;
  if (auto p = require_hash(o, "hash", path, h.hash)) return p;
  if (auto p = require_hash(o, "parentHash", path, h.parent_hash)) return p;
  std::optional<std::uint64_t> ts;
  if (auto p = optional_quantity(o, "timestamp", path, ts)) return p;
  if (ts && *ts <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
    h.timestamp = static_cast<std::int64_t>(*ts);
  std::string_view bloom;
  if (get_string(o, "logsBloom", bloom) == Got::ok) {
    auto bytes = bloom.size() == 2 + 512 ? hex_decode(bloom) : std::nullopt;
    if (bytes)
      h.logs_bloom = std::move(*bytes);
    else
      issues.push_back(bad(Error::bad_field, join(path, "logsBloom"), "not 256 bytes of hex (ignored)", bloom));
  }
  return {};
}

// Accepts `null` as "no value".
bool is_null(dom::element e) noexcept { return e.is_null(); }

// One transaction object of a full block.
Problem decode_tx(const Decoder::Impl& d, dom::object o, std::string_view path, std::string& hash,
                  std::optional<Transfer>& native) {
  native.reset();
  if (auto p = require_hash(o, "hash", path, hash)) return p;
  std::string_view value_text;
  switch (get_string(o, "value", value_text)) {
    case Got::absent: return missing(join(path, "value"));
    case Got::wrong: return wrong_type(join(path, "value"), "a hex string", o["value"].value_unsafe());
    case Got::ok: break;
  }
  auto value = value_text.size() > 2 && (value_text[1] == 'x' || value_text[1] == 'X') ? Amount::from_hex(value_text)
                                                                                       : std::nullopt;
  if (!value) return bad(Error::bad_amount, join(path, "value"), "not a uint256 hex quantity", value_text);
  if (value->is_zero()) return {};
  std::string_view to_text;
  if (get_string(o, "to", to_text) != Got::ok) return {};  // contract creation: no recipient
  Transfer t = d.base();
  std::string to;
  if (auto p = require_address(o, "to", path, to)) return p;
  std::string from;
  if (auto p = require_address(o, "from", path, from)) return p;
  std::uint64_t tx_index = 0;
  if (auto p = require_quantity(o, "transactionIndex", path, tx_index)) return p;
  if (tx_index > std::numeric_limits<std::uint32_t>::max())
    return {Error::bad_field, join(path, "transactionIndex") + ": " + std::to_string(tx_index) + " is out of range"};
  t.asset = d.native;
  t.senders = {std::move(from)};
  t.recipient = std::move(to);
  t.amount = *value;
  t.tx_id = hash;
  t.event_index = static_cast<std::uint32_t>(tx_index);
  native = std::move(t);
  return {};
}

}  // namespace

Decoder::Decoder(TokenRegistry tokens, Network network, std::string source, std::string chain_name)
    : impl_(std::make_unique<Impl>()) {
  impl_->tokens = std::move(tokens);
  impl_->network = network;
  impl_->source = std::move(source);
  impl_->native = native_asset(chain_name);
  impl_->chain_name = std::move(chain_name);
}

Decoder::~Decoder() = default;
Decoder::Decoder(Decoder&&) noexcept = default;
Decoder& Decoder::operator=(Decoder&&) noexcept = default;

const TokenRegistry& Decoder::tokens() const noexcept { return impl_->tokens; }

Decoded<Notification> Decoder::notification(std::string_view params_json) {
  Decoded<Notification> r;
  dom::element root;
  if ((r.error = parse(impl_->parser, params_json, root))) return r;
  dom::object params;
  if (root.get_object().get(params) != simdjson::SUCCESS) {
    r.error = {Error::not_object, "params: expected an object, got " + std::string(type_name(root)) + " (" +
                                      json_excerpt(root) + ")"};
    return r;
  }
  std::string_view sub;
  if (get_string(params, "subscription", sub) == Got::ok) r.value.subscription = std::string(sub);
  dom::element result;
  if (params.at_key("result").get(result) != simdjson::SUCCESS || is_null(result)) {
    r.error = missing("params.result");
    return r;
  }
  dom::object o;
  if (result.get_object().get(o) != simdjson::SUCCESS) return r;  // e.g. a newPendingTransactions hash: other
  dom::element probe;
  if (o.at_key("topics").get(probe) == simdjson::SUCCESS) {
    LogOutcome outcome = LogOutcome::ignored;
    if (auto p = decode_log(*impl_, result, "params.result", r.value.log, r.value.removed, outcome)) {
      r.value.kind = Notification::Kind::log;
      r.error = std::move(p);
      return r;
    }
    r.value.kind = outcome == LogOutcome::transfer ? Notification::Kind::log : Notification::Kind::other;
    return r;
  }
  if (o.at_key("parentHash").get(probe) == simdjson::SUCCESS) {
    r.value.kind = Notification::Kind::new_head;
    r.error = decode_header(o, "params.result", r.value.header, r.issues);
  }
  return r;
}

Decoded<LogBatch> Decoder::logs(std::string_view result_json) {
  Decoded<LogBatch> r;
  dom::element root;
  if ((r.error = parse(impl_->parser, result_json, root))) return r;
  dom::array arr;
  if (root.get_array().get(arr) != simdjson::SUCCESS) {
    r.error = {Error::not_object, "result: expected an array of logs, got " + std::string(type_name(root)) + " (" +
                                      json_excerpt(root) + ")"};
    return r;
  }
  std::size_t i = 0;
  for (dom::element e : arr) {
    Transfer t;
    bool removed = false;
    LogOutcome outcome = LogOutcome::ignored;
    if (auto p = decode_log(*impl_, e, index("result", i++), t, removed, outcome)) {
      r.issues.push_back(std::move(p));
      continue;
    }
    if (outcome == LogOutcome::ignored) {
      ++r.value.ignored;
    } else if (removed) {
      ++r.value.removed;
    } else {
      r.value.transfers.push_back(std::move(t));
    }
  }
  auto& ts = r.value.transfers;
  std::stable_sort(ts.begin(), ts.end(), [](const Transfer& a, const Transfer& b) {
    return std::pair(*a.block_height, a.event_index) < std::pair(*b.block_height, b.event_index);
  });
  assign_occurrences(ts);
  return r;
}

Decoded<std::optional<BlockHeader>> Decoder::header(std::string_view result_json) {
  Decoded<std::optional<BlockHeader>> r;
  dom::element root;
  if ((r.error = parse(impl_->parser, result_json, root))) return r;
  if (root.is_null()) return r;
  dom::object o;
  if (root.get_object().get(o) != simdjson::SUCCESS) {
    r.error = {Error::not_object, "result: expected a block object or null, got " + std::string(type_name(root)) +
                                      " (" + json_excerpt(root) + ")"};
    return r;
  }
  BlockHeader h;
  if ((r.error = decode_header(o, "result", h, r.issues))) return r;
  r.value = std::move(h);
  return r;
}

Decoded<std::optional<FullBlock>> Decoder::full_block(std::string_view result_json) {
  Decoded<std::optional<FullBlock>> r;
  dom::element root;
  if ((r.error = parse(impl_->parser, result_json, root))) return r;
  if (root.is_null()) return r;
  dom::object o;
  if (root.get_object().get(o) != simdjson::SUCCESS) {
    r.error = {Error::not_object, "result: expected a block object or null, got " + std::string(type_name(root)) +
                                      " (" + json_excerpt(root) + ")"};
    return r;
  }
  FullBlock b;
  if ((r.error = decode_header(o, "result", b.header, r.issues))) return r;
  dom::array txs;
  switch (get_array(o, "transactions", txs)) {
    case Got::absent: r.error = missing("result.transactions"); return r;
    case Got::wrong:
      r.error = wrong_type("result.transactions", "an array", o["transactions"].value_unsafe());
      return r;
    case Got::ok: break;
  }
  std::size_t i = 0;
  for (dom::element e : txs) {
    const std::string path = index("result.transactions", i++);
    std::string_view hash_text;
    if (e.get_string().get(hash_text) == simdjson::SUCCESS) {  // hashes only (fetched with false)
      auto hash = normalize_fixed_hex(hash_text, 32);
      if (hash)
        b.tx_hashes.push_back(std::move(*hash));
      else
        r.issues.push_back(bad(Error::bad_field, path, "not a 32-byte hash", hash_text));
      continue;
    }
    dom::object tx;
    if (e.get_object().get(tx) != simdjson::SUCCESS) {
      r.issues.push_back(wrong_type(path, "a transaction object", e));
      continue;
    }
    std::string hash;
    std::optional<Transfer> native;
    if (auto p = decode_tx(*impl_, tx, path, hash, native)) {
      r.issues.push_back(std::move(p));
      if (!hash.empty()) b.tx_hashes.push_back(std::move(hash));
      continue;
    }
    b.tx_hashes.push_back(std::move(hash));
    if (native) {
      native->block_height = b.header.number;
      native->block_hash = b.header.hash;
      native->block_time = b.header.timestamp;
      b.native.push_back(std::move(*native));
    }
  }
  r.value = std::move(b);
  return r;
}

Decoded<std::vector<Receipt>> Decoder::receipts(std::string_view result_json) {
  Decoded<std::vector<Receipt>> r;
  dom::element root;
  if ((r.error = parse(impl_->parser, result_json, root))) return r;
  if (root.is_null()) return r;
  auto one = [&](dom::element e, const std::string& path) {
    dom::object o;
    if (e.get_object().get(o) != simdjson::SUCCESS) {
      r.issues.push_back(wrong_type(path, "a receipt object", e));
      return;
    }
    Receipt rc;
    if (auto p = require_hash(o, "transactionHash", path, rc.tx_hash)) {
      r.issues.push_back(std::move(p));
      return;
    }
    std::optional<std::uint64_t> status;
    if (auto p = optional_quantity(o, "status", path, status)) {
      r.issues.push_back(std::move(p));
      return;
    }
    rc.success = !status || *status == 1;
    r.value.push_back(std::move(rc));
  };
  dom::array arr;
  if (root.get_array().get(arr) == simdjson::SUCCESS) {
    std::size_t i = 0;
    for (dom::element e : arr) one(e, index("result", i++));
  } else if (root.is_object()) {
    one(root, "result");
    if (!r.issues.empty() && r.value.empty()) {
      r.error = std::move(r.issues.front());
      r.issues.clear();
    }
  } else {
    r.error = {Error::not_object, "result: expected receipts, got " + std::string(type_name(root)) + " (" +
                                      json_excerpt(root) + ")"};
  }
  return r;
}

Decoded<std::uint64_t> Decoder::quantity(std::string_view result_json) {
  Decoded<std::uint64_t> r;
  dom::element root;
  if ((r.error = parse(impl_->parser, result_json, root))) return r;
  std::string_view s;
  if (root.get_string().get(s) != simdjson::SUCCESS) {
    r.error = wrong_type("result", "a hex quantity string", root);
    return r;
  }
  auto v = parse_quantity(s);
  if (!v) {
    r.error = bad(Error::bad_field, "result", "not a hex quantity", s);
    return r;
  }
  r.value = *v;
  return r;
}

void assign_occurrences(std::vector<Transfer>& transfers) {
  std::unordered_map<std::string, std::uint32_t> seen;
  std::string key;
  for (auto& t : transfers) {
    key.clear();
    key += t.tx_id;
    key += '\x1f';
    key += t.asset.contract;
    for (const auto& s : t.senders) {
      key += '\x1f';
      key += s;
    }
    key += '\x1e';
    key += t.recipient;
    key += '\x1f';
    key += t.amount.to_decimal();
    t.occurrence = seen[key]++;
  }
}

namespace {

// Yellow Paper M3:2048: three bits from the first three byte pairs of keccak256(item).
bool bloom_has(const std::vector<std::uint8_t>& bloom, const std::vector<std::uint8_t>& item) {
  const auto h = address::keccak256(address::ByteSpan(item.data(), item.size()));
  for (std::size_t i = 0; i < 6; i += 2) {
    const unsigned bit = (static_cast<unsigned>(h[i]) << 8 | h[i + 1]) & 2047u;
    if ((bloom[255 - bit / 8] & (1u << (bit % 8))) == 0) return false;
  }
  return true;
}

}  // namespace

bool bloom_may_contain(const std::vector<std::uint8_t>& logs_bloom, const TokenRegistry& tokens) {
  if (logs_bloom.size() != 256) return true;
  if (!bloom_has(logs_bloom, *hex_decode(kTransferTopic))) return false;
  for (const auto& t : tokens.tokens())
    if (auto bytes = hex_decode(t.contract); bytes && bloom_has(logs_bloom, *bytes)) return true;
  return false;
}

std::string logs_filter_members(const TokenRegistry& tokens) {
  std::string out = "\"address\":[";
  for (std::size_t i = 0; i < tokens.tokens().size(); ++i) {
    if (i) out += ',';
    out += '"';
    out += tokens.tokens()[i].contract;
    out += '"';
  }
  out += "],\"topics\":[\"";
  out += kTransferTopic;
  out += "\"]";
  return out;
}

std::string to_quantity(std::uint64_t v) {
  static constexpr char digits[] = "0123456789abcdef";
  if (v == 0) return "0x0";
  std::string out;
  while (v) {
    out.push_back(digits[v & 15]);
    v >>= 4;
  }
  out += "x0";
  std::reverse(out.begin(), out.end());
  return out;
}

}  // namespace fw::decode::evm
