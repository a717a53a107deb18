// Small builders shared by the lifecycle tests.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/transfer.hpp"
#include "lifecycle/tracker.hpp"

namespace fw::lifecycle::testing {

inline Transfer transfer(std::string txid, std::uint64_t amount = 1000, std::string sender = "SPSENDER",
                         std::string recipient = "SPRECIPIENT", std::uint32_t occurrence = 0) {
  Transfer t;
  t.chain = Chain::stacks;
  t.network = Network::mainnet;
  t.chain_name = "stacks";
  t.asset.symbol = "STX";
  t.asset.decimals = 6;
  t.senders = {std::move(sender)};
  t.recipient = std::move(recipient);
  t.amount = Amount(amount);
  t.tx_id = std::move(txid);
  t.occurrence = occurrence;
  t.source = "node";
  return t;
}

inline BlockRef block(std::uint64_t height, std::string hash, std::string parent) {
  return BlockRef{height, std::move(hash), std::move(parent)};
}

// add_block with the transfers' txids as the included txids.
inline Step add(Tracker& tracker, const BlockRef& ref, std::vector<Transfer> transfers = {},
                bool accept_unlinked = false) {
  std::vector<std::string> txids;
  for (const auto& t : transfers) txids.push_back(t.tx_id);
  return tracker.add_block(ref, std::move(transfers), txids, {}, accept_unlinked);
}

// "<status> <tx_id> r<revision>" per emitted transfer, in order.
inline std::vector<std::string> summary(const Step& step) {
  std::vector<std::string> out;
  for (const auto& t : step.out)
    out.push_back(std::string(to_string(t.status)) + " " + t.tx_id + " r" + std::to_string(t.revision));
  return out;
}

// Every field, for exact comparisons.
inline std::string describe(const Transfer& t) {
  std::string s = std::string(to_string(t.chain)) + "|" + std::string(to_string(t.network)) + "|" + t.chain_name + "|" +
                  t.asset.contract + "|" + t.asset.symbol + "|" + std::to_string(t.asset.decimals) + "|";
  for (const auto& x : t.senders) s += x + ",";
  s += "|" + t.recipient + "|" + t.amount.to_decimal() + "|" + t.tx_id + "|" + std::to_string(t.event_index) + "|" +
       (t.block_height ? std::to_string(*t.block_height) : "-") + "|" + t.block_hash + "|" + to_string(t.status) + "|" +
       t.memo + "|" + (t.block_time ? std::to_string(*t.block_time) : "-") + "|" + t.status_reason + "|" +
       t.replaced_by + "|" + std::to_string(t.occurrence) + "|" + std::to_string(t.revision) + "|" + t.source + "|" +
       std::to_string(t.received_at.time_since_epoch().count()) + "|";
  if (t.deposit)
    s += t.deposit->deposit_id + "," + t.deposit->account_id + "," + t.deposit->deposit_address + "," +
         (t.deposit->credited ? "1" : "0");
  return s;
}

inline std::string describe(const Step& step) {
  std::string s = std::string(to_string(step.kind)) + " side=" + (step.side_branch ? "1" : "0") +
                  " gap=" + std::to_string(step.backfill_from) + ".." + std::to_string(step.backfill_to) + " orphaned=";
  for (const auto& b : step.orphaned) s += std::to_string(b.height) + ":" + b.hash + ",";
  for (const auto& t : step.out) s += "\n  " + describe(t);
  return s;
}

}  // namespace fw::lifecycle::testing
