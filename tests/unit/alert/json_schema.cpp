#include "json_schema.hpp"

#include <regex>
#include <string_view>

namespace fw::test {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

bool is_integer(element e) {
  if (e.is_int64() || e.is_uint64()) return true;
  if (e.type() == element_type::DOUBLE) {
    double d = double(e);
    return d == static_cast<double>(static_cast<long long>(d));
  }
  return false;
}

std::string type_of(element e) {
  switch (e.type()) {
    case element_type::ARRAY: return "array";
    case element_type::OBJECT: return "object";
    case element_type::INT64:
    case element_type::UINT64: return "integer";
    case element_type::DOUBLE: return is_integer(e) ? "integer" : "number";
    case element_type::STRING: return "string";
    case element_type::BOOL: return "boolean";
    case element_type::NULL_VALUE: return "null";
  }
  return "?";
}

bool has_type(element e, std::string_view t) {
  std::string actual = type_of(e);
  return actual == t || (t == "number" && actual == "integer");
}

double as_double(element e) {
  if (e.is_int64()) return static_cast<double>(int64_t(e));
  if (e.is_uint64()) return static_cast<double>(uint64_t(e));
  return double(e);
}

bool json_equal(element a, element b) {
  bool an = a.is_number(), bn = b.is_number();
  if (an || bn) return an && bn && as_double(a) == as_double(b);
  return simdjson::minify(a) == simdjson::minify(b);
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s)
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++n;
  return n;
}

class Checker {
 public:
  explicit Checker(element root) : root_(root) {}

  void check(element schema, element v, const std::string& path) {
    if (schema.is_bool()) {
      if (!bool(schema)) fail(path, "no value is allowed here");
      return;
    }
    simdjson::dom::object s = schema;
    for (auto [key, kw] : s) {
      if (key == "$schema" || key == "$id" || key == "title" || key == "description" || key == "examples" ||
          key == "$defs" || key == "$comment") {
        continue;
      } else if (key == "$ref") {
        std::string_view ref = kw;
        constexpr std::string_view prefix = "#/$defs/";
        if (!ref.starts_with(prefix)) {
          fail(path, "unsupported $ref " + std::string(ref));
          continue;
        }
        element target;
        if (root_["$defs"][ref.substr(prefix.size())].get(target)) {
          fail(path, "dangling $ref " + std::string(ref));
          continue;
        }
        check(target, v, path);
      } else if (key == "type") {
        bool ok = false;
        if (kw.is_string()) {
          ok = has_type(v, std::string_view(kw));
        } else {
          for (element t : simdjson::dom::array(kw)) ok = ok || has_type(v, std::string_view(t));
        }
        if (!ok) fail(path, "type " + type_of(v) + " not allowed by " + simdjson::minify(kw));
      } else if (key == "enum") {
        bool ok = false;
        for (element option : simdjson::dom::array(kw)) ok = ok || json_equal(option, v);
        if (!ok) fail(path, simdjson::minify(v) + " not in enum " + simdjson::minify(kw));
      } else if (key == "const") {
        if (!json_equal(kw, v)) fail(path, simdjson::minify(v) + " is not " + simdjson::minify(kw));
      } else if (key == "properties") {
        if (!v.is_object()) continue;
        for (auto [name, sub] : simdjson::dom::object(kw)) {
          element child;
          if (!v[name].get(child)) check(sub, child, path + "/" + std::string(name));
        }
      } else if (key == "required") {
        if (!v.is_object()) continue;
        for (element name : simdjson::dom::array(kw)) {
          element child;
          if (v[std::string_view(name)].get(child)) fail(path, "missing required " + std::string(std::string_view(name)));
        }
      } else if (key == "additionalProperties") {
        if (!v.is_object()) continue;
        element props;
        bool has_props = !s["properties"].get(props);
        for (auto [name, child] : simdjson::dom::object(v)) {
          element declared;
          if (has_props && !props[name].get(declared)) continue;
          check(kw, child, path + "/" + std::string(name));
        }
      } else if (key == "items") {
        if (!v.is_array()) continue;
        std::size_t i = 0;
        for (element item : simdjson::dom::array(v)) check(kw, item, path + "/" + std::to_string(i++));
      } else if (key == "minItems" || key == "maxItems") {
        if (!v.is_array()) continue;
        std::size_t n = simdjson::dom::array(v).size();
        if (key == "minItems" ? n < uint64_t(kw) : n > uint64_t(kw)) fail(path, std::string(key) + " violated");
      } else if (key == "minLength" || key == "maxLength") {
        if (!v.is_string()) continue;
        std::size_t n = code_points(std::string_view(v));
        if (key == "minLength" ? n < uint64_t(kw) : n > uint64_t(kw)) fail(path, std::string(key) + " violated");
      } else if (key == "pattern") {
        if (!v.is_string()) continue;
        std::regex re(std::string(std::string_view(kw)), std::regex::ECMAScript);
        std::string text{std::string_view(v)};
        if (!std::regex_search(text, re)) fail(path, "'" + text + "' does not match " + std::string(std::string_view(kw)));
      } else if (key == "minimum" || key == "maximum") {
        if (!v.is_number()) continue;
        double x = as_double(v), bound = as_double(kw);
        if (key == "minimum" ? x < bound : x > bound) fail(path, std::string(key) + " violated");
      } else if (key == "anyOf" || key == "oneOf" || key == "allOf") {
        std::size_t passed = 0, total = 0;
        for (element sub : simdjson::dom::array(kw)) {
          ++total;
          Checker inner(root_);
          inner.check(sub, v, path);
          if (inner.errors.empty()) ++passed;
          else if (key == "allOf") errors.insert(errors.end(), inner.errors.begin(), inner.errors.end());
        }
        if (key == "anyOf" && passed == 0) fail(path, "matches none of anyOf");
        if (key == "oneOf" && passed != 1) fail(path, "matches " + std::to_string(passed) + " of oneOf");
      } else {
        fail(path, "unsupported keyword " + std::string(key));
      }
    }
  }

  std::vector<std::string> errors;

 private:
  void fail(const std::string& path, std::string what) { errors.push_back((path.empty() ? "/" : path) + ": " + what); }
  element root_;
};

}  // namespace

std::vector<std::string> validate(element schema_root, element instance) {
  Checker c(schema_root);
  c.check(schema_root, instance, "");
  return c.errors;
}

}  // namespace fw::test
