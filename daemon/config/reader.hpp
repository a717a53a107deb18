// Internal to fw_config: typed, error-collecting access to a yaml-cpp tree.
// Nothing outside daemon/config/ includes this (it would leak yaml-cpp).
//
// Every reader reports problems into a Ctx (path + 1-based line + message)
// and returns nullopt instead of throwing, so one pass finds every error.
// Messages never echo the value of a field (it may be a secret); they echo
// only enum spellings and numbers.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.hpp"

namespace fw::config::detail {

class Ctx {
 public:
  explicit Ctx(std::filesystem::path base_dir) : base_dir_(std::move(base_dir)) {}
  void error(std::string path, int line, std::string message) {
    errors_.push_back(Error{std::move(path), line, std::move(message)});
  }
  const std::filesystem::path& base_dir() const noexcept { return base_dir_; }
  std::vector<Error>& errors() noexcept { return errors_; }

 private:
  std::filesystem::path base_dir_;
  std::vector<Error> errors_;
};

// 1-based line of a node, 0 when it has no position.
int line_of(const YAML::Node& n);
// "a mapping", "a list", "a string", "nothing": what a node is, for messages.
std::string_view kind_of(const YAML::Node& n);
std::string child_path(std::string_view parent, std::string_view key);
std::string index_path(std::string_view parent, std::size_t i);

// A value found in a mapping (or a list item): the node and where it is.
// `line` is the key's line, which is where a reader looks for the mistake.
struct Field {
  YAML::Node node;
  std::string path;
  int line = 0;
};

// One YAML mapping. The constructor reports a value that is not a mapping,
// non-scalar keys, duplicate keys and (when `allowed` is given) unknown keys
// with a did-you-mean hint. An absent or null node reads as an empty mapping.
class MapReader {
 public:
  MapReader(Ctx& ctx, const Field& f, std::span<const std::string_view> allowed);
  MapReader(Ctx& ctx, const Field& f, std::initializer_list<std::string_view> allowed)
      : MapReader(ctx, f, std::span<const std::string_view>(allowed.begin(), allowed.size())) {}
  // Free-form mapping (header names, ...): any key is accepted.
  MapReader(Ctx& ctx, const Field& f);

  bool valid() const noexcept { return valid_; }
  const std::string& path() const noexcept { return path_; }
  int line() const noexcept { return line_; }

  std::optional<Field> get(std::string_view key) const;
  bool has(std::string_view key) const { return get(key).has_value(); }
  // Reports "<path>.<key>: missing required key <why>" at the mapping's line.
  void missing(std::string_view key, std::string_view why = {}) const;
  // Reports each present key of `keys` with `message` ("only valid for ...").
  void reject(std::span<const std::string_view> keys, std::string_view message) const;
  std::vector<Field> entries() const;  // in document order, duplicates dropped
  std::vector<std::string> keys() const;

 private:
  void collect(const YAML::Node& node, std::span<const std::string_view> allowed, bool any_key);

  Ctx& ctx_;
  std::string path_;
  int line_ = 0;
  bool valid_ = true;
  struct Item {
    std::string key;
    Field field;
  };
  std::vector<Item> items_;
};

// Calls fn(Field) for each item of a list; reports a value that is not a list.
// Absent or null reads as empty. Returns false when the value was not a list.
template <class F>
bool for_each_item(Ctx& ctx, const Field& f, F&& fn) {
  if (!f.node.IsDefined() || f.node.IsNull()) return true;
  if (!f.node.IsSequence()) {
    ctx.error(f.path, f.line, "expected a list (got " + std::string(kind_of(f.node)) + ")");
    return false;
  }
  std::size_t i = 0;
  for (const auto& item : f.node) {
    const int l = line_of(item);
    fn(Field{item, index_path(f.path, i), l ? l : f.line});
    ++i;
  }
  return true;
}

enum class Env : bool { no, yes };

// Scalar readers. On a problem they report it and return nullopt. Null reads
// as "" for strings. Env::no rejects "${" with a pointer to where it works.
std::optional<std::string> read_string(Ctx& ctx, const Field& f, Env env = Env::no);
std::optional<bool> read_bool(Ctx& ctx, const Field& f);
std::optional<std::uint64_t> read_uint(Ctx& ctx, const Field& f, std::uint64_t min, std::uint64_t max);
std::optional<double> read_number(Ctx& ctx, const Field& f, double min, double max);

template <class E>
using EnumTable = std::span<const std::pair<std::string_view, E>>;

// Unknown spellings are reported with the allowed list and a hint.
void report_bad_enum(Ctx& ctx, const Field& f, std::string_view got,
                     std::span<const std::string_view> allowed);

template <class E>
std::optional<E> read_enum(Ctx& ctx, const Field& f, EnumTable<E> table) {
  auto s = read_string(ctx, f);
  if (!s) return std::nullopt;
  for (const auto& [name, value] : table)
    if (name == *s) return value;
  std::vector<std::string_view> names;
  for (const auto& [name, value] : table) names.push_back(name);
  report_bad_enum(ctx, f, *s, names);
  return std::nullopt;
}

// Convenience: read `key` of `m` into `out` when present.
void read_into(Ctx& ctx, const MapReader& m, std::string_view key, std::string& out, Env env = Env::no);
void read_into(Ctx& ctx, const MapReader& m, std::string_view key, bool& out);
template <class T>
void read_into(Ctx& ctx, const MapReader& m, std::string_view key, T& out, std::uint64_t min,
               std::uint64_t max) {
  if (auto f = m.get(key))
    if (auto v = read_uint(ctx, *f, min, max)) out = static_cast<T>(*v);
}

}  // namespace fw::config::detail
