// Errors of the EVM decoders: a bounded reason (its name is the metric label
// Observer::on_decode_error takes) plus a detail that says where (a JSON
// path such as "result[3].topics") and why, with an excerpt of at most 60
// characters of the offending input. Expected failures are values; nothing
// in decode/evm throws on bad input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fw::decode::evm {

enum class Error : std::uint8_t {
  none,
  not_json,       // the text is not valid JSON
  not_object,     // valid JSON, but the wrong kind of value (array for object, ...)
  missing_field,  // a required field is absent or null
  bad_field,      // a field has the wrong type or an unusable value (a log with 4 topics, short data, ...)
  bad_address,    // an address (or a topic that must hold one) is not 20 bytes
  bad_amount,     // a value is not a uint256
};

// "not_json", "bad_field", ... ("none" for Error::none). Static storage.
const char* to_string(Error e) noexcept;

struct Problem {
  Error reason = Error::none;
  std::string detail;  // "result[0].data: expected one 32-byte word (the uint256 value), got 31 bytes"

  explicit operator bool() const noexcept { return reason != Error::none; }
};

// The result of decoding one JSON value.
//   error  set (reason != none): nothing usable; `value` is unspecified.
//   issues problems with single parts (one log of a getLogs answer) that
//          were skipped while the rest decoded; each is worth a counter.
template <class T>
struct Decoded {
  T value{};
  Problem error;
  std::vector<Problem> issues;

  bool ok() const noexcept { return error.reason == Error::none; }
};

// A printable excerpt of `text`: at most `max` (4..120) characters including
// a trailing "..." when cut; non-printable bytes as '?'.
std::string excerpt(std::string_view text, std::size_t max = 60);

}  // namespace fw::decode::evm
