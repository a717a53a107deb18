// Matching a transfer against the watchlist, and the ids of the alerts it
// produces (docs/alerts.md, "Ids").
//
// match() looks every sender up (direction `from`) and the recipient
// (direction `to`) in a watchlist snapshot by canonical address: one hash
// lookup each, no parsing (decoders already normalised the addresses). A
// transfer whose sender and recipient are both listed yields two matches.
//
// Ids are deterministic, so the same transfer seen twice (reconnect, replay,
// another instance, after a restart) gets the same id:
//   base_id  = "fw_" + first 32 hex digits of SHA-256 over the canonical key
//              (deposits: chain name, deposit_id, listed address, direction;
//               chain transfers: chain name, tx_id, asset contract, senders,
//               recipient, amount, occurrence, listed address, direction)
//              -- a deposit's status updates share it, and so do the
//              mempool and block sightings of one chain transfer;
//   stage    = "pending" | "confirmed" | "credited" | "final" | "retracted";
//   alert_id = base_id + "_" + stage (the webhook-id; no '.' allowed there),
//              + "_" + revision when the transfer was confirmed again after a
//              retraction (Transfer::revision > 0);
//   type     = "transfer." + stage.
//
// A Match owns copies of everything it reports, so it outlives the snapshot
// it came from. Pure and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/chain.hpp"
#include "core/transfer.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::match {

enum class Direction : std::uint8_t {
  from,  // a sender is listed: funds come from a listed address
  to,    // the recipient is listed
};

constexpr const char* to_string(Direction d) noexcept { return d == Direction::from ? "from" : "to"; }

// An owned copy of one watchlist::Provenance.
struct Listing {
  std::string list;
  std::string file;
  std::uint32_t line = 0;
  std::string label;
  std::string incident;
  std::string source;
  std::string severity;
  std::string added_at;
  std::string notes;
};

// An owned copy of the watchlist::Entry that matched.
struct ListedEntry {
  std::string address;  // canonical
  Chain chain = Chain::evm;
  std::vector<Listing> provenance;  // at least one, in load order
};

struct Match {
  Direction direction = Direction::from;
  std::string listed_address;     // canonical; the sender or recipient that is listed
  ListedEntry entry;
  std::string watchlist_version;  // Snapshot::version() of the snapshot that matched
  std::string base_id;            // "fw_" + 32 hex
  std::string alert_id;           // base_id + "_" + stage
  std::string stage;              // "pending", "confirmed", "credited", "final", "retracted"
};

// Every listed sender (once each) and the listed recipient, senders first in
// transfer order. Empty (and allocation-free) when nothing is listed.
std::vector<Match> match(const Transfer& t, const watchlist::Snapshot& snapshot);

// The lifecycle stage of a transfer: "retracted" if retracted; "credited" for
// a credited deposit; otherwise to_string(status).
std::string_view stage_of(const Transfer& t) noexcept;

// "fw_" + 32 hex digits; see the file comment and docs/alerts.md.
std::string base_id(const Transfer& t, std::string_view listed_address, Direction d);
std::string alert_id(std::string_view base_id, std::string_view stage, std::uint32_t revision = 0);
// "transfer." + stage: the alert's `type` and the outbox event type.
std::string event_type(std::string_view stage);

}  // namespace fw::match
