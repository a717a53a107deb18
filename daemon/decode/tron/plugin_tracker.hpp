// The stages of the transfers a java-tron event-plugin relay reports
// (decode::tron::PluginDecoder triggers -> Ledger), and the chain facts the
// TRON events source keeps between triggers. Pure.
//
// Per trigger, in order:
//   - a configured token's Transfer in a contract trigger:
//       removed: true        -> retracted ("reorg: the node removed the log ...")
//       solidity*Trigger     -> final (confirmed first when not seen before)
//       block <= solidified  -> final the same way (a late trigger)
//       otherwise            -> confirmed
//   - latestSolidifiedBlockNumber (any trigger) above the known one: every
//     confirmed event at or below it becomes final. A contract or block
//     trigger without it: events become final at final_depth confirmations
//     of the highest block seen (tip - final_depth + 1).
//   - the highest block number of contract and block triggers is the tip.
//
// save() is compact JSON {"v":1,"solidified":N,"tip":N,"ledger":{...}};
// restore(save()) continues identically. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/transfer.hpp"
#include "decode/tron/event_plugin.hpp"
#include "decode/tron/ledger.hpp"

namespace fw::decode::tron {

class PluginTracker {
 public:
  PluginTracker(LedgerContext context, std::uint32_t final_depth, LedgerOptions options = {});

  // Applies one trigger (its transfer is moved from); emitted transfers are appended to `out`.
  void apply(Trigger& trigger, std::vector<Transfer>& out);

  std::uint64_t tip() const noexcept { return tip_; }
  std::uint64_t solidified() const noexcept { return solidified_; }
  const Ledger& ledger() const noexcept { return ledger_; }

  std::string save() const;
  // False + `error` (and an empty tracker) on malformed input.
  bool restore(std::string_view saved, std::string& error);

 private:
  LedgerContext context_;
  LedgerOptions options_;
  std::uint32_t final_depth_;
  Ledger ledger_;
  std::uint64_t solidified_ = 0;
  std::uint64_t tip_ = 0;
};

}  // namespace fw::decode::tron
