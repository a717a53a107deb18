// Streaming pieces of the SIP-005 decoders shared by clarity.cpp and
// sip005.cpp (private to decode/stacks). Each returns false with `error` set
// ("byte 57: ...") and never reads past the reader's end.
#pragma once

#include <cstddef>
#include <string>

#include "decode/stacks/clarity.hpp"
#include "decode/stacks/detail/bytes.hpp"

namespace fw::decode::stacks::detail {

struct ClarityBudget {
  ClarityLimits limits;
  std::size_t values = 0;  // built so far
};

// One Clarity value. With out == nullptr the value is validated and skipped
// without building anything (and without counting against max_values).
bool read_clarity(ByteReader& r, ClarityValue* out, ClarityBudget& budget, std::size_t depth, std::string& error);

// version u8 + hash160 -> "SP..." (version must be < 32).
bool read_standard_principal(ByteReader& r, std::string& out, std::string& error);
// u8 length + contract name, validated (valid_contract_name).
bool read_contract_name(ByteReader& r, std::string& out, std::string& error);
// u8 length + Clarity name (function names, tuple keys, asset names):
// 1..128 printable ASCII characters without spaces.
bool read_clarity_name(ByteReader& r, std::string& out, const char* what, std::string& error);

}  // namespace fw::decode::stacks::detail
