#include "follow/follow.hpp"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <sstream>

#include "address/address.hpp"

namespace fw::follow {
namespace {

constexpr std::int64_t ms_per_hour = 3'600'000;

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
           return lower(x) == lower(y);
         });
}

bool is_hex_contract(std::string_view s) noexcept { return s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'); }

bool is_digits(std::string_view s) noexcept {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::int64_t unix_ms(std::chrono::system_clock::time_point tp) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(tp.time_since_epoch()).count();
}

std::string quoted_error(std::string_view where, std::string_view value, std::string_view why) {
  std::string e(where);
  e += ": '";
  e += value;
  e += "': ";
  e += why;
  return e;
}

// A followable stage: on chain and not retracted.
bool followable(const Transfer& t) noexcept {
  if (t.deposit) return false;
  const std::string_view stage = match::stage_of(t);
  return stage == "confirmed" || stage == "final" || stage == "credited";
}

}  // namespace

Exclusions parse_exclusions(std::string_view text, std::string_view origin) {
  Exclusions out;
  std::uint32_t line_no = 0;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    ++line_no;
    if (const std::size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    line = trim(line);
    if (line.empty()) continue;
    auto parsed = address::parse_any(line);
    if (parsed) out.addresses.push_back(parsed->canonical);
    else out.errors.push_back(quoted_error(std::string(origin) + ":" + std::to_string(line_no), line, parsed.error));
  }
  return out;
}

Exclusions read_exclude_files(const config::FollowConfig& cfg, const std::string& base_dir) {
  Exclusions all;
  for (std::size_t i = 0; i < cfg.exclude_files.size(); ++i) {
    const std::string path = watchlist::resolve_path(cfg.exclude_files[i], base_dir);
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      all.errors.push_back(quoted_error("watchlists.follow.exclude_files[" + std::to_string(i) + "]", path,
                                        "cannot be read"));
      continue;
    }
    std::ostringstream text;
    text << in.rdbuf();
    Exclusions one = parse_exclusions(text.str(), path);
    all.addresses.insert(all.addresses.end(), one.addresses.begin(), one.addresses.end());
    all.errors.insert(all.errors.end(), one.errors.begin(), one.errors.end());
  }
  return all;
}

std::set<std::string, std::less<>> followed_lists(const config::WatchlistsConfig& cfg) {
  std::set<std::string, std::less<>> out;
  for (const config::WatchlistFile& f : cfg.files)
    if (f.follow) out.insert(f.name);
  return out;
}

std::optional<Amount> min_base_units(std::string_view decimal, unsigned decimals) {
  const std::size_t dot = decimal.find('.');
  const std::string_view whole = decimal.substr(0, dot);
  const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : decimal.substr(dot + 1);
  if (!is_digits(whole) || (dot != std::string_view::npos && !is_digits(frac))) return std::nullopt;
  std::string digits(whole);
  bool round_up = false;
  for (std::size_t k = 0; k < std::max<std::size_t>(decimals, frac.size()); ++k) {
    const char c = k < frac.size() ? frac[k] : '0';
    if (k < decimals) digits += c;
    else if (c != '0') round_up = true;  // finer than the asset can express
  }
  std::optional<Amount> a = Amount::from_decimal(digits);
  if (a && round_up && !a->add(Amount(1))) return std::nullopt;
  return a;
}

Rules::Rules(const config::FollowConfig& cfg, std::set<std::string, std::less<>> followed_lists,
             const std::vector<std::string>& more_exclusions)
    : cfg_(cfg), followed_lists_(std::move(followed_lists)) {
  followed_incidents_.insert(cfg.incidents.begin(), cfg.incidents.end());
  for (std::size_t i = 0; i < cfg.exclude.size(); ++i) {
    const std::string_view text = trim(cfg.exclude[i]);
    auto parsed = address::parse_any(text);
    if (parsed) excluded_.insert(parsed->canonical);
    else
      errors_.push_back(
          quoted_error("watchlists.follow.exclude[" + std::to_string(i) + "]", cfg.exclude[i], parsed.error));
  }
  excluded_.insert(more_exclusions.begin(), more_exclusions.end());
  for (const auto& [key, value] : cfg.min_amount)
    if (!min_base_units(value, 0))
      errors_.push_back(quoted_error("watchlists.follow.min_amount." + key, value, "not a plain decimal"));
}

Rules Rules::from_config(const config::WatchlistsConfig& cfg, const std::string& base_dir) {
  Exclusions files = read_exclude_files(cfg.follow, base_dir);
  Rules r(cfg.follow, followed_lists(cfg), files.addresses);
  r.errors_.insert(r.errors_.end(), files.errors.begin(), files.errors.end());
  return r;
}

bool Rules::excluded(std::string_view canonical) const { return excluded_.contains(canonical); }

std::optional<std::string> Rules::min_amount_key(const Asset& asset) const {
  if (!asset.contract.empty())
    for (const auto& [key, value] : cfg_.min_amount)
      if (key == asset.contract || (is_hex_contract(key) && iequals(key, asset.contract))) return key;
  if (!asset.symbol.empty())
    for (const auto& [key, value] : cfg_.min_amount)
      if (iequals(key, asset.symbol)) return key;
  if (cfg_.min_amount.contains("*")) return std::string("*");
  return std::nullopt;
}

bool Rules::enough(const Transfer& t) const {
  const std::optional<std::string> key = min_amount_key(t.asset);
  if (!key) return false;
  const std::optional<Amount> min = min_base_units(cfg_.min_amount.at(*key), t.asset.decimals);
  return min && t.amount >= *min;
}

std::optional<std::uint32_t> Rules::seed_hops(const match::Listing& l) const {
  const bool incident_followed = !l.incident.empty() && followed_incidents_.contains(l.incident);
  if (l.kind == "derived") {
    if (l.hops < cfg_.max_hops) return l.hops;
    return std::nullopt;
  }
  if (l.kind == "api") {
    if (l.follow || incident_followed) return 0u;
    return std::nullopt;
  }
  // file or remote
  if (incident_followed || followed_lists_.contains(l.list)) return 0u;
  return std::nullopt;
}

std::vector<watchlist::LiveEntry> Rules::derive(const Transfer& t, const std::vector<match::Match>& matches,
                                                const watchlist::Snapshot& snapshot,
                                                const watchlist::Overlay& overlay, std::int64_t now_ms) const {
  std::vector<watchlist::LiveEntry> out;
  if (cfg_.max_hops == 0 || t.recipient.empty() || !followable(t)) return out;

  // The followed listing closest to its seed, over every listed sender.
  const match::Match* seed_match = nullptr;
  const match::Listing* seed_listing = nullptr;
  std::uint32_t seed_hop = 0;
  for (const match::Match& m : matches) {
    if (m.direction != match::Direction::from) continue;
    for (const match::Listing& l : m.entry.provenance) {
      const std::optional<std::uint32_t> h = seed_hops(l);
      if (h && (!seed_listing || *h < seed_hop)) {
        seed_match = &m;
        seed_listing = &l;
        seed_hop = *h;
      }
    }
  }
  if (!seed_listing) return out;
  const std::uint32_t hops = seed_hop + 1;

  const std::string& to = t.recipient;
  if (std::find(t.senders.begin(), t.senders.end(), to) != t.senders.end()) return out;
  if (excluded(to)) return out;
  if (const watchlist::Entry* e = snapshot.find(to); e && e->chain == t.chain) return out;
  for (const watchlist::LiveEntry& le : overlay.find(to)) {
    if (le.chain != t.chain || le.expired(now_ms)) continue;
    if (le.kind == watchlist::LiveEntry::Kind::api) return out;
    if (le.hops <= hops) return out;
  }
  if (!enough(t)) return out;

  watchlist::PathStep step;
  step.from = seed_match->listed_address;
  step.to = to;
  step.chain_name = t.chain_name;
  step.tx_id = t.tx_id;
  step.asset = t.asset.symbol.empty() ? t.asset.contract : t.asset.symbol;
  step.amount = t.amount_decimal();
  step.at_ms = t.received_at.time_since_epoch().count() != 0 ? unix_ms(t.received_at) : now_ms;

  watchlist::LiveEntry d;
  d.address = to;
  d.chain = t.chain;
  d.kind = watchlist::LiveEntry::Kind::derived;
  d.incident = seed_listing->incident;
  d.seed = seed_listing->kind == "derived" ? seed_listing->seed : seed_match->listed_address;
  d.hops = hops;
  if (seed_listing->kind == "derived") d.path = seed_listing->path;
  d.path.push_back(std::move(step));
  d.label = "follow-the-money: hop " + std::to_string(hops) + " from " + d.seed;
  d.source = std::string(derived_source);
  d.severity = seed_listing->severity;
  d.added_by = std::string(derived_source);
  d.added_at_ms = now_ms;
  d.expires_at_ms = now_ms + static_cast<std::int64_t>(cfg_.expire_after_hours) * ms_per_hour;
  out.push_back(std::move(d));
  return out;
}

}  // namespace fw::follow
