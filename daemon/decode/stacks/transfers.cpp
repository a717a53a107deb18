#include "decode/stacks/transfers.hpp"

#include <unordered_map>

#include "core/hex.hpp"

namespace fw::decode::stacks {
namespace {

Transfer pending_base(const StacksTx& tx, Network network, std::string_view source, std::string_view chain_name) {
  Transfer t;
  t.chain = Chain::stacks;
  t.network = network;
  t.chain_name = chain_name;
  t.tx_id = tx.txid;
  t.event_index = 0;
  t.status = TransferStatus::pending;
  t.source = source;
  return t;
}

}  // namespace

std::optional<Sip010Transfer> sip010_transfer(std::string_view function_name, const std::vector<ClarityValue>& args) {
  if (function_name != "transfer" || args.size() < 3 || args.size() > 4) return std::nullopt;
  if (args[0].type != ClarityType::uint_ || !args[1].is_principal() || !args[2].is_principal()) return std::nullopt;
  Sip010Transfer out;
  out.amount = args[0].uint_amount();
  out.sender = args[1].data;
  out.recipient = args[2].data;
  if (args.size() == 4) {
    const ClarityValue& memo = args[3];
    if (memo.type == ClarityType::some && memo.inner() && memo.inner()->type == ClarityType::buffer) {
      out.memo_hex = hex_encode(memo.inner()->data);
    } else if (memo.type != ClarityType::none) {
      return std::nullopt;
    }
  }
  return out;
}

Asset contract_call_asset(const TokenRegistry& tokens, std::string_view contract) {
  if (const TokenInfo* t = tokens.find_by_contract(contract)) return Asset{t->asset, t->symbol, t->decimals};
  return Asset{std::string(contract) + "::?", "", 0};
}

std::vector<Transfer> to_pending_transfers(const StacksTx& tx, const TokenRegistry& tokens, Network network,
                                           std::string_view source, std::string_view chain_name) {
  std::vector<Transfer> out;
  if (tx.token_transfer) {
    Transfer t = pending_base(tx, network, source, chain_name);
    t.asset = stx_asset();
    t.senders.push_back(tx.sender());
    t.recipient = tx.token_transfer->recipient;
    t.amount = Amount(tx.token_transfer->amount);
    t.memo = hex_encode(tx.token_transfer->memo);
    out.push_back(std::move(t));
  } else if (tx.contract_call) {
    if (auto ft = sip010_transfer(tx.contract_call->function_name, tx.contract_call->args)) {
      Transfer t = pending_base(tx, network, source, chain_name);
      t.asset = contract_call_asset(tokens, tx.contract_call->contract);
      t.senders.push_back(std::move(ft->sender));
      t.recipient = std::move(ft->recipient);
      t.amount = ft->amount;
      t.memo = std::move(ft->memo_hex);
      out.push_back(std::move(t));
    }
  }
  return out;
}

void assign_occurrences(std::vector<Transfer>& transfers) {
  std::unordered_map<std::string, std::uint32_t> seen;
  std::string key;
  for (auto& t : transfers) {
    key.clear();
    key += t.tx_id;
    key += '\x1f';
    key += t.asset.contract;
    for (const auto& s : t.senders) {
      key += '\x1f';
      key += s;
    }
    key += '\x1e';
    key += t.recipient;
    key += '\x1f';
    key += t.amount.to_decimal();
    t.occurrence = seen[key]++;
  }
}

}  // namespace fw::decode::stacks
