// Test helper: a small JSON Schema (2020-12) checker, enough for
// docs/schemas/*.json, so the tests prove the documented schemas describe
// what the code really accepts and emits.
//
// Supported: type, enum, const, properties, required, additionalProperties,
// items, minItems, maxItems, minLength, maxLength, pattern, minimum, maximum,
// anyOf, allOf, oneOf, $ref ("#/$defs/<name>"); annotations ($schema, $id,
// title, description, examples, $defs, $comment) are skipped. Any other
// keyword is reported as an error, so a schema cannot quietly rely on a rule
// this checker would ignore.
#pragma once

#include <string>
#include <vector>

#include <simdjson.h>

namespace fw::test {

// Problems found, each "<json pointer>: <what>"; empty when `instance` is valid.
std::vector<std::string> validate(simdjson::dom::element schema_root, simdjson::dom::element instance);

}  // namespace fw::test
