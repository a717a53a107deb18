// Follow the money (docs/follow-the-money.md): when a followed listed
// address sends funds, the recipient becomes a derived watchlist entry
// ("suspected" until an investigator approves it), up to a maximum hop
// count from the seed, above a minimum amount per asset, never for excluded
// addresses (exchanges, bridges, DEX pools, contracts).
//
// Rules holds the configuration (config::FollowConfig, the followed list
// names, the parsed exclusions); derive() looks at one matched transfer and
// returns the derived entries to add. Adding them (SQLite, audit, overlay
// publish) is the registry's job; the caller does it before matching the
// next transfer, so a chain of transfers inside one batch is followed hop by
// hop.
//
// Which listings are followed (seeds and intermediate hops):
//   file/remote listing: its list has follow: true, or its incident is in
//                        watchlists.follow.incidents            -> hop 0
//   api entry:           added with follow: true, or its incident is in
//                        watchlists.follow.incidents            -> hop 0
//   derived entry:       any, while its hops < max_hops         -> its hops
// A transfer is followed only when: the match is direction "from"; the
// transfer is on chain and confirmed or final (pending/mempool sightings and
// retracted transfers are not; deposit-feed transfers never are: their
// recipient is the exchange's own deposit address); the amount reaches the
// asset's minimum. The recipient is skipped when it is a sender of the same
// transfer, excluded, already listed (file snapshot or live API entry), or
// already derived with as few hops or fewer. The expired live entries are
// ignored everywhere.
//
// Pure: no I/O except read_exclude_files(); no clock (the caller passes
// now_ms); thread-safe after construction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "core/amount.hpp"
#include "core/transfer.hpp"
#include "match/match.hpp"
#include "watchlist/overlay.hpp"
#include "watchlist/watchlist.hpp"

namespace fw::follow {

inline constexpr std::string_view derived_source = "follow-the-money";  // LiveEntry::source and added_by

// Addresses read from exclusion text, canonical, and the lines that could
// not be parsed ("<origin>:<line>: '<value>': <reason>").
struct Exclusions {
  std::vector<std::string> addresses;
  std::vector<std::string> errors;
};

// One address per line in any spelling (address::parse_any); surrounding
// whitespace trimmed; empty lines and lines starting with '#' skipped; a
// '#' after the address starts a comment.
Exclusions parse_exclusions(std::string_view text, std::string_view origin);

// Reads every cfg.exclude_files entry (relative paths resolve against
// base_dir) with parse_exclusions(); an unreadable file is an error.
Exclusions read_exclude_files(const config::FollowConfig& cfg, const std::string& base_dir);

// Names of the lists configured with follow: true.
std::set<std::string, std::less<>> followed_lists(const config::WatchlistsConfig& cfg);

// `decimal` (display units, "1000" or "0.5") in base units with `decimals`,
// rounded UP when it has more fraction digits than the asset: amount >=
// result  <=>  amount (exactly) >= decimal. nullopt when not a plain
// non-negative decimal or too large for 256 bits.
std::optional<Amount> min_base_units(std::string_view decimal, unsigned decimals);

class Rules {
 public:
  // Exclusions: cfg.exclude plus `more_exclusions` (already canonical, e.g.
  // read_exclude_files().addresses). Bad values are reported by errors(),
  // and are otherwise ignored.
  Rules(const config::FollowConfig& cfg, std::set<std::string, std::less<>> followed_lists,
        const std::vector<std::string>& more_exclusions = {});
  // From the whole watchlists config: followed lists, exclude and
  // exclude_files (read now, relative to base_dir).
  static Rules from_config(const config::WatchlistsConfig& cfg, const std::string& base_dir);

  // "watchlists.follow.exclude[1]: '0xzz': evm address: ...",
  // "watchlists.follow.min_amount.USDT: '1,5': not a plain decimal", and
  // exclusion-file errors. Empty when the configuration is sound.
  const std::vector<std::string>& errors() const noexcept { return errors_; }

  bool excluded(std::string_view canonical) const;
  // The min_amount key that applies to `asset`: its contract id (EVM hex in
  // any case), else its symbol (any case), else "*"; nullopt = not followed.
  std::optional<std::string> min_amount_key(const Asset& asset) const;
  // Whether the transfer's amount reaches the minimum for its asset.
  bool enough(const Transfer& t) const;
  // The hop count a listing has as a seed, or nullopt when not followed.
  std::optional<std::uint32_t> seed_hops(const match::Listing& l) const;

  // The derived entries `t` produces, given its matches (match::match over
  // the same snapshot and overlay, at the same now_ms). At most one per
  // recipient; empty when nothing is followed.
  std::vector<watchlist::LiveEntry> derive(const Transfer& t, const std::vector<match::Match>& matches,
                                           const watchlist::Snapshot& snapshot, const watchlist::Overlay& overlay,
                                           std::int64_t now_ms) const;

  std::uint32_t max_hops() const noexcept { return cfg_.max_hops; }

 private:
  config::FollowConfig cfg_;
  std::set<std::string, std::less<>> followed_lists_;
  std::set<std::string, std::less<>> followed_incidents_;
  std::set<std::string, std::less<>> excluded_;
  std::vector<std::string> errors_;
};

}  // namespace fw::follow
