// Per-chain address parsing and normalisation.
//
// Every address that enters freezewatch (watchlist files, API calls, decoded
// transfers, CLI lookups) goes through parse() so that two spellings of one
// address always compare equal as strings. Canonical forms (docs/watchlists.md):
//   stacks : upper-case c32check as re-encoded from (version, hash160);
//            contract principals "<address>.<name>" keep the name's case.
//   evm    : "0x" + 40 lower-case hex digits (display form: to_eip55()).
//   tron   : base58check "T..." of 0x41 || 20 bytes.
//   bitcoin: base58check P2PKH/P2SH as given (case-sensitive);
//            bech32/bech32m segwit addresses in lower case.
// Pure functions; thread-safe; no allocation beyond the result.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/chain.hpp"

namespace fw::address {

enum class Kind : std::uint8_t {
  stacks_standard,   // SP/SM/ST/SN
  stacks_contract,   // <standard>.<contract-name>
  evm,
  tron,
  bitcoin_p2pkh,
  bitcoin_p2sh,
  bitcoin_segwit,    // bech32 (v0) or bech32m (v1+)
};

struct Address {
  Chain chain = Chain::evm;
  Network network = Network::mainnet;
  Kind kind = Kind::evm;
  std::string canonical;
  // The hash the address commits to: hash160 for Stacks / Bitcoin base58,
  // the 20 account bytes for EVM / TRON, the witness program for segwit.
  std::vector<std::uint8_t> payload;
  std::uint8_t version = 0;  // c32 / base58 version byte, or segwit witness version
};

// Result of a parse: either an address or a human-readable reason
// ("bad checksum", "mixed case in bech32 address", ...).
struct ParseResult {
  std::optional<Address> address;
  std::string error;

  explicit operator bool() const noexcept { return address.has_value(); }
  const Address& operator*() const { return *address; }
  const Address* operator->() const { return &*address; }
};

// Parses `text` as an address of `chain`. Surrounding whitespace is an error
// (callers trim). TRON additionally accepts "41"+40 hex and "0x"+40 hex.
ParseResult parse(Chain chain, std::string_view text);

// Routes by syntax, for files that mix chains:
//   "0x"+40 hex -> evm; "T..." (34 chars) or "41"+40 hex -> tron;
//   "S"/"s" -> stacks; "bc1"/"tb1"/"bcrt1" (any case) or base58 1/3/m/n/2 -> bitcoin.
// The error names the chain it was routed to when that chain rejected it.
ParseResult parse_any(std::string_view text);

// Guesses the chain from syntax alone, without validating (same rules as parse_any).
std::optional<Chain> detect_chain(std::string_view text) noexcept;

// EIP-55 mixed-case rendering of 20 account bytes ("0x5aAeb6...").
std::string to_eip55(const std::uint8_t* bytes20);

}  // namespace fw::address
