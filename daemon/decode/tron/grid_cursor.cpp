#include "decode/tron/grid_cursor.hpp"

#include <algorithm>

#include "decode/tron/detail/json.hpp"

namespace fw::decode::tron {

const char* to_string(GridView v) noexcept { return v == GridView::solidified ? "solidified" : "unconfirmed"; }

namespace {

using namespace detail;

constexpr std::string_view kRetractReason =
    "reorg: TronGrid's solidified chain passed the event's block without it";

// RFC 3986 unreserved characters pass; everything else is %XX.
void append_query_value(std::string& out, std::string_view v) {
  static constexpr char hex[] = "0123456789ABCDEF";
  for (char ch : v) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
        c == '.' || c == '~') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
}

}  // namespace

struct GridCursor::Impl {
  struct Contract {
    explicit Contract(const LedgerContext& cx, const LedgerOptions& lo) : ledger(cx, lo) {}
    bool started = false;            // has a cursor (restored or begun)
    std::int64_t final_ts = 0;       // solidified cursor: newest block_timestamp processed
    std::uint64_t final_block = 0;   // ... and its block number
    std::unordered_set<std::string> seen;  // keys processed at final_ts
    std::int64_t unconfirmed_ts = 0;
    Ledger ledger;
  };

  Impl(const TokenRegistry& tokens, LedgerContext cx, LedgerOptions lo) : context(std::move(cx)), ledger_options(lo) {
    for (const auto& t : tokens.tokens()) {
      names.push_back(t.contract);
      by_contract.emplace(t.contract, Contract(context, ledger_options));
    }
  }

  LedgerContext context;
  LedgerOptions ledger_options;
  std::vector<std::string> names;  // configuration order
  std::map<std::string, Contract, std::less<>> by_contract;
  std::uint64_t tip = 0;

  Contract* find(std::string_view c) {
    auto it = by_contract.find(c);
    return it == by_contract.end() ? nullptr : &it->second;
  }
  const Contract* find(std::string_view c) const {
    auto it = by_contract.find(c);
    return it == by_contract.end() ? nullptr : &it->second;
  }

  void reset() {
    for (auto& [name, c] : by_contract) c = Contract(context, ledger_options);
    tip = 0;
  }

  GridApplied solidified(Contract& c, const GridPage& page, std::vector<Transfer>& out) {
    GridApplied a;
    for (const GridEvent& e : page.events) {
      a.max_block = std::max(a.max_block, e.block_number);
      if (e.block_timestamp_ms < c.final_ts) {
        ++a.stale;
        continue;
      }
      std::string key = event_key(e.tx_id, e.event_index);
      if (e.block_timestamp_ms == c.final_ts && c.seen.contains(key)) {
        ++a.repeats;
        continue;
      }
      if (e.block_timestamp_ms > c.final_ts) {
        c.final_ts = e.block_timestamp_ms;
        c.seen.clear();
      }
      if (e.block_number > c.final_block) {
        // Every solidified event below this block has been seen by now.
        c.ledger.retract_below(e.block_number, kRetractReason, out);
        c.final_block = e.block_number;
      }
      if (c.seen.size() < kMaxSeen) c.seen.insert(std::move(key));
      ++a.fresh;
      if (e.transfer) c.ledger.solidified(*e.transfer, out);
    }
    c.unconfirmed_ts = std::max(c.unconfirmed_ts, c.final_ts);
    return a;
  }

  GridApplied unconfirmed(Contract& c, const GridPage& page, std::vector<Transfer>& out) {
    GridApplied a;
    for (const GridEvent& e : page.events) {
      a.max_block = std::max(a.max_block, e.block_number);
      c.unconfirmed_ts = std::max(c.unconfirmed_ts, e.block_timestamp_ms);
      if (e.block_number < c.final_block ||
          (e.block_number == c.final_block && c.seen.contains(event_key(e.tx_id, e.event_index)))) {
        ++a.repeats;  // the solidified view decided it
        continue;
      }
      if (!e.transfer) {
        ++a.fresh;
        continue;
      }
      const std::size_t before = out.size();
      c.ledger.confirmed(*e.transfer, out);
      if (out.size() > before) ++a.fresh;
      else ++a.repeats;
    }
    return a;
  }
};

GridCursor::GridCursor(const TokenRegistry& tokens, LedgerContext context, LedgerOptions ledger)
    : impl_(std::make_unique<Impl>(tokens, std::move(context), ledger)) {}
GridCursor::~GridCursor() = default;
GridCursor::GridCursor(GridCursor&&) noexcept = default;
GridCursor& GridCursor::operator=(GridCursor&&) noexcept = default;

std::string GridCursor::save() const {
  std::string out = "{\"v\":1,\"tip\":" + std::to_string(impl_->tip) + ",\"contracts\":{";
  bool first = true;
  for (const auto& name : impl_->names) {
    const auto* c = impl_->find(name);
    if (!c || !c->started) continue;
    if (!first) out += ',';
    first = false;
    append_json_string(out, name);
    out += ":{\"ts\":" + std::to_string(c->final_ts) + ",\"block\":" + std::to_string(c->final_block) +
           ",\"uts\":" + std::to_string(c->unconfirmed_ts) + ",\"seen\":[";
    std::vector<std::string> seen(c->seen.begin(), c->seen.end());
    std::sort(seen.begin(), seen.end());  // deterministic output
    for (std::size_t i = 0; i < seen.size(); ++i) {
      if (i) out += ',';
      append_json_string(out, seen[i]);
    }
    out += "],\"ledger\":" + c->ledger.save() + "}";
  }
  out += "}}";
  return out;
}

bool GridCursor::restore(std::string_view saved, std::string& error) {
  impl_->reset();
  dom::parser parser;
  dom::element root;
  dom::object o, contracts;
  std::uint64_t version = 0;
  if (parser.parse(saved.data(), saved.size()).get(root) || root.get_object().get(o)) {
    error = "not a JSON object: \"" + excerpt(saved) + "\"";
    return false;
  }
  if (get_u64(o, "v", version) != Got::ok || version != 1) {
    error = "unknown state version (expected {\"v\":1,...})";
    return false;
  }
  if (get_object(o, "contracts", contracts) != Got::ok) {
    error = "missing \"contracts\" object";
    return false;
  }
  std::uint64_t tip = 0;
  (void)get_u64(o, "tip", tip);
  for (auto field : contracts) {
    Impl::Contract* c = impl_->find(field.key);
    if (!c) continue;  // no longer configured
    dom::object s;
    dom::element ledger;
    dom::array seen;
    std::int64_t ts = 0, uts = 0;
    std::uint64_t block = 0;
    if (field.value.get_object().get(s) || get_i64(s, "ts", ts) != Got::ok || get_u64(s, "block", block) != Got::ok ||
        get_i64(s, "uts", uts) != Got::ok || get_array(s, "seen", seen) != Got::ok ||
        s.at_key("ledger").get(ledger) || !ledger.is_object()) {
      impl_->reset();
      error = "contract " + excerpt(field.key) + ": expected {ts, block, uts, seen, ledger}";
      return false;
    }
    c->started = true;
    c->final_ts = ts;
    c->final_block = block;
    c->unconfirmed_ts = uts;
    for (dom::element k : seen) {
      std::string_view key;
      if (k.get_string().get(key)) {
        impl_->reset();
        error = "contract " + excerpt(field.key) + ": seen: expected strings";
        return false;
      }
      c->seen.emplace(key);
    }
    if (!c->ledger.restore(simdjson::minify(ledger), error)) {
      impl_->reset();
      error = "contract " + excerpt(field.key) + ": ledger: " + error;
      return false;
    }
  }
  impl_->tip = tip;
  return true;
}

std::vector<std::string> GridCursor::begin(std::int64_t now_ms, std::int64_t lookback_ms, std::int64_t max_gap_ms) {
  std::vector<std::string> notes;
  for (auto& [name, c] : impl_->by_contract) {
    if (!c.started) {
      c.started = true;
      c.final_ts = now_ms - lookback_ms;
      c.final_block = 0;
      c.seen.clear();
    } else if (now_ms - c.final_ts > max_gap_ms) {
      const std::int64_t to = now_ms - max_gap_ms;
      notes.push_back(name + ": solidified cursor at block_timestamp " + std::to_string(c.final_ts) + " is " +
                      std::to_string((now_ms - c.final_ts) / 1000) + " s old; events before " + std::to_string(to) +
                      " are skipped");
      c.final_ts = to;
      c.seen.clear();
    }
    // Re-read the whole unconfirmed window: the ledger knows what it already emitted.
    c.unconfirmed_ts = c.final_ts;
  }
  return notes;
}

std::int64_t GridCursor::start_ms(std::string_view contract, GridView view) const {
  const auto* c = impl_->find(contract);
  if (!c) return 0;
  return view == GridView::solidified ? c->final_ts : std::max(c->unconfirmed_ts, c->final_ts);
}

GridApplied GridCursor::apply(std::string_view contract, GridView view, const GridPage& page,
                              std::vector<Transfer>& out) {
  auto* c = impl_->find(contract);
  if (!c) return {};
  c->started = true;
  GridApplied a = view == GridView::solidified ? impl_->solidified(*c, page, out) : impl_->unconfirmed(*c, page, out);
  impl_->tip = std::max(impl_->tip, a.max_block);
  return a;
}

std::uint64_t GridCursor::tip() const noexcept { return impl_->tip; }

std::size_t GridCursor::live() const noexcept {
  std::size_t n = 0;
  for (const auto& [name, c] : impl_->by_contract) n += c.ledger.stats().live;
  return n;
}

const std::vector<std::string>& GridCursor::contracts() const noexcept { return impl_->names; }

std::string GridCursor::events_target(std::string_view contract, GridView view, std::int64_t min_ts, unsigned limit,
                                      std::string_view fingerprint) {
  std::string t = "/v1/contracts/";
  append_query_value(t, contract);
  t += "/events?event_name=Transfer";
  t += view == GridView::solidified ? "&only_confirmed=true" : "&only_unconfirmed=true";
  t += "&order_by=block_timestamp,asc&min_block_timestamp=" + std::to_string(std::max<std::int64_t>(min_ts, 0));
  t += "&limit=" + std::to_string(std::clamp(limit, 1u, kMaxLimit));
  if (!fingerprint.empty()) {
    t += "&fingerprint=";
    append_query_value(t, fingerprint);
  }
  return t;
}

}  // namespace fw::decode::tron
