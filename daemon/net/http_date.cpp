#include "net/http_date.hpp"

#include <array>
#include <charconv>

namespace fw::net {

namespace {

using namespace std::chrono;

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool all_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

std::optional<int> number(std::string_view s) {
  if (!all_digits(s)) return std::nullopt;
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size()) return std::nullopt;
  return v;
}

constexpr std::array<std::string_view, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
constexpr std::array<std::string_view, 7> kLongDays = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                                       "Friday", "Saturday", "Sunday"};

std::optional<unsigned> month_of(std::string_view m) {
  for (unsigned i = 0; i < kMonths.size(); ++i)
    if (kMonths[i] == m) return i + 1;
  return std::nullopt;
}

template <std::size_t N>
bool one_of(std::string_view v, const std::array<std::string_view, N>& names) {
  for (auto n : names)
    if (n == v) return true;
  return false;
}

// "HH:MM:SS"
std::optional<seconds> time_of_day(std::string_view s) {
  if (s.size() != 8 || s[2] != ':' || s[5] != ':') return std::nullopt;
  auto h = number(s.substr(0, 2)), m = number(s.substr(3, 2)), sec = number(s.substr(6, 2));
  if (!h || !m || !sec || *h > 23 || *m > 59 || *sec > 60) return std::nullopt;  // 60: leap second
  return hours(*h) + minutes(*m) + seconds(*sec);
}

std::optional<system_clock::time_point> assemble(int y, unsigned mon, int d, seconds tod) {
  if (y < 1970 || y > 9999 || d < 1 || d > 31) return std::nullopt;
  const year_month_day ymd{year(y), month(mon), day(static_cast<unsigned>(d))};
  if (!ymd.ok()) return std::nullopt;
  return system_clock::time_point(sys_days(ymd).time_since_epoch() + tod);
}

// Splits on single spaces (asctime pads the day with a space: "Nov  6").
template <std::size_t N>
bool split(std::string_view s, std::array<std::string_view, N>& parts) {
  std::size_t n = 0;
  while (!s.empty()) {
    while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
    if (s.empty()) break;
    if (n == N) return false;
    const auto sp = s.find(' ');
    parts[n++] = s.substr(0, sp);
    s = sp == std::string_view::npos ? std::string_view{} : s.substr(sp);
  }
  return n == N;
}

}  // namespace

std::optional<system_clock::time_point> parse_http_date(std::string_view value) {
  const std::string_view s = trim(value);
  // IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT"
  // RFC 850:     "Sunday, 06-Nov-94 08:49:37 GMT"
  // asctime:     "Sun Nov  6 08:49:37 1994"
  const auto comma = s.find(',');
  if (comma != std::string_view::npos) {
    const std::string_view day_name = s.substr(0, comma);
    std::string_view rest = s.substr(comma + 1);
    std::array<std::string_view, 5> p5;
    if (one_of(day_name, kDays) && split(rest, p5)) {
      auto d = number(p5[0]);
      auto mon = month_of(p5[1]);
      auto y = number(p5[2]);
      auto tod = time_of_day(p5[3]);
      if (p5[0].size() != 2 || p5[2].size() != 4 || p5[4] != "GMT" || !d || !mon || !y || !tod) return std::nullopt;
      return assemble(*y, *mon, *d, *tod);
    }
    std::array<std::string_view, 3> p3;
    if (one_of(day_name, kLongDays) && split(rest, p3)) {
      const std::string_view date = p3[0];  // "06-Nov-94"
      if (date.size() != 9 || date[2] != '-' || date[6] != '-' || p3[2] != "GMT") return std::nullopt;
      auto d = number(date.substr(0, 2));
      auto mon = month_of(date.substr(3, 3));
      auto yy = number(date.substr(7, 2));
      auto tod = time_of_day(p3[1]);
      if (!d || !mon || !yy || !tod) return std::nullopt;
      // RFC 9110 5.6.7: a two-digit year more than 50 years in the future is in the past century.
      const int y = *yy < 70 ? 2000 + *yy : 1900 + *yy;
      return assemble(y, *mon, *d, *tod);
    }
    return std::nullopt;
  }
  std::array<std::string_view, 5> p;
  if (!split(s, p) || !one_of(p[0], kDays)) return std::nullopt;
  auto mon = month_of(p[1]);
  auto d = number(p[2]);
  auto tod = time_of_day(p[3]);
  auto y = number(p[4]);
  if (!mon || !d || !tod || !y || p[2].size() > 2 || p[4].size() != 4) return std::nullopt;
  return assemble(*y, *mon, *d, *tod);
}

std::optional<milliseconds> parse_retry_after(std::string_view value, system_clock::time_point now) {
  const std::string_view s = trim(value);
  if (s.empty()) return std::nullopt;
  if (all_digits(s)) {
    // Cap absurd values instead of overflowing; the Dispatcher clamps to the retry period anyway.
    constexpr std::int64_t kMaxSeconds = 10LL * 365 * 24 * 3600;
    std::int64_t secs = 0;
    for (char c : s) {
      secs = secs * 10 + (c - '0');
      if (secs > kMaxSeconds) {
        secs = kMaxSeconds;
        break;
      }
    }
    return duration_cast<milliseconds>(seconds(secs));
  }
  auto when = parse_http_date(s);
  if (!when) return std::nullopt;
  if (*when <= now) return milliseconds(0);
  return duration_cast<milliseconds>(*when - now);
}

}  // namespace fw::net
