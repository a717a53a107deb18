// Errors of the TRON decoders: a bounded reason (its name is a metric label,
// docs/metrics.md) plus a detail that says where (JSON path) and why, with an
// excerpt of the offending input. Expected failures are values; nothing in
// decode/tron throws on bad input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fw::decode::tron {

enum class Error : std::uint8_t {
  none,
  not_json,       // the body is not valid JSON
  not_object,     // valid JSON, but the wrong kind of document
  missing_field,  // a required field is absent or null
  bad_field,      // a field has the wrong type or an unusable value
  bad_address,    // an address does not parse as TRON (base58check / 0x / 41 hex)
  bad_amount,     // an amount is not a non-negative integer below 2^256
  rest_error,     // a TronGrid answer is an API error object ({"success":false,...})
};

// "not_json", "bad_field", ... ("none" for Error::none). Static storage.
const char* to_string(Error e) noexcept;

struct Problem {
  Error reason = Error::none;
  std::string detail;  // "data[3].result.value: not a decimal integer: \"-5\""

  explicit operator bool() const noexcept { return reason != Error::none; }
};

// The result of decoding one body.
//   error  set (reason != none): nothing usable; `value` is unspecified.
//   issues problems with single events, each skipped (or kept as far as it
//          decoded) while the rest decoded; none invalidates `value`.
template <class T>
struct Decoded {
  T value{};
  Problem error;
  std::vector<Problem> issues;

  bool ok() const noexcept { return error.reason == Error::none; }
};

}  // namespace fw::decode::tron
