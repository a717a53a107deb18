// Standard base64 (RFC 4648 section 4 alphabet). Pure; shared by config
// (webhook secret validation) and delivery (signatures).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fw {

// With '=' padding.
std::string base64_encode(std::string_view bytes);
// Padding optional (Standard Webhooks libraries accept unpadded secrets);
// nullopt on a character outside the alphabet or an impossible length.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace fw
