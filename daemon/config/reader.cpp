#include "config/reader.hpp"

#include <charconv>
#include <cmath>
#include <limits>

#include "config/interpolate.hpp"
#include "config/suggest.hpp"

namespace fw::config::detail {
namespace {

constexpr std::string_view kEnvAllowedIn =
    "environment variables are expanded only in url, headers, secrets, subscribe_message and file paths";

std::string join(std::span<const std::string_view> names) {
  std::string out;
  for (std::string_view n : names) {
    if (!out.empty()) out += ", ";
    out += n;
  }
  return out;
}

// Values are echoed only for enums and numbers; keep even those short.
std::string quoted_excerpt(std::string_view s) {
  constexpr std::size_t kMax = 40;
  std::string out = "\"";
  out += s.substr(0, kMax);
  if (s.size() > kMax) out += "...";
  out += "\"";
  return out;
}

// Scalar readers other than strings refuse "${": without this a user who
// writes `port: ${PORT}` would get a puzzling "expected an integer".
bool refuse_env(Ctx& ctx, const Field& f, const std::string& s) {
  if (!has_env_reference(s)) return false;
  ctx.error(f.path, f.line, std::string("${...} is not expanded here: ") + std::string(kEnvAllowedIn));
  return true;
}

}  // namespace

int line_of(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.line >= 0 ? m.line + 1 : 0;
}

std::string_view kind_of(const YAML::Node& n) {
  if (!n.IsDefined() || n.IsNull()) return "nothing";
  if (n.IsMap()) return "a mapping";
  if (n.IsSequence()) return "a list";
  return "a single value";
}

std::string child_path(std::string_view parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  std::string out(parent);
  out += '.';
  out += key;
  return out;
}

std::string index_path(std::string_view parent, std::size_t i) {
  return std::string(parent) + "[" + std::to_string(i) + "]";
}

MapReader::MapReader(Ctx& ctx, const Field& f, std::span<const std::string_view> allowed)
    : ctx_(ctx), path_(f.path), line_(f.line) {
  collect(f.node, allowed, false);
}

MapReader::MapReader(Ctx& ctx, const Field& f) : ctx_(ctx), path_(f.path), line_(f.line) {
  collect(f.node, {}, true);
}

void MapReader::collect(const YAML::Node& node, std::span<const std::string_view> allowed, bool any_key) {
  if (!node.IsDefined() || node.IsNull()) return;
  if (!node.IsMap()) {
    valid_ = false;
    ctx_.error(path_, line_, "expected a mapping (got " + std::string(kind_of(node)) + ")");
    return;
  }
  if (const int l = line_of(node)) line_ = l;
  for (const auto& kv : node) {
    const int key_line = line_of(kv.first) ? line_of(kv.first) : line_;
    if (!kv.first.IsScalar()) {
      ctx_.error(path_, key_line, "keys must be plain strings (got " + std::string(kind_of(kv.first)) + ")");
      continue;
    }
    const std::string key = kv.first.Scalar();
    const std::string path = child_path(path_, key);
    bool duplicate = false;
    for (const auto& it : items_) {
      if (it.key == key) {
        ctx_.error(path, key_line, "duplicate key (first at line " + std::to_string(it.field.line) + ")");
        duplicate = true;
        break;
      }
    }
    if (duplicate) continue;
    if (!any_key) {
      bool known = false;
      for (std::string_view a : allowed) known = known || a == key;
      if (!known) {
        if (key == "<<") {
          ctx_.error(path, key_line, "merge keys (<<) are not supported; write the settings out");
        } else if (const std::string hint = did_you_mean(key, allowed); !hint.empty()) {
          ctx_.error(path, key_line, "unknown key (did you mean " + hint + "?)");
        } else {
          ctx_.error(path, key_line, "unknown key (valid keys here: " + join(allowed) + ")");
        }
        continue;
      }
    }
    items_.push_back(Item{key, Field{kv.second, path, key_line}});
  }
}

std::optional<Field> MapReader::get(std::string_view key) const {
  for (const auto& it : items_)
    if (it.key == key) return it.field;
  return std::nullopt;
}

void MapReader::missing(std::string_view key, std::string_view why) const {
  std::string msg = "missing required key";
  if (!why.empty()) {
    msg += " (";
    msg += why;
    msg += ")";
  }
  ctx_.error(child_path(path_, key), line_, std::move(msg));
}

void MapReader::reject(std::span<const std::string_view> keys, std::string_view message) const {
  for (const auto& it : items_)
    for (std::string_view k : keys)
      if (it.key == k) ctx_.error(it.field.path, it.field.line, std::string(message));
}

std::vector<Field> MapReader::entries() const {
  std::vector<Field> out;
  out.reserve(items_.size());
  for (const auto& it : items_) out.push_back(it.field);
  return out;
}

std::vector<std::string> MapReader::keys() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& it : items_) out.push_back(it.key);
  return out;
}

std::optional<std::string> read_string(Ctx& ctx, const Field& f, Env env) {
  if (!f.node.IsDefined() || f.node.IsNull()) return std::string();
  if (!f.node.IsScalar()) {
    ctx.error(f.path, f.line, "expected a string (got " + std::string(kind_of(f.node)) + ")");
    return std::nullopt;
  }
  const std::string& raw = f.node.Scalar();
  if (env == Env::no) {
    if (refuse_env(ctx, f, raw)) return std::nullopt;
    return raw;
  }
  Expansion e = expand_env(raw);
  if (e.ok()) return std::move(e.value);
  for (const auto& name : e.unset) ctx.error(f.path, f.line, "environment variable " + name + " is not set");
  if (!e.error.empty()) ctx.error(f.path, f.line, e.error);
  return std::nullopt;
}

std::optional<bool> read_bool(Ctx& ctx, const Field& f) {
  if (!f.node.IsScalar()) {
    ctx.error(f.path, f.line, "expected a boolean: true or false (got " + std::string(kind_of(f.node)) + ")");
    return std::nullopt;
  }
  const std::string& s = f.node.Scalar();
  if (refuse_env(ctx, f, s)) return std::nullopt;
  // Only true/false: YAML 1.1's yes/no/on/off are a classic source of surprises.
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  ctx.error(f.path, f.line, "expected a boolean: true or false");
  return std::nullopt;
}

std::optional<std::uint64_t> read_uint(Ctx& ctx, const Field& f, std::uint64_t min, std::uint64_t max) {
  if (!f.node.IsScalar()) {
    ctx.error(f.path, f.line, "expected an integer (got " + std::string(kind_of(f.node)) + ")");
    return std::nullopt;
  }
  const std::string& s = f.node.Scalar();
  if (refuse_env(ctx, f, s)) return std::nullopt;
  std::string_view digits = s;
  bool negative = false;
  if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
    negative = digits[0] == '-';
    digits.remove_prefix(1);
  }
  const bool all_digits = !digits.empty() && digits.find_first_not_of("0123456789") == std::string_view::npos;
  if (!all_digits) {
    ctx.error(f.path, f.line, "expected an integer");
    return std::nullopt;
  }
  std::uint64_t v = 0;
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  const bool overflow = ec != std::errc() || ptr != digits.data() + digits.size();
  if (overflow || (negative && v != 0) || v < min || v > max) {
    ctx.error(f.path, f.line,
              "out of range: must be between " + std::to_string(min) + " and " + std::to_string(max) +
                  " (got " + quoted_excerpt(s) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<double> read_number(Ctx& ctx, const Field& f, double min, double max) {
  if (!f.node.IsScalar()) {
    ctx.error(f.path, f.line, "expected a number (got " + std::string(kind_of(f.node)) + ")");
    return std::nullopt;
  }
  const std::string& s = f.node.Scalar();
  if (refuse_env(ctx, f, s)) return std::nullopt;
  std::string_view text = s;
  if (!text.empty() && text[0] == '+') text.remove_prefix(1);
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(v)) {
    ctx.error(f.path, f.line, "expected a number");
    return std::nullopt;
  }
  if (v < min || v > max) {
    auto fmt = [](double d) {
      char buf[400];  // fits any double in fixed notation
      const auto res = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::fixed);
      return std::string(buf, res.ptr);
    };
    ctx.error(f.path, f.line,
              "out of range: must be between " + fmt(min) + " and " + fmt(max) + " (got " +
                  quoted_excerpt(s) + ")");
    return std::nullopt;
  }
  return v;
}

void report_bad_enum(Ctx& ctx, const Field& f, std::string_view got,
                     std::span<const std::string_view> allowed) {
  std::string msg = "invalid value " + quoted_excerpt(got) + ": expected one of " + join(allowed);
  if (const std::string hint = did_you_mean(got, allowed); !hint.empty())
    msg += " (did you mean " + hint + "?)";
  ctx.error(f.path, f.line, std::move(msg));
}

void read_into(Ctx& ctx, const MapReader& m, std::string_view key, std::string& out, Env env) {
  if (auto f = m.get(key))
    if (auto v = read_string(ctx, *f, env)) out = std::move(*v);
}

void read_into(Ctx& ctx, const MapReader& m, std::string_view key, bool& out) {
  if (auto f = m.get(key))
    if (auto v = read_bool(ctx, *f)) out = *v;
}

}  // namespace fw::config::detail
