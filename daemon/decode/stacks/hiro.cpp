#include "decode/stacks/hiro.hpp"

#include "core/hex.hpp"
#include "decode/stacks/clarity.hpp"
#include "decode/stacks/detail/json.hpp"
#include "decode/stacks/transfers.hpp"

namespace fw::decode::stacks {
namespace {

using namespace detail;

// {"error": "...", "message": "..."}: the API's error body.
Problem api_error(dom::object root) {
  std::string_view error, message;
  if (get_string(root, "error", error) != Got::ok) return {};
  std::string detail = "API error: " + excerpt(error);
  if (get_string(root, "message", message) == Got::ok) detail += ": " + excerpt(message);
  return {Error::rest_error, std::move(detail)};
}

std::optional<std::int64_t> block_time(dom::object o) {
  std::int64_t t = 0;
  if (get_i64(o, "block_time", t) == Got::ok || get_i64(o, "burn_block_time", t) == Got::ok) return t;
  return std::nullopt;
}

Problem read_block(dom::object b, std::string_view path, HiroBlock& out) {
  BlockHeader& h = out.header;
  if (Problem p = require_u64(b, "height", path, h.height)) return p;
  if (Problem p = require_hash(b, "hash", path, h.block_hash)) return p;
  std::string_view text;
  if (get_string(b, "index_block_hash", text) == Got::ok) {
    if (Problem p = require_hash(b, "index_block_hash", path, h.hash)) return p;
  } else {
    h.hash = h.block_hash;
  }
  if (get_string(b, "parent_index_block_hash", text) == Got::ok) {
    if (Problem p = require_hash(b, "parent_index_block_hash", path, h.parent_hash)) return p;
  } else if (Problem p = require_hash(b, "parent_block_hash", path, h.parent_hash)) {
    return p;
  }
  h.block_time = block_time(b);
  if (get_bool(b, "canonical", out.canonical) == Got::wrong)
    return wrong_type(join_path(path, "canonical"), "a boolean", b, "canonical");
  std::uint64_t n = 0;
  if (get_u64(b, "tx_count", n) == Got::ok) out.tx_count = n;
  dom::array txs;
  if (get_array(b, "txs", txs) == Got::ok) {
    std::size_t i = 0;
    for (dom::element el : txs) {
      std::string_view id;
      std::string txid;
      if (el.get_string().get(id) || !normalize_hash32(id, txid))
        return {Error::bad_field, index_path(join_path(path, "txs"), i) + ": not a 32-byte hex txid: " + json_excerpt(el)};
      out.txids.push_back(std::move(txid));
      ++i;
    }
  }
  return {};
}

// `repr` of a function argument, for the few shapes a SIP-010 transfer uses.
std::optional<ClarityValue> from_repr(std::string_view repr) {
  if (repr == "none") return clarity_none();
  if (repr.starts_with("u")) return clarity_uint(repr.substr(1));
  if (repr.starts_with("'") || repr.starts_with("S")) {  // Hiro has written principals both ways
    std::string canonical, error;
    if (!normalize_principal(repr.substr(repr[0] == '\'' ? 1 : 0), canonical, error)) return std::nullopt;
    return clarity_principal(std::move(canonical));
  }
  if (repr.starts_with("(some 0x") && repr.ends_with(")")) {
    std::string hex;
    if (!normalize_hex(repr.substr(6, repr.size() - 7), hex)) return std::nullopt;
    auto bytes = hex_decode(hex);
    if (!bytes) return std::nullopt;
    return clarity_some(clarity_buffer(std::string(bytes->begin(), bytes->end())));
  }
  return std::nullopt;
}

}  // namespace

struct HiroDecoder::Impl {
  TokenRegistry tokens;
  Network network;
  std::string source;
  std::string chain_name;
  dom::parser parser;
  std::string scratch;  // parse_body's rewrite buffer, reused

  Transfer base(TransferStatus status, std::string txid) const {
    Transfer t;
    t.chain = Chain::stacks;
    t.network = network;
    t.chain_name = chain_name;
    t.status = status;
    t.source = source;
    t.tx_id = std::move(txid);
    return t;
  }

  // Keeps an address that does not parse as sent and reports it.
  void principal(std::string_view text, std::string& out, std::string_view path, IssueList& issues) {
    std::string error;
    if (!normalize_principal(text, out, error))
      issues.add({Error::bad_address, std::string(path) + ": " + error + ": \"" + excerpt(text) + "\" (kept as sent)"});
  }

  // One MempoolTransaction / Transaction object -> pending transfers.
  Problem mempool_tx(dom::object tx, std::string_view path, std::string& txid, std::vector<Transfer>& out,
                     IssueList& issues) {
    if (Problem p = require_hash(tx, "tx_id", path, txid)) return p;
    std::string_view type;
    if (Problem p = require_string(tx, "tx_type", path, type)) return p;
    if (type == "token_transfer") return token_transfer(tx, path, txid, out, issues);
    if (type == "contract_call") return contract_call(tx, path, txid, out, issues);
    return {};
  }

  Problem token_transfer(dom::object tx, std::string_view path, const std::string& txid, std::vector<Transfer>& out,
                         IssueList& issues) {
    std::string_view sender, recipient, amount_text, memo;
    dom::object body;
    std::string body_path = join_path(path, "token_transfer");
    if (Problem p = require_string(tx, "sender_address", path, sender)) return p;
    if (Got g = get_object(tx, "token_transfer", body); g != Got::ok)
      return g == Got::absent ? missing(body_path) : wrong_type(body_path, "an object", tx, "token_transfer");
    if (Problem p = require_string(body, "recipient_address", body_path, recipient)) return p;
    if (Problem p = require_string(body, "amount", body_path, amount_text)) return p;
    auto amount = parse_amount(amount_text);
    if (!amount)
      return {Error::bad_amount, join_path(body_path, "amount") + ": not a decimal integer: \"" + excerpt(amount_text) + "\""};
    Transfer t = base(TransferStatus::pending, txid);
    t.asset = stx_asset();
    t.amount = *amount;
    t.senders.emplace_back();
    principal(sender, t.senders.back(), join_path(path, "sender_address"), issues);
    principal(recipient, t.recipient, join_path(body_path, "recipient_address"), issues);
    if (get_string(body, "memo", memo) == Got::ok && !normalize_hex(memo, t.memo)) {
      issues.add({Error::bad_field, join_path(body_path, "memo") + ": not hex: \"" + excerpt(memo) + "\" (dropped)"});
      t.memo.clear();
    }
    out.push_back(std::move(t));
    return {};
  }

  Problem contract_call(dom::object tx, std::string_view path, const std::string& txid, std::vector<Transfer>& out,
                        IssueList& issues) {
    dom::object body;
    std::string body_path = join_path(path, "contract_call");
    if (Got g = get_object(tx, "contract_call", body); g != Got::ok)
      return g == Got::absent ? missing(body_path) : wrong_type(body_path, "an object", tx, "contract_call");
    std::string_view function, contract_text;
    if (Problem p = require_string(body, "function_name", body_path, function)) return p;
    dom::array args_json;
    if (function != "transfer" || get_array(body, "function_args", args_json) != Got::ok) return {};
    if (args_json.size() < 3 || args_json.size() > 4) return {};
    if (Problem p = require_string(body, "contract_id", body_path, contract_text)) return p;
    std::string contract, error;
    if (!normalize_principal(contract_text, contract, error) || contract.find('.') == std::string::npos)
      return {Error::bad_address, join_path(body_path, "contract_id") + ": not a contract principal: \"" +
                                      excerpt(contract_text) + "\""};

    std::vector<ClarityValue> args;
    std::size_t i = 0;
    for (dom::element el : args_json) {
      std::string arg_path = index_path(join_path(body_path, "function_args"), i++);
      dom::object arg;
      if (el.get_object().get(arg)) return {Error::bad_field, arg_path + ": expected an object, got " + type_name(el)};
      std::string_view hex, repr;
      std::optional<ClarityValue> value;
      if (get_string(arg, "hex", hex) == Got::ok) {
        auto decoded = decode_clarity_hex(hex);
        if (decoded.ok()) value = std::move(decoded.value);
        else issues.add({decoded.error.reason, join_path(arg_path, "hex") + ": " + decoded.error.detail});
      }
      if (!value && get_string(arg, "repr", repr) == Got::ok) value = from_repr(repr);
      if (!value) return {Error::bad_clarity, arg_path + ": neither hex nor repr decodes"};
      args.push_back(std::move(*value));
    }
    auto ft = sip010_transfer(function, args);
    if (!ft) return {};  // a `transfer` of another shape: not SIP-010
    Transfer t = base(TransferStatus::pending, txid);
    t.asset = contract_call_asset(tokens, contract);
    t.senders.push_back(std::move(ft->sender));
    t.recipient = std::move(ft->recipient);
    t.amount = ft->amount;
    t.memo = std::move(ft->memo_hex);
    out.push_back(std::move(t));
    return {};
  }

  // One REST event -> a confirmed transfer when it is an STX / FT transfer.
  void event(dom::object ev, std::string_view path, const BlockHeader& block, std::vector<Transfer>& out,
             IssueList& issues) {
    std::string_view type, event_type;
    if (Problem p = require_string(ev, "event_type", path, type)) return issues.add(std::move(p));
    const bool stx = type == "stx_asset";
    if (!stx && type != "fungible_token_asset") return;
    dom::object asset;
    std::string asset_path = join_path(path, "asset");
    if (Got g = get_object(ev, "asset", asset); g != Got::ok)
      return issues.add(g == Got::absent ? missing(asset_path) : wrong_type(asset_path, "an object", ev, "asset"));
    if (Problem p = require_string(asset, "asset_event_type", asset_path, event_type)) return issues.add(std::move(p));
    if (event_type != "transfer") return;

    std::string txid;
    std::uint64_t index = 0;
    std::string_view sender, recipient, amount_text, asset_id, memo;
    if (Problem p = require_hash(ev, "tx_id", path, txid)) return issues.add(std::move(p));
    if (Problem p = require_u64(ev, "event_index", path, index)) return issues.add(std::move(p));
    if (index > UINT32_MAX)
      return issues.add({Error::bad_field, join_path(path, "event_index") + ": above 2^32-1"});
    if (Problem p = require_string(asset, "sender", asset_path, sender)) return issues.add(std::move(p));
    if (Problem p = require_string(asset, "recipient", asset_path, recipient)) return issues.add(std::move(p));
    if (Problem p = require_string(asset, "amount", asset_path, amount_text)) return issues.add(std::move(p));
    if (!stx)
      if (Problem p = require_string(asset, "asset_id", asset_path, asset_id)) return issues.add(std::move(p));
    auto amount = parse_amount(amount_text);
    if (!amount)
      return issues.add({Error::bad_amount, join_path(asset_path, "amount") + ": not a decimal integer: \"" +
                                                excerpt(amount_text) + "\""});

    Transfer t = base(TransferStatus::confirmed, std::move(txid));
    t.event_index = static_cast<std::uint32_t>(index);
    t.block_height = block.height;
    t.block_hash = block.hash;
    t.block_time = block.block_time;
    t.amount = *amount;
    t.senders.emplace_back();
    principal(sender, t.senders.back(), join_path(asset_path, "sender"), issues);
    principal(recipient, t.recipient, join_path(asset_path, "recipient"), issues);
    if (stx) {
      t.asset = stx_asset();
      if (get_string(asset, "memo", memo) == Got::ok && !normalize_hex(memo, t.memo)) {
        issues.add({Error::bad_field, join_path(asset_path, "memo") + ": not hex: \"" + excerpt(memo) + "\" (dropped)"});
        t.memo.clear();
      }
    } else {
      std::string id, error;
      if (!normalize_asset_identifier(asset_id, id, error))
        issues.add({Error::bad_address, join_path(asset_path, "asset_id") + ": " + error + ": \"" + excerpt(asset_id) +
                                            "\" (kept as sent)"});
      t.asset = tokens.asset(id);
    }
    out.push_back(std::move(t));
  }

  // Parses a REST body that must be an object and not an API error.
  Problem rest_root(std::string_view body, dom::object& root) {
    dom::element doc;
    if (Problem p = parse_body(parser, scratch, body, doc)) return p;
    root = doc.get_object().value_unsafe();
    return api_error(root);
  }
};

HiroDecoder::HiroDecoder(TokenRegistry tokens, Network network, std::string source, std::string chain_name)
    : impl_(std::make_unique<Impl>()) {
  impl_->tokens = std::move(tokens);
  impl_->network = network;
  impl_->source = std::move(source);
  impl_->chain_name = std::move(chain_name);
}

HiroDecoder::~HiroDecoder() = default;
HiroDecoder::HiroDecoder(HiroDecoder&&) noexcept = default;
HiroDecoder& HiroDecoder::operator=(HiroDecoder&&) noexcept = default;

Decoded<WsMessage> HiroDecoder::ws_message(std::string_view frame) {
  Decoded<WsMessage> r;
  WsMessage& m = r.value;
  dom::element doc;
  if ((r.error = parse_body(impl_->parser, impl_->scratch, frame, doc))) return r;
  dom::object root = doc.get_object().value_unsafe();
  std::string_view method;
  if (get_string(root, "method", method) != Got::ok) {
    // A response to one of our requests.
    m.kind = WsMessage::Kind::response;
    std::int64_t id = 0;
    if (get_i64(root, "id", id) == Got::ok) m.id = id;
    dom::object error;
    if (get_object(root, "error", error) == Got::ok) {
      m.is_error = true;
      std::int64_t code = 0;
      std::string_view message;
      (void)get_i64(error, "code", code);
      (void)get_string(error, "message", message);
      m.error_message = std::to_string(code) + ": " + excerpt(message, 100);
    } else if (root.at_key("result").error()) {
      r.error = {Error::bad_shape, "neither a notification (method) nor a response (result/error): " + json_excerpt(doc)};
    }
    return r;
  }
  m.method = excerpt(method, 64);
  dom::object params;
  if (method != "block" && method != "mempool") return r;  // kind other
  if (Got g = get_object(root, "params", params); g != Got::ok) {
    r.error = g == Got::absent ? missing("params") : wrong_type("params", "an object", root, "params");
    return r;
  }
  IssueList issues(r.issues);
  if (method == "block") {
    m.kind = WsMessage::Kind::block;
    r.error = read_block(params, "params", m.block);
  } else {
    m.kind = WsMessage::Kind::mempool;
    std::string_view status;
    if (get_string(params, "tx_status", status) == Got::ok) m.tx_status = excerpt(status, 64);
    r.error = impl_->mempool_tx(params, "params", m.txid, m.transfers, issues);
  }
  issues.finish();
  return r;
}

Decoded<HiroBlock> HiroDecoder::rest_block(std::string_view body) {
  Decoded<HiroBlock> r;
  dom::object root;
  if ((r.error = impl_->rest_root(body, root))) return r;
  r.error = read_block(root, "", r.value);
  return r;
}

Decoded<std::vector<HiroBlock>> HiroDecoder::rest_blocks(std::string_view body) {
  Decoded<std::vector<HiroBlock>> r;
  dom::object root;
  if ((r.error = impl_->rest_root(body, root))) return r;
  dom::array results;
  if (Got g = get_array(root, "results", results); g != Got::ok) {
    r.error = g == Got::absent ? missing("results") : wrong_type("results", "an array", root, "results");
    return r;
  }
  std::size_t i = 0;
  for (dom::element el : results) {
    std::string path = index_path("results", i++);
    dom::object b;
    if (el.get_object().get(b)) {
      r.error = {Error::bad_field, path + ": expected an object, got " + type_name(el)};
      return r;
    }
    if ((r.error = read_block(b, path, r.value.emplace_back()))) return r;
  }
  return r;
}

Decoded<HiroTxPage> HiroDecoder::rest_block_transactions(std::string_view body) {
  Decoded<HiroTxPage> r;
  dom::object root;
  if ((r.error = impl_->rest_root(body, root))) return r;
  if ((r.error = require_u64(root, "total", "", r.value.total))) return r;
  (void)get_u64(root, "limit", r.value.limit);
  (void)get_u64(root, "offset", r.value.offset);
  dom::array results;
  if (Got g = get_array(root, "results", results); g != Got::ok) {
    r.error = g == Got::absent ? missing("results") : wrong_type("results", "an array", root, "results");
    return r;
  }
  std::size_t i = 0;
  for (dom::element el : results) {
    std::string path = index_path("results", i++);
    dom::object tx;
    if (el.get_object().get(tx)) {
      r.error = {Error::bad_field, path + ": expected an object, got " + type_name(el)};
      return r;
    }
    HiroTx& out = r.value.txs.emplace_back();
    std::string_view status, type;
    if ((r.error = require_hash(tx, "tx_id", path, out.tx_id))) return r;
    if ((r.error = require_string(tx, "tx_status", path, status))) return r;
    if ((r.error = require_string(tx, "tx_type", path, type))) return r;
    out.tx_status = excerpt(status, 64);
    out.tx_type = excerpt(type, 64);
    if (get_u64(tx, "event_count", out.event_count) == Got::wrong) {
      r.error = wrong_type(join_path(path, "event_count"), "a non-negative integer", tx, "event_count");
      return r;
    }
  }
  return r;
}

Decoded<HiroEventPage> HiroDecoder::rest_tx_events(std::string_view body, const BlockHeader& block) {
  Decoded<HiroEventPage> r;
  dom::object root;
  if ((r.error = impl_->rest_root(body, root))) return r;
  (void)get_u64(root, "limit", r.value.limit);
  (void)get_u64(root, "offset", r.value.offset);
  dom::array events;
  if (Got g = get_array(root, "events", events); g != Got::ok) {
    r.error = g == Got::absent ? missing("events") : wrong_type("events", "an array", root, "events");
    return r;
  }
  IssueList issues(r.issues);
  std::size_t i = 0;
  for (dom::element el : events) {
    std::string path = index_path("events", i++);
    dom::object ev;
    if (el.get_object().get(ev)) {
      issues.add({Error::bad_field, path + ": expected an object, got " + type_name(el)});
      continue;
    }
    impl_->event(ev, path, block, r.value.transfers, issues);
  }
  r.value.event_count = i;
  assign_occurrences(r.value.transfers);
  issues.finish();
  return r;
}

Decoded<HiroMempool> HiroDecoder::rest_mempool(std::string_view body) {
  Decoded<HiroMempool> r;
  dom::object root;
  if ((r.error = impl_->rest_root(body, root))) return r;
  (void)get_u64(root, "total", r.value.total);
  dom::array results;
  if (Got g = get_array(root, "results", results); g != Got::ok) {
    r.error = g == Got::absent ? missing("results") : wrong_type("results", "an array", root, "results");
    return r;
  }
  IssueList issues(r.issues);
  std::size_t i = 0;
  for (dom::element el : results) {
    std::string path = index_path("results", i++);
    dom::object tx;
    if (el.get_object().get(tx)) {
      issues.add({Error::bad_field, path + ": expected an object, got " + type_name(el)});
      continue;
    }
    std::string txid;
    if (Problem p = impl_->mempool_tx(tx, path, txid, r.value.transfers, issues)) {
      issues.add(std::move(p));
      continue;
    }
    r.value.txids.push_back(std::move(txid));
  }
  issues.finish();
  return r;
}

}  // namespace fw::decode::stacks
