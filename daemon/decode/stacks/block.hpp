// The block identity every Stacks decoder reports (node event observer and
// Hiro API alike), in the form the lifecycle tracker links blocks by.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace fw::decode::stacks {

struct BlockHeader {
  std::uint64_t height = 0;
  // The INDEX block hash ("0x" + 64 lower-case hex): unique across forks and
  // what Transfer::block_hash holds. Hiro data without index_block_hash
  // (old API versions) falls back to the block hash.
  std::string hash;
  std::string parent_hash;  // parent_index_block_hash (fallback: parent_block_hash)
  std::string block_hash;   // the block's own hash (`block_hash` / Hiro `hash`)
  // Unix seconds: Nakamoto `block_time`, else the burn block's time.
  std::optional<std::int64_t> block_time;
};

}  // namespace fw::decode::stacks
