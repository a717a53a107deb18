// What a webhook response means for the alert: pure, no I/O, no clock reads
// (the caller passes `now`), no logging. STYLE.md rule 6.
//
//   2xx                     delivered
//   408, 429, 5xx but 501   retry (honouring Retry-After: delay-seconds or HTTP-date)
//   410 Gone                gone: dead-letter, error log, counted apart (the receiver says the
//                           endpoint no longer exists; the operator must act)
//   3xx                     dead-letter: redirects are not followed (a signed POST must not be
//                           re-sent to a host nobody configured); fix the URL
//   other 4xx, 501          dead-letter (a request the receiver will never accept as is)
//   1xx                     retry (a provisional response is not an answer)
//   anything else (>= 600)  dead-letter (not HTTP)
//
// Transport failures never reach classify(): the Dispatcher reports them as
// Outcome::network_error or Outcome::timeout and retries them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>

namespace fw::delivery {

// Doubles as the bounded metric label set (to_string).
enum class Outcome : std::uint8_t { delivered, retry, dead_letter, gone, network_error, timeout };

// "delivered", "retry", "dead_letter", "gone", "network_error", "timeout".
const char* to_string(Outcome o) noexcept;

// Whether the alert should be attempted again later.
constexpr bool is_retryable(Outcome o) noexcept {
  return o == Outcome::retry || o == Outcome::network_error || o == Outcome::timeout;
}

struct Classification {
  Outcome outcome = Outcome::dead_letter;
  std::optional<std::chrono::milliseconds> retry_after;  // only for retry, when the header was valid
  const char* label = "dead_letter";                     // == to_string(outcome)
  const char* reason = "";                               // human text for logs and the dead-letter row
};

// `retry_after` is the raw Retry-After header value ("" when absent). Invalid values are ignored.
Classification classify(int status, std::string_view retry_after, std::chrono::system_clock::time_point now);

}  // namespace fw::delivery
