// Errors of the Stacks decoders: a bounded reason (a metric label) plus a
// detail that says where (JSON path or byte offset) and why, with an excerpt
// of at most 120 characters of the offending input. Expected failures are
// values; nothing in decode/stacks throws on bad input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fw::decode::stacks {

enum class Error : std::uint8_t {
  none,
  not_json,       // the body is not valid JSON
  bad_shape,      // valid JSON, but the wrong kind of document (array for object, ...)
  missing_field,  // a required field is absent or null
  bad_field,      // a field has the wrong type or an unusable value
  bad_tx,         // a raw Stacks transaction (SIP-005) does not decode
  bad_clarity,    // a Clarity value does not decode
  bad_address,    // a Stacks address / principal does not parse
  bad_amount,     // an amount is not a non-negative integer that fits
  rest_error,     // a REST response is an API error object
};

inline constexpr Error all_errors[] = {Error::not_json,    Error::bad_shape,   Error::missing_field,
                                       Error::bad_field,   Error::bad_tx,      Error::bad_clarity,
                                       Error::bad_address, Error::bad_amount,  Error::rest_error};

// "not_json", "bad_tx", ... ("none" for Error::none). Static storage.
const char* to_string(Error e) noexcept;

struct Problem {
  Error reason = Error::none;
  std::string detail;  // "events[3].stx_transfer_event.amount: not a decimal integer: \"12x\""

  explicit operator bool() const noexcept { return reason != Error::none; }
};

// The result of decoding one body or one transaction.
//   error  set (reason != none): nothing usable; `value` is unspecified.
//   issues problems with single parts (one event, one mempool tx) that were
//          skipped or kept as sent while the rest decoded; each is worth a
//          log line / counter, none invalidates `value`.
template <class T>
struct Decoded {
  T value{};
  Problem error;
  std::vector<Problem> issues;

  bool ok() const noexcept { return error.reason == Error::none; }
};

// A printable excerpt of `text` for details: at most `max` (4..120)
// characters including a trailing "..." when cut; non-printable bytes as '?'.
std::string excerpt(std::string_view text, std::size_t max = 60);

}  // namespace fw::decode::stacks
