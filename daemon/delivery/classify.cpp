#include "delivery/classify.hpp"

#include "net/http_date.hpp"

namespace fw::delivery {
namespace {

using namespace std::chrono;

Classification make(Outcome o, const char* reason, std::optional<milliseconds> after = std::nullopt) {
  return Classification{o, after, to_string(o), reason};
}

}  // namespace

const char* to_string(Outcome o) noexcept {
  switch (o) {
    case Outcome::delivered: return "delivered";
    case Outcome::retry: return "retry";
    case Outcome::dead_letter: return "dead_letter";
    case Outcome::gone: return "gone";
    case Outcome::network_error: return "network_error";
    case Outcome::timeout: return "timeout";
  }
  return "dead_letter";
}

Classification classify(int status, std::string_view retry_after, system_clock::time_point now) {
  if (status >= 200 && status <= 299) return make(Outcome::delivered, "2xx");
  if (status >= 100 && status <= 199) return make(Outcome::retry, "provisional 1xx response", std::nullopt);
  if (status == 408 || status == 429 || (status >= 500 && status <= 599 && status != 501)) {
    const char* why = status == 408 ? "408 request timeout" : status == 429 ? "429 too many requests" : "5xx server error";
    return make(Outcome::retry, why, net::parse_retry_after(retry_after, now));
  }
  if (status == 410) return make(Outcome::gone, "410 gone: the receiver says the endpoint no longer exists");
  if (status >= 300 && status <= 399) return make(Outcome::dead_letter, "3xx redirect not followed; fix the webhook url");
  if (status == 501) return make(Outcome::dead_letter, "501 not implemented");
  if (status >= 400 && status <= 499) return make(Outcome::dead_letter, "4xx client error: the receiver refuses this request");
  return make(Outcome::dead_letter, "invalid HTTP status");
}

}  // namespace fw::delivery
