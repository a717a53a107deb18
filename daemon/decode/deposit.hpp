// Deposit events -> Transfer.
//
// An exchange's deposit stream is consumed in one of two shapes
// (docs/deposit-events.md, schema docs/schemas/deposit-event.schema.json):
//   * canonical: a flat JSON object {"type":"deposit","deposit_id":...};
//   * mapped: the exchange's own JSON, with a config::DepositMapping giving a
//     JSON pointer (RFC 6901) for each canonical field and an optional
//     type_pointer/type_value filter.
// Status updates of one deposit (pending -> credited) carry the same
// deposit_id, so the matcher gives them the same base id (docs/alerts.md).
//
// Outcomes:
//   ok       `out` holds the transfer (addresses canonical, amount exact).
//   ignored  the frame is valid JSON but not a deposit (its type differs);
//            counted, not logged as an error.
//   rejected the frame is unusable; `reason` is a bounded metric label and
//            `detail` names the field and the problem ("sender: bad checksum",
//            "missing field deposit_id"). Details never echo a whole frame.
//
// Threads and lifetime: a DepositDecoder reuses one simdjson parser and one
// padded buffer across calls, so it is NOT thread-safe; use one per thread
// (one per source is typical). decode() is pure: it reads no clock, does not
// log, and does not touch out.received_at (the caller stamps it). After a
// rejected or ignored frame `out` holds unspecified values.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/transfer.hpp"

namespace fw::decode {

enum class Reject : std::uint8_t {
  none,
  not_json,       // not valid JSON (or trailing bytes after it)
  not_object,     // valid JSON, but not an object
  missing_field,  // a required field is absent or null
  bad_field,      // a field has the wrong type or an unknown value
  bad_chain,      // the chain name is not one freezewatch knows
  bad_address,    // an address (or asset contract) does not parse for the chain
  bad_amount,     // amount / amount_decimal unusable (not an integer, negative, too precise, ...)
};

inline constexpr Reject all_rejects[] = {Reject::not_json,    Reject::not_object, Reject::missing_field,
                                         Reject::bad_field,   Reject::bad_chain,  Reject::bad_address,
                                         Reject::bad_amount};

// The metric label: "not_json", "missing_field", ... ("none" for Reject::none).
const char* to_string(Reject r) noexcept;

struct DecodeResult {
  enum class Status : std::uint8_t { ok, ignored, rejected };
  Status status = Status::ok;
  Reject reason = Reject::none;
  std::string detail;  // empty when ok; why, when ignored or rejected

  bool ok() const noexcept { return status == Status::ok; }
};

class DepositDecoder {
 public:
  // nullopt: canonical events. A mapping whose pointers are malformed makes
  // every decode() fail with bad_field; check mapping_error() at start-up.
  explicit DepositDecoder(const std::optional<config::DepositMapping>& mapping);
  ~DepositDecoder();
  DepositDecoder(DepositDecoder&&) noexcept;
  DepositDecoder& operator=(DepositDecoder&&) noexcept;
  DepositDecoder(const DepositDecoder&) = delete;
  DepositDecoder& operator=(const DepositDecoder&) = delete;

  // Decodes one frame into `out` (whose buffers are reused). `source_name`
  // becomes out.source.
  DecodeResult decode(std::string_view frame, std::string_view source_name, Transfer& out);

  // Empty when the mapping is usable; otherwise e.g.
  // "fields.sender: JSON pointer must be empty or start with '/'".
  const std::string& mapping_error() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Checks a mapping's pointers without building a decoder (config validation).
std::string check_mapping(const config::DepositMapping& mapping);

}  // namespace fw::decode
