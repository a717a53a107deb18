// ${ENV_VAR} interpolation for the config fields that allow it (urls, header
// values, secrets, subscribe_message, file paths). Pure apart from the
// lookup function the caller passes.
//
// Grammar: "${NAME}" with NAME = [A-Za-z_][A-Za-z0-9_]* is replaced by the
// variable's value (set but empty is allowed and yields ""); "$${" is a
// literal "${" (what follows is not expanded); any other '$' is literal.
// Expanded values are not expanded again. There is no default syntax
// (${NAME:-x} is an error).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace fw::config {

struct Expansion {
  std::string value;               // meaningful only when ok()
  std::vector<std::string> unset;  // names of referenced variables that are not set
  std::string error;               // syntax problem ("unterminated ${"), never contains a value
  bool ok() const noexcept { return unset.empty() && error.empty(); }
};

// lookup(name) returns nullptr when the variable is not set.
using EnvLookup = std::function<const char*(const std::string& name)>;

Expansion expand_env(std::string_view text, const EnvLookup& lookup);
// Same with the process environment (std::getenv).
Expansion expand_env(std::string_view text);

// True when `text` holds "${" that is not the "$${" escape, i.e. something
// expand_env would try to replace.
bool has_env_reference(std::string_view text) noexcept;

}  // namespace fw::config
