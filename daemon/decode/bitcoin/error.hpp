// Errors of the Bitcoin decoders: a bounded reason (a metric label, one of
// metrics::kRejectReasons) plus a detail that says where (JSON path) and why,
// with an excerpt of at most 120 characters of the offending input. Expected
// failures are values; nothing in decode/bitcoin throws on bad input.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace fw::decode::bitcoin {

enum class Error : std::uint8_t {
  none,
  not_json,       // the frame is not valid JSON
  not_object,     // valid JSON, but not an object where one is required
  missing_field,  // a required field is absent or null
  bad_field,      // a field has the wrong type or an unusable value
  bad_address,    // an address does not parse (kept as sent)
  bad_amount,     // a value is not a non-negative integer number of satoshis
  bad_tx,         // a transaction object is unusable (skipped)
};

inline constexpr Error all_errors[] = {Error::not_json,    Error::not_object, Error::missing_field, Error::bad_field,
                                       Error::bad_address, Error::bad_amount, Error::bad_tx};

// "not_json", "bad_tx", ... ("none" for Error::none). Static storage.
const char* to_string(Error e) noexcept;

struct Problem {
  Error reason = Error::none;
  std::string detail;  // "multi-address-transactions.bc1q...mempool[0].vout[1].value: expected ..."

  explicit operator bool() const noexcept { return reason != Error::none; }
};

// The result of decoding one frame or one transaction.
//   error  set (reason != none): nothing usable; `value` is unspecified.
//   issues problems with single parts (one transaction, one address) that
//          were skipped or kept as sent while the rest decoded; each is worth
//          a counter, none invalidates `value`. At most 32 are listed.
template <class T>
struct Decoded {
  T value{};
  Problem error;
  std::vector<Problem> issues;

  bool ok() const noexcept { return error.reason == Error::none; }
};

}  // namespace fw::decode::bitcoin
