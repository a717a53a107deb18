#include "decode/bitcoin/mempool.hpp"

#include <simdjson.h>

#include <algorithm>
#include <unordered_set>
#include <utility>

#include "address/address.hpp"
#include "core/hex.hpp"

namespace fw::decode::bitcoin {

const char* to_string(Error e) noexcept {
  switch (e) {
    case Error::none: return "none";
    case Error::not_json: return "not_json";
    case Error::not_object: return "not_object";
    case Error::missing_field: return "missing_field";
    case Error::bad_field: return "bad_field";
    case Error::bad_address: return "bad_address";
    case Error::bad_amount: return "bad_amount";
    case Error::bad_tx: return "bad_tx";
  }
  return "none";
}

std::string excerpt(std::string_view text, std::size_t max) {
  max = std::clamp<std::size_t>(max, 4, 120);
  const bool cut = text.size() > max;
  if (cut) text = text.substr(0, max - 3);
  std::string out;
  out.reserve(text.size() + 3);
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  if (cut) out += "...";
  return out;
}

namespace {

namespace dom = simdjson::dom;

constexpr std::size_t kMaxIssues = 32;
constexpr std::size_t kMaxKeptText = 128;  // an unparseable address is kept as sent, up to this

// Collects per-part problems, at most kMaxIssues; then one "N more" line.
class Issues {
 public:
  explicit Issues(std::vector<Problem>& out) : out_(out) {}
  void add(Error reason, std::string detail) {
    if (out_.size() < kMaxIssues) out_.push_back({reason, std::move(detail)});
    else ++dropped_;
  }
  void finish() {
    if (dropped_) out_.push_back({Error::bad_field, std::to_string(dropped_) + " more problems not listed"});
    dropped_ = 0;
  }

 private:
  std::vector<Problem>& out_;
  std::size_t dropped_ = 0;
};

const char* type_name(dom::element e) noexcept {
  switch (e.type()) {
    case dom::element_type::ARRAY: return "an array";
    case dom::element_type::OBJECT: return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE: return "a number";
    case dom::element_type::STRING: return "a string";
    case dom::element_type::BOOL: return "a boolean";
    case dom::element_type::NULL_VALUE: return "null";
  }
  return "?";
}

std::string shown(dom::element e) {
  if (e.is_string()) {
    std::string_view s;
    if (e.get_string().get(s) != simdjson::SUCCESS) s = {};
    return std::string(type_name(e)) + " \"" + excerpt(s) + "\"";
  }
  return std::string(type_name(e)) + " " + excerpt(simdjson::minify(e));
}

// A present, non-null member.
bool member(dom::object o, std::string_view key, dom::element& out) noexcept {
  return o.at_key(key).get(out) == simdjson::SUCCESS && !out.is_null();
}

std::string path_of(std::string_view parent, std::string_view key) {
  std::string p(parent);
  if (!p.empty()) p.push_back('.');
  p.append(key);
  return p;
}

std::string index_of(std::string_view parent, std::size_t i) {
  return std::string(parent) + "[" + std::to_string(i) + "]";
}

// 64 hex digits (either case) -> lower case; false otherwise.
bool normalize_hash(std::string_view in, std::string& out) {
  if (in.size() != 64) return false;
  out.resize(64);
  for (std::size_t i = 0; i < 64; ++i) {
    const char c = in[i];
    if (hex_value(c) < 0) return false;
    out[i] = c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return true;
}

// A JSON integer >= 0 (not a float, not a string).
bool as_u64(dom::element e, std::uint64_t& out) noexcept {
  if (!e.is_int64() && !e.is_uint64()) return false;
  return e.get_uint64().get(out) == simdjson::SUCCESS;
}

bool as_i64(dom::element e, std::int64_t& out) noexcept {
  if (!e.is_int64()) return false;
  return e.get_int64().get(out) == simdjson::SUCCESS;
}

struct Context {
  const DecoderOptions& options;
  address::Address scratch;  // reused by every address parse
  std::string error;
};

// Canonical form of an address a transaction names; as sent (bounded) plus
// an issue when it does not parse.
std::string canonical_address(Context& ctx, std::string_view text, std::string_view path, Issues& issues) {
  if (address::parse_into(Chain::bitcoin, text, ctx.scratch, ctx.error)) return ctx.scratch.canonical;
  issues.add(Error::bad_address, std::string(path) + ": " + ctx.error + ": \"" + excerpt(text) + "\"");
  return std::string(text.substr(0, kMaxKeptText));
}

bool read_header(dom::element e, std::string_view path, BlockHeader& out, Issues& issues) {
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) {
    issues.add(Error::not_object, std::string(path) + ": expected an object, got " + shown(e));
    return false;
  }
  dom::element v;
  std::string_view s;
  if (!member(o, "id", v)) {
    issues.add(Error::missing_field, "missing field " + path_of(path, "id"));
    return false;
  }
  if (v.get_string().get(s) != simdjson::SUCCESS || !normalize_hash(s, out.hash)) {
    issues.add(Error::bad_field, path_of(path, "id") + ": expected 64 hex digits, got " + shown(v));
    return false;
  }
  if (!member(o, "height", v)) {
    issues.add(Error::missing_field, "missing field " + path_of(path, "height"));
    return false;
  }
  if (!as_u64(v, out.height)) {
    issues.add(Error::bad_field, path_of(path, "height") + ": expected a non-negative integer, got " + shown(v));
    return false;
  }
  out.parent_hash.clear();
  if (member(o, "previousblockhash", v)) {
    if (v.get_string().get(s) != simdjson::SUCCESS || !normalize_hash(s, out.parent_hash)) {
      issues.add(Error::bad_field,
                 path_of(path, "previousblockhash") + ": expected 64 hex digits, got " + shown(v));
      return false;
    }
  } else if (out.height != 0) {
    issues.add(Error::missing_field, "missing field " + path_of(path, "previousblockhash"));
    return false;
  }
  out.time.reset();
  std::int64_t t = 0;
  if (member(o, "timestamp", v) && as_i64(v, t)) out.time = t;
  return true;
}

// One esplora transaction object. False (with an issue) when unusable.
bool read_tx(Context& ctx, dom::element e, std::string_view path, Tx& tx, Issues& issues) {
  dom::object o;
  if (e.get_object().get(o) != simdjson::SUCCESS) {
    issues.add(Error::bad_tx, std::string(path) + ": expected a transaction object, got " + shown(e));
    return false;
  }
  dom::element v;
  std::string_view s;
  if (!member(o, "txid", v) || v.get_string().get(s) != simdjson::SUCCESS || !normalize_hash(s, tx.txid)) {
    issues.add(Error::bad_tx, path_of(path, "txid") + ": expected 64 hex digits" +
                                  (member(o, "txid", v) ? ", got " + shown(v) : std::string(", missing")));
    return false;
  }
  const std::string tx_path = std::string(path) + " (tx " + tx.txid + ")";

  // status
  tx.status = {};
  dom::object st;
  if (member(o, "status", v) && v.get_object().get(st) == simdjson::SUCCESS) {
    dom::element f;
    bool b = false;
    if (member(st, "confirmed", f) && f.get_bool().get(b) == simdjson::SUCCESS) tx.status.confirmed = b;
    std::uint64_t h = 0;
    if (member(st, "block_height", f) && as_u64(f, h)) tx.status.block_height = h;
    if (member(st, "block_hash", f)) {
      if (f.get_string().get(s) != simdjson::SUCCESS || !normalize_hash(s, tx.status.block_hash)) {
        issues.add(Error::bad_field, path_of(tx_path, "status.block_hash") + ": expected 64 hex digits, got " +
                                         shown(f));
        tx.status.block_hash.clear();
      }
    }
    std::int64_t t = 0;
    if (member(st, "block_time", f) && as_i64(f, t)) tx.status.block_time = t;
  }

  // inputs: the senders
  dom::array vin;
  if (!member(o, "vin", v) || v.get_array().get(vin) != simdjson::SUCCESS) {
    issues.add(Error::bad_tx, path_of(tx_path, "vin") + ": expected an array" +
                                  (member(o, "vin", v) ? ", got " + shown(v) : std::string(", missing")));
    return false;
  }
  tx.senders.clear();
  std::size_t i = 0;
  for (dom::element in : vin) {
    dom::object io;
    dom::element prevout, addr;
    if (in.get_object().get(io) == simdjson::SUCCESS && member(io, "prevout", prevout) && prevout.is_object() &&
        member(prevout.get_object().value_unsafe(), "scriptpubkey_address", addr)) {
      const std::string at = index_of(path_of(tx_path, "vin"), i) + ".prevout.scriptpubkey_address";
      if (addr.get_string().get(s) != simdjson::SUCCESS) {
        issues.add(Error::bad_field, at + ": expected a string, got " + shown(addr));
      } else {
        std::string a = canonical_address(ctx, s, at, issues);
        if (std::find(tx.senders.begin(), tx.senders.end(), a) == tx.senders.end()) tx.senders.push_back(std::move(a));
      }
    }
    ++i;
  }

  // outputs: one transfer each
  dom::array vout;
  if (!member(o, "vout", v) || v.get_array().get(vout) != simdjson::SUCCESS) {
    issues.add(Error::bad_tx, path_of(tx_path, "vout") + ": expected an array" +
                                  (member(o, "vout", v) ? ", got " + shown(v) : std::string(", missing")));
    return false;
  }
  tx.transfers.clear();
  i = 0;
  for (dom::element out : vout) {
    const std::string at = index_of(path_of(tx_path, "vout"), i);
    dom::object oo;
    if (out.get_object().get(oo) != simdjson::SUCCESS) {
      issues.add(Error::bad_tx, at + ": expected an output object, got " + shown(out));
      return false;
    }
    dom::element f;
    std::uint64_t value = 0;
    if (!member(oo, "value", f) || !as_u64(f, value)) {
      issues.add(Error::bad_amount, at + ".value: expected a whole number of satoshis" +
                                        (member(oo, "value", f) ? ", got " + shown(f) : std::string(", missing")));
      return false;
    }
    std::string recipient;
    bool has_address = false;
    if (member(oo, "scriptpubkey_address", f)) {
      if (f.get_string().get(s) != simdjson::SUCCESS) {
        issues.add(Error::bad_field, at + ".scriptpubkey_address: expected a string, got " + shown(f));
      } else {
        recipient = canonical_address(ctx, s, at + ".scriptpubkey_address", issues);
        has_address = true;
      }
    }
    if (has_address || value > 0) {
      Transfer t;
      t.chain = Chain::bitcoin;
      t.network = ctx.options.network;
      t.chain_name = ctx.options.chain_name;
      t.asset = Asset{"", std::string(kBtcSymbol), kBtcDecimals};
      t.senders = tx.senders;
      t.recipient = std::move(recipient);
      t.amount = Amount(value);
      t.tx_id = tx.txid;
      t.event_index = static_cast<std::uint32_t>(i);
      t.source = ctx.options.source;
      if (tx.status.confirmed) {
        t.status = TransferStatus::confirmed;
        t.block_height = tx.status.block_height;
        t.block_hash = tx.status.block_hash;
        t.block_time = tx.status.block_time;
      }
      for (const Transfer& earlier : tx.transfers)
        if (earlier.recipient == t.recipient && earlier.amount == t.amount) ++t.occurrence;
      tx.transfers.push_back(std::move(t));
    }
    ++i;
  }
  return true;
}

// The transactions of one list; each txid once per list.
void read_tx_list(Context& ctx, dom::element e, std::string_view path, std::vector<Tx>& out,
                  std::unordered_set<std::string>& seen, Issues& issues) {
  dom::array arr;
  if (e.get_array().get(arr) != simdjson::SUCCESS) {
    if (!e.is_null()) issues.add(Error::bad_field, std::string(path) + ": expected an array, got " + shown(e));
    return;
  }
  std::size_t i = 0;
  for (dom::element item : arr) {
    Tx tx;
    if (read_tx(ctx, item, index_of(path, i), tx, issues) && seen.insert(tx.txid).second) out.push_back(std::move(tx));
    ++i;
  }
}

}  // namespace

struct MempoolDecoder::Impl {
  explicit Impl(DecoderOptions o) : options(std::move(o)), ctx{options, {}, {}} {}
  DecoderOptions options;
  Context ctx;
  dom::parser parser;
};

MempoolDecoder::MempoolDecoder(DecoderOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
MempoolDecoder::~MempoolDecoder() = default;

const DecoderOptions& MempoolDecoder::options() const noexcept { return impl_->options; }

Decoded<Message> MempoolDecoder::message(std::string_view frame) {
  Decoded<Message> r;
  dom::element root;
  if (auto err = impl_->parser.parse(frame.data(), frame.size()).get(root)) {
    r.error = {Error::not_json,
               std::string("invalid JSON (") + simdjson::error_message(err) + "); frame starts \"" + excerpt(frame) + "\""};
    return r;
  }
  dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) {
    r.error = {Error::not_object, "expected a JSON object, got " + shown(root)};
    return r;
  }
  Issues issues(r.issues);
  Context& ctx = impl_->ctx;
  Message& m = r.value;
  std::unordered_set<std::string> seen_mempool, seen_confirmed, seen_removed;
  std::vector<Tx> listed_mempool;  // "mempool" lists; split by status below

  for (auto [key, value] : top) {
    if (key == "block") {
      BlockHeader h;
      if (read_header(value, "block", h, issues)) m.block = std::move(h);
    } else if (key == "blocks") {
      dom::array arr;
      if (value.get_array().get(arr) != simdjson::SUCCESS) {
        if (!value.is_null()) issues.add(Error::bad_field, "blocks: expected an array, got " + shown(value));
        continue;
      }
      std::size_t i = 0;
      for (dom::element b : arr) {
        BlockHeader h;
        if (read_header(b, index_of("blocks", i), h, issues)) m.blocks.push_back(std::move(h));
        ++i;
      }
    } else if (key == "multi-address-transactions") {
      dom::object map;
      if (value.get_object().get(map) != simdjson::SUCCESS) {
        issues.add(Error::not_object, "multi-address-transactions: expected an object, got " + shown(value));
        continue;
      }
      for (auto [addr, lists] : map) {
        const std::string base = path_of("multi-address-transactions", addr);
        dom::object lo;
        if (lists.get_object().get(lo) != simdjson::SUCCESS) {
          issues.add(Error::not_object, base + ": expected an object, got " + shown(lists));
          continue;
        }
        dom::element l;
        if (member(lo, "mempool", l)) read_tx_list(ctx, l, path_of(base, "mempool"), listed_mempool, seen_mempool, issues);
        if (member(lo, "confirmed", l))
          read_tx_list(ctx, l, path_of(base, "confirmed"), m.confirmed, seen_confirmed, issues);
        if (member(lo, "removed", l)) read_tx_list(ctx, l, path_of(base, "removed"), m.removed, seen_removed, issues);
      }
    } else if (key == "address-transactions") {
      read_tx_list(ctx, value, key, listed_mempool, seen_mempool, issues);
    } else if (key == "block-transactions") {
      read_tx_list(ctx, value, key, m.confirmed, seen_confirmed, issues);
    } else if (key == "address-removed-transactions") {
      read_tx_list(ctx, value, key, m.removed, seen_removed, issues);
    } else if (key == "track-addresses-error" || key == "track-address-error") {
      std::string_view s;
      if (value.get_string().get(s) == simdjson::SUCCESS) m.track_error = std::string(s);
      else m.track_error = simdjson::minify(value);
    } else if (key == "pong") {
      m.pong = true;
    }
  }

  for (Tx& tx : listed_mempool) {
    if (tx.status.confirmed) {
      if (seen_confirmed.insert(tx.txid).second) m.confirmed.push_back(std::move(tx));
    } else {
      m.mempool.push_back(std::move(tx));
    }
  }
  std::stable_sort(m.blocks.begin(), m.blocks.end(),
                   [](const BlockHeader& a, const BlockHeader& b) { return a.height < b.height; });
  issues.finish();
  return r;
}

Decoded<Tx> MempoolDecoder::transaction(std::string_view json) {
  Decoded<Tx> r;
  dom::element root;
  if (auto err = impl_->parser.parse(json.data(), json.size()).get(root)) {
    r.error = {Error::not_json,
               std::string("invalid JSON (") + simdjson::error_message(err) + "); body starts \"" + excerpt(json) + "\""};
    return r;
  }
  if (!root.is_object()) {
    r.error = {Error::not_object, "expected a transaction object, got " + shown(root)};
    return r;
  }
  std::vector<Problem> problems;
  bool ok = false;
  {
    Issues issues(problems);
    ok = read_tx(impl_->ctx, root, "tx", r.value, issues);
    issues.finish();
  }
  if (!ok) {
    // The problem that made the transaction unusable is the last one recorded.
    auto it = std::find_if(problems.rbegin(), problems.rend(), [](const Problem& p) {
      return p.reason == Error::bad_tx || p.reason == Error::bad_amount;
    });
    r.error = it != problems.rend() ? *it : Problem{Error::bad_tx, "unusable transaction"};
    return r;
  }
  r.issues = std::move(problems);
  return r;
}

}  // namespace fw::decode::bitcoin
