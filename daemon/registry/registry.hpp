// The durable live watchlist: API entries and follow-the-money derived
// entries, kept in SQLite (<storage.dir>/watchlist.db) with an audit log, and
// published as a watchlist::Overlay after every change.
//
// CONTRACT
//  - Every change (add, add_derived, remove, approve, dismiss, expire) is one
//    SQLite transaction: the entries AND their audit rows commit together or
//    not at all. Only after the commit is the in-memory set changed and a new
//    Overlay published on the OverlayHolder given to open(), before the call
//    returns: a matcher reading the holder afterwards sees the change.
//  - A failed transaction (disk full, I/O error, ...) is rolled back; the
//    call returns ok = false with the SQLite message and nothing changes,
//    neither on disk nor in the overlay. No call throws for SQLite errors.
//  - Keys: one entry per (address, kind, incident). add() of an existing key
//    updates it (label, source, severity, notes, expires_at, follow), keeping
//    its first added_at/added_by; the audit row says "update".
//  - Derived entries: add_derived() keeps, per key, the entry with the fewest
//    hops (a derivation with as many or more hops is ignored), and never
//    re-adds an address that was dismissed (dismiss() remembers it).
//    approve() clears the entry's expiry (follow.expire_after_hours applies
//    to unapproved entries); approval survives a shorter re-derivation.
//  - Expiry: expired entries stay in the overlay (LiveEntry::expired() tells
//    the matcher to ignore them) until expire(now) deletes them with an
//    "expire" audit row; the app calls expire() periodically.
//  - Audit actions: add, update, remove (api entries), derive, rederive
//    (fewer hops), approve, dismiss (derived entries), expire (either).
//    `detail` is a JSON object with the entry's fields after the change
//    (before, for remove/dismiss/expire).
//
// FILE
//  WAL journal; synchronous NORMAL (a committed change survives a process
//  crash) or FULL (also a power loss). application_id 'FWRG', user_version =
//  schema version (kSchemaVersion); a newer schema refuses to open.
//
// THREADS
//  Not thread-safe: every call from one thread (the io thread). Readers on
//  other threads use the OverlayHolder, which is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "watchlist/overlay.hpp"

namespace fw::registry {

inline constexpr std::int64_t kSchemaVersion = 1;
inline constexpr const char* kFollowTheMoney = "follow-the-money";  // who / source of derived entries

using watchlist::LiveEntry;

struct AddResult {
  bool ok = true;
  std::string error;
  std::size_t added = 0;    // keys that did not exist
  std::size_t updated = 0;  // keys that existed and changed (add: always counted)
  std::size_t ignored = 0;  // add_derived: not better than what is there, or dismissed
  // Canonical addresses that had no unexpired live entry before this call,
  // in first-seen order, each once: what a retro-scan should look for.
  std::vector<std::string> new_addresses;
};

struct CountResult {
  bool ok = true;
  std::string error;
  std::size_t count = 0;  // entries removed / approved / dismissed (0: none matched)
};

struct ExpireResult {
  bool ok = true;
  std::string error;
  std::vector<LiveEntry> removed;
};

struct ListQuery {
  std::optional<std::string> incident;       // exact match ("" = entries without incident)
  std::optional<LiveEntry::Kind> kind;
  std::size_t limit = 100;                   // entries per page (see ListPage)
  std::string after;                         // cursor: only addresses > after (bytewise)
};

struct ListPage {
  // In (address, kind, incident) order. A page never splits the entries of
  // one address, so it may hold a few more than `limit` entries.
  std::vector<LiveEntry> entries;
  std::string next;  // cursor for the next page; "" when this is the last
};

struct AuditRecord {
  std::int64_t seq = 0;
  std::int64_t at_ms = 0;
  std::string who;
  std::string action;
  std::string address;
  std::string chain;
  std::string incident;
  std::string detail;  // JSON object text
  std::string peer;    // "127.0.0.1:51234"; "" for internal changes
};

struct AuditResult {
  bool ok = true;
  std::string error;
  std::vector<AuditRecord> records;
};

struct Stats {
  std::size_t api_entries = 0;
  std::size_t derived_entries = 0;
  std::size_t derived_approved = 0;
  std::size_t expired_waiting = 0;     // expired by the wall clock now, not yet deleted by expire()
  std::uint64_t transactions = 0;      // committed changes
  std::uint64_t failed_transactions = 0;
  std::uint64_t publishes = 0;
  std::int64_t last_publish_us = 0;    // rebuilding + publishing the last overlay
  std::int64_t last_commit_us = 0;     // the last committed transaction
};

class Registry {
 public:
  // Opens (creating if missing, with its folder) the database at `path`,
  // loads every entry and publishes the first Overlay on `holder`, which must
  // outlive the Registry. nullptr + `error` when the file cannot be opened,
  // is not a registry, has a newer schema, or holds an unreadable row.
  static std::unique_ptr<Registry> open(const std::string& path, bool sync_full, watchlist::OverlayHolder& holder,
                                        std::string& error);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // API entries (kind is forced to api; added_by = who, added_at_ms = now_ms
  // for new keys). Duplicate keys in one batch: the last wins. One
  // transaction for the whole batch.
  AddResult add(std::vector<LiveEntry> entries, const std::string& who, const std::string& peer,
                std::int64_t now_ms);
  // Derived entries (kind forced to derived, added_by = "follow-the-money";
  // source defaults to it). See the contract for the hops rule.
  AddResult add_derived(std::vector<LiveEntry> entries, std::int64_t now_ms);

  // Deletes the api entries of `address` (canonical), of one incident or all.
  CountResult remove(std::string_view address, const std::optional<std::string>& incident, const std::string& who,
                     const std::string& peer, std::int64_t now_ms);
  // Derived entries of `address`: approved (count = derived entries found,
  // already-approved ones included; idempotent) or deleted and remembered
  // as dismissed.
  CountResult approve(std::string_view address, const std::string& who, const std::string& peer,
                      std::int64_t now_ms);
  CountResult dismiss(std::string_view address, const std::string& who, const std::string& peer,
                      std::int64_t now_ms);
  // Deletes every entry with expires_at_ms <= now_ms.
  ExpireResult expire(std::int64_t now_ms);

  // Reads (from memory; no SQLite).
  std::vector<LiveEntry> get(std::string_view address) const;
  ListPage list(const ListQuery& query) const;
  std::shared_ptr<const watchlist::Overlay> overlay() const;
  // Audit rows with seq > since_seq, oldest first, at most `limit`.
  AuditResult audit_log(std::int64_t since_seq, std::size_t limit) const;
  Stats stats() const;
  const std::string& path() const noexcept;

  // Called after a committed add()/add_derived() that made addresses live
  // (AddResult::new_addresses non-empty), on the calling thread, after the
  // overlay was published. The app wires retro-scan here.
  using OnAdded = std::function<void(const std::vector<std::string>& new_addresses, LiveEntry::Kind kind)>;
  void set_on_added(OnAdded callback);

 private:
  struct Impl;
  explicit Registry(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace fw::registry
