#include "match/match.hpp"

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

ListedEntry copy_entry(const watchlist::Entry& e) {
  ListedEntry out;
  out.address.assign(e.address);
  out.chain = e.chain;
  out.provenance.reserve(e.provenance.size());
  for (const watchlist::Provenance& p : e.provenance) {
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
    out.provenance.push_back(std::move(l));
  }
  return out;
}

void add_match(std::vector<Match>& out, const Transfer& t, const watchlist::Snapshot& s, const watchlist::Entry& e,
               const std::string& address, Direction d) {
  for (const Match& m : out)
    if (m.direction == d && m.listed_address == address) return;  // a sender repeated in the list
  Match m;
  m.direction = d;
  m.listed_address = address;
  m.entry = copy_entry(e);
  m.watchlist_version = s.version();
  m.base_id = base_id(t, address, d);
  m.stage.assign(stage_of(t));
  m.alert_id = alert_id(m.base_id, m.stage, t.revision);
  out.push_back(std::move(m));
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

std::vector<Match> match(const Transfer& t, const watchlist::Snapshot& snapshot) {
  std::vector<Match> out;
  for (const std::string& sender : t.senders) {
    if (sender.empty()) continue;
    const watchlist::Entry* e = snapshot.find(sender);
    if (e && e->chain == t.chain) add_match(out, t, snapshot, *e, sender, Direction::from);
  }
  if (!t.recipient.empty()) {
    const watchlist::Entry* e = snapshot.find(t.recipient);
    if (e && e->chain == t.chain) add_match(out, t, snapshot, *e, t.recipient, Direction::to);
  }
  return out;
}

}  // namespace fw::match
