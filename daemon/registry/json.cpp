#include "registry/json.hpp"

#include <simdjson.h>

#include <cctype>
#include <charconv>
#include <cstdio>

namespace fw::registry {
namespace {

// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid.
std::size_t utf8_len(std::string_view s, std::size_t i) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  if (c < 0x80) return 1;
  std::size_t n;
  std::uint32_t cp;
  if ((c & 0xE0) == 0xC0) { n = 2; cp = c & 0x1F; }
  else if ((c & 0xF0) == 0xE0) { n = 3; cp = c & 0x0F; }
  else if ((c & 0xF8) == 0xF0) { n = 4; cp = c & 0x07; }
  else return 0;
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000)) return 0;  // overlong
  if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

bool digits(std::string_view s, std::size_t pos, std::size_t n, unsigned& out) {
  if (pos + n > s.size()) return false;
  unsigned v = 0;
  for (std::size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + static_cast<unsigned>(s[i] - '0');
  }
  out = v;
  return true;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

void append_field(std::string& out, const char* name, std::string_view value) {
  out += '"';
  out += name;
  out += "\":";
  append_json_string(out, value);
}

void append_int(std::string& out, const char* name, std::int64_t v) {
  out += '"';
  out += name;
  out += "\":";
  out += std::to_string(v);
}

void append_bool(std::string& out, const char* name, bool v) {
  out += '"';
  out += name;
  out += "\":";
  out += v ? "true" : "false";
}

class SyntaxChecker {
 public:
  SyntaxChecker(std::string_view s, std::size_t max_depth) : s_(s), max_depth_(max_depth) {}

  std::optional<SyntaxError> run() {
    ws();
    if (!value(0)) return err_;
    ws();
    if (i_ != s_.size()) return SyntaxError{i_, "unexpected text after the JSON value"};
    return std::nullopt;
  }

 private:
  bool fail(std::string reason) {
    err_ = SyntaxError{i_, std::move(reason)};
    return false;
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool literal(std::string_view word) {
    if (s_.substr(i_, word.size()) != word) return fail("invalid literal");
    i_ += word.size();
    return true;
  }
  bool value(std::size_t depth) {
    if (i_ >= s_.size()) return fail("unexpected end of input");
    switch (s_[i_]) {
      case '{': return object(depth + 1);
      case '[': return array(depth + 1);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default:
        if (s_[i_] == '-' || (s_[i_] >= '0' && s_[i_] <= '9')) return number();
        return fail("unexpected character");
    }
  }
  bool object(std::size_t depth) {
    if (depth > max_depth_) return fail("nested too deeply");
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == '}') { ++i_; return true; }
    for (;;) {
      ws();
      if (i_ >= s_.size()) return fail("unexpected end of input");
      if (s_[i_] != '"') return fail("expected a string key");
      if (!string()) return false;
      ws();
      if (i_ >= s_.size()) return fail("unexpected end of input");
      if (s_[i_] != ':') return fail("expected ':'");
      ++i_;
      ws();
      if (!value(depth)) return false;
      ws();
      if (i_ >= s_.size()) return fail("unexpected end of input");
      if (s_[i_] == ',') { ++i_; continue; }
      if (s_[i_] == '}') { ++i_; return true; }
      return fail("expected ',' or '}'");
    }
  }
  bool array(std::size_t depth) {
    if (depth > max_depth_) return fail("nested too deeply");
    ++i_;
    ws();
    if (i_ < s_.size() && s_[i_] == ']') { ++i_; return true; }
    for (;;) {
      ws();
      if (!value(depth)) return false;
      ws();
      if (i_ >= s_.size()) return fail("unexpected end of input");
      if (s_[i_] == ',') { ++i_; continue; }
      if (s_[i_] == ']') { ++i_; return true; }
      return fail("expected ',' or ']'");
    }
  }
  bool string() {
    ++i_;  // opening quote
    while (i_ < s_.size()) {
      const auto c = static_cast<unsigned char>(s_[i_]);
      if (c == '"') { ++i_; return true; }
      if (c < 0x20) return fail("control character in string");
      if (c == '\\') {
        if (i_ + 1 >= s_.size()) { ++i_; return fail("unexpected end of input"); }
        const char e = s_[i_ + 1];
        if (e == 'u') {
          for (std::size_t k = 2; k < 6; ++k) {
            if (i_ + k >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_ + k]))) {
              i_ += k < s_.size() - i_ ? k : s_.size() - i_;
              return fail("bad \\u escape");
            }
          }
          i_ += 6;
          continue;
        }
        if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) return fail("bad escape");
        i_ += 2;
        continue;
      }
      if (c >= 0x80) {
        const std::size_t n = utf8_len(s_, i_);
        if (n == 0) return fail("invalid UTF-8");
        i_ += n;
        continue;
      }
      ++i_;
    }
    return fail("unterminated string");
  }
  bool number() {
    auto is_digit = [&](std::size_t k) { return k < s_.size() && s_[k] >= '0' && s_[k] <= '9'; };
    if (s_[i_] == '-') ++i_;
    if (!is_digit(i_)) return fail("bad number");
    if (s_[i_] == '0') ++i_;
    else while (is_digit(i_)) ++i_;
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      if (!is_digit(i_)) return fail("bad number");
      while (is_digit(i_)) ++i_;
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!is_digit(i_)) return fail("bad number");
      while (is_digit(i_)) ++i_;
    }
    return true;
  }

  std::string_view s_;
  std::size_t max_depth_;
  std::size_t i_ = 0;
  SyntaxError err_;
};

}  // namespace

void append_json_string(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t n = utf8_len(s, i);
      if (n == 0) {
        out += "\xEF\xBF\xBD";  // U+FFFD
        ++i;
      } else {
        out.append(s.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += static_cast<char>(c);
        }
    }
    ++i;
  }
  out += '"';
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string provenance_to_json(const watchlist::Provenance& p, std::string_view kind) {
  std::string out = "{";
  append_field(out, "kind", kind);
  out += ',';
  append_field(out, "list", p.list);
  out += ',';
  append_field(out, "file", p.file);
  out += ',';
  append_int(out, "line", p.line);
  for (const auto& [key, value] : {std::pair{"label", p.label}, std::pair{"incident", p.incident},
                                   std::pair{"source", p.source}, std::pair{"severity", p.severity},
                                   std::pair{"added_at", p.added_at}, std::pair{"notes", p.notes}}) {
    out += ',';
    append_field(out, key, value);
  }
  out += '}';
  return out;
}

std::string format_iso_ms(std::int64_t unix_ms) {
  std::int64_t days = unix_ms / 86'400'000;
  std::int64_t rem = unix_ms % 86'400'000;
  if (rem < 0) {
    rem += 86'400'000;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  const auto ms = static_cast<int>(rem % 1000);
  const auto secs = static_cast<int>(rem / 1000);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03dZ", static_cast<long long>(y), m, d,
                secs / 3600, (secs / 60) % 60, secs % 60, ms);
  return buf;
}

std::optional<std::int64_t> parse_iso_ms(std::string_view t, std::string& error) {
  unsigned year, month, day;
  if (!(digits(t, 0, 4, year) && t.size() >= 10 && t[4] == '-' && digits(t, 5, 2, month) && t[7] == '-' &&
        digits(t, 8, 2, day))) {
    error = "expected an ISO-8601 UTC time (2024-05-16T12:00:00Z) or unix seconds";
    return std::nullopt;
  }
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month)) {
    error = "no such date";
    return std::nullopt;
  }
  std::int64_t ms = days_from_civil(year, month, day) * 86'400'000;
  if (t.size() == 10) return ms;
  if (t[10] != 'T' && t[10] != 't' && t[10] != ' ') {
    error = "expected 'T' after the date";
    return std::nullopt;
  }
  unsigned hh, mm, ss = 0;
  std::size_t i = 11;
  if (!(digits(t, i, 2, hh) && i + 2 < t.size() && t[i + 2] == ':' && digits(t, i + 3, 2, mm))) {
    error = "expected HH:MM after 'T'";
    return std::nullopt;
  }
  i += 5;
  if (i < t.size() && t[i] == ':') {
    if (!digits(t, i + 1, 2, ss)) {
      error = "bad seconds";
      return std::nullopt;
    }
    i += 3;
    if (i < t.size() && (t[i] == '.' || t[i] == ',')) {
      ++i;
      std::size_t n = 0;
      std::int64_t frac_ms = 0;
      while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
        if (n < 3) frac_ms = frac_ms * 10 + (t[i] - '0');
        ++n;
        ++i;
      }
      if (n == 0) {
        error = "bad fraction of a second";
        return std::nullopt;
      }
      for (std::size_t k = n; k < 3; ++k) frac_ms *= 10;
      ms += frac_ms;
    }
  }
  if (hh > 23 || mm > 59 || ss > 60) {
    error = "no such time of day";
    return std::nullopt;
  }
  ms += (static_cast<std::int64_t>(hh) * 3600 + mm * 60 + ss) * 1000;
  if (i >= t.size()) {
    error = "time without a zone: end it with Z (UTC) or an offset like +02:00";
    return std::nullopt;
  }
  if ((t[i] == 'Z' || t[i] == 'z') && i + 1 == t.size()) return ms;
  if ((t[i] == '+' || t[i] == '-') && i + 6 == t.size() && t[i + 3] == ':') {
    unsigned oh, om;
    if (digits(t, i + 1, 2, oh) && digits(t, i + 4, 2, om) && oh <= 23 && om <= 59) {
      const std::int64_t off = (static_cast<std::int64_t>(oh) * 60 + om) * 60'000;
      return t[i] == '+' ? ms - off : ms + off;
    }
  }
  error = "bad time zone: use Z or +HH:MM";
  return std::nullopt;
}

std::string path_to_json(const std::vector<watchlist::PathStep>& path) {
  std::string out = "[";
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto& s = path[i];
    if (i) out += ',';
    out += '{';
    append_field(out, "from", s.from);
    out += ',';
    append_field(out, "to", s.to);
    out += ',';
    append_field(out, "chain_name", s.chain_name);
    out += ',';
    append_field(out, "tx_id", s.tx_id);
    out += ',';
    append_field(out, "asset", s.asset);
    out += ',';
    append_field(out, "amount", s.amount);
    out += ',';
    append_int(out, "at_ms", s.at_ms);
    out += '}';
  }
  out += ']';
  return out;
}

bool path_from_json(std::string_view json, std::vector<watchlist::PathStep>& out, std::string& error) {
  out.clear();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto e = parser.parse(json.data(), json.size()).get(root); e) {
    error = std::string("path: ") + simdjson::error_message(e);
    return false;
  }
  simdjson::dom::array steps;
  if (root.get_array().get(steps)) {
    error = "path: not an array";
    return false;
  }
  for (simdjson::dom::element step : steps) {
    simdjson::dom::object o;
    if (step.get_object().get(o)) {
      error = "path: step is not an object";
      return false;
    }
    watchlist::PathStep s;
    for (auto field : o) {
      std::string_view key = field.key;
      if (key == "at_ms") {
        std::int64_t v;
        if (field.value.get_int64().get(v)) {
          error = "path: at_ms is not an integer";
          return false;
        }
        s.at_ms = v;
        continue;
      }
      std::string_view v;
      if (field.value.get_string().get(v)) {
        error = "path: " + std::string(key) + " is not a string";
        return false;
      }
      if (key == "from") s.from = v;
      else if (key == "to") s.to = v;
      else if (key == "chain_name") s.chain_name = v;
      else if (key == "tx_id") s.tx_id = v;
      else if (key == "asset") s.asset = v;
      else if (key == "amount") s.amount = v;
    }
    out.push_back(std::move(s));
  }
  return true;
}

std::string entry_detail_json(const watchlist::LiveEntry& e) {
  std::string out = "{";
  append_field(out, "kind", to_string(e.kind));
  out += ',';
  append_field(out, "label", e.label);
  out += ',';
  append_field(out, "source", e.source);
  out += ',';
  append_field(out, "severity", e.severity);
  out += ',';
  append_field(out, "notes", e.notes);
  out += ',';
  append_field(out, "added_by", e.added_by);
  out += ',';
  append_int(out, "added_at_ms", e.added_at_ms);
  out += ",\"expires_at_ms\":";
  out += e.expires_at_ms ? std::to_string(*e.expires_at_ms) : "null";
  out += ',';
  append_bool(out, "follow", e.follow);
  if (e.kind == watchlist::LiveEntry::Kind::derived) {
    out += ',';
    append_int(out, "hops", e.hops);
    out += ',';
    append_field(out, "seed", e.seed);
    out += ",\"path\":";
    out += path_to_json(e.path);
    out += ',';
    append_bool(out, "approved", e.approved);
    out += ',';
    append_field(out, "approved_by", e.approved_by);
  }
  out += '}';
  return out;
}

std::string entry_to_json(const watchlist::LiveEntry& e, std::int64_t now_ms) {
  std::string out = "{";
  append_field(out, "address", e.address);
  out += ',';
  append_field(out, "chain", to_string(e.chain));
  out += ',';
  append_field(out, "kind", to_string(e.kind));
  out += ',';
  append_field(out, "label", e.label);
  out += ',';
  append_field(out, "incident", e.incident);
  out += ',';
  append_field(out, "source", e.source);
  out += ',';
  append_field(out, "severity", e.severity);
  out += ',';
  append_field(out, "notes", e.notes);
  out += ',';
  append_field(out, "added_by", e.added_by);
  out += ',';
  append_field(out, "added_at", format_iso_ms(e.added_at_ms));
  out += ',';
  append_int(out, "added_at_ms", e.added_at_ms);
  if (e.expires_at_ms) {
    out += ',';
    append_field(out, "expires_at", format_iso_ms(*e.expires_at_ms));
    out += ',';
    append_int(out, "expires_at_ms", *e.expires_at_ms);
  } else {
    out += ",\"expires_at\":null,\"expires_at_ms\":null";
  }
  out += ',';
  append_bool(out, "expired", e.expired(now_ms));
  out += ',';
  append_bool(out, "follow", e.follow);
  if (e.kind == watchlist::LiveEntry::Kind::derived) {
    out += ',';
    append_int(out, "hops", e.hops);
    out += ',';
    append_field(out, "seed", e.seed);
    out += ",\"path\":";
    out += path_to_json(e.path);
    out += ',';
    append_bool(out, "approved", e.approved);
    out += ',';
    append_field(out, "approved_by", e.approved_by);
    out += ',';
    append_bool(out, "suspected", e.suspected());
  }
  out += '}';
  return out;
}

std::optional<SyntaxError> find_json_syntax_error(std::string_view text, std::size_t max_depth) {
  return SyntaxChecker(text, max_depth).run();
}

}  // namespace fw::registry
