// Alerts: a Match (plus the Transfer it came from) rendered as the exact JSON
// body a webhook receives, and the per-endpoint filters.
//
// The body follows Standard Webhooks' recommended shape
//   {"type":"transfer.<stage>","timestamp":"<ISO-8601 UTC ms>","data":{...}}
// with the fields documented in docs/alerts.md and checked by
// docs/schemas/alert.schema.json. Field order is fixed and numbers and
// strings are formatted deterministically, so equal inputs give equal bytes;
// no trailing newline. The body is rendered once and stored in the outbox:
// retries send the same bytes.
//
// Pure and thread-safe: the caller supplies `now`; nothing is read from a
// clock, logged or sent here (signing lives in delivery).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "alert/explorers.hpp"
#include "config/config.hpp"
#include "core/transfer.hpp"
#include "match/match.hpp"

namespace fw::alert {

// What the receiver should do:
//   "freeze_deposit"  a deposit FROM a listed address, not yet credited
//   "freeze_account"  a deposit FROM a listed address, already credited
//   "none"            the transfer was retracted (failed/cancelled deposit, reorg, dropped)
//   "review"          anything else: a deposit TO a listed address, any chain transfer
std::string_view recommended_action(const match::Match& m, const Transfer& t) noexcept;

// "12.5 USDT": the amount in display units and the asset symbol (just the
// number when the symbol is unknown).
std::string display_amount(const Transfer& t);

// A memo given as hex (Stacks: 34 bytes, NUL-padded) as text, when it is
// printable ASCII or UTF-8 once trailing NULs are cut; nullopt otherwise
// (empty, odd length, control characters, binary). Exchanges attribute
// deposits by memo, so alerts show it decoded beside the raw hex.
std::optional<std::string> memo_text(std::string_view memo_hex);

// "suspected" when every listing of the matched entry is an unapproved
// follow-the-money derivation (Match::suspected), else "listed".
std::string_view classification(const match::Match& m) noexcept;

// The alert body; `now` becomes "timestamp". Explorer links come from
// `explorers`; the 3-argument form uses the built-in templates.
std::string render(const match::Match& m, const Transfer& t, std::chrono::system_clock::time_point now,
                   const Explorers& explorers);
std::string render(const match::Match& m, const Transfer& t, std::chrono::system_clock::time_point now);

// Whether an endpoint with `filter` wants this alert. Every criterion that is
// set must hold: chains (the transfer's address family), assets (symbol,
// case-insensitive, or contract id; EVM hex contracts compare
// case-insensitively), min_amount (display units, exact decimal comparison,
// inclusive), direction, stages (the lifecycle stages the endpoint wants;
// "retro" selects retro-scan alerts) and suspected (false drops alerts whose
// Match::suspected is set).
bool passes(const config::WebhookFilter& filter, const match::Match& m, const Transfer& t);

}  // namespace fw::alert
