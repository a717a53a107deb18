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
// The error names the chain it was routed to when that chain rejected it
// ("tron address: bad checksum"); text matching no rule gives
// "unrecognised address syntax". Routing looks at prefixes only, so a
// damaged address still reaches its chain and gets a specific reason:
// "0x"/"0X" + anything -> evm, "T" + anything -> tron, except that
// "TB1..." of other than 34 characters is upper-case testnet bech32.
ParseResult parse_any(std::string_view text);

// Guesses the chain from syntax alone, without validating (same rules as parse_any).
std::optional<Chain> detect_chain(std::string_view text) noexcept;

// EIP-55 mixed-case rendering of 20 account bytes ("0x5aAeb6...").
std::string to_eip55(const std::uint8_t* bytes20);

// Hot-path form of parse(): fills `out` in place, reusing the capacity of
// out.canonical and out.payload, so a caller that keeps one Address per
// thread parses valid addresses without allocating here (the OpenSSL
// checksum digests for c32/base58 still allocate internally; EVM and bech32
// hash nothing through OpenSSL). Returns false and sets `error` on failure,
// leaving `out` unspecified.
bool parse_into(Chain chain, std::string_view text, Address& out, std::string& error);

// Version bytes.
inline constexpr std::uint8_t stacks_mainnet_p2pkh = 22;  // SP
inline constexpr std::uint8_t stacks_mainnet_p2sh = 20;   // SM
inline constexpr std::uint8_t stacks_testnet_p2pkh = 26;  // ST
inline constexpr std::uint8_t stacks_testnet_p2sh = 21;   // SN
inline constexpr std::uint8_t bitcoin_mainnet_p2pkh = 0;    // 1...
inline constexpr std::uint8_t bitcoin_mainnet_p2sh = 5;     // 3...
inline constexpr std::uint8_t bitcoin_testnet_p2pkh = 111;  // m... / n...
inline constexpr std::uint8_t bitcoin_testnet_p2sh = 196;   // 2...
inline constexpr std::uint8_t tron_version = 0x41;

// The same key hash spelled for another chain ("twins"): one hash160 is both
// a Stacks and a Bitcoin address (SP <-> 1, SM <-> 3, ST <-> m/n, SN <-> 2,
// as c32check's c32ToB58 maps them); 20 account bytes are both an EVM and a
// TRON address. These encode without validating the version.
std::optional<std::uint8_t> bitcoin_version_for_stacks(std::uint8_t stacks_version) noexcept;
std::optional<std::uint8_t> stacks_version_for_bitcoin(std::uint8_t bitcoin_version) noexcept;

// "S" + c32check(version, hash160). version must be < 32 (returns "" otherwise).
std::string stacks_address(std::uint8_t version, const std::uint8_t* hash160);
// base58check(0x41 || bytes20): "T...".
std::string tron_address(const std::uint8_t* bytes20);
// The same, appended to `out` (no allocation when it has room).
void append_tron_address(const std::uint8_t* bytes20, std::string& out);
// The 25 bytes (version, payload, checksum) of 34 base58 characters, WITHOUT
// checking the checksum or the version; false when they do not decode to
// exactly 25 bytes. For text already known to be a canonical TRON address.
bool tron_bytes(std::string_view base58_34, std::uint8_t out[25]) noexcept;
// base58check(version || hash160): "1..." for 0, "3..." for 5, ...
std::string bitcoin_base58_address(std::uint8_t version, const std::uint8_t* hash160);
// "0x" + 40 lower-case hex digits (the canonical EVM form).
std::string evm_address(const std::uint8_t* bytes20);

}  // namespace fw::address
