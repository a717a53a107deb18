// Per-chain parsers behind parse_into(). Each assumes the caller rejected
// empty input and surrounding whitespace, fills every field of `out`, and
// on failure sets `error` (out is then unspecified). Internal to fw_address.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "address/address.hpp"

namespace fw::address::detail {

bool parse_stacks(std::string_view text, Address& out, std::string& error);
bool parse_evm(std::string_view text, Address& out, std::string& error);
bool parse_tron(std::string_view text, Address& out, std::string& error);
bool parse_bitcoin(std::string_view text, Address& out, std::string& error);

// Decodes exactly 40 hex digits (no prefix) into 20 bytes. When the digits
// mix upper and lower case and `check_eip55` is set, they must be the EIP-55
// spelling. `offset` is added to character positions in errors.
bool decode_hex20(std::string_view hex40, std::size_t offset, bool check_eip55, std::uint8_t out[20],
                  std::string& error);

// Writes the 40 EIP-55 digits of 20 bytes.
void eip55_digits(const std::uint8_t bytes[20], char out[40]) noexcept;

}  // namespace fw::address::detail
