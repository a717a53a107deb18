// Clarity values in their consensus serialization (SIP-005 "Clarity value
// representation"): what contract-call arguments in raw transactions, the
// Hiro API's `hex` fields and the node's `raw_value` fields carry.
//
//   0x00 int (i128, 16 bytes BE)     0x01 uint (u128, 16 bytes BE)
//   0x02 buffer (u32 len + bytes)    0x03 true            0x04 false
//   0x05 standard principal (version u8 + hash160)
//   0x06 contract principal (standard + u8 len + contract name)
//   0x07 (ok v)   0x08 (err v)       0x09 none            0x0a (some v)
//   0x0b list (u32 n + n values)     0x0c tuple (u32 n + n x (u8 len + name, value))
//   0x0d string-ascii (u32 len)      0x0e string-utf8 (u32 len)
//
// Decoding is bounded: nesting depth, the number of values built, and every
// length prefix is checked against the bytes left before anything is read
// or reserved. Malformed input yields an error naming the byte offset and
// what was expected; it never reads outside the input. Pure, thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/amount.hpp"
#include "decode/stacks/error.hpp"

namespace fw::decode::stacks {

enum class ClarityType : std::uint8_t {
  int_ = 0x00,
  uint_ = 0x01,
  buffer = 0x02,
  bool_true = 0x03,
  bool_false = 0x04,
  principal_standard = 0x05,
  principal_contract = 0x06,
  response_ok = 0x07,
  response_err = 0x08,
  none = 0x09,
  some = 0x0a,
  list = 0x0b,
  tuple = 0x0c,
  string_ascii = 0x0d,
  string_utf8 = 0x0e,
};

struct ClarityValue {
  ClarityType type = ClarityType::none;
  std::array<std::uint8_t, 16> word{};  // int_ / uint_: 16 bytes big-endian (int_: two's complement)
  // buffer / string_*: the raw bytes. principal_*: the canonical text,
  // "SP..." or "SP....contract-name" (c32check of version + hash160).
  std::string data;
  std::vector<ClarityValue> items;  // some / response_*: exactly one; list: elements; tuple: values
  std::vector<std::string> keys;    // tuple: field names, parallel to items

  bool is_principal() const noexcept {
    return type == ClarityType::principal_standard || type == ClarityType::principal_contract;
  }
  // The u128 of a uint_ (zero for any other type).
  Amount uint_amount() const noexcept;
  // some / ok / err: the wrapped value; otherwise nullptr.
  const ClarityValue* inner() const noexcept;
  // tuple: the value of field `key`, or nullptr.
  const ClarityValue* field(std::string_view key) const noexcept;
  // Clarity's rendering as the Hiro API's `repr` shows it: u100, -5, true,
  // SP... (principals without the source-code quote, as in the Hiro
  // fixtures), 0x00ff, "text", u"text", (some u1), (ok true), (list ...),
  // (tuple (a u1) ...). Cut at `max_chars` with "...".
  std::string repr(std::size_t max_chars = 1024) const;
};

struct ClarityLimits {
  std::size_t max_depth = 64;       // Clarity itself allows 32 levels of type nesting
  std::size_t max_values = 100000;  // values built per decode (memory bound)
};

// Decodes exactly one value spanning all of `bytes` (trailing bytes are an error).
Decoded<ClarityValue> decode_clarity(std::span<const std::uint8_t> bytes, const ClarityLimits& limits = {});
// The same from hex text, with or without "0x".
Decoded<ClarityValue> decode_clarity_hex(std::string_view hex, const ClarityLimits& limits = {});

// Builders for tests and for the Hiro `repr` fallback.
// Decimal digits -> uint_; nullopt when not digits or above 2^128-1.
std::optional<ClarityValue> clarity_uint(std::string_view digits);
ClarityValue clarity_principal(std::string canonical);  // standard or contract by the presence of '.'
ClarityValue clarity_none();
ClarityValue clarity_some(ClarityValue v);
ClarityValue clarity_buffer(std::string bytes);

// Clarity contract names: ^[a-zA-Z]([a-zA-Z0-9]|[-_])*$, 1..128 characters
// (plus the node's "__transient").
bool valid_contract_name(std::string_view name) noexcept;

}  // namespace fw::decode::stacks
