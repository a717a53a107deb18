// Raw Stacks transactions (SIP-005 wire format) -> StacksTx.
//
// Layout (all integers big-endian):
//   u8 version (0x00 mainnet, 0x80 testnet) | u32 chain id
//   authorization: u8 0x04 standard | 0x05 sponsored, then one spending
//     condition (two when sponsored: origin, sponsor):
//       u8 hash mode | [20] signer hash160 | u64 nonce | u64 fee
//       single-sig (0x00 P2PKH, 0x02 P2WPKH): u8 key encoding | [65] signature
//       multisig (0x01, 0x03, 0x05, 0x07): u32 n | n auth fields | u16 signatures required
//   u8 anchor mode | u8 post-condition mode | u32 n | n post conditions
//   payload: u8 type, then
//     0x00 token transfer: principal (Clarity 0x05/0x06) | u64 amount | [34] memo
//     0x01 smart contract: name | u32 len code
//     0x02 contract call: version + hash160 | name | function name | u32 n | n Clarity values
//     0x03 poison microblock (2 x 132-byte headers) | 0x04 coinbase ([32])
//     0x05 coinbase to alt recipient ([32] + principal) | 0x06 versioned smart contract
//     0x07 tenure change (117 bytes) | 0x08 Nakamoto coinbase ([32] + optional principal + [80])
// txid = "0x" + hex(SHA-512/256(raw bytes)). The sender address is
// c32(version, signer): P2PKH -> SP (mainnet) / ST (testnet); every other
// hash mode -> SM / SN (as stacks.js addressHashModeToVersion).
//
// Every read is bounds-checked; the whole input must be consumed. Errors
// (reason bad_tx, also for a bad Clarity argument) name the byte offset and
// what was expected.
// Pure, thread-safe, never reads outside the input.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/chain.hpp"
#include "decode/stacks/clarity.hpp"
#include "decode/stacks/error.hpp"

namespace fw::decode::stacks {

enum class PayloadType : std::uint8_t {
  token_transfer = 0x00,
  smart_contract = 0x01,
  contract_call = 0x02,
  poison_microblock = 0x03,
  coinbase = 0x04,
  coinbase_to_alt_recipient = 0x05,
  versioned_smart_contract = 0x06,
  tenure_change = 0x07,
  nakamoto_coinbase = 0x08,
};

// "token_transfer", "contract_call", ... (static storage).
const char* to_string(PayloadType t) noexcept;

struct SpendingCondition {
  std::uint8_t hash_mode = 0;
  std::array<std::uint8_t, 20> signer{};
  std::string address;  // canonical c32 ("SP...", "SM...", "ST...", "SN...")
  std::uint64_t nonce = 0;
  std::uint64_t fee = 0;  // micro-STX
};

struct TokenTransferPayload {
  std::string recipient;  // canonical principal: "SP..." or "SP....contract-name"
  std::uint64_t amount = 0;  // micro-STX
  std::array<std::uint8_t, 34> memo{};
};

struct ContractCallPayload {
  std::string contract;  // "SP....contract-name"
  std::string function_name;
  std::vector<ClarityValue> args;
  // false when the arguments were valid but more than ClarityLimits::max_values
  // values: they were checked and skipped, `args` is empty.
  bool args_complete = true;
};

struct StacksTx {
  std::string txid;  // "0x" + 64 lower-case hex
  std::uint8_t version = 0;
  std::uint32_t chain_id = 0;
  Network network = Network::mainnet;  // from `version`
  SpendingCondition origin;
  std::optional<SpendingCondition> sponsor;
  std::uint8_t anchor_mode = 0;
  std::uint8_t post_condition_mode = 0;
  std::uint32_t post_condition_count = 0;
  PayloadType payload_type = PayloadType::coinbase;
  std::optional<TokenTransferPayload> token_transfer;  // payload_type == token_transfer
  std::optional<ContractCallPayload> contract_call;    // payload_type == contract_call
  std::string deployed_contract;  // smart_contract / versioned_smart_contract: "<origin>.<name>"

  const std::string& sender() const noexcept { return origin.address; }
};

// Raw transactions larger than this are refused (the node's own limit is
// far lower; this only bounds work on garbage).
inline constexpr std::size_t max_tx_bytes = 4 * 1024 * 1024;

Decoded<StacksTx> decode_transaction(std::span<const std::uint8_t> raw, const ClarityLimits& limits = {});
// Hex text with or without "0x" (as in /new_mempool_tx bodies and raw_tx fields).
Decoded<StacksTx> decode_transaction_hex(std::string_view hex, const ClarityLimits& limits = {});

// "0x" + hex(SHA-512/256(raw)).
std::string txid_of(std::span<const std::uint8_t> raw);

}  // namespace fw::decode::stacks
