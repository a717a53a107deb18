// Stacks STX-transfer memos: 34 bytes, sent by the node as hex without "0x"
// (Hiro: with "0x"). Exchanges attribute deposits by memo, so alerts show it
// decoded when it is text.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fw::decode::stacks {

// The memo as text: hex (with or without "0x") -> bytes, trailing NULs
// trimmed, then accepted only if what is left is non-empty, valid UTF-8 and
// free of control characters (tab allowed). nullopt otherwise (all zeros,
// binary data, bad hex). Pure.
std::optional<std::string> memo_text(std::string_view memo_hex);

}  // namespace fw::decode::stacks
