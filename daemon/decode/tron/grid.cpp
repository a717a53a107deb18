#include "decode/tron/grid.hpp"

#include <limits>
#include <tuple>

#include "decode/tron/detail/json.hpp"

namespace fw::decode::tron {

const char* to_string(Skip s) noexcept {
  switch (s) {
    case Skip::none: return "none";
    case Skip::not_configured: return "not_configured";
    case Skip::not_transfer: return "not_transfer";
    case Skip::undecodable: return "undecodable";
  }
  return "other";
}

namespace {

using namespace detail;

constexpr std::size_t kMaxKeptText = 64;

// {"success": false, "error": "...", "statusCode": 400}
Problem api_error(dom::object root) {
  bool success = true;
  if (get_bool(root, "success", success) != Got::ok || success) return {};
  std::string detail = "API error";
  std::string_view text;
  if (get_string(root, "error", text) == Got::ok || get_string(root, "message", text) == Got::ok)
    detail += ": " + excerpt(text, 120);
  std::uint64_t code = 0;
  if (get_u64(root, "statusCode", code) == Got::ok) detail += " (statusCode " + std::to_string(code) + ")";
  return {Error::rest_error, std::move(detail)};
}

// result["from"] when present, else result["0"].
Got named_or_positional(dom::object o, std::string_view name, std::string_view pos, std::string_view& key) {
  std::string_view s;
  if (Got g = get_string(o, name, s); g != Got::absent) {
    key = name;
    return g;
  }
  key = pos;
  return get_string(o, pos, s);
}

}  // namespace

struct GridDecoder::Impl {
  Impl(TokenRegistry t, Network n, std::string s, std::string c)
      : tokens(std::move(t)), network(n), source(std::move(s)), chain_name(std::move(c)) {}

  TokenRegistry tokens;
  Network network;
  std::string source;
  std::string chain_name;
  dom::parser parser;

  // The position of data[i]; a problem leaves the event out.
  Problem position(dom::object ev, const std::string& path, GridEvent& out) {
    if (Problem p = require_u64(ev, "block_number", path, out.block_number)) return p;
    std::uint64_t ts = 0;
    if (Problem p = require_u64(ev, "block_timestamp", path, ts)) return p;
    if (ts > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
      return {Error::bad_field, join_path(path, "block_timestamp") + ": out of range"};
    out.block_timestamp_ms = static_cast<std::int64_t>(ts);
    std::string_view txid;
    if (Problem p = require_string(ev, "transaction_id", path, txid)) return p;
    if (!normalize_txid(txid, out.tx_id))
      return {Error::bad_field, join_path(path, "transaction_id") + ": not 64 hex digits: \"" + excerpt(txid) + "\""};
    std::uint64_t index = 0;
    if (Problem p = require_u64(ev, "event_index", path, index)) return p;
    if (index > std::numeric_limits<std::uint32_t>::max())
      return {Error::bad_field, join_path(path, "event_index") + ": out of range"};
    out.event_index = static_cast<std::uint32_t>(index);
    return {};
  }

  // The Transfer of a configured token's event.
  Problem transfer(dom::object ev, const std::string& path, const TokenInfo& token, GridEvent& e) {
    dom::object result;
    switch (get_object(ev, "result", result)) {
      case Got::absent: return missing(join_path(path, "result"));
      case Got::wrong: return wrong_type(join_path(path, "result"), "an object", ev, "result");
      case Got::ok: break;
    }
    const std::string rpath = join_path(path, "result");
    Transfer t;
    t.chain = Chain::tron;
    t.network = network;
    t.chain_name = chain_name;
    t.source = source;
    t.asset = tokens.asset(token);
    t.tx_id = e.tx_id;
    t.event_index = e.event_index;
    t.occurrence = e.event_index;
    t.block_height = e.block_number;
    t.block_time = e.block_timestamp_ms / 1000;
    t.status = TransferStatus::confirmed;

    std::string from, to;
    for (auto [name, pos, out] : {std::tuple{"from", "0", &from}, std::tuple{"to", "1", &to}}) {
      std::string_view key;
      const Got g = named_or_positional(result, name, pos, key);
      if (g == Got::absent) return missing(join_path(rpath, name));
      if (g == Got::wrong) return wrong_type(join_path(rpath, key), "a string", result, key);
      std::string_view text;
      (void)get_string(result, key, text);
      std::string error;
      if (!tron_address(text, *out, error))
        return {Error::bad_address, join_path(rpath, key) + ": " + error + ": \"" + excerpt(text) + "\""};
    }
    std::string digits;
    std::string_view value_key = "value";
    Got g = get_decimal(result, "value", digits);
    if (g == Got::absent) {
      value_key = "2";
      g = get_decimal(result, "2", digits);
    }
    if (g == Got::absent) return missing(join_path(rpath, "value"));
    if (g == Got::wrong) return wrong_type(join_path(rpath, value_key), "a decimal string", result, value_key);
    auto amount = Amount::from_decimal(digits);
    if (!amount)
      return {Error::bad_amount,
              join_path(rpath, value_key) + ": not a decimal integer below 2^256: \"" + excerpt(digits) + "\""};
    t.senders.push_back(std::move(from));
    t.recipient = std::move(to);
    t.amount = *amount;
    e.transfer = std::move(t);
    return {};
  }

  Decoded<GridPage> page(std::string_view body) {
    Decoded<GridPage> r;
    dom::element root;
    if (auto err = parser.parse(body.data(), body.size()).get(root)) {
      r.error = {Error::not_json,
                 std::string("invalid JSON (") + simdjson::error_message(err) + "); body starts \"" + excerpt(body) + "\""};
      return r;
    }
    dom::object o;
    if (root.get_object().get(o)) {
      r.error = {Error::not_object, std::string("expected a JSON object, got ") + type_name(root) + " " +
                                        json_excerpt(root)};
      return r;
    }
    if (Problem p = api_error(o)) {
      r.error = std::move(p);
      return r;
    }
    dom::array data;
    switch (get_array(o, "data", data)) {
      case Got::absent: r.error = missing("data"); return r;
      case Got::wrong: r.error = wrong_type("data", "an array", o, "data"); return r;
      case Got::ok: break;
    }
    dom::object meta;
    if (get_object(o, "meta", meta) == Got::ok) {
      std::string_view fp;
      if (get_string(meta, "fingerprint", fp) == Got::ok) r.value.fingerprint.assign(fp);
    }

    IssueList issues(r.issues);
    std::size_t i = 0;
    for (dom::element el : data) {
      const std::string path = index_path("data", i++);
      dom::object ev;
      if (el.get_object().get(ev)) {
        issues.add({Error::bad_field, path + ": expected an object, got " + type_name(el) + " " + json_excerpt(el)});
        continue;
      }
      GridEvent e;
      if (Problem p = position(ev, path, e)) {
        issues.add(std::move(p));
        continue;
      }
      bool unconfirmed = false;
      if (get_bool(ev, "_unconfirmed", unconfirmed) == Got::ok) e.unconfirmed = unconfirmed;

      std::string_view contract;
      if (Problem p = require_string(ev, "contract_address", path, contract)) {
        issues.add(std::move(p));
        e.skip = Skip::undecodable;
        r.value.events.push_back(std::move(e));
        continue;
      }
      std::string error;
      if (!tron_address(contract, e.contract, error)) {
        issues.add({Error::bad_address,
                    join_path(path, "contract_address") + ": " + error + ": \"" + excerpt(contract) + "\""});
        e.contract.assign(contract.substr(0, kMaxKeptText));
        e.skip = Skip::undecodable;
        r.value.events.push_back(std::move(e));
        continue;
      }
      const TokenInfo* token = tokens.find(e.contract);
      std::string_view name;
      if (!token) {
        e.skip = Skip::not_configured;
        ++r.value.ignored_contracts;
      } else if (get_string(ev, "event_name", name) != Got::ok || name != "Transfer") {
        e.skip = Skip::not_transfer;
        ++r.value.other_events;
      } else if (Problem p = transfer(ev, path, *token, e)) {
        issues.add(std::move(p));
        e.skip = Skip::undecodable;
      }
      r.value.events.push_back(std::move(e));
    }
    issues.finish();
    return r;
  }
};

GridDecoder::GridDecoder(TokenRegistry tokens, Network network, std::string source, std::string chain_name)
    : impl_(std::make_unique<Impl>(std::move(tokens), network, std::move(source), std::move(chain_name))) {}
GridDecoder::~GridDecoder() = default;
GridDecoder::GridDecoder(GridDecoder&&) noexcept = default;
GridDecoder& GridDecoder::operator=(GridDecoder&&) noexcept = default;

Decoded<GridPage> GridDecoder::events_page(std::string_view body) { return impl_->page(body); }
const TokenRegistry& GridDecoder::tokens() const noexcept { return impl_->tokens; }

}  // namespace fw::decode::tron
