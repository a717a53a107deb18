// libFuzzer harness for the SIP-005 transaction and Clarity value decoders
// (decode/stacks/sip005.hpp, clarity.hpp): any input must give a value or an
// error, never a crash, an out-of-bounds read or undefined behaviour.
// Seed corpus: fuzz/make-corpus.py (the raw transactions in the fixtures).
#include <cstddef>
#include <cstdint>
#include <span>

#include "decode/stacks/clarity.hpp"
#include "decode/stacks/sip005.hpp"
#include "decode/stacks/transfers.hpp"

namespace {

using namespace fw::decode::stacks;

const TokenRegistry& tokens() {
  static const TokenRegistry r = TokenRegistry::defaults();
  return r;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> bytes(data, size);

  auto tx = decode_transaction(bytes);
  if (tx.ok()) {
    auto transfers = to_pending_transfers(tx.value, tokens(), tx.value.network, "fuzz", "stacks");
    if (tx.value.contract_call)
      for (const auto& arg : tx.value.contract_call->args) (void)arg.repr(256);
    (void)transfers;
  } else if (tx.error.detail.empty()) {
    __builtin_trap();  // an error must say why
  }

  // The same bytes as one Clarity value, with tight limits to reach the bounds.
  auto value = decode_clarity(bytes, ClarityLimits{8, 64});
  if (value.ok()) (void)value.value.repr(256);
  return 0;
}
