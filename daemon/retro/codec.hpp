// How the retro index stores a Transfer: a compact self-made binary blob,
// the transfer's identity key, and the hash of an address for the address
// table. Pure functions; internal to fw_retro but public so they are tested.
//
// BLOB (version 1): a version byte, then the fields of fw::Transfer in
// declaration order. Integers are LEB128 varints (signed ones zigzag), strings
// a varint header (length << 2 | kind) and the bytes; kind 1 is "0x" + an even
// number of lower-case hex digits and kind 2 the same without "0x", both
// stored as raw bytes (EVM addresses, tx ids and block hashes take half the
// room). Optional fields have a presence bit in a flags byte. The amount is
// its decimal string. received_at keeps nanoseconds.
//
// KEY: 16 bytes identifying "the same transfer seen again" (as match::base_id
// does, minus the listed address): deposits by chain_name + deposit_id; chain
// transfers by chain_name, tx_id, asset contract, senders, recipient, amount
// and occurrence. Status, revision, block data and times are NOT in the key,
// so a later sighting replaces the stored one.
//
// ADDRESS HASH: 64 bits of a canonical address. The index looks rows up by
// it and the scan compares the decoded addresses, so a collision only costs
// one extra row read.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/transfer.hpp"

namespace fw::retro {

inline constexpr std::uint8_t kBlobVersion = 1;

// Appends the encoding of `t` to `out` (cleared first).
void encode(const Transfer& t, std::string& out);
// Fills `t` from `blob`; false (t unspecified) if the blob is truncated,
// malformed or of an unknown version.
bool decode(std::string_view blob, Transfer& t);

using Key = std::array<std::uint8_t, 16>;
Key identity_key(const Transfer& t);

std::int64_t address_hash(std::string_view canonical_address) noexcept;

// 64-bit hash of `data` with `seed`; stable across runs and builds (it is
// stored on disk). Not cryptographic.
std::uint64_t hash64(std::string_view data, std::uint64_t seed) noexcept;

}  // namespace fw::retro
