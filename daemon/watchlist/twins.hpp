// Cross-chain key twins (docs/watchlists.md, "Twins"): one key controls an
// address on several chains, so a listed address implies its twins.
//
//   evm_tron (on by default)   an EVM address and the TRON address of the
//                              same 20 account bytes: 0x<hex> <-> base58check(0x41 || bytes).
//   stacks_bitcoin (off)       a Stacks standard address and the Bitcoin
//                              base58 address of the same hash160, versions
//                              SP 22 <-> 1 (0), SM 20 <-> 3 (5), ST 26 <-> m/n (111),
//                              SN 21 <-> 2 (196), as c32check's c32ToB58 maps them.
// Stacks contract principals and segwit (bech32) addresses have no twin.
//
// When a list loads, Builder::build() adds the twin of every entry as a
// DERIVED entry (Builder::set_twins): its provenance records copy the
// original's (file, line, list, label, incident, source, severity,
// added_at), and each record's notes say "derived from <original> (same
// key)", followed by "; <original notes>" when there were any. A twin that
// is itself listed keeps its own entry and provenance untouched (an explicit
// entry is never overridden), and twins are only derived from listed
// entries, never from other twins.
//
// Pure; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "address/address.hpp"
#include "config/config.hpp"

namespace fw::watchlist {

// The twin of `a` enabled by `twins` (canonical, with chain, network, kind,
// payload and version set), or nullopt.
std::optional<address::Address> twin_of(const address::Address& a, const config::TwinsConfig& twins);
// Same from a chain and a canonical address (parsed first; nullopt when it
// does not parse). `scratch` is reused between calls to save allocations.
std::optional<address::Address> twin_of(Chain chain, std::string_view canonical, const config::TwinsConfig& twins,
                                        address::Address& scratch);

// The notes of a derived provenance record.
std::string derived_notes(std::string_view original_address, std::string_view original_notes);

// True when `notes` is the notes of a derived record (starts "derived from ").
bool is_derived(std::string_view notes) noexcept;

namespace detail {

// Loader fast paths (same results as the general functions, without their
// error texts, allocations and re-parsing, on the EVM <-> TRON pair that
// ten-million-row lists are made of):
//
// The canonical twin of a CANONICAL address (as stored in a snapshot) into
// `out`, with its chain; false when it has none. EVM <-> TRON is computed
// directly from the text (address::append_tron_address, tron_bytes); other
// chains go through twin_of().
bool twin_text(Chain chain, std::string_view canonical, const config::TwinsConfig& twins, address::Address& scratch,
               std::string& out, Chain& out_chain);
// The EVM <-> TRON part of twin_text() (whatever the settings): false for
// other chains.
bool evm_tron_twin_text(Chain chain, std::string_view canonical, std::string& out, Chain& out_chain);

// Parses a base58 TRON address ("T...", 34 characters) when it is valid,
// filling `out` exactly as address::parse_into(Chain::tron, ...) would;
// false for anything else (the caller then uses parse_into for the reason).
bool parse_tron_base58(std::string_view text, address::Address& out);

}  // namespace detail


}  // namespace fw::watchlist
