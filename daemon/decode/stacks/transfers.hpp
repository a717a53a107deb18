// From decoded Stacks data to canonical Transfers, shared by the node
// (ObserverDecoder) and Hiro API (HiroDecoder) decoders.
//
// Pending transfers from a transaction's intent (mempool):
//   * STX token-transfer payload: sender = tx origin, recipient, amount,
//     memo = 34 memo bytes as hex without "0x" (as the node's
//     stx_transfer_event sends it), asset STX.
//   * SIP-010 `transfer` contract-call, args (amount uint) (sender principal)
//     (recipient principal) [(memo (optional (buff 34)))]: sender/recipient/
//     amount from the args (the token holder, as the block's
//     ft_transfer_event names it), memo = the buffer as hex or "".
//     Asset: the registry's token of that contract when it knows one;
//     otherwise "<contract principal>::?" with no symbol and 0 decimals. "?"
//     is not a valid Clarity asset name, so this never collides with a real
//     asset; the asset name is unknowable from the call (it lives in the
//     contract's define-fungible-token), and the block's ft_transfer_event
//     later names it exactly.
// A contract-call states intent, not effect: only block events prove movement.
// event_index is 0 and occurrence 0 (one transfer per transaction).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/transfer.hpp"
#include "decode/stacks/clarity.hpp"
#include "decode/stacks/sip005.hpp"
#include "decode/stacks/tokens.hpp"

namespace fw::decode::stacks {

std::vector<Transfer> to_pending_transfers(const StacksTx& tx, const TokenRegistry& tokens, Network network,
                                           std::string_view source, std::string_view chain_name);

struct Sip010Transfer {
  Amount amount;
  std::string sender;     // canonical principal
  std::string recipient;  // canonical principal
  std::string memo_hex;   // without "0x"; "" when none
};

// The SIP-010 transfer in a call, or nullopt when `function_name` is not
// "transfer" or the arguments do not have the SIP-010 types (3 or 4 args).
std::optional<Sip010Transfer> sip010_transfer(std::string_view function_name, const std::vector<ClarityValue>& args);

// Asset of a SIP-010 call on `contract` (see above).
Asset contract_call_asset(const TokenRegistry& tokens, std::string_view contract);

// Sets Transfer::occurrence: for each transfer, how many earlier transfers in
// `transfers` have the same (tx_id, asset.contract, senders, recipient,
// amount). Callers that assemble one transaction's transfers from several
// pages call it again on the whole list.
void assign_occurrences(std::vector<Transfer>& transfers);

}  // namespace fw::decode::stacks
