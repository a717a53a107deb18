#include "alert/alert.hpp"

#include <algorithm>

#include "alert/json_writer.hpp"

namespace fw::alert {
namespace {

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

// Small writer over one output string; keeps render() readable.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  Writer& raw(std::string_view s) {
    out_ += s;
    return *this;
  }
  Writer& key(std::string_view k) {
    // Keys are our own literals: no escaping needed.
    out_ += '"';
    out_ += k;
    out_ += "\":";
    return *this;
  }
  Writer& str(std::string_view s) {
    append_json_string(out_, s);
    return *this;
  }
  Writer& num(std::uint64_t v) {
    out_ += std::to_string(v);
    return *this;
  }
  Writer& num_signed(std::int64_t v) {
    out_ += std::to_string(v);
    return *this;
  }
  Writer& str_or_null(const std::optional<std::string>& s) {
    if (s) append_json_string(out_, *s);
    else out_ += "null";
    return *this;
  }
  Writer& boolean(bool b) {
    out_ += b ? "true" : "false";
    return *this;
  }

 private:
  std::string& out_;
};

// Compares two plain non-negative decimals ("0012.50" vs "12.5" -> 0).
int compare_decimal(std::string_view a, std::string_view b) noexcept {
  auto split = [](std::string_view s, std::string_view& i, std::string_view& f) {
    std::size_t dot = s.find('.');
    i = s.substr(0, dot);
    f = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
    while (!i.empty() && i.front() == '0') i.remove_prefix(1);
    while (!f.empty() && f.back() == '0') f.remove_suffix(1);
  };
  std::string_view ai, af, bi, bf;
  split(a, ai, af);
  split(b, bi, bf);
  if (ai.size() != bi.size()) return ai.size() < bi.size() ? -1 : 1;
  if (int c = ai.compare(bi)) return c < 0 ? -1 : 1;
  for (std::size_t k = 0; k < std::max(af.size(), bf.size()); ++k) {
    char x = k < af.size() ? af[k] : '0';
    char y = k < bf.size() ? bf[k] : '0';
    if (x != y) return x < y ? -1 : 1;
  }
  return 0;
}

bool asset_matches(std::string_view wanted, const Asset& a) noexcept {
  if (!a.symbol.empty() && iequals(wanted, a.symbol)) return true;
  if (a.contract.empty()) return false;
  if (wanted == a.contract) return true;
  // EVM contracts: canonical is lower-case, config may hold the EIP-55 spelling.
  return wanted.size() > 2 && wanted[0] == '0' && (wanted[1] == 'x' || wanted[1] == 'X') && iequals(wanted, a.contract);
}

int hex_value(char c) noexcept {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string iso(std::int64_t unix_ms) {
  return format_timestamp(std::chrono::system_clock::time_point(std::chrono::milliseconds(unix_ms)));
}

// One follow-the-money step; with `explorers` also its "tx_url".
void write_step(Writer& w, const watchlist::PathStep& s, const Explorers* explorers, Network network) {
  w.raw("{").key("from").str(s.from);
  w.raw(",").key("to").str(s.to);
  w.raw(",").key("chain_name").str(s.chain_name);
  w.raw(",").key("tx_id").str(s.tx_id);
  w.raw(",").key("asset").str(s.asset);
  w.raw(",").key("amount").str(s.amount);
  w.raw(",").key("at").str(iso(s.at_ms));
  if (explorers) w.raw(",").key("tx_url").str_or_null(explorers->tx_url(s.chain_name, network, s.tx_id));
  w.raw("}");
}

void write_path(Writer& w, const std::vector<watchlist::PathStep>& path, const Explorers* explorers,
                Network network) {
  w.raw("[");
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (i) w.raw(",");
    write_step(w, path[i], explorers, network);
  }
  w.raw("]");
}

void write_listing(Writer& w, const match::Listing& p) {
  w.raw("{").key("list").str(p.list);
  w.raw(",").key("file").str(p.file);
  w.raw(",").key("line").num(p.line);
  w.raw(",").key("label").str(p.label);
  w.raw(",").key("incident").str(p.incident);
  w.raw(",").key("source").str(p.source);
  w.raw(",").key("severity").str(p.severity);
  w.raw(",").key("added_at").str(p.added_at);
  w.raw(",").key("notes").str(p.notes);
  w.raw(",").key("kind").str(p.kind);
  w.raw(",").key("added_by").str(p.added_by);
  w.raw(",").key("expires_at").str(p.expires_at);
  w.raw(",").key("follow").boolean(p.follow);
  w.raw(",").key("hops").num(p.hops);
  w.raw(",").key("seed").str(p.seed);
  w.raw(",").key("path");
  write_path(w, p.path, nullptr, Network::mainnet);
  w.raw(",").key("approved").boolean(p.approved);
  w.raw(",").key("approved_by").str(p.approved_by);
  w.raw("}");
}

// The derived listing whose path the alert shows: the shortest one.
const match::Listing* evidence_listing(const match::Match& m) noexcept {
  const match::Listing* best = nullptr;
  for (const match::Listing& l : m.entry.provenance)
    if (l.kind == "derived" && (!best || l.hops < best->hops)) best = &l;
  return best;
}

}  // namespace

std::optional<std::string> memo_text(std::string_view memo) {
  if (memo.starts_with("0x") || memo.starts_with("0X")) memo.remove_prefix(2);
  if (memo.empty() || memo.size() % 2 != 0) return std::nullopt;
  std::string bytes;
  bytes.reserve(memo.size() / 2);
  for (std::size_t i = 0; i < memo.size(); i += 2) {
    const int hi = hex_value(memo[i]), lo = hex_value(memo[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    bytes += static_cast<char>(hi * 16 + lo);
  }
  // Stacks pads memos to 34 bytes with NULs.
  while (!bytes.empty() && bytes.back() == '\0') bytes.pop_back();
  if (bytes.empty()) return std::nullopt;
  // Printable ASCII, or well-formed UTF-8 without control characters.
  for (std::size_t i = 0; i < bytes.size();) {
    const auto c = static_cast<unsigned char>(bytes[i]);
    if (c >= 0x20 && c < 0x7f) {
      ++i;
      continue;
    }
    std::size_t n = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 0;
    if (n == 0 || (c >= 0xe0 && n == 3 && c > 0xef) || i + n > bytes.size()) return std::nullopt;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(bytes[i + k]) & 0xc0) != 0x80) return std::nullopt;
    i += n;
  }
  return bytes;
}

std::string_view recommended_action(const match::Match& m, const Transfer& t) noexcept {
  if (t.status == TransferStatus::retracted) return "none";
  if (t.deposit && m.direction == match::Direction::from)
    return t.deposit->credited ? "freeze_account" : "freeze_deposit";
  return "review";
}

std::string display_amount(const Transfer& t) {
  std::string s = t.amount_decimal();
  if (!t.asset.symbol.empty()) {
    s += ' ';
    s += t.asset.symbol;
  }
  return s;
}

std::string_view classification(const match::Match& m) noexcept { return m.suspected ? "suspected" : "listed"; }

std::string render(const match::Match& m, const Transfer& t, std::chrono::system_clock::time_point now,
                   const Explorers& explorers) {
  std::string out;
  out.reserve(2048);
  Writer w(out);
  w.raw("{").key("type").str(match::event_type(m.stage));
  w.raw(",").key("timestamp").str(format_timestamp(now));
  w.raw(",").key("data").raw("{");
  w.key("alert_id").str(m.alert_id);
  w.raw(",").key("base_id").str(m.base_id);
  w.raw(",").key("stage").str(m.stage);
  w.raw(",").key("direction").str(match::to_string(m.direction));
  w.raw(",").key("listed_address").str(m.listed_address);
  w.raw(",").key("recommended_action").str(recommended_action(m, t));

  w.raw(",").key("classification").str(classification(m));

  w.raw(",").key("watchlist").raw("{");
  w.key("version").str(m.watchlist_version);
  w.raw(",").key("entries").raw("[");
  bool first = true;
  for (const match::Listing& p : m.entry.provenance) {
    if (!first) w.raw(",");
    first = false;
    write_listing(w, p);
  }
  w.raw("]}");

  w.raw(",").key("transfer").raw("{");
  w.key("chain").str(to_string(t.chain));
  w.raw(",").key("chain_name").str(t.chain_name);
  w.raw(",").key("network").str(to_string(t.network));
  w.raw(",").key("asset").raw("{");
  w.key("symbol").str(t.asset.symbol);
  w.raw(",").key("contract").str(t.asset.contract);
  w.raw(",").key("decimals").num(t.asset.decimals);
  w.raw("}");
  w.raw(",").key("senders").raw("[");
  for (std::size_t i = 0; i < t.senders.size(); ++i) {
    if (i) w.raw(",");
    w.str(t.senders[i]);
  }
  w.raw("]");
  w.raw(",").key("recipient").str(t.recipient);
  w.raw(",").key("amount").raw("{");
  w.key("base_units").str(t.amount.to_decimal());
  w.raw(",").key("decimal").str(t.amount_decimal());
  w.raw(",").key("display").str(display_amount(t));
  w.raw("}");
  w.raw(",").key("tx_id").str(t.tx_id);
  w.raw(",").key("event_index").num(t.event_index);
  w.raw(",").key("block_height");
  if (t.block_height) w.num(*t.block_height);
  else w.raw("null");
  w.raw(",").key("block_hash").str(t.block_hash);
  w.raw(",").key("status").str(to_string(t.status));
  w.raw(",").key("memo").str(t.memo);
  w.raw(",").key("memo_text");
  if (auto text = memo_text(t.memo)) w.str(*text);
  else w.raw("null");
  w.raw(",").key("block_time");
  if (t.block_time) w.str(format_timestamp(std::chrono::system_clock::time_point(std::chrono::seconds(*t.block_time))));
  else w.raw("null");
  w.raw(",").key("status_reason").str(t.status_reason);
  w.raw(",").key("replaced_by").str(t.replaced_by);
  w.raw(",").key("revision").num(t.revision);
  w.raw(",").key("source").str(t.source);
  w.raw(",").key("received_at").str(format_timestamp(t.received_at));
  w.raw("}");

  w.raw(",").key("deposit");
  if (t.deposit) {
    w.raw("{").key("deposit_id").str(t.deposit->deposit_id);
    w.raw(",").key("account_id").str(t.deposit->account_id);
    w.raw(",").key("deposit_address").str(t.deposit->deposit_address);
    w.raw(",").key("credited").boolean(t.deposit->credited);
    w.raw("}");
  } else {
    w.raw("null");
  }

  w.raw(",").key("evidence").raw("{");
  w.key("path");
  if (const match::Listing* d = evidence_listing(m)) write_path(w, d->path, &explorers, t.network);
  else w.raw("[]");
  w.raw(",").key("links").raw("{");
  w.key("tx").str_or_null(explorers.tx_url(t.chain_name, t.network, t.tx_id));
  w.raw(",").key("listed_address").str_or_null(explorers.address_url(t.chain_name, t.network, m.listed_address));
  w.raw("}}");

  w.raw(",").key("retro");
  if (m.retro) {
    w.raw("{").key("transfer_stage").str(m.retro->transfer_stage);
    w.raw(",").key("listed_after_ms").num_signed(m.retro->listed_after_ms);
    w.raw("}");
  } else {
    w.raw("null");
  }
  w.raw("}}");
  return out;
}

std::string render(const match::Match& m, const Transfer& t, std::chrono::system_clock::time_point now) {
  return render(m, t, now, Explorers::defaults());
}

bool passes(const config::WebhookFilter& f, const match::Match& m, const Transfer& t) {
  if (!f.suspected && m.suspected) return false;
  if (!f.stages.empty() && std::find(f.stages.begin(), f.stages.end(), m.stage) == f.stages.end()) return false;
  if (!f.chains.empty() && std::find(f.chains.begin(), f.chains.end(), t.chain) == f.chains.end()) return false;
  if (!f.assets.empty() &&
      std::none_of(f.assets.begin(), f.assets.end(), [&](const std::string& a) { return asset_matches(a, t.asset); }))
    return false;
  if (!f.min_amount.empty() && compare_decimal(t.amount_decimal(), f.min_amount) < 0) return false;
  switch (f.direction) {
    case config::Direction::any: break;
    case config::Direction::from:
      if (m.direction != match::Direction::from) return false;
      break;
    case config::Direction::to:
      if (m.direction != match::Direction::to) return false;
      break;
  }
  return true;
}

}  // namespace fw::alert
