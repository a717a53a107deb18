#include "match/match.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <span>

#include "address/hash.hpp"
#include "core/hex.hpp"

namespace fw::match {
namespace {

// Netstring ("<length>:<bytes>,"): an unambiguous encoding of a tuple of
// arbitrary byte strings, so no two keys collide by concatenation.
void put(std::string& key, std::string_view field) {
  key += std::to_string(field.size());
  key += ':';
  key += field;
  key += ',';
}

Listing file_listing(const watchlist::Provenance& p, const ListTraits* traits) {
  Listing l;
  l.list.assign(p.list);
  l.file.assign(p.file);
  l.line = p.line;
  l.label.assign(p.label);
  l.incident.assign(p.incident);
  l.source.assign(p.source);
  l.severity.assign(p.severity);
  l.added_at.assign(p.added_at);
  l.notes.assign(p.notes);
  if (traits) {
    if (traits->remote_lists.contains(p.list)) l.kind = "remote";
    l.follow = traits->followed_lists.contains(p.list) ||
               (!p.incident.empty() && traits->followed_incidents.contains(p.incident));
  }
  return l;
}

Listing live_listing(const watchlist::LiveEntry& e) {
  Listing l;
  l.label = e.label;
  l.incident = e.incident;
  l.source = e.source;
  l.severity = e.severity;
  if (e.added_at_ms != 0) l.added_at = iso_ms(e.added_at_ms);
  l.notes = e.notes;
  l.kind.assign(watchlist::to_string(e.kind));
  l.added_by = e.added_by;
  if (e.expires_at_ms) l.expires_at = iso_ms(*e.expires_at_ms);
  l.follow = e.follow;
  if (e.kind == watchlist::LiveEntry::Kind::derived) {
    l.hops = e.hops;
    l.seed = e.seed;
    l.path = e.path;
    l.approved = e.approved;
    l.approved_by = e.approved_by;
  }
  return l;
}

// The listings of `address` on `chain` in both layers; false when none.
bool listed_entry(const watchlist::Snapshot& s, const watchlist::Overlay* overlay, std::int64_t now_ms,
                  const ListTraits* traits, const std::string& address, Chain chain, ListedEntry& out) {
  const watchlist::Entry* e = s.find(address);
  if (e && e->chain != chain) e = nullptr;
  std::span<const watchlist::LiveEntry> live;
  if (overlay) live = overlay->find(address);
  bool any_live = false;
  for (const watchlist::LiveEntry& le : live)
    if (le.chain == chain && !le.expired(now_ms)) any_live = true;
  if (!e && !any_live) return false;

  out.address = address;
  out.chain = chain;
  out.provenance.clear();
  out.provenance.reserve((e ? e->provenance.size() : 0) + live.size());
  if (e)
    for (const watchlist::Provenance& p : e->provenance) out.provenance.push_back(file_listing(p, traits));
  for (const watchlist::LiveEntry& le : live)
    if (le.chain == chain && !le.expired(now_ms)) out.provenance.push_back(live_listing(le));
  return true;
}

bool all_suspected(const ListedEntry& e) noexcept {
  if (e.provenance.empty()) return false;
  for (const Listing& l : e.provenance)
    if (!l.suspected()) return false;
  return true;
}

void add_match(std::vector<Match>& out, const Transfer& t, const watchlist::Snapshot& s,
               const watchlist::Overlay* overlay, std::int64_t now_ms, const ListTraits* traits,
               const std::string& address, Direction d) {
  for (const Match& m : out)
    if (m.direction == d && m.listed_address == address) return;  // a sender repeated in the list
  ListedEntry entry;
  if (!listed_entry(s, overlay, now_ms, traits, address, t.chain, entry)) return;
  Match m;
  m.direction = d;
  m.listed_address = address;
  m.entry = std::move(entry);
  m.suspected = all_suspected(m.entry);
  m.watchlist_version = s.version();
  m.base_id = base_id(t, address, d);
  m.stage.assign(stage_of(t));
  m.alert_id = alert_id(m.base_id, m.stage, t.revision);
  out.push_back(std::move(m));
}

std::vector<Match> match_layers(const Transfer& t, const watchlist::Snapshot& snapshot,
                                const watchlist::Overlay* overlay, std::int64_t now_ms, const ListTraits* traits) {
  std::vector<Match> out;
  for (const std::string& sender : t.senders) {
    if (sender.empty()) continue;
    add_match(out, t, snapshot, overlay, now_ms, traits, sender, Direction::from);
  }
  if (!t.recipient.empty()) add_match(out, t, snapshot, overlay, now_ms, traits, t.recipient, Direction::to);
  return out;
}

}  // namespace

std::string_view stage_of(const Transfer& t) noexcept {
  if (t.status == TransferStatus::retracted) return "retracted";
  if (t.deposit && t.deposit->credited) return "credited";
  return to_string(t.status);
}

std::string base_id(const Transfer& t, std::string_view listed_address, Direction d) {
  std::string key;
  key.reserve(160);
  put(key, "freezewatch-alert-v1");
  if (t.deposit) {
    put(key, "deposit");
    put(key, t.chain_name);
    put(key, t.deposit->deposit_id);
  } else {
    // Chain transfers: what moved, not where the chain logged it, so the
    // mempool sighting (no event index yet) and the block event share an id.
    put(key, "transfer");
    put(key, t.chain_name);
    put(key, t.tx_id);
    put(key, t.asset.contract);
    for (const std::string& s : t.senders) put(key, s);
    put(key, "->");
    put(key, t.recipient);
    put(key, t.amount.to_decimal(0));
    put(key, std::to_string(t.occurrence));
  }
  put(key, listed_address);
  put(key, to_string(d));
  address::Digest32 digest = address::sha256(key);
  return "fw_" + hex_encode(digest.data(), 16);
}

std::string alert_id(std::string_view base, std::string_view stage, std::uint32_t revision) {
  std::string id;
  id.reserve(base.size() + 1 + stage.size() + 4);
  id += base;
  id += '_';
  id += stage;
  if (revision != 0) {
    id += '_';
    id += std::to_string(revision);
  }
  return id;
}

std::string event_type(std::string_view stage) { return "transfer." + std::string(stage); }

std::string iso_ms(std::int64_t unix_ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds(unix_ms)};
  const auto day = floor<days>(tp);
  const year_month_day ymd{day};
  const hh_mm_ss<milliseconds> hms{tp - day};
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
  return buf;
}

ListTraits ListTraits::from(const config::WatchlistsConfig& cfg) {
  ListTraits t;
  for (const config::WatchlistFile& f : cfg.files) {
    if (f.remote) t.remote_lists.insert(f.name);
    if (f.follow) t.followed_lists.insert(f.name);
  }
  t.followed_incidents.insert(cfg.follow.incidents.begin(), cfg.follow.incidents.end());
  return t;
}

std::vector<Match> match(const Transfer& t, const watchlist::Snapshot& snapshot) {
  return match_layers(t, snapshot, nullptr, 0, nullptr);
}

std::vector<Match> match(const Transfer& t, const watchlist::Snapshot& snapshot, const watchlist::Overlay* overlay,
                         std::int64_t now_ms, const ListTraits* traits) {
  return match_layers(t, snapshot, overlay, now_ms, traits);
}

std::vector<Match> match_retro(const Transfer& t, const watchlist::Snapshot& snapshot,
                               const watchlist::Overlay* overlay, std::int64_t now_ms, const RetroScan& scan,
                               const ListTraits* traits) {
  std::vector<Match> out = match_layers(t, snapshot, overlay, now_ms, traits);
  if (!scan.addresses.empty())
    std::erase_if(out, [&](const Match& m) {
      return std::find(scan.addresses.begin(), scan.addresses.end(), m.listed_address) == scan.addresses.end();
    });
  const std::int64_t received_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(t.received_at.time_since_epoch()).count();
  for (Match& m : out) {
    m.retro = RetroInfo{std::string(stage_of(t)), std::max<std::int64_t>(0, scan.listed_at_ms - received_ms)};
    m.stage = "retro";
    m.alert_id = alert_id(m.base_id, m.stage);
  }
  return out;
}

}  // namespace fw::match
