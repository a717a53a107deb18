// Tracker::save() / restore(): the tracker's whole state as compact JSON.
//
// Format, version 1 (fields at their default -- empty string, 0, absent
// optional -- are omitted; readers treat a missing field as its default and
// ignore fields they do not know):
//   {"version":1, "seq":N,                     next sequence number
//    "cursor":Ref,                             the final cursor, absent when none
//    "canonical":[Block...],                   ascending height
//    "side":[Block...],                        in eviction order (oldest first)
//    "pending":[{"txid":S,"seq":N,"transfers":[Transfer...]}...],   oldest first
//    "revisions":[{"key":S,"rev":N,"state":"pending|confirmed|retracted","height":N}...]}
//   Ref      = {"height":N,"hash":S,"parent":S}
//   Block    = Ref fields + {"seq":N,"txids":[S...],"failed":[[txid,status]...],"transfers":[Transfer...]}
//   Transfer = {"chain","network","chain_name","asset":{"contract","symbol","decimals"},"senders":[...],
//               "recipient","amount" (decimal string, exact),"tx_id","event_index","block_height",
//               "block_hash","status","memo","block_time","status_reason","replaced_by","occurrence",
//               "revision","source","received_at_ns","deposit":{"deposit_id","account_id",
//               "deposit_address","credited"}}
// Strings are escaped per RFC 8259; bytes that are not valid UTF-8 (none of
// our decoders produce them) are written as U+FFFD.
#include "lifecycle/tracker.hpp"

#include <algorithm>
#include <chrono>
#include <limits>

#include <simdjson.h>

namespace fw::lifecycle {

namespace {

constexpr std::uint64_t state_version = 1;

// ---------------------------------------------------------------- writing

// Length of the valid UTF-8 sequence starting at s[i], 0 if invalid.
std::size_t utf8_sequence(std::string_view s, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = byte(i);
  std::size_t n = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    n = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    n = 3, lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
  else if (c >= 0xF0 && c <= 0xF4)
    n = 4, lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
  else
    return 0;
  if (i + n > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t k = 2; k < n; ++k)
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  return n;
}

void put_string(std::string& out, std::string_view s) {
  static constexpr char digits[] = "0123456789abcdef";
  const bool valid = simdjson::validate_utf8(s.data(), s.size());
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c < 0x20) {
      out += "\\u00";
      out += digits[c >> 4];
      out += digits[c & 15];
    } else if (c < 0x80 || valid) {
      out += static_cast<char>(c);
    } else if (std::size_t n = utf8_sequence(s, i); n != 0) {
      out.append(s.substr(i, n));
      i += n;
      continue;
    } else {
      out += "\\ufffd";
    }
    ++i;
  }
  out += '"';
}

// A minimal streaming writer: commas and quoting, nothing else.
class JsonOut {
 public:
  std::string take() { return std::move(s_); }

  void begin_object() {
    value_start();
    s_ += '{';
    first_.push_back(true);
  }
  void end_object() {
    s_ += '}';
    first_.pop_back();
  }
  void begin_array() {
    value_start();
    s_ += '[';
    first_.push_back(true);
  }
  void end_array() {
    s_ += ']';
    first_.pop_back();
  }
  void key(std::string_view k) {
    separate();
    put_string(s_, k);
    s_ += ':';
    after_key_ = true;
  }
  void string(std::string_view v) {
    value_start();
    put_string(s_, v);
  }
  void number(std::uint64_t v) {
    value_start();
    s_ += std::to_string(v);
  }
  void number(std::int64_t v) {
    value_start();
    s_ += std::to_string(v);
  }
  void boolean(bool v) {
    value_start();
    s_ += v ? "true" : "false";
  }

  // Fields omitted at their default.
  void field(std::string_view k, std::string_view v) {
    if (!v.empty()) key(k), string(v);
  }
  void field(std::string_view k, std::uint64_t v) {
    if (v != 0) key(k), number(v);
  }

 private:
  void separate() {
    if (first_.empty()) return;
    if (!first_.back()) s_ += ',';
    first_.back() = false;
  }
  void value_start() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    separate();
  }

  std::string s_;
  std::vector<bool> first_;
  bool after_key_ = false;
};

void write_transfer(JsonOut& w, const Transfer& t) {
  w.begin_object();
  w.key("chain"), w.string(to_string(t.chain));
  w.key("network"), w.string(to_string(t.network));
  w.field("chain_name", t.chain_name);
  if (!t.asset.contract.empty() || !t.asset.symbol.empty() || t.asset.decimals != 0) {
    w.key("asset");
    w.begin_object();
    w.field("contract", t.asset.contract);
    w.field("symbol", t.asset.symbol);
    w.field("decimals", std::uint64_t{t.asset.decimals});
    w.end_object();
  }
  if (!t.senders.empty()) {
    w.key("senders");
    w.begin_array();
    for (const auto& s : t.senders) w.string(s);
    w.end_array();
  }
  w.field("recipient", t.recipient);
  w.key("amount"), w.string(t.amount.to_decimal());
  w.field("tx_id", t.tx_id);
  w.field("event_index", std::uint64_t{t.event_index});
  if (t.block_height) w.key("block_height"), w.number(*t.block_height);
  w.field("block_hash", t.block_hash);
  w.key("status"), w.string(to_string(t.status));
  w.field("memo", t.memo);
  if (t.block_time) w.key("block_time"), w.number(*t.block_time);
  w.field("status_reason", t.status_reason);
  w.field("replaced_by", t.replaced_by);
  w.field("occurrence", std::uint64_t{t.occurrence});
  w.field("revision", std::uint64_t{t.revision});
  w.field("source", t.source);
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(t.received_at.time_since_epoch()).count();
  if (ns != 0) w.key("received_at_ns"), w.number(static_cast<std::int64_t>(ns));
  if (t.deposit) {
    w.key("deposit");
    w.begin_object();
    w.field("deposit_id", t.deposit->deposit_id);
    w.field("account_id", t.deposit->account_id);
    w.field("deposit_address", t.deposit->deposit_address);
    if (t.deposit->credited) w.key("credited"), w.boolean(true);
    w.end_object();
  }
  w.end_object();
}

void write_ref_fields(JsonOut& w, const BlockRef& r) {
  w.key("height"), w.number(r.height);
  w.key("hash"), w.string(r.hash);
  w.key("parent"), w.string(r.parent_hash);
}

// ---------------------------------------------------------------- reading

namespace dom = simdjson::dom;

// Collects the first error with the path where it happened.
struct Reader {
  std::string error;

  bool fail(std::string_view path, std::string_view what) {
    error = std::string(path) + ": " + std::string(what);
    return false;
  }

  bool object(dom::element e, dom::object& out, std::string_view path) {
    return e.get(out) == simdjson::SUCCESS || fail(path, "expected an object");
  }
  bool array(dom::element e, dom::array& out, std::string_view path) {
    return e.get(out) == simdjson::SUCCESS || fail(path, "expected an array");
  }

  // Optional fields: a missing field leaves `out` as it is.
  bool opt(dom::object o, const char* name, std::string& out, std::string_view path) {
    dom::element e;
    if (o[name].get(e)) return true;
    std::string_view v;
    if (e.get(v)) return fail(join(path, name), "expected a string");
    out.assign(v);
    return true;
  }
  bool opt(dom::object o, const char* name, std::uint64_t& out, std::string_view path,
           std::uint64_t max = std::numeric_limits<std::uint64_t>::max()) {
    dom::element e;
    if (o[name].get(e)) return true;
    std::uint64_t v = 0;
    if (e.get(v)) return fail(join(path, name), "expected an unsigned integer");
    if (v > max) return fail(join(path, name), "out of range");
    out = v;
    return true;
  }
  bool opt(dom::object o, const char* name, std::int64_t& out, std::string_view path) {
    dom::element e;
    if (o[name].get(e)) return true;
    std::int64_t v = 0;
    if (e.get(v)) return fail(join(path, name), "expected an integer");
    out = v;
    return true;
  }
  bool opt(dom::object o, const char* name, bool& out, std::string_view path) {
    dom::element e;
    if (o[name].get(e)) return true;
    bool v = false;
    if (e.get(v)) return fail(join(path, name), "expected true or false");
    out = v;
    return true;
  }
  // Required fields.
  template <class T>
  bool req(dom::object o, const char* name, T& out, std::string_view path) {
    dom::element e;
    if (o[name].get(e)) return fail(join(path, name), "missing");
    return opt(o, name, out, path);
  }

  bool strings(dom::object o, const char* name, std::vector<std::string>& out, std::string_view path) {
    dom::element e;
    if (o[name].get(e)) return true;
    const std::string p = join(path, name);
    dom::array a;
    if (!array(e, a, p)) return false;
    std::size_t i = 0;
    for (dom::element x : a) {
      std::string_view v;
      if (x.get(v)) return fail(index(p, i), "expected a string");
      out.emplace_back(v);
      ++i;
    }
    return true;
  }

  static std::string join(std::string_view path, std::string_view name) {
    return path.empty() ? std::string(name) : std::string(path) + "." + std::string(name);
  }
  static std::string index(std::string_view path, std::size_t i) {
    return std::string(path) + "[" + std::to_string(i) + "]";
  }
};

std::optional<TransferStatus> status_from_string(std::string_view s) {
  for (auto st : {TransferStatus::pending, TransferStatus::confirmed, TransferStatus::final, TransferStatus::retracted})
    if (s == to_string(st)) return st;
  return std::nullopt;
}

bool read_transfer(Reader& r, dom::element e, Transfer& t, const std::string& path) {
  dom::object o;
  if (!r.object(e, o, path)) return false;
  std::string text;
  if (!r.req(o, "chain", text, path)) return false;
  auto chain = chain_from_string(text);
  if (!chain || to_string(*chain) != text) return r.fail(Reader::join(path, "chain"), "unknown chain '" + text + "'");
  t.chain = *chain;
  if (!r.req(o, "network", text, path)) return false;
  auto network = network_from_string(text);
  if (!network) return r.fail(Reader::join(path, "network"), "unknown network '" + text + "'");
  t.network = *network;
  if (!r.opt(o, "chain_name", t.chain_name, path)) return false;

  dom::element asset_el;
  if (!o["asset"].get(asset_el)) {
    const std::string ap = Reader::join(path, "asset");
    dom::object a;
    std::uint64_t decimals = 0;
    if (!r.object(asset_el, a, ap) || !r.opt(a, "contract", t.asset.contract, ap) ||
        !r.opt(a, "symbol", t.asset.symbol, ap) || !r.opt(a, "decimals", decimals, ap, 255))
      return false;
    t.asset.decimals = static_cast<std::uint8_t>(decimals);
  }
  if (!r.strings(o, "senders", t.senders, path) || !r.opt(o, "recipient", t.recipient, path)) return false;

  if (!r.req(o, "amount", text, path)) return false;
  auto amount = Amount::from_decimal(text);
  if (!amount) return r.fail(Reader::join(path, "amount"), "not a decimal amount: '" + text.substr(0, 80) + "'");
  t.amount = *amount;

  std::uint64_t u = 0;
  constexpr std::uint64_t u32_max = std::numeric_limits<std::uint32_t>::max();
  if (!r.opt(o, "tx_id", t.tx_id, path) || !r.opt(o, "event_index", u, path, u32_max)) return false;
  t.event_index = static_cast<std::uint32_t>(u);
  dom::element el;
  if (!o["block_height"].get(el)) {
    std::uint64_t h = 0;
    if (!r.opt(o, "block_height", h, path)) return false;
    t.block_height = h;
  }
  if (!r.opt(o, "block_hash", t.block_hash, path) || !r.req(o, "status", text, path)) return false;
  auto status = status_from_string(text);
  if (!status) return r.fail(Reader::join(path, "status"), "unknown status '" + text + "'");
  t.status = *status;
  if (!r.opt(o, "memo", t.memo, path)) return false;
  if (!o["block_time"].get(el)) {
    std::int64_t bt = 0;
    if (!r.opt(o, "block_time", bt, path)) return false;
    t.block_time = bt;
  }
  if (!r.opt(o, "status_reason", t.status_reason, path) || !r.opt(o, "replaced_by", t.replaced_by, path)) return false;
  u = 0;
  if (!r.opt(o, "occurrence", u, path, u32_max)) return false;
  t.occurrence = static_cast<std::uint32_t>(u);
  u = 0;
  if (!r.opt(o, "revision", u, path, u32_max)) return false;
  t.revision = static_cast<std::uint32_t>(u);
  if (!r.opt(o, "source", t.source, path)) return false;
  std::int64_t ns = 0;
  if (!r.opt(o, "received_at_ns", ns, path)) return false;
  t.received_at = std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::nanoseconds(ns)));

  dom::element dep;
  if (!o["deposit"].get(dep)) {
    const std::string dp = Reader::join(path, "deposit");
    dom::object d;
    DepositInfo info;
    if (!r.object(dep, d, dp) || !r.opt(d, "deposit_id", info.deposit_id, dp) ||
        !r.opt(d, "account_id", info.account_id, dp) || !r.opt(d, "deposit_address", info.deposit_address, dp) ||
        !r.opt(d, "credited", info.credited, dp))
      return false;
    t.deposit = std::move(info);
  }
  return true;
}

bool read_transfers(Reader& r, dom::object o, std::vector<Transfer>& out, const std::string& path) {
  dom::element e;
  if (o["transfers"].get(e)) return true;
  const std::string p = Reader::join(path, "transfers");
  dom::array a;
  if (!r.array(e, a, p)) return false;
  std::size_t i = 0;
  for (dom::element x : a) {
    Transfer t;
    if (!read_transfer(r, x, t, Reader::index(p, i++))) return false;
    out.push_back(std::move(t));
  }
  return true;
}

bool read_ref(Reader& r, dom::object o, BlockRef& ref, const std::string& path) {
  return r.req(o, "height", ref.height, path) && r.req(o, "hash", ref.hash, path) &&
         r.req(o, "parent", ref.parent_hash, path);
}

}  // namespace

// ---------------------------------------------------------------- Tracker

std::string Tracker::save() const {
  JsonOut w;
  const auto write_block = [&](const Block& b) {
    w.begin_object();
    write_ref_fields(w, b.ref);
    w.key("seq"), w.number(b.seq);
    if (!b.txids.empty()) {
      w.key("txids");
      w.begin_array();
      for (const auto& id : b.txids) w.string(id);
      w.end_array();
    }
    if (!b.failed.empty()) {
      w.key("failed");
      w.begin_array();
      for (const auto& [txid, status] : b.failed) {
        w.begin_array();
        w.string(txid);
        w.string(status);
        w.end_array();
      }
      w.end_array();
    }
    w.key("transfers");
    w.begin_array();
    for (const auto& t : b.transfers) write_transfer(w, t);
    w.end_array();
    w.end_object();
  };

  w.begin_object();
  w.key("version"), w.number(state_version);
  w.key("seq"), w.number(next_seq_);
  if (cursor_) {
    w.key("cursor");
    w.begin_object();
    write_ref_fields(w, *cursor_);
    w.end_object();
  }
  w.key("canonical");
  w.begin_array();
  for (const auto& h : canonical_) write_block(blocks_.at(h));
  w.end_array();

  std::vector<const Block*> side;
  for (const auto& [h, b] : blocks_)
    if (!b.canonical) side.push_back(&b);
  std::sort(side.begin(), side.end(), [](const Block* a, const Block* b) { return a->seq < b->seq; });
  w.key("side");
  w.begin_array();
  for (const Block* b : side) write_block(*b);
  w.end_array();

  w.key("pending");
  w.begin_array();
  for (const auto& [seq, txid] : pending_order_) {
    const PendingTx& p = pending_.at(txid);
    w.begin_object();
    w.key("txid"), w.string(txid);
    w.key("seq"), w.number(seq);
    w.key("transfers");
    w.begin_array();
    for (const auto& t : p.transfers) write_transfer(w, t);
    w.end_array();
    w.end_object();
  }
  w.end_array();

  std::vector<const std::pair<const std::string, Revision>*> revs;
  for (const auto& kv : revisions_) revs.push_back(&kv);
  std::sort(revs.begin(), revs.end(), [](auto* a, auto* b) { return a->first < b->first; });
  w.key("revisions");
  w.begin_array();
  for (const auto* kv : revs) {
    const Revision& r = kv->second;
    w.begin_object();
    w.key("key"), w.string(kv->first);
    w.key("rev"), w.number(std::uint64_t{r.revision});
    w.key("state");
    w.string(r.state == KeyState::pending ? "pending" : r.state == KeyState::confirmed ? "confirmed" : "retracted");
    w.key("height"), w.number(r.height);
    w.end_object();
  }
  w.end_array();
  w.end_object();
  return w.take();
}

bool Tracker::restore(std::string_view saved, std::string& error) {
  clear();
  Reader r;
  const auto fail = [&] {
    clear();
    error = "lifecycle state: " + r.error;
    return false;
  };

  dom::parser parser;
  dom::element root;
  if (auto err = parser.parse(saved.data(), saved.size()).get(root)) {
    r.error = std::string("not JSON (") + simdjson::error_message(err) + ")";
    return fail();
  }
  dom::object top;
  if (root.get(top)) {
    r.error = "expected a JSON object";
    return fail();
  }
  std::uint64_t version = 0;
  {
    dom::element v;
    if (top["version"].get(v) || v.get(version)) {
      r.error = "no version field: not a lifecycle state";
      return fail();
    }
    if (version != state_version) {
      r.error = "unsupported version " + std::to_string(version) + " (this build reads version " +
                std::to_string(state_version) + ")";
      return fail();
    }
  }

  std::uint64_t seq = 0;
  if (!r.req(top, "seq", seq, "")) return fail();

  dom::element el;
  if (!top["cursor"].get(el)) {
    dom::object c;
    BlockRef ref;
    if (!r.object(el, c, "cursor") || !read_ref(r, c, ref, "cursor")) return fail();
    cursor_ = std::move(ref);
  }

  std::uint64_t max_seq = 0;
  bool any_seq = false;
  const auto read_blocks = [&](const char* name, bool canonical) {
    dom::element e;
    if (top[name].get(e)) return r.fail(name, "missing");
    dom::array a;
    if (!r.array(e, a, name)) return false;
    std::size_t i = 0;
    for (dom::element x : a) {
      const std::string p = Reader::index(name, i++);
      dom::object o;
      Block b;
      if (!r.object(x, o, p) || !read_ref(r, o, b.ref, p) || !r.req(o, "seq", b.seq, p) ||
          !r.strings(o, "txids", b.txids, p) || !read_transfers(r, o, b.transfers, p))
        return false;
      dom::element fe;
      if (!o["failed"].get(fe)) {
        const std::string fp = Reader::join(p, "failed");
        dom::array fa;
        if (!r.array(fe, fa, fp)) return false;
        std::size_t k = 0;
        for (dom::element pair : fa) {
          dom::array two;
          std::string_view txid, status;
          if (pair.get(two) || two.size() != 2 || two.at(0).get(txid) || two.at(1).get(status))
            return r.fail(Reader::index(fp, k), "expected [txid, status]");
          b.failed.emplace_back(txid, status);
          ++k;
        }
      }
      if (!std::is_sorted(b.txids.begin(), b.txids.end()) ||
          std::adjacent_find(b.txids.begin(), b.txids.end()) != b.txids.end())
        return r.fail(Reader::join(p, "txids"), "not sorted and unique");
      if (cursor_ && b.ref.height <= cursor_->height) return r.fail(p, "at or below the final cursor");
      if (canonical && !canonical_.empty() && blocks_.at(canonical_.back()).ref.height >= b.ref.height)
        return r.fail(p, "canonical heights must ascend");
      if (known(b.ref.hash)) return r.fail(p, "duplicate block hash " + b.ref.hash);
      b.canonical = canonical;
      max_seq = std::max(max_seq, b.seq);
      any_seq = true;
      const std::string hash = b.ref.hash;
      blocks_.emplace(hash, std::move(b));
      if (canonical)
        canonical_.push_back(hash);
      else
        ++side_count_;
    }
    return true;
  };
  if (!read_blocks("canonical", true) || !read_blocks("side", false)) return fail();

  {
    if (top["pending"].get(el)) {
      r.fail("pending", "missing");
      return fail();
    }
    dom::array a;
    if (!r.array(el, a, "pending")) return fail();
    std::size_t i = 0;
    for (dom::element x : a) {
      const std::string p = Reader::index("pending", i++);
      dom::object o;
      std::string txid;
      PendingTx tx;
      if (!r.object(x, o, p) || !r.req(o, "txid", txid, p) || !r.req(o, "seq", tx.seq, p) ||
          !read_transfers(r, o, tx.transfers, p))
        return fail();
      if (pending_.contains(txid) || pending_order_.contains(tx.seq)) {
        r.fail(p, "duplicate txid or seq");
        return fail();
      }
      max_seq = std::max(max_seq, tx.seq);
      any_seq = true;
      pending_order_.emplace(tx.seq, txid);
      pending_.emplace(std::move(txid), std::move(tx));
    }
  }

  {
    if (top["revisions"].get(el)) {
      r.fail("revisions", "missing");
      return fail();
    }
    dom::array a;
    if (!r.array(el, a, "revisions")) return fail();
    std::size_t i = 0;
    for (dom::element x : a) {
      const std::string p = Reader::index("revisions", i++);
      dom::object o;
      std::string key, state;
      std::uint64_t rev = 0;
      Revision entry;
      if (!r.object(x, o, p) || !r.req(o, "key", key, p) ||
          !r.opt(o, "rev", rev, p, std::numeric_limits<std::uint32_t>::max()) || !r.req(o, "state", state, p) ||
          !r.req(o, "height", entry.height, p))
        return fail();
      entry.revision = static_cast<std::uint32_t>(rev);
      if (state == "pending")
        entry.state = KeyState::pending;
      else if (state == "confirmed")
        entry.state = KeyState::confirmed;
      else if (state == "retracted")
        entry.state = KeyState::retracted;
      else {
        r.fail(Reader::join(p, "state"), "unknown state '" + state + "'");
        return fail();
      }
      if (!revisions_.emplace(std::move(key), entry).second) {
        r.fail(p, "duplicate key");
        return fail();
      }
    }
  }

  if (any_seq && max_seq >= seq) {
    r.error = "seq " + std::to_string(seq) + " is not above every stored seq";
    return fail();
  }
  next_seq_ = seq;
  // Honour this tracker's bounds (the saved state may come from other Options).
  evict_side();
  evict_pending();
  cap_revisions();
  return true;
}

}  // namespace fw::lifecycle
