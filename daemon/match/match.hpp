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
//   stage    = "pending" | "confirmed" | "credited" | "final" | "retracted"
//              (| "retro" for match_retro);
//   alert_id = base_id + "_" + stage (the webhook-id; no '.' allowed there),
//              + "_" + revision when the transfer was confirmed again after a
//              retraction (Transfer::revision > 0);
//   type     = "transfer." + stage.
//
// Two layers are consulted: the file snapshot (file and remote lists) and,
// when given, the live overlay (API entries and follow-the-money derived
// entries; docs/follow-the-money.md). A live entry whose expires_at has
// passed (at `now_ms`) never matches. One Match carries every listing of the
// address from both layers: file listings first (load order), then live ones
// (overlay order). The ids do not depend on which layer listed the address.
//
// Retro-scan (match_retro): a transfer stored before its address was listed
// is matched again with stage "retro": alert_id = base_id + "_retro",
// type "transfer.retro"; the base_id is the one the transfer would have had.
//
// A Match owns copies of everything it reports, so it outlives the snapshot
// and overlay it came from. Pure and thread-safe: the caller passes the time.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/chain.hpp"
#include "core/transfer.hpp"
#include "config/config.hpp"
#include "watchlist/overlay.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::match {

enum class Direction : std::uint8_t {
  from,  // a sender is listed: funds come from a listed address
  to,    // the recipient is listed
};

constexpr const char* to_string(Direction d) noexcept { return d == Direction::from ? "from" : "to"; }

// An owned copy of one listing of the address: a watchlist::Provenance (file
// or remote list) or a watchlist::LiveEntry (API or derived).
struct Listing {
  std::string list;        // list name; "" for live entries
  std::string file;        // file path as configured; "" for live entries
  std::uint32_t line = 0;  // 0 for live entries
  std::string label;
  std::string incident;
  std::string source;
  std::string severity;
  std::string added_at;    // as in the file; live entries: ISO-8601 UTC ms
  std::string notes;

  std::string kind = "file";  // "file" | "remote" | "api" | "derived"
  std::string added_by;       // live entries: token name or "follow-the-money"; else ""
  std::string expires_at;     // live entries with an expiry: ISO-8601 UTC ms; else ""
  bool follow = false;        // recipients of this entry's transfers become derived entries
                              // (file: list follow flag or followed incident, when ListTraits given;
                              //  api: the entry's flag); derived entries follow by hop count instead
  // derived only
  std::uint32_t hops = 0;
  std::string seed;
  std::vector<watchlist::PathStep> path;  // seed -> ... -> listed address
  bool approved = false;
  std::string approved_by;

  bool suspected() const noexcept { return kind == "derived" && !approved; }
};

// What match() knows about configured lists beyond the snapshot: which lists
// are remote (Listing::kind "remote") and which listings are followed
// (Listing::follow). Build it once per config.
struct ListTraits {
  std::set<std::string, std::less<>> remote_lists;
  std::set<std::string, std::less<>> followed_lists;      // watchlists.files[].follow
  std::set<std::string, std::less<>> followed_incidents;  // watchlists.follow.incidents
  static ListTraits from(const config::WatchlistsConfig& cfg);
};

// An owned copy of the watchlist::Entry that matched.
struct ListedEntry {
  std::string address;  // canonical
  Chain chain = Chain::evm;
  std::vector<Listing> provenance;  // at least one, in load order
};

// data.retro of a retro alert.
struct RetroInfo {
  std::string transfer_stage;        // stage_of(t) when the transfer was stored
  std::int64_t listed_after_ms = 0;  // listing time - received_at (>= 0)
};

struct Match {
  Direction direction = Direction::from;
  std::string listed_address;     // canonical; the sender or recipient that is listed
  ListedEntry entry;
  std::string watchlist_version;  // Snapshot::version() of the snapshot that matched
  std::string base_id;            // "fw_" + 32 hex
  std::string alert_id;           // base_id + "_" + stage
  std::string stage;              // "pending", "confirmed", "credited", "final", "retracted", "retro"
  // Every listing of the entry is a derived, unapproved follow-the-money
  // entry: alert classification "suspected" rather than "listed".
  bool suspected = false;
  std::optional<RetroInfo> retro;  // set for stage "retro"
};

// Every listed sender (once each) and the listed recipient, senders first in
// transfer order. Empty (and allocation-free) when nothing is listed.
std::vector<Match> match(const Transfer& t, const watchlist::Snapshot& snapshot);
// Both layers: `overlay` may be null (file lists only); live entries expired
// at `now_ms` (unix ms) are skipped. `traits` (may be null) sets
// Listing::kind "remote" and Listing::follow for file listings.
std::vector<Match> match(const Transfer& t, const watchlist::Snapshot& snapshot, const watchlist::Overlay* overlay,
                         std::int64_t now_ms, const ListTraits* traits = nullptr);

// A retro-scan of a stored transfer after addresses were listed.
struct RetroScan {
  std::int64_t listed_at_ms = 0;       // when the addresses were listed (unix ms)
  std::vector<std::string> addresses;  // only matches of these canonical addresses; empty = every listed one
};
// As match(), but every Match has stage "retro", alert_id base_id + "_retro"
// (no revision suffix) and `retro` set (transfer_stage = stage_of(t)).
std::vector<Match> match_retro(const Transfer& t, const watchlist::Snapshot& snapshot,
                               const watchlist::Overlay* overlay, std::int64_t now_ms, const RetroScan& scan,
                               const ListTraits* traits = nullptr);

// The lifecycle stage of a transfer: "retracted" if retracted; "credited" for
// a credited deposit; otherwise to_string(status).
std::string_view stage_of(const Transfer& t) noexcept;

// "fw_" + 32 hex digits; see the file comment and docs/alerts.md.
std::string base_id(const Transfer& t, std::string_view listed_address, Direction d);
std::string alert_id(std::string_view base_id, std::string_view stage, std::uint32_t revision = 0);
// "2024-05-14T10:00:00.123Z" for unix ms (the form live listings use).
std::string iso_ms(std::int64_t unix_ms);
// "transfer." + stage: the alert's `type` and the outbox event type
// ("transfer.retro" for retro matches).
std::string event_type(std::string_view stage);

}  // namespace fw::match
